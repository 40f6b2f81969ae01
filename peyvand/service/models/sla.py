"""Service levels: business calendars and holidays, SLA policies, each ticket's SLA clock, breaches,
and customer-satisfaction (CSAT) surveys."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from peyvand.service.business_hours import (
    IRAN_WEEKLY_HOURS,
    IRANIAN_WEEK,
    InvalidHours,
    Schedule,
    check_intervals,
    format_intervals,
    zone,
)

__all__ = [
    "WEEKDAY_LABELS",
    "BusinessCalendar",
    "CsatChannel",
    "CsatSurvey",
    "Holiday",
    "SlaBreach",
    "SlaMetric",
    "SlaPolicy",
    "SlaState",
    "TicketSla",
    "default_weekly_hours",
    "hash_csat_token",
]

# Python weekday -> label (Monday = 0).
WEEKDAY_LABELS = {
    0: _("Monday"),
    1: _("Tuesday"),
    2: _("Wednesday"),
    3: _("Thursday"),
    4: _("Friday"),
    5: _("Saturday"),
    6: _("Sunday"),
}


def default_weekly_hours() -> dict[str, list[list[int]]]:
    return {str(day): [list(i) for i in IRAN_WEEKLY_HOURS[day]] for day in range(7)}


class BusinessCalendar(models.Model):
    """When the service desk works: weekly hours in a time zone, plus holidays.

    `weekly_hours` maps the Python weekday ("0" = Monday) to a list of [start, end] minutes from
    local midnight; several intervals a day are allowed (a lunch break)."""

    name = models.CharField(_("name"), max_length=120, unique=True)
    time_zone = models.CharField(_("time zone"), max_length=64, default="Asia/Tehran")
    weekly_hours = models.JSONField(_("weekly hours"), default=default_weekly_hours)
    is_default = models.BooleanField(_("default calendar"), default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-is_default", "name"]
        verbose_name = _("business calendar")
        verbose_name_plural = _("business calendars")
        constraints = [
            models.UniqueConstraint(
                fields=["is_default"], condition=Q(is_default=True), name="sla_one_default_calendar"
            )
        ]

    def __str__(self) -> str:
        return self.name

    def intervals(self, weekday: int) -> list[tuple[int, int]]:
        return [tuple(i) for i in (self.weekly_hours or {}).get(str(weekday), [])]

    def week_rows(self) -> list[tuple[int, str, str]]:
        """(weekday, label, "08:00-17:00") in the order of the Iranian week, for display."""
        return [
            (day, str(WEEKDAY_LABELS[day]), format_intervals(self.intervals(day)))
            for day in IRANIAN_WEEK
        ]

    def clean(self) -> None:
        errors: dict[str, list] = {}
        try:
            zone(self.time_zone)
        except InvalidHours:
            errors["time_zone"] = [_("Unknown time zone, e.g. Asia/Tehran.")]
        try:
            if not isinstance(self.weekly_hours, dict):
                raise InvalidHours("not a mapping")
            cleaned = {}
            for day in range(7):
                cleaned[str(day)] = [list(i) for i in check_intervals(self.intervals(day))]
            if not any(cleaned.values()):
                raise ValidationError({"weekly_hours": _("Give at least one working interval.")})
            self.weekly_hours = cleaned
        except (InvalidHours, TypeError, ValueError):
            errors["weekly_hours"] = [_("Working hours must be non-overlapping times of day.")]
        if errors:
            raise ValidationError(errors)

    def schedule(self) -> Schedule:
        """The pure schedule with every holiday of this calendar (cached on the instance)."""
        cached = getattr(self, "_schedule", None)
        if cached is None:
            holidays = frozenset(self.holidays.values_list("date", flat=True)) if self.pk else ()
            cached = Schedule(
                self.time_zone,
                {day: self.intervals(day) for day in range(7)},
                frozenset(holidays),
            )
            self._schedule = cached
        return cached

    def forget_schedule(self) -> None:
        self.__dict__.pop("_schedule", None)


class Holiday(models.Model):
    calendar = models.ForeignKey(
        BusinessCalendar,
        verbose_name=_("calendar"),
        on_delete=models.CASCADE,
        related_name="holidays",
    )
    date = models.DateField(_("date"))
    name = models.CharField(_("name"), max_length=120)

    class Meta:
        ordering = ["date"]
        verbose_name = _("holiday")
        verbose_name_plural = _("holidays")
        constraints = [
            models.UniqueConstraint(fields=["calendar", "date"], name="sla_holiday_unique_date")
        ]

    def __str__(self) -> str:
        return f"{self.date} {self.name}"


class SlaPolicy(models.Model):
    """Targets for tickets of some priorities and customer tiers. The first active policy (by
    position) whose conditions all match a ticket applies; an empty condition matches any.

    The customer tier is what the routing rules use too: the customer's tags (contact or
    company, e.g. "VIP") and the contact's lifecycle stage."""

    name = models.CharField(_("name"), max_length=120)
    position = models.PositiveIntegerField(_("order"), default=0)
    is_active = models.BooleanField(_("active"), default=True)
    priorities = models.JSONField(_("priorities"), default=list, blank=True)
    customer_tags = models.JSONField(_("customer tags"), default=list, blank=True)
    lifecycle_stages = models.JSONField(_("customer lifecycle stages"), default=list, blank=True)
    first_response_minutes = models.PositiveIntegerField(
        _("first response within (business minutes)"), validators=[MinValueValidator(1)]
    )
    resolution_minutes = models.PositiveIntegerField(
        _("resolution within (business minutes)"), validators=[MinValueValidator(1)]
    )
    warn_before_minutes = models.PositiveIntegerField(
        _("warn the assignee this many business minutes before"), default=30
    )
    calendar = models.ForeignKey(
        BusinessCalendar,
        verbose_name=_("business calendar"),
        on_delete=models.PROTECT,
        related_name="policies",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["position", "id"]
        verbose_name = _("SLA policy")
        verbose_name_plural = _("SLA policies")

    def __str__(self) -> str:
        return self.name

    def matches(self, *, priority: str, tags: set[str], lifecycle_stage: str) -> bool:
        """`tags` are compared case-insensitively (a tag typed "vip" still matches "VIP")."""
        wanted_tags = {t.casefold() for t in self.customer_tags or []}
        return (
            (not self.priorities or priority in self.priorities)
            and (not wanted_tags or bool(wanted_tags & {t.casefold() for t in tags}))
            and (not self.lifecycle_stages or lifecycle_stage in self.lifecycle_stages)
        )

    def clean(self) -> None:
        if (
            self.first_response_minutes
            and self.resolution_minutes
            and self.first_response_minutes > self.resolution_minutes
        ):
            raise ValidationError(
                {"resolution_minutes": _("Resolution cannot be due before the first response.")}
            )


class SlaMetric(models.TextChoices):
    FIRST_RESPONSE = "first_response", _("First response")
    RESOLUTION = "resolution", _("Resolution")


class SlaState(models.TextChoices):
    RUNNING = "running", _("Running")
    PAUSED = "paused", _("Paused (waiting on the customer)")
    STOPPED = "stopped", _("Stopped (resolved)")


class TicketSla(models.Model):
    """One ticket's SLA clock. Targets are copied from the policy when the clock starts, so a
    later policy change does not move promises already made.

    Due times are `started_at` + target + business time spent paused; they are recomputed on
    every resume. `pauses` keeps the history ([start, end] ISO pairs) for display."""

    ticket = models.OneToOneField(
        "service.Ticket", on_delete=models.CASCADE, related_name="sla", verbose_name=_("ticket")
    )
    policy = models.ForeignKey(
        SlaPolicy,
        verbose_name=_("SLA policy"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="ticket_slas",
    )
    calendar = models.ForeignKey(
        BusinessCalendar, on_delete=models.PROTECT, related_name="ticket_slas"
    )
    state = models.CharField(
        _("state"), max_length=10, choices=SlaState.choices, default=SlaState.RUNNING
    )
    started_at = models.DateTimeField(_("started"))
    first_response_minutes = models.PositiveIntegerField()
    resolution_minutes = models.PositiveIntegerField()
    warn_before_minutes = models.PositiveIntegerField(default=30)
    first_response_due_at = models.DateTimeField(_("first response due"))
    resolution_due_at = models.DateTimeField(_("resolution due"))
    first_responded_at = models.DateTimeField(_("first responded"), null=True, blank=True)
    resolved_at = models.DateTimeField(_("resolved"), null=True, blank=True)
    paused_at = models.DateTimeField(null=True, blank=True)
    paused_seconds = models.PositiveIntegerField(default=0)
    pauses = models.JSONField(default=list, blank=True)
    # Business seconds counted up to the last pause/stop (the live figure is computed).
    elapsed_seconds = models.PositiveIntegerField(_("elapsed business time"), default=0)
    # Business seconds (less pauses) to the first response and to resolution, for the reports'
    # medians and percentiles.
    first_response_seconds = models.PositiveIntegerField(null=True, blank=True)
    resolution_seconds = models.PositiveIntegerField(null=True, blank=True)
    # When the assignee is to be warned (the due time less `warn_before_minutes` of business
    # time), and when they were.
    first_response_warn_at = models.DateTimeField(null=True, blank=True)
    resolution_warn_at = models.DateTimeField(null=True, blank=True)
    first_response_warned_at = models.DateTimeField(null=True, blank=True)
    resolution_warned_at = models.DateTimeField(null=True, blank=True)
    first_response_breached_at = models.DateTimeField(null=True, blank=True)
    resolution_breached_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("ticket SLA")
        verbose_name_plural = _("ticket SLAs")
        indexes = [
            models.Index(fields=["state", "first_response_due_at"], name="sla_state_fr_due"),
            models.Index(fields=["state", "resolution_due_at"], name="sla_state_res_due"),
        ]

    def __str__(self) -> str:
        return f"SLA #{self.ticket_id}"

    @property
    def is_paused(self) -> bool:
        return self.state == SlaState.PAUSED

    def due_at(self, metric: str) -> dt.datetime:
        return getattr(self, f"{metric}_due_at")

    def met_at(self, metric: str) -> dt.datetime | None:
        return self.first_responded_at if metric == SlaMetric.FIRST_RESPONSE else self.resolved_at

    def breached_at(self, metric: str) -> dt.datetime | None:
        return getattr(self, f"{metric}_breached_at")

    def target_minutes(self, metric: str) -> int:
        return getattr(self, f"{metric}_minutes")


class SlaBreach(models.Model):
    """A promise missed: recorded once per ticket and metric, and who was told."""

    ticket = models.ForeignKey(
        "service.Ticket", on_delete=models.CASCADE, related_name="sla_breaches"
    )
    metric = models.CharField(_("metric"), max_length=20, choices=SlaMetric.choices)
    due_at = models.DateTimeField(_("due"))
    breached_at = models.DateTimeField(_("breached"), default=timezone.now)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("assignee"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    escalated_to = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("escalated to"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        ordering = ["-breached_at", "-id"]
        verbose_name = _("SLA breach")
        verbose_name_plural = _("SLA breaches")
        constraints = [
            models.UniqueConstraint(fields=["ticket", "metric"], name="sla_breach_once_per_metric")
        ]

    def __str__(self) -> str:
        return f"{self.get_metric_display()} #{self.ticket_id}"


class CsatChannel(models.TextChoices):
    EMAIL = "email", _("E-mail")
    SMS = "sms", _("SMS")


def hash_csat_token(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


class CsatSurvey(models.Model):
    """A satisfaction survey sent when a ticket is resolved. Only the SHA-256 of the link's token
    is stored: a database leak does not let anyone answer for the customer."""

    ticket = models.ForeignKey(
        "service.Ticket", on_delete=models.CASCADE, related_name="csat_surveys"
    )
    token_hash = models.CharField(max_length=64, unique=True)
    sent_via = models.JSONField(_("sent via"), default=list, blank=True)
    sent_at = models.DateTimeField(_("sent"), default=timezone.now)
    expires_at = models.DateTimeField(_("expires"))
    rating = models.PositiveSmallIntegerField(
        _("rating"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(5)],
    )
    comment = models.TextField(_("comment"), blank=True, max_length=2000)
    answered_at = models.DateTimeField(_("answered"), null=True, blank=True)

    class Meta:
        ordering = ["-sent_at", "-id"]
        verbose_name = _("satisfaction survey")
        verbose_name_plural = _("satisfaction surveys")
        constraints = [
            models.CheckConstraint(
                condition=Q(rating__isnull=True) | Q(rating__gte=1, rating__lte=5),
                name="csat_rating_1_to_5",
            )
        ]
        indexes = [models.Index(fields=["answered_at"], name="csat_answered")]

    def __str__(self) -> str:
        return f"CSAT #{self.ticket_id}"

    @staticmethod
    def new_token() -> str:
        return secrets.token_urlsafe(32)

    @property
    def is_answered(self) -> bool:
        return self.answered_at is not None
