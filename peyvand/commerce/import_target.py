"""Orders from an old shop or accounting system (issue 6): the "orders" import targets.

Two file shapes are read by the same target:
- one row per order LINE (product/sku, quantity, unit price), rows of one order grouped by its
  order id (external id) or order number;
- one row per ORDER with a single amount ("order totals"): the order gets one line of that
  amount, tax included.
The customer is an existing contact found by national ID, phone or e-mail; the
"orders-new-customers" variant adds a contact when none matches. Every order is written by
`services.import_order`, so validation, amounts and idempotency by (source, external id) are
commerce's own: importing the same file again changes nothing."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from peyvand.accounts.models import User
from peyvand.accounts.permissions import ADD, CONTACTS, has_perm
from peyvand.contacts import services as contacts
from peyvand.contacts.models import Contact
from peyvand.imports import registry
from peyvand.imports.registry import (
    CREATED,
    ERROR,
    SKIP,
    SKIPPED,
    UPDATED,
    CleanRow,
    ImportField,
    ImportRow,
    ImportTarget,
    JobContext,
    RowOutcome,
)
from peyvand.leads.inputs import _split_name

from . import services
from .models import ORDERS, Currency, Order, OrderSource, OrderStatus

# Old systems' words for the statuses, besides our own values and labels.
_STATUS_WORDS = (
    *OrderStatus.choices,
    (OrderStatus.DRAFT, "پیش‌نویس"),
    (OrderStatus.DRAFT, "پیش فاکتور"),
    (OrderStatus.CONFIRMED, "تایید شده"),
    (OrderStatus.CONFIRMED, "تأیید شده"),
    (OrderStatus.CONFIRMED, "ثبت شده"),
    (OrderStatus.PAID, "پرداخت شده"),
    (OrderStatus.PAID, "پرداخت‌شده"),
    (OrderStatus.PAID, "تسویه شده"),
    (OrderStatus.FULFILLED, "ارسال شده"),
    (OrderStatus.FULFILLED, "تحویل شده"),
    (OrderStatus.FULFILLED, "delivered"),
    (OrderStatus.FULFILLED, "shipped"),
    (OrderStatus.FULFILLED, "completed"),
    (OrderStatus.CANCELLED, "لغو شده"),
    (OrderStatus.CANCELLED, "لغو"),
    (OrderStatus.CANCELLED, "canceled"),
    (OrderStatus.REFUNDED, "مرجوع شده"),
    (OrderStatus.REFUNDED, "برگشت خورده"),
    (OrderStatus.REFUNDED, "بازپرداخت"),
)
_CURRENCY_WORDS = (
    *Currency.choices,
    (Currency.IRR, "ریال"),
    (Currency.IRT, "تومان"),
    (Currency.USD, "دلار"),
    (Currency.EUR, "یورو"),
    (Currency.AED, "درهم"),
    (Currency.TRY, "لیر"),
    (Currency.CNY, "یوان"),
)
_LINE_FIELDS = ("sku", "description", "quantity", "unit_price", "discount", "tax_rate")
# Header values an order takes from its first row.
_HEADER_FIELDS = ("number", "ordered_at", "status", "currency", "notes")


def _money(name: str, label: Any, *aliases: str) -> ImportField:
    # Amounts in the order's currency; "تومان"/"ریال" after a number is read as that unit.
    return ImportField(name, label, registry.MONEY, aliases=aliases)


FIELDS = (
    registry.external_id_field(
        label=gettext_lazy("Order ID"),
        aliases=(
            "order id",
            "order_id",
            "external id",
            "id",
            "شناسه سفارش",
            "کد سفارش",
            "شناسه",
            "شناسه خارجی",
        ),
        help=gettext_lazy(
            "The order's id in the old system. Rows with the same id are lines of one order; "
            "importing it again updates the order instead of copying it."
        ),
    ),
    ImportField(
        "number",
        gettext_lazy("Order number"),
        aliases=("order number", "number", "invoice number", "شماره سفارش", "شماره فاکتور"),
        max_length=40,
    ),
    ImportField(
        "customer_national_id",
        gettext_lazy("Customer national ID"),
        registry.NATIONAL_ID,
        aliases=("national id", "national code", "کد ملی", "کدملی", "شماره ملی"),
    ),
    ImportField(
        "customer_phone",
        gettext_lazy("Customer phone"),
        registry.PHONE,
        aliases=("phone", "mobile", "tel", "تلفن", "موبایل", "تلفن همراه", "شماره تماس"),
    ),
    ImportField(
        "customer_email",
        gettext_lazy("Customer email"),
        registry.EMAIL,
        aliases=("email", "e-mail", "ایمیل", "رایانامه", "پست الکترونیک"),
    ),
    ImportField(
        "customer_name",
        gettext_lazy("Customer name"),
        aliases=("customer", "customer name", "name", "مشتری", "نام مشتری", "خریدار", "نام"),
        max_length=200,
    ),
    ImportField(
        "ordered_at",
        gettext_lazy("Order date"),
        registry.DATE,
        aliases=("date", "order date", "تاریخ", "تاریخ سفارش", "تاریخ فاکتور"),
    ),
    ImportField(
        "status",
        gettext_lazy("Status"),
        registry.CHOICE,
        aliases=("status", "order status", "وضعیت", "وضعیت سفارش"),
        choices=_STATUS_WORDS,
    ),
    ImportField(
        "currency",
        gettext_lazy("Currency"),
        registry.CHOICE,
        aliases=("currency", "واحد پول", "ارز"),
        choices=_CURRENCY_WORDS,
    ),
    ImportField(
        "sku",
        gettext_lazy("SKU"),
        aliases=("sku", "product code", "item code", "کد کالا", "کد محصول"),
        max_length=64,
    ),
    ImportField(
        "description",
        gettext_lazy("Product"),
        aliases=("product", "item", "description", "کالا", "محصول", "شرح", "شرح کالا", "نام کالا"),
        max_length=300,
    ),
    ImportField(
        "quantity",
        gettext_lazy("Quantity"),
        registry.DECIMAL,
        aliases=("qty", "quantity", "count", "تعداد", "مقدار"),
    ),
    _money("unit_price", gettext_lazy("Unit price"), "price", "unit price", "فی", "قیمت واحد"),
    _money("discount", gettext_lazy("Discount"), "discount", "تخفیف"),
    ImportField(
        "tax_rate",
        gettext_lazy("Tax rate (%)"),
        registry.DECIMAL,
        aliases=("tax rate", "vat", "نرخ مالیات", "درصد مالیات", "مالیات"),
    ),
    _money(
        "total",
        gettext_lazy("Order total"),
        "total",
        "amount",
        "order total",
        "مبلغ",
        "مبلغ کل",
        "جمع کل",
        "مبلغ سفارش",
    ),
    ImportField(
        "notes",
        gettext_lazy("Notes"),
        registry.MULTILINE,
        aliases=("notes", "note", "توضیحات", "یادداشت"),
    ),
    ImportField(
        "owner",
        gettext_lazy("Owner (username or email)"),
        aliases=("owner", "salesperson", "seller", "مسئول", "فروشنده", "کارشناس فروش"),
    ),
)


def find_owner(value: str) -> User | None:
    """An active user by username or e-mail (case-insensitive)."""
    value = (value or "").strip()
    if not value:
        return None
    lookup = {"email__iexact": value} if "@" in value else {"username__iexact": value}
    return User.objects.filter(is_active=True, **lookup).first()


def find_customer(values: dict[str, Any]) -> tuple[Contact | None, bool]:
    """(contact, ambiguous): the one live contact with the row's national ID, else phone, else
    e-mail; ambiguous when a key matches several contacts."""
    for key, kwargs in (
        ("customer_national_id", "national_id"),
        ("customer_phone", "phones"),
        ("customer_email", "emails"),
    ):
        value = values.get(key)
        if not value:
            continue
        arg = {kwargs: value} if kwargs == "national_id" else {kwargs: [value]}
        matches = contacts.find_duplicates(**arg)
        if len(matches) == 1:
            return matches[0].record, False
        if len(matches) > 1:
            return None, True
    return None, False


def _group_key(values: dict[str, Any]) -> str:
    return str(values.get("external_id") or values.get("number") or "")


def _line(values: dict[str, Any]) -> dict[str, Any]:
    """The order line of a row: a product line, or the order total as one line (tax included)."""
    if any(values.get(name) not in (None, "") for name in ("sku", "description", "unit_price")):
        line = {name: values[name] for name in _LINE_FIELDS if values.get(name) is not None}
        line.setdefault("quantity", Decimal(1))
        return line
    return {
        "description": _("Order total"),
        "quantity": Decimal(1),
        "unit_price": values.get("total"),
        "tax_rate": Decimal(0),
    }


def _contact_input(values: dict[str, Any]) -> contacts.ContactInput:
    first, last = _split_name(values.get("customer_name") or "")
    data = contacts.ContactInput(first_name=first, last_name=last, source="import")
    if values.get("customer_phone"):
        data.phones = [values["customer_phone"]]
    if values.get("customer_email"):
        data.emails = [values["customer_email"]]
    if values.get("customer_national_id"):
        data.national_id = values["customer_national_id"]
    return data


class OrderTarget(ImportTarget):
    module = ORDERS
    fields = FIELDS
    match_keys = ("external_id", "number")

    def __init__(self, *, create_customers: bool = False) -> None:
        self.create_customers = create_customers
        if create_customers:
            self.code = "orders-new-customers"
            self.label = gettext_lazy("Orders (add missing customers)")
            self.description = gettext_lazy(
                "As Orders, but a customer not found by national ID, phone or email is added "
                "as a new contact (give the customer's name and a phone or email)."
            )
        else:
            self.code = "orders"
            self.label = gettext_lazy("Orders")
            self.description = gettext_lazy(
                "One row per order line (rows with the same order ID or number form one order) "
                "or one row per order with its total. The customer must already be a contact, "
                "found by national ID, phone or email."
            )

    # -- cleaning ------------------------------------------------------------------------------
    def clean_row(self, values: dict[str, str]) -> CleanRow:
        row = super().clean_row(values)
        if not row.ok:
            return row
        v = row.values
        has_line = any(v.get(name) is not None for name in ("sku", "description", "unit_price"))
        if not has_line and v.get("total") is None:
            row.add_error(
                "__all__", _("Give the product and its price, or the order total, on each row.")
            )
            return row
        if not _group_key(v):
            row.add_warning(
                "external_id",
                _(
                    "No order ID or number: this row is an order of its own, and importing the "
                    "file again would add it again."
                ),
            )
        if v.get("owner") and find_owner(v["owner"]) is None:
            row.add_error("owner", _("No active user has this username or email."))
        contact, ambiguous = find_customer(v)
        if ambiguous:
            row.add_error(
                "customer_phone",
                _("Several contacts have this phone, email or national ID; use the national ID."),
            )
        elif contact is None and not self.create_customers:
            if not any(
                v.get(k) for k in ("customer_national_id", "customer_phone", "customer_email")
            ):
                row.add_error(
                    "customer_phone",
                    _("Give the customer's national ID, phone or email to find the contact."),
                )
            else:
                row.add_error(
                    "customer_phone",
                    _(
                        "No contact has this national ID, phone or email; add the contact first "
                        "or import into “Orders (add missing customers)”."
                    ),
                )
        elif contact is None:
            context = registry.current_context()
            user = getattr(context, "user", None)
            if user is not None and not has_perm(user, CONTACTS, ADD):
                row.add_error("customer_phone", _("You may not add contacts."))
            try:
                contacts.clean_contact_input(_contact_input(v), creating=True)
            except ValidationError as exc:
                for name, messages in exc.message_dict.items():
                    key = {
                        "last_name": "customer_name",
                        "national_id": "customer_national_id",
                        "phones": "customer_phone",
                        "emails": "customer_email",
                    }.get(name, name)
                    for message in messages:
                        row.add_error(key, message)
        if not row.ok:
            return row
        # The rest (products by SKU, amounts, dates) exactly as an order from the API or a page.
        context = registry.current_context()
        data = self._order_data(v, [_line(v)], contact=contact)
        if v.get("number") and Order.objects.filter(number=v["number"]).exists():
            del data["number"]  # an order entered before: the duplicate mode decides
        try:
            services._build_order(
                data,
                user=getattr(context, "user", None),
                source=OrderSource.IMPORT,
                external_id="",
                allow_inactive=True,
            )
        except ValidationError as exc:
            for name, messages in exc.message_dict.items():
                key = name.split(".")[-1] if name.startswith("lines.") else name
                for message in messages:
                    row.add_error(key if key in {f.name for f in FIELDS} else "__all__", message)
        return row

    def _order_data(
        self, header: dict[str, Any], lines: list[dict], *, contact: Contact | None
    ) -> dict[str, Any]:
        data: dict[str, Any] = {
            name: header[name] for name in _HEADER_FIELDS if header.get(name) not in (None, "")
        }
        if contact is not None:
            data["contact"] = contact
        if header.get("customer_name"):
            data["customer_name"] = header["customer_name"]
        if header.get("owner"):
            data["owner"] = find_owner(header["owner"])
        data["lines"] = lines
        return data

    # -- writing -------------------------------------------------------------------------------
    def write_batch(
        self, rows: list[ImportRow], *, job_context: JobContext, mode: str
    ) -> list[RowOutcome]:
        groups: dict[str, list[ImportRow]] = {}
        for row in rows:
            groups.setdefault(_group_key(row.values) or f"#row{row.number}", []).append(row)
        outcomes: dict[int, RowOutcome] = {}
        remembered: dict[str, int] = {}
        for key, group in groups.items():
            try:
                with transaction.atomic():
                    action, order, previous, message = self._write_order(
                        key, group, job_context, mode
                    )
            except ValidationError as exc:
                errors = (
                    exc.message_dict if hasattr(exc, "error_dict") else {"__all__": exc.messages}
                )
                for row in group:
                    outcomes[row.number] = RowOutcome(row.number, ERROR, errors=errors)
                continue
            for row in group:
                outcomes[row.number] = RowOutcome(
                    row.number,
                    action,
                    order.pk if order else None,
                    previous=previous if action == UPDATED else {},
                    message=message,
                )
            if order is not None and group[0].external_id:
                remembered[group[0].external_id] = order.pk
        if job_context.source:
            registry.remember_external(self.code, job_context.source, remembered)
        return [outcomes[row.number] for row in rows]

    def _write_order(
        self, key: str, group: list[ImportRow], context: JobContext, mode: str
    ) -> tuple[str, Order | None, dict[str, Any], str]:
        first = group[0].values
        # No source (never from the engine): no idempotency, grouping still applies.
        grouped = not key.startswith("#row")
        external_id = f"{context.source}:{key}"[:120] if grouped and context.source else ""
        existing = (
            Order.objects.filter(source=OrderSource.IMPORT, external_id=external_id).first()
            if external_id
            else None
        )
        if existing is None and first.get("number"):
            existing = Order.objects.filter(number=first["number"]).first()
        lines = [_line(row.values) for row in group]
        same_job = (
            existing is not None
            and context.job_id is not None
            and existing.metadata.get("import_job") == context.job_id
        )
        if same_job:
            # The order's first lines came in an earlier batch of this file: add these.
            lines = [*_lines_of(existing), *lines]
        elif existing is not None and mode == SKIP:
            return SKIPPED, existing, {}, _("This order was imported or entered before; skipped.")
        contact, _ambiguous = find_customer(first)
        if contact is None and self.create_customers:
            contact = contacts.create_contact(user=context.user, data=_contact_input(first))
        data = self._order_data(first, lines, contact=contact)
        data["metadata"] = {
            **(existing.metadata if existing is not None else {}),
            "import_job": context.job_id,
            "import_source": context.source,
        }
        if existing is not None:
            previous = {} if same_job else _order_snapshot(existing)
            if existing.source == OrderSource.IMPORT and existing.external_id == external_id:
                order, _created = services.import_order(
                    user=context.user, data=data, source=OrderSource.IMPORT, external_id=external_id
                )
            else:
                order = services.update_order(existing, user=context.user, data=data, imported=True)
            if same_job:
                return CREATED, order, {}, ""
            return UPDATED, order, previous, ""
        if external_id:
            order, _created = services.import_order(
                user=context.user, data=data, source=OrderSource.IMPORT, external_id=external_id
            )
        else:
            order = services.record_order(
                user=context.user, data={**data, "source": OrderSource.IMPORT}
            )
        return CREATED, order, {}, ""

    # -- undo ----------------------------------------------------------------------------------
    def blockers(self, ids: Sequence[int]) -> list[str]:
        return registry.referenced_by(Order, ids, own=("lines",))

    def undo(self, created_ids: Sequence[int], restored: dict[int, dict[str, Any]]) -> None:
        from django.contrib.contenttypes.models import ContentType

        from peyvand.search.services import remove_documents
        from peyvand.timeline.models import TimelineEntry

        ids = sorted(set(created_ids))
        ct = ContentType.objects.get_for_model(Order)
        TimelineEntry.objects.filter(source_type=ct, source_id__in=ids).delete()
        remove_documents("order", ids)
        Order.objects.filter(pk__in=ids).delete()
        for order in Order.objects.filter(pk__in=[pk for pk in restored if pk not in ids]):
            previous = dict(restored[order.pk])
            if not previous:
                continue
            services.update_order(order, user=None, data=previous, imported=True)

    def object_url(self, object_id: int) -> str | None:
        return reverse("commerce:order_detail", args=[object_id])


def _lines_of(order: Order) -> list[dict[str, Any]]:
    return [
        {
            "product": line.product_id,
            "sku": line.sku,
            "description": line.description,
            "quantity": line.quantity,
            "unit_price": line.unit_price,
            "discount": line.discount,
            "tax_rate": line.tax_rate,
            "unit_cost": line.unit_cost,
        }
        for line in order.lines.order_by("position", "id")
    ]


def _order_snapshot(order: Order) -> dict[str, Any]:
    """What undo needs to put an updated order back (JSON-able)."""

    def plain(value: Any) -> Any:
        return registry.snapshot(value)

    return {
        "contact": order.contact_id,
        "customer_name": order.customer_name,
        "owner": order.owner_id,
        "ordered_at": order.ordered_at.isoformat() if order.ordered_at else None,
        "status": order.status,
        "currency": order.currency,
        "notes": order.notes,
        "metadata": order.metadata,
        "lines": [{k: plain(v) for k, v in line.items()} for line in _lines_of(order)],
    }


ORDERS_TARGET = OrderTarget()
ORDERS_NEW_CUSTOMERS_TARGET = OrderTarget(create_customers=True)
