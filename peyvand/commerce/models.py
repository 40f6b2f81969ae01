"""Products, price lists, tax settings and orders (purchases).

Money is Decimal in the record's own currency (IRR by default; Rial and Toman are whole numbers,
other currencies keep two decimal places). Order amounts are written only by
`services.compute_totals`, so one arithmetic serves orders, quotes and reports."""

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
from peyvand.contacts.models import Company, Contact

PRODUCTS = "products"
ORDERS = "orders"

# Amount columns: up to 10^18 rials, with two decimal places for foreign currencies.
MONEY = {"max_digits": 20, "decimal_places": 2}
QUANTITY = {"max_digits": 14, "decimal_places": 3}
RATE = {"max_digits": 5, "decimal_places": 2}
ZERO = Decimal("0")

FALLBACK_TAX_RATE = Decimal("10")  # Iran's VAT; admins change it in commerce settings.


class Currency(models.TextChoices):
    IRR = "IRR", _("Rial")
    IRT = "IRT", _("Toman")
    USD = "USD", _("US dollar")
    EUR = "EUR", _("Euro")
    AED = "AED", _("UAE dirham")
    TRY = "TRY", _("Turkish lira")
    CNY = "CNY", _("Chinese yuan")


class CommerceSettings(models.Model):
    """One row (pk=1): defaults for new products and orders."""

    default_tax_rate = models.DecimalField(
        _("default tax rate (%)"),
        **RATE,
        default=FALLBACK_TAX_RATE,
        validators=[MinValueValidator(ZERO), MaxValueValidator(Decimal("100"))],
        help_text=_("Value added tax applied to new products unless they set their own rate."),
    )
    default_currency = models.CharField(
        _("default currency"), max_length=3, choices=Currency.choices, default=Currency.IRR
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("commerce settings")
        verbose_name_plural = _("commerce settings")

    def __str__(self) -> str:
        return str(self._meta.verbose_name)

    @classmethod
    def current(cls) -> CommerceSettings:
        found = cls.objects.filter(pk=1).first()
        if found is not None:
            return found
        return cls(
            pk=1,
            default_tax_rate=Decimal(
                str(getattr(settings, "PEYVAND_DEFAULT_TAX_RATE", FALLBACK_TAX_RATE))
            ),
        )


def default_tax_rate() -> Decimal:
    return CommerceSettings.current().default_tax_rate


def default_currency() -> str:
    return CommerceSettings.current().default_currency


class ProductCategory(models.Model):
    name = models.CharField(_("name"), max_length=120)
    name_en = models.CharField(_("English name"), max_length=120, blank=True)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent category"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="children",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name", "id"]
        verbose_name = _("product category")
        verbose_name_plural = _("product categories")

    def __str__(self) -> str:
        return self.name


class ProductQuerySet(models.QuerySet):
    def active(self):
        return self.filter(is_active=True)

    def visible_to(self, user):
        """Products are a shared catalogue: anyone with view permission sees all of them."""
        if not permissions.has_perm(user, PRODUCTS, permissions.VIEW):
            return self.none()
        return self.all()


class Product(models.Model):
    sku = models.CharField(_("SKU"), max_length=64, unique=True)
    name = models.CharField(_("name"), max_length=200)
    name_en = models.CharField(_("English name"), max_length=200, blank=True)
    description = models.TextField(_("description"), blank=True)
    category = models.ForeignKey(
        ProductCategory,
        verbose_name=_("category"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="products",
    )
    unit = models.CharField(_("unit"), max_length=30, blank=True, help_text=_("e.g. piece, kg"))
    unit_price = models.DecimalField(_("unit price"), **MONEY, default=ZERO)
    currency = models.CharField(
        _("currency"), max_length=3, choices=Currency.choices, default=default_currency
    )
    tax_rate = models.DecimalField(
        _("tax rate (%)"),
        **RATE,
        default=default_tax_rate,
        validators=[MinValueValidator(ZERO), MaxValueValidator(Decimal("100"))],
    )
    cost_price = models.DecimalField(_("cost price"), **MONEY, default=ZERO)
    is_active = models.BooleanField(_("active"), default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = ProductQuerySet.as_manager()

    class Meta:
        ordering = ["name", "id"]
        verbose_name = _("product")
        verbose_name_plural = _("products")
        indexes = [
            models.Index(fields=["is_active", "name", "id"], name="product_active_name"),
            models.Index(fields=["category", "name", "id"], name="product_category_name"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.sku})"

    def get_absolute_url(self) -> str:
        return reverse("commerce:product_detail", args=[self.pk])

    def display_name(self, language: str | None = None) -> str:
        if language and not language.startswith("fa") and self.name_en:
            return self.name_en
        return self.name


class PriceListQuerySet(models.QuerySet):
    def valid_on(self, day):
        return self.filter(
            Q(valid_from__isnull=True) | Q(valid_from__lte=day),
            Q(valid_until__isnull=True) | Q(valid_until__gte=day),
            is_active=True,
        )


class PriceList(models.Model):
    """A named set of per-product prices, e.g. wholesale or a dealer's list."""

    name = models.CharField(_("name"), max_length=120, unique=True)
    description = models.TextField(_("description"), blank=True)
    currency = models.CharField(
        _("currency"), max_length=3, choices=Currency.choices, default=default_currency
    )
    valid_from = models.DateField(_("valid from"), null=True, blank=True)
    valid_until = models.DateField(_("valid until"), null=True, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = PriceListQuerySet.as_manager()

    class Meta:
        ordering = ["name", "id"]
        verbose_name = _("price list")
        verbose_name_plural = _("price lists")
        constraints = [
            models.CheckConstraint(
                condition=Q(valid_from__isnull=True)
                | Q(valid_until__isnull=True)
                | Q(valid_until__gte=models.F("valid_from")),
                name="price_list_valid_range",
            )
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("commerce:price_list_detail", args=[self.pk])

    def is_valid_on(self, day) -> bool:
        return (
            self.is_active
            and (self.valid_from is None or self.valid_from <= day)
            and (self.valid_until is None or self.valid_until >= day)
        )


class PriceListItem(models.Model):
    price_list = models.ForeignKey(PriceList, on_delete=models.CASCADE, related_name="items")
    product = models.ForeignKey(
        Product, verbose_name=_("product"), on_delete=models.CASCADE, related_name="list_prices"
    )
    unit_price = models.DecimalField(_("unit price"), **MONEY)

    class Meta:
        ordering = ["price_list", "product__name", "id"]
        verbose_name = _("price list item")
        verbose_name_plural = _("price list items")
        constraints = [
            models.UniqueConstraint(fields=["price_list", "product"], name="price_list_item_unique")
        ]

    def __str__(self) -> str:
        return f"{self.price_list_id}/{self.product_id}: {self.unit_price}"


class OrderStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    CONFIRMED = "confirmed", _("Confirmed")
    PAID = "paid", _("Paid")
    FULFILLED = "fulfilled", _("Fulfilled")
    CANCELLED = "cancelled", _("Cancelled")
    REFUNDED = "refunded", _("Refunded")


# Orders that count as sales in reports, commissions and loyalty.
COUNTED_STATUSES = (OrderStatus.CONFIRMED, OrderStatus.PAID, OrderStatus.FULFILLED)


class OrderSource(models.TextChoices):
    MANUAL = "manual", _("Entered by hand")
    SHOP = "shop", _("Online shop")
    ACCOUNTING = "accounting", _("Accounting software")
    IMPORT = "import", _("File import")
    API = "api", _("API")
    DEAL = "deal", _("Deal")
    QUOTE = "quote", _("Quote")


class OrderQuerySet(models.QuerySet):
    def visible_to(self, user):
        return self.filter(permissions.visible_filter(user, ORDERS))

    def counted(self):
        return self.filter(status__in=COUNTED_STATUSES)


class Order(models.Model):
    # Set from the primary key after insert unless the caller gives one (see services).
    number = models.CharField(_("number"), max_length=40, unique=True, null=True, blank=True)
    contact = models.ForeignKey(
        Contact,
        verbose_name=_("contact"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="orders",
    )
    company = models.ForeignKey(
        Company,
        verbose_name=_("company"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="orders",
    )
    # The buyer's name as the source system sent it, for orders not (yet) linked to a record.
    customer_name = models.CharField(_("customer name"), max_length=200, blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="orders",
    )
    team = models.ForeignKey(
        Team,
        verbose_name=_("team"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="orders",
    )
    ordered_at = models.DateTimeField(_("order date"), default=timezone.now)
    status = models.CharField(
        _("status"), max_length=20, choices=OrderStatus.choices, default=OrderStatus.DRAFT
    )
    currency = models.CharField(
        _("currency"), max_length=3, choices=Currency.choices, default=Currency.IRR
    )
    price_list = models.ForeignKey(
        PriceList,
        verbose_name=_("price list"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="orders",
    )
    # Sums of the lines; written by services.compute_totals only.
    subtotal = models.DecimalField(_("subtotal"), **MONEY, default=ZERO)
    discount = models.DecimalField(_("discount"), **MONEY, default=ZERO)
    tax = models.DecimalField(_("tax"), **MONEY, default=ZERO)
    total = models.DecimalField(_("total"), **MONEY, default=ZERO)
    cost_total = models.DecimalField(_("total cost"), **MONEY, default=ZERO)
    # Net revenue (subtotal - discount, tax excluded) minus cost.
    profit = models.DecimalField(_("profit"), **MONEY, default=ZERO)

    source = models.CharField(
        _("source"), max_length=20, choices=OrderSource.choices, default=OrderSource.MANUAL
    )
    # The order's id in the source system (shop order id, invoice number, deal id...).
    external_id = models.CharField(_("external id"), max_length=120, blank=True)
    notes = models.TextField(_("notes"), blank=True)
    # Whatever else the source sent that has no column (payment gateway, shipping...).
    metadata = models.JSONField(_("extra data"), default=dict, blank=True)

    confirmed_at = models.DateTimeField(_("confirmed"), null=True, blank=True)
    paid_at = models.DateTimeField(_("paid"), null=True, blank=True)
    fulfilled_at = models.DateTimeField(_("fulfilled"), null=True, blank=True)
    cancelled_at = models.DateTimeField(_("cancelled"), null=True, blank=True)
    refunded_at = models.DateTimeField(_("refunded"), null=True, blank=True)

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = OrderQuerySet.as_manager()

    class Meta:
        verbose_name = pgettext_lazy("sales order", "order")
        verbose_name_plural = _("orders")
        constraints = [
            models.UniqueConstraint(
                fields=["source", "external_id"],
                condition=~Q(external_id=""),
                name="order_source_external_id_unique",
            )
        ]
        indexes = [
            models.Index(fields=["-ordered_at", "-id"], name="order_recent"),
            models.Index(fields=["status", "-ordered_at", "-id"], name="order_status_date"),
            models.Index(
                fields=["owner", "status", "-ordered_at", "-id"], name="order_owner_status"
            ),
            models.Index(fields=["team", "status", "-ordered_at", "-id"], name="order_team_status"),
            models.Index(fields=["contact", "-ordered_at"], name="order_contact"),
            models.Index(fields=["company", "-ordered_at"], name="order_company"),
        ]

    def __str__(self) -> str:
        return self.number or f"#{self.pk}"

    def get_absolute_url(self) -> str:
        return reverse("commerce:order_detail", args=[self.pk])

    @property
    def customer_display(self) -> str:
        if self.contact_id:
            return str(self.contact)
        if self.company_id:
            return str(self.company)
        return self.customer_name

    @property
    def is_editable(self) -> bool:
        """Lines can be edited until the order is paid, fulfilled or closed."""
        return self.status in (OrderStatus.DRAFT, OrderStatus.CONFIRMED)


class OrderLine(models.Model):
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="lines")
    position = models.PositiveIntegerField(_("position"), default=0)
    product = models.ForeignKey(
        Product,
        verbose_name=_("product"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="order_lines",
    )
    # The SKU and description at the time of the order; products change later.
    sku = models.CharField(_("SKU"), max_length=64, blank=True)
    description = models.CharField(_("description"), max_length=300, blank=True)
    quantity = models.DecimalField(_("quantity"), **QUANTITY, default=Decimal("1"))
    unit_price = models.DecimalField(_("unit price"), **MONEY, default=ZERO)
    # An amount, not a percentage, in the order's currency.
    discount = models.DecimalField(_("discount"), **MONEY, default=ZERO)
    tax_rate = models.DecimalField(_("tax rate (%)"), **RATE, default=ZERO)
    unit_cost = models.DecimalField(_("unit cost"), **MONEY, default=ZERO)
    # quantity × unit price; net = subtotal - discount; tax on net; total = net + tax.
    subtotal = models.DecimalField(_("subtotal"), **MONEY, default=ZERO)
    net = models.DecimalField(_("net amount"), **MONEY, default=ZERO)
    tax = models.DecimalField(_("tax"), **MONEY, default=ZERO)
    total = models.DecimalField(_("total"), **MONEY, default=ZERO)
    cost_total = models.DecimalField(_("total cost"), **MONEY, default=ZERO)

    class Meta:
        ordering = ["order", "position", "id"]
        verbose_name = _("order line")
        verbose_name_plural = _("order lines")
        indexes = [models.Index(fields=["product", "order"], name="order_line_product")]

    def __str__(self) -> str:
        return self.description or self.sku or f"#{self.pk}"
