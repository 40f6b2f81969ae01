"""Quotes (پیش‌فاکتور): priced offers to a customer, versioned, that become orders once accepted.

A quote's `number` names the document across its versions; revising a quote copies it into a
new row (version + 1) and freezes the previous one, so what a customer was sent is never
changed afterwards. Amounts are written only by peyvand.sales.quotes (through commerce's
compute_totals: one arithmetic for quotes, orders and reports)."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from peyvand.accounts import permissions
from peyvand.accounts.models import Team
from peyvand.commerce.models import MONEY, QUANTITY, RATE, ZERO, Currency
from peyvand.contacts.models import Company, Contact

from .pipelines import DEALS

__all__ = ["Quote", "QuoteLine", "QuoteStatus"]


class QuoteStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SENT = "sent", _("Sent")
    ACCEPTED = "accepted", _("Accepted")
    REJECTED = "rejected", _("Rejected")
    EXPIRED = "expired", _("Expired")


class QuoteQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Quotes follow the deals module's sharing rule: a quote is visible when its own owner/
        team is, or when its deal is (a reassigned deal brings its quotes along)."""
        if not permissions.has_perm(user, DEALS, permissions.VIEW):
            return self.none()
        own = permissions.visible_filter(user, DEALS)
        if not own:
            return self.all()
        by_deal = permissions.visible_filter(
            user, DEALS, owner_field="deal__owner", team_field="deal__team"
        )
        return self.filter(own | (Q(deal__isnull=False) & by_deal))

    def latest(self):
        return self.filter(is_latest=True)


class Quote(models.Model):
    deal = models.ForeignKey(
        "sales.Deal",
        verbose_name=_("deal"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="quotes",
    )
    contact = models.ForeignKey(
        Contact,
        verbose_name=_("contact"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="quotes",
    )
    company = models.ForeignKey(
        Company,
        verbose_name=_("company"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="quotes",
    )
    # The same number on every version; set from the first version's primary key.
    number = models.CharField(_("number"), max_length=40, blank=True)
    version = models.PositiveIntegerField(_("version"), default=1)
    # Only the latest version of a number can be edited, sent, accepted or rejected.
    is_latest = models.BooleanField(_("latest version"), default=True)
    previous = models.OneToOneField(
        "self",
        verbose_name=_("previous version"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="next_version",
    )
    title = models.CharField(_("title"), max_length=200, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=QuoteStatus.choices, default=QuoteStatus.DRAFT
    )
    valid_until = models.DateField(_("valid until"), null=True, blank=True)
    currency = models.CharField(
        _("currency"), max_length=3, choices=Currency.choices, default=Currency.IRR
    )
    subtotal = models.DecimalField(_("subtotal"), **MONEY, default=ZERO)
    discount = models.DecimalField(_("discount"), **MONEY, default=ZERO)
    tax = models.DecimalField(_("tax"), **MONEY, default=ZERO)
    total = models.DecimalField(_("total"), **MONEY, default=ZERO)
    notes = models.TextField(_("notes"), blank=True)
    terms = models.TextField(_("terms and conditions"), blank=True)

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="quotes",
    )
    team = models.ForeignKey(
        Team,
        verbose_name=_("team"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="quotes",
    )
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)
    accepted_at = models.DateTimeField(_("accepted"), null=True, blank=True)
    rejected_at = models.DateTimeField(_("rejected"), null=True, blank=True)
    rejection_reason = models.CharField(_("reason for rejection"), max_length=300, blank=True)
    order = models.ForeignKey(
        "commerce.Order",
        verbose_name=pgettext_lazy("sales order", "order"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="quotes",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = QuoteQuerySet.as_manager()

    class Meta:
        verbose_name = _("quote")
        verbose_name_plural = _("quotes")
        indexes = [
            models.Index(fields=["deal", "-id"], name="quote_deal"),
            models.Index(fields=["number", "version"], name="quote_number_version"),
            models.Index(fields=["status", "-id"], name="quote_status"),
            models.Index(fields=["owner", "-id"], name="quote_owner"),
            models.Index(fields=["team", "-id"], name="quote_team"),
            models.Index(fields=["contact", "-id"], name="quote_contact"),
            models.Index(fields=["company", "-id"], name="quote_company"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["number", "version"],
                condition=~Q(number=""),
                name="quote_number_version_unique",
            ),
            # At most one editable version per number, even with concurrent revisions.
            models.UniqueConstraint(
                fields=["number"],
                condition=Q(is_latest=True) & ~Q(number=""),
                name="quote_one_latest_version",
            ),
        ]

    def __str__(self) -> str:
        return self.label

    def get_absolute_url(self) -> str:
        return reverse("sales:quote", args=[self.pk])

    @property
    def label(self) -> str:
        """ "Q-000012 v2" (the document number and version)."""
        return f"{self.number or '#' + str(self.pk)} v{self.version}"

    @property
    def customer_display(self) -> str:
        if self.company_id and self.contact_id:
            return f"{self.company} ({self.contact})"
        if self.company_id:
            return str(self.company)
        if self.contact_id:
            return str(self.contact)
        return ""

    @property
    def is_editable(self) -> bool:
        return self.is_latest and self.status == QuoteStatus.DRAFT

    def is_past_validity(self, today=None) -> bool:
        if self.valid_until is None:
            return False
        return self.valid_until < (today or timezone.localdate())


class QuoteLine(models.Model):
    quote = models.ForeignKey(Quote, on_delete=models.CASCADE, related_name="lines")
    position = models.PositiveIntegerField(_("position"), default=0)
    product = models.ForeignKey(
        "commerce.Product",
        verbose_name=_("product"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="quote_lines",
    )
    # Copied from the product when chosen: a quote reads the same after the catalogue changes.
    sku = models.CharField(_("SKU"), max_length=64, blank=True)
    description = models.CharField(_("description"), max_length=300)
    quantity = models.DecimalField(
        _("quantity"),
        **QUANTITY,
        default=Decimal("1"),
        validators=[MinValueValidator(Decimal("0.001"))],
    )
    unit_price = models.DecimalField(
        _("unit price"), **MONEY, default=ZERO, validators=[MinValueValidator(ZERO)]
    )
    # An amount in the quote's currency (as on orders), not a percentage.
    discount = models.DecimalField(
        _("discount"), **MONEY, default=ZERO, validators=[MinValueValidator(ZERO)]
    )
    tax_rate = models.DecimalField(
        _("tax rate (%)"),
        **RATE,
        default=ZERO,
        validators=[MinValueValidator(ZERO), MaxValueValidator(Decimal("100"))],
    )
    subtotal = models.DecimalField(_("subtotal"), **MONEY, default=ZERO)
    net = models.DecimalField(_("net amount"), **MONEY, default=ZERO)
    tax = models.DecimalField(_("tax"), **MONEY, default=ZERO)
    total = models.DecimalField(_("total"), **MONEY, default=ZERO)

    class Meta:
        ordering = ["quote", "position", "id"]
        verbose_name = _("quote line")
        verbose_name_plural = _("quote lines")

    def __str__(self) -> str:
        return self.description or self.sku or f"#{self.pk}"

    @property
    def quantity_display(self) -> Decimal:
        """2.500 -> 2.5 and 3.000 -> 3, for display."""
        return _plain(self.quantity)

    @property
    def tax_rate_display(self) -> Decimal:
        return _plain(self.tax_rate)


def _plain(value: Decimal) -> Decimal:
    value = value.normalize()
    return value.quantize(Decimal(1)) if value.as_tuple().exponent > 0 else value
