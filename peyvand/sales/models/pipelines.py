"""Pipelines, stages, deals and their stage history.

A pipeline is an ordered list of stages; a deal sits in exactly one stage of one pipeline. Moving
a deal is recorded as a StageChange (with the time spent in the stage it left); a stage of kind
won/lost closes the deal. Writes go through peyvand.sales.services."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from peyvand.accounts import permissions
from peyvand.accounts.models import Team
from peyvand.commerce.models import Currency
from peyvand.contacts.models import Company, Contact

__all__ = [
    "DEALS",
    "DEAL_REQUIRED_FIELDS",
    "MONEY_DIGITS",
    "MONEY_PLACES",
    "SALES_SETUP",
    "Currency",
    "Deal",
    "DealProduct",
    "DealStatus",
    "LostReason",
    "Pipeline",
    "Stage",
    "StageChange",
    "StageKind",
]

# Working deals (board, list, deal page) and configuring pipelines/lost reasons are granted
# separately, like leads and lead set-up.
DEALS = "deals"
SALES_SETUP = "sales_setup"

# Money is Decimal with two places everywhere; rial and toman are shown without decimals.
MONEY_DIGITS = 20
MONEY_PLACES = 2


class StageKind(models.TextChoices):
    OPEN = "open", _("Open")
    WON = "won", _("Won")
    LOST = "lost", _("Lost")


class DealStatus(models.TextChoices):
    OPEN = "open", _("Open")
    WON = "won", _("Won")
    LOST = "lost", _("Lost")


# Fields a stage may require before a deal enters it (Stage.required_fields).
DEAL_REQUIRED_FIELDS: dict[str, str] = {
    "amount": _("Amount"),
    "expected_close": _("Expected close date"),
    "contact": _("Contact"),
    "company": _("Company"),
    "owner": _("Owner"),
    "products": _("Products"),
}


class Pipeline(models.Model):
    name = models.CharField(_("name"), max_length=120)
    order = models.PositiveIntegerField(_("order"), default=0)
    is_default = models.BooleanField(_("default pipeline"), default=False)
    is_active = models.BooleanField(_("active"), default=True)
    # Days without activity after which an open deal "rots"; a stage may override it. Empty: never.
    rotting_days = models.PositiveIntegerField(
        _("rotting after (days)"),
        null=True,
        blank=True,
        default=14,
        validators=[MinValueValidator(1), MaxValueValidator(3650)],
        help_text=_("Open deals with no activity for this many days are flagged. Empty: never."),
    )
    currency = models.CharField(
        _("default currency"), max_length=3, choices=Currency.choices, default=Currency.IRR
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["order", "id"]
        verbose_name = _("pipeline")
        verbose_name_plural = _("pipelines")
        constraints = [
            models.UniqueConstraint(
                fields=["is_default"], condition=Q(is_default=True), name="pipeline_one_default"
            )
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("sales:board", args=[self.pk])


class Stage(models.Model):
    pipeline = models.ForeignKey(
        Pipeline, verbose_name=_("pipeline"), on_delete=models.CASCADE, related_name="stages"
    )
    name = models.CharField(_("name"), max_length=120)
    order = models.PositiveIntegerField(_("order"), default=0)
    probability = models.PositiveSmallIntegerField(
        _("win probability (%)"),
        default=0,
        validators=[MinValueValidator(0), MaxValueValidator(100)],
    )
    kind = models.CharField(
        _("kind"), max_length=10, choices=StageKind.choices, default=StageKind.OPEN
    )
    # Codes from DEAL_REQUIRED_FIELDS, e.g. ["amount", "expected_close"].
    required_fields = models.JSONField(_("required fields"), default=list, blank=True)
    rotting_days = models.PositiveIntegerField(
        _("rotting after (days)"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(3650)],
        help_text=_("Overrides the pipeline's setting for this stage. Empty: the pipeline's."),
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["pipeline", "order", "id"]
        verbose_name = _("stage")
        verbose_name_plural = _("stages")
        indexes = [models.Index(fields=["pipeline", "order"], name="stage_pipeline_order")]
        constraints = [
            models.CheckConstraint(condition=Q(probability__lte=100), name="stage_probability_max")
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_closed(self) -> bool:
        return self.kind != StageKind.OPEN

    def effective_rotting_days(self, pipeline: Pipeline | None = None) -> int | None:
        """This stage's own setting, else the pipeline's; None: deals here never rot."""
        if self.kind != StageKind.OPEN:
            return None
        if self.rotting_days:
            return self.rotting_days
        return (pipeline or self.pipeline).rotting_days

    @property
    def required_field_labels(self) -> list[str]:
        return [str(DEAL_REQUIRED_FIELDS.get(code, code)) for code in self.required_fields or []]


class LostReason(models.Model):
    name = models.CharField(_("name"), max_length=120)
    order = models.PositiveIntegerField(_("order"), default=0)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["order", "id"]
        verbose_name = _("lost reason")
        verbose_name_plural = _("lost reasons")

    def __str__(self) -> str:
        return self.name


class DealQuerySet(models.QuerySet):
    def visible_to(self, user):
        if not permissions.has_perm(user, DEALS, permissions.VIEW):
            return self.none()
        condition = permissions.visible_filter(user, DEALS)
        return self.filter(condition) if condition else self

    def open(self):
        return self.filter(status=DealStatus.OPEN)


class Deal(models.Model):
    title = models.CharField(_("title"), max_length=200)
    contact = models.ForeignKey(
        Contact,
        verbose_name=_("contact"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="deals",
    )
    company = models.ForeignKey(
        Company,
        verbose_name=_("company"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="deals",
    )
    amount = models.DecimalField(
        _("amount"),
        max_digits=MONEY_DIGITS,
        decimal_places=MONEY_PLACES,
        default=Decimal(0),
        validators=[MinValueValidator(Decimal(0))],
    )
    currency = models.CharField(
        _("currency"), max_length=3, choices=Currency.choices, default=Currency.IRR
    )
    expected_close = models.DateField(_("expected close date"), null=True, blank=True)

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="deals",
    )
    team = models.ForeignKey(
        Team,
        verbose_name=_("team"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="deals",
    )
    source_lead = models.ForeignKey(
        "leads.Lead",
        verbose_name=_("source lead"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="deals",
    )
    source_campaign = models.CharField(_("source campaign"), max_length=200, blank=True)

    # Denormalised from stage so the board and lists filter on one table with one index.
    pipeline = models.ForeignKey(
        Pipeline, verbose_name=_("pipeline"), on_delete=models.PROTECT, related_name="deals"
    )
    stage = models.ForeignKey(
        Stage, verbose_name=_("stage"), on_delete=models.PROTECT, related_name="deals"
    )
    status = models.CharField(
        _("status"), max_length=10, choices=DealStatus.choices, default=DealStatus.OPEN
    )
    lost_reason = models.ForeignKey(
        LostReason,
        verbose_name=_("lost reason"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="deals",
    )
    lost_note = models.CharField(_("note on the loss"), max_length=500, blank=True)
    won_at = models.DateTimeField(_("won"), null=True, blank=True)
    lost_at = models.DateTimeField(_("lost"), null=True, blank=True)

    last_activity_at = models.DateTimeField(_("last activity"), default=timezone.now)
    stage_entered_at = models.DateTimeField(_("in this stage since"), default=timezone.now)
    # Order of cards within a board column (ascending); gaps leave room to drop between two.
    position = models.BigIntegerField(_("position"), default=0)

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = DealQuerySet.as_manager()

    class Meta:
        verbose_name = _("deal")
        verbose_name_plural = _("deals")
        indexes = [
            # The board: one pipeline's open deals, column by column, in card order.
            models.Index(
                fields=["pipeline", "stage", "position", "id"],
                name="deal_board",
                condition=Q(status="open"),
            ),
            # Lists are keyset-paginated newest first (-id); each common filter leads an index.
            models.Index(fields=["status", "-id"], name="deal_status"),
            models.Index(fields=["pipeline", "status", "-id"], name="deal_pipeline_status"),
            models.Index(fields=["owner", "status", "-id"], name="deal_owner_status"),
            models.Index(fields=["team", "status", "-id"], name="deal_team_status"),
            models.Index(fields=["status", "expected_close"], name="deal_close_date"),
            models.Index(fields=["contact", "-created_at"], name="deal_contact"),
            models.Index(fields=["company", "-created_at"], name="deal_company"),
            models.Index(fields=["source_lead"], name="deal_source_lead"),
            # Rotting: open deals of a stage whose last activity is older than a cut-off.
            models.Index(
                fields=["stage", "last_activity_at"],
                name="deal_rotting",
                condition=Q(status="open"),
            ),
            models.Index(fields=["status", "won_at"], name="deal_won_at"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gte=0), name="deal_amount_not_negative")
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("sales:deal", args=[self.pk])

    @property
    def is_open(self) -> bool:
        return self.status == DealStatus.OPEN

    @property
    def weighted_amount(self) -> Decimal:
        """Amount × the stage's win probability (won deals count fully, lost ones not at all)."""
        if self.status == DealStatus.WON:
            return self.amount
        if self.status == DealStatus.LOST:
            return Decimal(0)
        return (self.amount * self.stage.probability / Decimal(100)).quantize(Decimal("0.01"))

    def rotting_days(self) -> int | None:
        if not self.is_open:
            return None
        return self.stage.effective_rotting_days(self.pipeline)

    def is_rotting(self, now=None) -> bool:
        days = self.rotting_days()
        if not days:
            return False
        return self.last_activity_at < (now or timezone.now()) - dt.timedelta(days=days)

    def days_idle(self, now=None) -> int:
        return max(0, ((now or timezone.now()) - self.last_activity_at).days)


class DealProduct(models.Model):
    """One product line on a deal. `product` links the catalogue (commerce) when it exists;
    name and price are copied so the deal reads the same after the catalogue changes."""

    deal = models.ForeignKey(Deal, on_delete=models.CASCADE, related_name="lines")
    product = models.ForeignKey(
        "commerce.Product",
        verbose_name=_("product"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="deal_lines",
    )
    name = models.CharField(_("product"), max_length=200)
    quantity = models.DecimalField(
        _("quantity"),
        max_digits=14,
        decimal_places=3,
        default=Decimal(1),
        validators=[MinValueValidator(Decimal("0.001"))],
    )
    unit_price = models.DecimalField(
        _("unit price"),
        max_digits=MONEY_DIGITS,
        decimal_places=MONEY_PLACES,
        default=Decimal(0),
        validators=[MinValueValidator(Decimal(0))],
    )
    discount_percent = models.DecimalField(
        _("discount (%)"),
        max_digits=5,
        decimal_places=2,
        default=Decimal(0),
        validators=[MinValueValidator(Decimal(0)), MaxValueValidator(Decimal(100))],
    )
    order = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["deal", "order", "id"]
        verbose_name = _("deal product")
        verbose_name_plural = _("deal products")

    def __str__(self) -> str:
        return self.name

    @property
    def total(self) -> Decimal:
        gross = self.quantity * self.unit_price
        discount = gross * self.discount_percent / Decimal(100)
        return (gross - discount).quantize(Decimal("0.01"))


class StageChange(models.Model):
    """A deal entering a stage (the first row of a deal has no from_stage)."""

    deal = models.ForeignKey(Deal, on_delete=models.CASCADE, related_name="stage_changes")
    from_stage = models.ForeignKey(
        Stage,
        verbose_name=_("from stage"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    to_stage = models.ForeignKey(
        Stage,
        verbose_name=_("to stage"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    # Names at the time, so history still reads after a stage is renamed or removed.
    from_stage_name = models.CharField(max_length=120, blank=True)
    to_stage_name = models.CharField(max_length=120, blank=True)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    changed_at = models.DateTimeField(_("when"), default=timezone.now)
    # How long the deal had been in from_stage when it left it.
    seconds_in_previous = models.PositiveBigIntegerField(
        _("time in previous stage (seconds)"), null=True, blank=True
    )

    class Meta:
        ordering = ["-changed_at", "-id"]
        verbose_name = _("stage change")
        verbose_name_plural = _("stage changes")
        indexes = [
            models.Index(fields=["deal", "-changed_at", "-id"], name="stagechange_deal"),
            models.Index(fields=["to_stage", "changed_at"], name="stagechange_to_stage"),
        ]

    def __str__(self) -> str:
        return f"{self.deal_id}: {self.from_stage_name} -> {self.to_stage_name}"
