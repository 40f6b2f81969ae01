"""Sales targets (quotas) per user or team and period, and daily forecast snapshots.

A period is stored whole (calendar, kind, first and last day) so "the target for Mehr 1404" can
never be read as another month by someone whose language uses the other calendar."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from peyvand.accounts.models import Team
from peyvand.core.periods import GREGORIAN, JALALI, MONTH, QUARTER, YEAR, InvalidPeriod, Period

from .pipelines import MONEY_DIGITS, MONEY_PLACES, Currency

__all__ = [
    "ForecastSnapshot",
    "PeriodCalendar",
    "PeriodFields",
    "PeriodKind",
    "SalesTarget",
]

_MONEY = {"max_digits": MONEY_DIGITS, "decimal_places": MONEY_PLACES}


class PeriodCalendar(models.TextChoices):
    JALALI = JALALI, _("Solar Hijri (Jalali)")
    GREGORIAN = GREGORIAN, _("Gregorian")


class PeriodKind(models.TextChoices):
    MONTH = MONTH, _("Month")
    QUARTER = QUARTER, _("Quarter")
    YEAR = YEAR, _("Year")


class PeriodFields(models.Model):
    """A whole calendar period (see core.periods.Period), stored unambiguously."""

    calendar = models.CharField(_("calendar"), max_length=10, choices=PeriodCalendar.choices)
    period_kind = models.CharField(_("period type"), max_length=10, choices=PeriodKind.choices)
    period_start = models.DateField(_("first day"))
    period_end = models.DateField(_("last day"))

    class Meta:
        abstract = True

    @property
    def period(self) -> Period:
        return Period.from_stored(
            self.calendar, self.period_kind, self.period_start, self.period_end
        )

    @period.setter
    def period(self, value: Period) -> None:
        self.calendar = value.calendar
        self.period_kind = value.kind
        self.period_start = value.start
        self.period_end = value.end

    def period_label(self, language: str | None = None) -> str:
        return self.period.label(language)

    def clean(self) -> None:
        super().clean()
        try:
            self.period  # noqa: B018 - validates the stored bounds
        except InvalidPeriod as exc:
            raise ValidationError({"period_start": str(exc)}) from exc


def _one_subject() -> Q:
    return Q(user__isnull=False, team__isnull=True) | Q(user__isnull=True, team__isnull=False)


class SalesTargetQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Targets of the people and teams whose deals `user` may see (the DEALS sharing rule,
        applied to the target's person, their team, or the target's team)."""
        from peyvand.accounts.permissions import visible_filter

        from .pipelines import DEALS

        own = visible_filter(user, DEALS, owner_field="user", team_field="team")
        if not own:
            return self
        members = visible_filter(user, DEALS, owner_field="user", team_field="user__team")
        return self.filter(own | members)

    def for_period(self, period: Period):
        return self.filter(
            calendar=period.calendar,
            period_kind=period.kind,
            period_start=period.start,
            period_end=period.end,
        )


class SalesTarget(PeriodFields):
    """How much a person or a team is expected to win in a period (a quota)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("salesperson"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="sales_targets",
    )
    team = models.ForeignKey(
        Team,
        verbose_name=_("team"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="sales_targets",
    )
    amount = models.DecimalField(
        _("target amount"), validators=[MinValueValidator(Decimal(0))], **_MONEY
    )
    currency = models.CharField(
        _("currency"), max_length=3, choices=Currency.choices, default=Currency.IRR
    )
    note = models.CharField(_("note"), max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = SalesTargetQuerySet.as_manager()

    class Meta:
        ordering = ["-period_start", "period_kind", "id"]
        verbose_name = _("sales target")
        verbose_name_plural = _("sales targets")
        constraints = [
            models.CheckConstraint(condition=_one_subject(), name="sales_target_one_subject"),
            models.CheckConstraint(
                condition=Q(period_end__gte=models.F("period_start")),
                name="sales_target_period_order",
            ),
            models.CheckConstraint(condition=Q(amount__gte=0), name="sales_target_amount_gte_0"),
            models.UniqueConstraint(
                fields=["user", "calendar", "period_kind", "period_start"],
                condition=Q(user__isnull=False),
                name="sales_target_unique_user_period",
            ),
            models.UniqueConstraint(
                fields=["team", "calendar", "period_kind", "period_start"],
                condition=Q(team__isnull=False),
                name="sales_target_unique_team_period",
            ),
        ]
        indexes = [models.Index(fields=["period_start", "period_end"], name="sales_target_period")]

    def __str__(self) -> str:
        return f"{self.user or self.team} · {self.period.code}"

    @property
    def subject(self):
        return self.user or self.team


class ForecastSnapshot(PeriodFields):
    """The forecast for a person, a team or (neither) the whole company and a period, as it
    stood on one day.

    Taken daily by `snapshot_forecast`; comparing an early snapshot with what was finally won is
    the forecast's historic accuracy."""

    taken_on = models.DateField(_("taken on"))
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="forecast_snapshots",
    )
    team = models.ForeignKey(
        Team, null=True, blank=True, on_delete=models.CASCADE, related_name="forecast_snapshots"
    )
    currency = models.CharField(max_length=3, choices=Currency.choices, default=Currency.IRR)
    won = models.DecimalField(_("won"), **_MONEY)
    weighted = models.DecimalField(_("weighted pipeline"), **_MONEY)
    commit = models.DecimalField(_("best case"), **_MONEY)
    pipeline = models.DecimalField(_("open pipeline"), **_MONEY)
    target = models.DecimalField(_("target"), null=True, blank=True, **_MONEY)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-taken_on", "id"]
        verbose_name = _("forecast snapshot")
        verbose_name_plural = _("forecast snapshots")
        constraints = [
            # Neither user nor team: the whole company.
            models.CheckConstraint(
                condition=Q(user__isnull=True) | Q(team__isnull=True),
                name="forecast_snapshot_at_most_one_subject",
            ),
            models.UniqueConstraint(
                fields=["calendar", "period_kind", "period_start", "taken_on"],
                condition=Q(user__isnull=True, team__isnull=True),
                name="forecast_snapshot_unique_total_day",
            ),
            models.UniqueConstraint(
                fields=["user", "calendar", "period_kind", "period_start", "taken_on"],
                condition=Q(user__isnull=False),
                name="forecast_snapshot_unique_user_day",
            ),
            models.UniqueConstraint(
                fields=["team", "calendar", "period_kind", "period_start", "taken_on"],
                condition=Q(team__isnull=False),
                name="forecast_snapshot_unique_team_day",
            ),
        ]
        indexes = [
            models.Index(
                fields=["calendar", "period_kind", "period_start", "taken_on"],
                name="forecast_snapshot_period",
            )
        ]

    def __str__(self) -> str:
        return f"{self.user or self.team or '*'} · {self.period_start} @ {self.taken_on}"

    @property
    def forecast(self) -> Decimal:
        """What the forecast said would close: won so far plus the weighted open pipeline."""
        return self.won + self.weighted
