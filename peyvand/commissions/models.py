"""Commission plans, per-user statements per period, their lines, and adjustments.

A statement is computed from the user's won deals (or counted orders' profit) in a period while it
is a draft, reviewed, then approved. An approved statement is locked: the database itself refuses
to change or delete it or its lines (triggers in migration 0002). A later correction to a locked
statement is an Adjustment, which appears as a line of the user's next open statement."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from peyvand.accounts import permissions
from peyvand.accounts.models import Team
from peyvand.commerce.models import Order, ProductCategory
from peyvand.sales.models import Currency, Deal, PeriodFields

COMMISSIONS = "commissions"

MONEY = {"max_digits": 20, "decimal_places": 2}
RATE = {"max_digits": 6, "decimal_places": 3}
PERCENT = [MinValueValidator(Decimal(0)), MaxValueValidator(Decimal(100))]


class Basis(models.TextChoices):
    DEAL_AMOUNT = "deal_amount", _("Amount of won deals")
    ORDER_PROFIT = "order_profit", _("Profit of orders")


class CommissionPlanQuerySet(models.QuerySet):
    def effective_on(self, day):
        return self.filter(
            Q(effective_from__lte=day), Q(effective_to__isnull=True) | Q(effective_to__gte=day)
        )

    def for_user(self, user):
        condition = Q(users=user)
        if user.team_id:
            condition |= Q(teams=user.team_id)
        return self.filter(condition).distinct()


class CommissionPlan(models.Model):
    name = models.CharField(_("name"), max_length=120)
    basis = models.CharField(
        _("paid on"), max_length=20, choices=Basis.choices, default=Basis.DEAL_AMOUNT
    )
    rate = models.DecimalField(
        _("rate (%)"),
        validators=PERCENT,
        help_text=_("Paid on everything without a category rate of its own."),
        **RATE,
    )
    currency = models.CharField(
        _("currency"), max_length=3, choices=Currency.choices, default=Currency.IRR
    )
    effective_from = models.DateField(_("effective from"))
    effective_to = models.DateField(_("effective until"), null=True, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    users = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("salespeople"),
        blank=True,
        related_name="commission_plans",
    )
    teams = models.ManyToManyField(
        Team, verbose_name=_("teams"), blank=True, related_name="commission_plans"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = CommissionPlanQuerySet.as_manager()

    class Meta:
        ordering = ["name", "id"]
        verbose_name = _("commission plan")
        verbose_name_plural = _("commission plans")
        constraints = [
            models.CheckConstraint(
                condition=Q(rate__gte=0, rate__lte=100), name="commission_plan_rate_range"
            ),
            models.CheckConstraint(
                condition=Q(effective_to__isnull=True)
                | Q(effective_to__gte=models.F("effective_from")),
                name="commission_plan_dates_order",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("commissions:plan_edit", args=[self.pk])


class CategoryRate(models.Model):
    """A different rate for products of one category (orders' lines)."""

    plan = models.ForeignKey(
        CommissionPlan, on_delete=models.CASCADE, related_name="category_rates"
    )
    category = models.ForeignKey(
        ProductCategory, verbose_name=_("category"), on_delete=models.CASCADE, related_name="+"
    )
    rate = models.DecimalField(_("rate (%)"), validators=PERCENT, **RATE)

    class Meta:
        ordering = ["plan", "category__name", "id"]
        verbose_name = _("category rate")
        verbose_name_plural = _("category rates")
        constraints = [
            models.UniqueConstraint(fields=["plan", "category"], name="category_rate_unique"),
            models.CheckConstraint(
                condition=Q(rate__gte=0, rate__lte=100), name="category_rate_range"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.category_id}: {self.rate}%"


class Tier(models.Model):
    """Above this share of the target, sales earn this rate instead of the plan's rates.

    Marginal, like tax brackets: with a 100% tier at 8%, only the part of the period's sales
    beyond the target earns 8%."""

    plan = models.ForeignKey(CommissionPlan, on_delete=models.CASCADE, related_name="tiers")
    attainment_from = models.DecimalField(
        _("from target attainment (%)"),
        max_digits=6,
        decimal_places=2,
        validators=[MinValueValidator(Decimal(0)), MaxValueValidator(Decimal(1000))],
    )
    rate = models.DecimalField(_("rate (%)"), validators=PERCENT, **RATE)

    class Meta:
        ordering = ["plan", "attainment_from", "id"]
        verbose_name = _("tier")
        verbose_name_plural = _("tiers")
        constraints = [
            models.UniqueConstraint(fields=["plan", "attainment_from"], name="tier_unique"),
            models.CheckConstraint(condition=Q(rate__gte=0, rate__lte=100), name="tier_rate_range"),
        ]

    def __str__(self) -> str:
        return f"≥{self.attainment_from}%: {self.rate}%"


class StatementStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    REVIEWED = "reviewed", _("Reviewed")
    APPROVED = "approved", _("Approved")


class StatementQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Own statements; managers see their teams' people; wider per the module's sharing."""
        if not permissions.has_perm(user, COMMISSIONS, permissions.VIEW):
            return self.none()
        return self.filter(
            permissions.visible_filter(user, COMMISSIONS, owner_field="user", team_field="team")
        )


class CommissionStatement(PeriodFields):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("salesperson"),
        on_delete=models.PROTECT,
        related_name="commission_statements",
    )
    # The user's team when computed: team managers see their people's statements.
    team = models.ForeignKey(
        Team, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    plan = models.ForeignKey(
        CommissionPlan,
        verbose_name=_("plan"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="statements",
    )
    status = models.CharField(
        _("status"), max_length=10, choices=StatementStatus.choices, default=StatementStatus.DRAFT
    )
    currency = models.CharField(
        _("currency"), max_length=3, choices=Currency.choices, default=Currency.IRR
    )
    target = models.DecimalField(_("target"), null=True, blank=True, **MONEY)
    sales = models.DecimalField(_("sales counted toward the target"), default=0, **MONEY)
    base_total = models.DecimalField(_("commission base"), default=0, **MONEY)
    commission_total = models.DecimalField(_("commission"), default=0, **MONEY)
    adjustment_total = models.DecimalField(_("adjustments"), default=0, **MONEY)
    total = models.DecimalField(_("total payable"), default=0, **MONEY)
    computed_at = models.DateTimeField(_("computed"), null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reviewed_at = models.DateTimeField(_("reviewed"), null=True, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    approved_at = models.DateTimeField(_("approved"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = StatementQuerySet.as_manager()

    class Meta:
        ordering = ["-period_start", "-id"]
        verbose_name = _("commission statement")
        verbose_name_plural = _("commission statements")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "calendar", "period_kind", "period_start"],
                name="commission_statement_unique_period",
            ),
            models.CheckConstraint(
                condition=~Q(status=StatementStatus.APPROVED)
                | Q(approved_at__isnull=False, approved_by__isnull=False),
                name="commission_statement_approval_recorded",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "-period_start", "-id"], name="statement_status"),
            models.Index(fields=["user", "-period_start", "-id"], name="statement_user"),
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.period.code}"

    def get_absolute_url(self) -> str:
        return reverse("commissions:statement", args=[self.pk])

    @property
    def is_locked(self) -> bool:
        return self.status == StatementStatus.APPROVED

    @property
    def attainment(self) -> Decimal | None:
        if not self.target:
            return None
        return (self.sales * 100 / self.target).quantize(Decimal("0.1"))


class LineKind(models.TextChoices):
    DEAL = "deal", _("Won deal")
    ORDER = "order", _("Order")
    ADJUSTMENT = "adjustment", _("Adjustment")


class StatementLine(models.Model):
    statement = models.ForeignKey(
        CommissionStatement, on_delete=models.CASCADE, related_name="lines"
    )
    kind = models.CharField(_("kind"), max_length=12, choices=LineKind.choices)
    deal = models.ForeignKey(
        Deal, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    order = models.ForeignKey(
        Order, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    adjustment = models.ForeignKey(
        "Adjustment", null=True, blank=True, on_delete=models.PROTECT, related_name="lines"
    )
    # Copied so a locked statement reads the same after deals, orders or categories change.
    description = models.CharField(_("description"), max_length=300)
    category = models.CharField(_("category"), max_length=120, blank=True)
    date = models.DateField(_("date"), null=True, blank=True)
    base_amount = models.DecimalField(_("base amount"), **MONEY)
    rate = models.DecimalField(_("rate (%)"), null=True, blank=True, **RATE)
    tier_from = models.DecimalField(
        _("tier (from percent of target)"), null=True, blank=True, max_digits=6, decimal_places=2
    )
    commission = models.DecimalField(_("commission"), **MONEY)
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["statement", "position", "id"]
        verbose_name = _("statement line")
        verbose_name_plural = _("statement lines")

    def __str__(self) -> str:
        return self.description


class AdjustmentQuerySet(models.QuerySet):
    def pending(self):
        """Not yet on an approved statement."""
        return self.exclude(applied_to__status=StatementStatus.APPROVED)


class Adjustment(models.Model):
    """A correction to an approved (locked) statement, paid or recovered on a later one."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="commission_adjustments"
    )
    corrects = models.ForeignKey(
        CommissionStatement,
        verbose_name=_("corrects statement"),
        on_delete=models.PROTECT,
        related_name="corrections",
    )
    applied_to = models.ForeignKey(
        CommissionStatement,
        verbose_name=_("paid on statement"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="applied_adjustments",
    )
    amount = models.DecimalField(_("amount"), **MONEY)
    reason = models.CharField(_("reason"), max_length=300)
    # Set when found by recomputing the locked statement (not typed by a person).
    automatic = models.BooleanField(default=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = AdjustmentQuerySet.as_manager()

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("adjustment")
        verbose_name_plural = _("adjustments")
        constraints = [
            models.CheckConstraint(condition=~Q(amount=0), name="adjustment_not_zero"),
        ]

    def __str__(self) -> str:
        return f"{self.amount} ({self.reason})"
