"""Every write to products, price lists and orders goes through here, and so does the money
arithmetic: `compute_line` / `compute_totals` are the one way an amount is calculated (orders
here, quotes in sales). Pages, the API and imports call these functions; permissions are
checked by the callers, record visibility of linked customers here (when a user is given)."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from peyvand.accounts.models import Team
from peyvand.contacts.models import Company, Contact
from peyvand.core.dates import InvalidDate, parse_datetime
from peyvand.core.persian import normalize_text, to_latin_digits

from . import signals
from .models import (
    MONEY,
    QUANTITY,
    ZERO,
    CommerceSettings,
    Currency,
    Order,
    OrderLine,
    OrderSource,
    OrderStatus,
    PriceList,
    PriceListItem,
    Product,
    ProductCategory,
)
from .search_index import index_order, index_product

WHOLE_CURRENCIES = frozenset({"IRR", "IRT"})
HUNDRED = Decimal("100")
# Largest amount a money column holds (20 digits, 2 of them decimal places).
MAX_AMOUNT = Decimal(10) ** (MONEY["max_digits"] - MONEY["decimal_places"])
MAX_QUANTITY = Decimal(10) ** (QUANTITY["max_digits"] - QUANTITY["decimal_places"])
MAX_LINES = 500
AUTO_NUMBER_PREFIX = "ORD-"
_AUTO_NUMBER_RE = re.compile(r"ORD-\d+", re.IGNORECASE)

# Status moves people may make by hand; imports take the source system's status as it is.
STATUS_FLOW: dict[str, frozenset[str]] = {
    OrderStatus.DRAFT: frozenset({OrderStatus.CONFIRMED, OrderStatus.PAID, OrderStatus.CANCELLED}),
    OrderStatus.CONFIRMED: frozenset(
        {OrderStatus.DRAFT, OrderStatus.PAID, OrderStatus.FULFILLED, OrderStatus.CANCELLED}
    ),
    OrderStatus.PAID: frozenset({OrderStatus.FULFILLED, OrderStatus.REFUNDED}),
    OrderStatus.FULFILLED: frozenset({OrderStatus.PAID, OrderStatus.REFUNDED}),
    OrderStatus.CANCELLED: frozenset({OrderStatus.DRAFT}),
    OrderStatus.REFUNDED: frozenset(),
}
_STAMPS = {
    OrderStatus.CONFIRMED: "confirmed_at",
    OrderStatus.PAID: "paid_at",
    OrderStatus.FULFILLED: "fulfilled_at",
    OrderStatus.CANCELLED: "cancelled_at",
    OrderStatus.REFUNDED: "refunded_at",
}


# --- Money arithmetic -------------------------------------------------------------------------


def places_of(currency: str) -> Decimal:
    return Decimal(1) if (currency or "IRR").upper() in WHOLE_CURRENCIES else Decimal("0.01")


def round_money(amount: Decimal, currency: str = "IRR") -> Decimal:
    """Rial and Toman to whole units, other currencies to cents; halves away from zero."""
    value = _exact(amount)
    rounded = value.quantize(places_of(currency), rounding=ROUND_HALF_UP)
    return abs(rounded) if rounded.is_zero() else rounded


def plain_amount(value: Decimal) -> str:
    """ "330000" for Decimal("330000.00"): the same amount always prints the same."""
    return format(value.normalize(), "f")


def _exact(value: Any) -> Decimal:
    """Decimal, int or numeric text as an exact Decimal; floats are refused (they lose rials)."""
    if isinstance(value, (bool, float)):
        raise TypeError(f"Money must be Decimal, int or str, not {type(value).__name__}.")
    if isinstance(value, Decimal):
        result = value
    elif isinstance(value, int):
        result = Decimal(value)
    elif isinstance(value, str):
        text = to_latin_digits(value).replace(",", "").replace("\u066c", "").replace("٫", ".")
        result = Decimal(text.strip())
    else:
        raise TypeError(f"Money must be Decimal, int or str, not {type(value).__name__}.")
    if not result.is_finite():
        raise InvalidOperation("not a finite number")
    return result


@dataclass(frozen=True)
class LineInput:
    """One line as the arithmetic sees it: amounts in the document's currency, rate in %."""

    quantity: Decimal
    unit_price: Decimal
    discount: Decimal = ZERO
    tax_rate: Decimal = ZERO
    unit_cost: Decimal = ZERO


@dataclass(frozen=True)
class LineAmounts:
    subtotal: Decimal  # quantity × unit price
    discount: Decimal
    net: Decimal  # subtotal - discount: the taxable amount
    tax: Decimal
    total: Decimal  # net + tax
    cost_total: Decimal  # quantity × unit cost


@dataclass(frozen=True)
class Totals:
    lines: list[LineAmounts]
    subtotal: Decimal
    discount: Decimal
    tax: Decimal
    total: Decimal
    cost_total: Decimal
    # Net revenue minus cost; tax is collected for the state, so it is not profit.
    profit: Decimal


def compute_line(
    *,
    quantity: Decimal | int | str,
    unit_price: Decimal | int | str,
    discount: Decimal | int | str = ZERO,
    tax_rate: Decimal | int | str = ZERO,
    unit_cost: Decimal | int | str = ZERO,
    currency: str = "IRR",
) -> LineAmounts:
    """Amounts of one line: subtotal and discount rounded, tax on the discounted amount.

    Raises ValidationError (keys quantity, unit_price, discount, tax_rate, unit_cost)."""
    errors: dict[str, list[str]] = {}
    values: dict[str, Decimal] = {}
    for name, value in (
        ("quantity", quantity),
        ("unit_price", unit_price),
        ("discount", discount),
        ("tax_rate", tax_rate),
        ("unit_cost", unit_cost),
    ):
        try:
            values[name] = _exact(value if value not in (None, "") else ZERO)
        except (InvalidOperation, ValueError):
            errors[name] = [_("Enter a number.")]
    if errors:
        raise ValidationError(errors)
    q, price, rate = values["quantity"], values["unit_price"], values["tax_rate"]
    if q <= 0:
        errors["quantity"] = [_("The quantity must be more than zero.")]
    elif q >= MAX_QUANTITY:
        errors["quantity"] = [_("This quantity is too large.")]
    elif -q.as_tuple().exponent > QUANTITY["decimal_places"]:
        errors["quantity"] = [_("Use at most three decimal places in the quantity.")]
    for name in ("unit_price", "discount", "unit_cost"):
        if values[name] < 0:
            errors[name] = [_("This amount cannot be negative.")]
        elif values[name] >= MAX_AMOUNT:
            errors[name] = [_("This amount is too large.")]
    if not ZERO <= rate <= HUNDRED:
        errors["tax_rate"] = [_("The tax rate must be between 0 and 100 percent.")]
    if errors:
        raise ValidationError(errors)

    subtotal = round_money(q * price, currency)
    discount_amount = round_money(values["discount"], currency)
    if discount_amount > subtotal:
        raise ValidationError(
            {"discount": [_("The discount cannot be more than the line amount.")]}
        )
    net = subtotal - discount_amount
    tax = round_money(net * rate / HUNDRED, currency)
    total = net + tax
    if total >= MAX_AMOUNT:
        raise ValidationError({"quantity": [_("The line total is too large.")]})
    return LineAmounts(
        subtotal=subtotal,
        discount=discount_amount,
        net=net,
        tax=tax,
        total=total,
        cost_total=round_money(q * values["unit_cost"], currency),
    )


def _line_kwargs(line: LineInput | Mapping[str, Any]) -> dict[str, Any]:
    if isinstance(line, LineInput):
        return {
            "quantity": line.quantity,
            "unit_price": line.unit_price,
            "discount": line.discount,
            "tax_rate": line.tax_rate,
            "unit_cost": line.unit_cost,
        }
    return {
        name: line.get(name, ZERO)
        for name in ("quantity", "unit_price", "discount", "tax_rate", "unit_cost")
    }


def compute_totals(
    lines: Iterable[LineInput | Mapping[str, Any]], *, currency: str = "IRR"
) -> Totals:
    """Every line's amounts and the document totals (sums of the rounded lines, so a printed
    invoice always adds up). Raises ValidationError with keys "lines.<index>.<field>"."""
    results: list[LineAmounts] = []
    errors: dict[str, list[str]] = {}
    for index, line in enumerate(lines):
        try:
            results.append(compute_line(**_line_kwargs(line), currency=currency))
        except ValidationError as exc:
            for name, messages in exc.message_dict.items():
                errors[f"lines.{index}.{name}"] = messages
    if errors:
        raise ValidationError(errors)
    subtotal = sum((r.subtotal for r in results), ZERO)
    discount = sum((r.discount for r in results), ZERO)
    tax = sum((r.tax for r in results), ZERO)
    cost_total = sum((r.cost_total for r in results), ZERO)
    total = subtotal - discount + tax
    if total >= MAX_AMOUNT:
        raise ValidationError({"lines": [_("The order total is too large.")]})
    return Totals(
        lines=results,
        subtotal=subtotal,
        discount=discount,
        tax=tax,
        total=total,
        cost_total=cost_total,
        profit=subtotal - discount - cost_total,
    )


def price_for(
    product: Product, *, price_list: PriceList | None = None, on: dt.date | None = None
) -> Decimal:
    """The product's price in `price_list` when the list is valid on `on` and lists it;
    otherwise the product's own unit price."""
    if price_list is not None and price_list.is_valid_on(on or timezone.localdate()):
        item = PriceListItem.objects.filter(price_list=price_list, product=product).first()
        if item is not None:
            return item.unit_price
    return product.unit_price


# --- Input parsing ----------------------------------------------------------------------------


class _Errors:
    def __init__(self) -> None:
        self.errors: dict[str, list[str]] = {}

    def add(self, key: str, message: str) -> None:
        self.errors.setdefault(key, []).append(message)

    def merge(self, exc: ValidationError, prefix: str = "") -> None:
        for key, messages in exc.message_dict.items():
            for message in messages:
                self.add(f"{prefix}{key}", message)

    def raise_if_any(self) -> None:
        if self.errors:
            raise ValidationError(self.errors)


def _text(errors: _Errors, key: str, value: Any, *, max_length: int, multiline=False) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        errors.add(key, _("Enter text."))
        return ""
    text = normalize_text(value, multiline=multiline)
    if len(text) > max_length:
        errors.add(key, _("Use at most %(max)d characters.") % {"max": max_length})
        return ""
    return text


def _decimal(
    errors: _Errors, key: str, value: Any, *, default: Decimal | None = None, places: int = 2
) -> Decimal | None:
    if value in (None, ""):
        return default
    try:
        number = _exact(value)
    except (TypeError, InvalidOperation, ValueError):
        errors.add(key, _("Enter a number."))
        return default
    if -number.as_tuple().exponent > places:
        errors.add(key, _("Use at most %(places)d decimal places.") % {"places": places})
        return default
    return number


def _pk(value: Any) -> int | None:
    if hasattr(value, "pk"):
        return value.pk
    if isinstance(value, bool):
        return None
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value.strip())
    return value if isinstance(value, int) and 0 < value < 2**63 else None


def _record(errors: _Errors, key: str, value: Any, queryset, message: str):
    if value in (None, ""):
        return None
    pk = _pk(value)
    found = queryset.filter(pk=pk).first() if pk else None
    if found is None:
        errors.add(key, message)
    return found


def _choice(errors: _Errors, key: str, value: Any, choices, default: str) -> str:
    if value in (None, ""):
        return default
    if value not in {c[0] for c in choices}:
        errors.add(key, _("Choose one of the listed options."))
        return default
    return value


def _datetime(errors: _Errors, key: str, value: Any) -> dt.datetime | None:
    if value in (None, ""):
        return None
    if isinstance(value, dt.datetime):
        return timezone.make_aware(value) if timezone.is_naive(value) else value
    if isinstance(value, dt.date):
        return timezone.make_aware(dt.datetime.combine(value, dt.time()))
    if isinstance(value, str):
        try:
            return parse_datetime(value)
        except InvalidDate:
            try:
                parsed = dt.datetime.fromisoformat(value.strip())
            except ValueError:
                errors.add(key, _("Enter a valid date, e.g. 1403/05/12."))
                return None
            return timezone.make_aware(parsed) if timezone.is_naive(parsed) else parsed
    errors.add(key, _("Enter a valid date, e.g. 1403/05/12."))
    return None


def _actor(user):
    return user if getattr(user, "is_authenticated", False) else None


def _clean_header(
    errors: _Errors, data: Mapping[str, Any], *, user, order: Order | None
) -> dict[str, Any]:
    """The order fields present in `data`, validated; absent keys are left out (partial update)."""
    values: dict[str, Any] = {}
    if "number" in data:
        number = _text(errors, "number", data["number"], max_length=40)
        if (
            number
            and _AUTO_NUMBER_RE.fullmatch(number)
            and (order is None or number != order.number)
        ):
            errors.add("number", _("Numbers like ORD-123 are given automatically; leave it empty."))
        elif number:
            taken = Order.objects.filter(number=number)
            if order is not None:
                taken = taken.exclude(pk=order.pk)
            if taken.exists():
                errors.add("number", _("Another order already has this number."))
        values["number"] = number or (order.number if order else None)
    if "contact" in data:
        contacts = Contact.objects.alive()
        if _actor(user) is not None:
            contacts = Contact.objects.visible_to(user)
        values["contact"] = _record(
            errors, "contact", data["contact"], contacts, _("Choose an existing contact.")
        )
    if "company" in data:
        companies = Company.objects.alive()
        if _actor(user) is not None:
            companies = Company.objects.visible_to(user)
        values["company"] = _record(
            errors, "company", data["company"], companies, _("Choose an existing company.")
        )
    if "customer_name" in data:
        values["customer_name"] = _text(
            errors, "customer_name", data["customer_name"], max_length=200
        )
    if "owner" in data:
        values["owner"] = _record(
            errors,
            "owner",
            data["owner"],
            get_user_model().objects.filter(is_active=True),
            _("Choose an active user."),
        )
    if "team" in data:
        values["team"] = _record(
            errors, "team", data["team"], Team.objects.all(), _("Choose an existing team.")
        )
    if "ordered_at" in data:
        values["ordered_at"] = _datetime(errors, "ordered_at", data["ordered_at"])
    if "status" in data:
        values["status"] = _choice(
            errors, "status", data["status"], OrderStatus.choices, OrderStatus.DRAFT
        )
    if "currency" in data:
        values["currency"] = _choice(errors, "currency", data["currency"], Currency.choices, "")
    if "price_list" in data:
        values["price_list"] = _record(
            errors,
            "price_list",
            data["price_list"],
            PriceList.objects.all(),
            _("Choose an existing price list."),
        )
    if "notes" in data:
        values["notes"] = _text(errors, "notes", data["notes"], max_length=5000, multiline=True)
    if "metadata" in data:
        metadata = data["metadata"] or {}
        if not isinstance(metadata, dict):
            errors.add("metadata", _("Send an object."))
            metadata = {}
        values["metadata"] = metadata
    return values


def _clean_lines(
    errors: _Errors,
    raw_lines: Any,
    *,
    currency: str,
    price_list: PriceList | None,
    on: dt.date,
    allow_inactive: bool,
) -> list[OrderLine]:
    """Unsaved OrderLine objects with product defaults filled in (amounts not yet computed)."""
    if not isinstance(raw_lines, list | tuple):
        errors.add("lines", _("Send a list of lines."))
        return []
    if not raw_lines:
        errors.add("lines", _("An order needs at least one line."))
        return []
    if len(raw_lines) > MAX_LINES:
        errors.add("lines", _("An order can have at most %(max)d lines.") % {"max": MAX_LINES})
        return []
    ids = {_pk(raw.get("product")) for raw in raw_lines if isinstance(raw, Mapping)}
    skus = {raw.get("sku") for raw in raw_lines if isinstance(raw, Mapping) and raw.get("sku")}
    products = Product.objects.filter(pk__in=[i for i in ids if i]) if ids - {None} else []
    by_id = {p.pk: p for p in products}
    by_sku = {p.sku: p for p in Product.objects.filter(sku__in=skus)} if skus else {}
    list_prices: dict[int, Decimal] = {}
    if price_list is not None and price_list.is_valid_on(on):
        list_prices = dict(
            PriceListItem.objects.filter(
                price_list=price_list, product__in=[*by_id, *(p.pk for p in by_sku.values())]
            ).values_list("product_id", "unit_price")
        )
    default_rate = CommerceSettings.current().default_tax_rate
    lines: list[OrderLine] = []
    for index, raw in enumerate(raw_lines):
        key = f"lines.{index}."
        if not isinstance(raw, Mapping):
            errors.add(f"lines.{index}", _("Send each line as an object."))
            continue
        product = None
        if raw.get("product") not in (None, ""):
            product = by_id.get(_pk(raw["product"]))
            if product is None:
                errors.add(key + "product", _("Choose an existing product."))
                continue
        elif raw.get("sku"):
            product = by_sku.get(raw["sku"])
            if product is None and not raw.get("description"):
                errors.add(key + "sku", _("No product has this SKU."))
                continue
        if product is not None and not product.is_active and not allow_inactive:
            errors.add(key + "product", _("This product is no longer sold."))
            continue
        known_errors = len(errors.errors)
        description = _text(errors, key + "description", raw.get("description"), max_length=300)
        if not description and product is None:
            errors.add(key + "description", _("Choose a product or describe the item."))
        quantity = _decimal(errors, key + "quantity", raw.get("quantity"), places=3)
        if quantity is None:
            errors.add(key + "quantity", _("This field is required."))
        unit_price = _decimal(errors, key + "unit_price", raw.get("unit_price"))
        if unit_price is None and product is not None:
            if product.pk in list_prices and price_list.currency == currency:
                unit_price = list_prices[product.pk]
            elif product.currency == currency:
                unit_price = product.unit_price
            else:
                errors.add(
                    key + "unit_price",
                    _("Enter the price: this product is priced in %(currency)s.")
                    % {"currency": Currency(product.currency).label},
                )
        elif unit_price is None:
            errors.add(key + "unit_price", _("This field is required."))
        tax_rate = _decimal(errors, key + "tax_rate", raw.get("tax_rate"))
        if tax_rate is None:
            tax_rate = product.tax_rate if product is not None else default_rate
        unit_cost = _decimal(errors, key + "unit_cost", raw.get("unit_cost"))
        if unit_cost is None:
            unit_cost = (
                product.cost_price if product is not None and product.currency == currency else ZERO
            )
        discount = _decimal(errors, key + "discount", raw.get("discount"), default=ZERO)
        if len(errors.errors) > known_errors:
            continue
        lines.append(
            OrderLine(
                position=index,
                product=product,
                sku=(
                    product.sku
                    if product
                    else _text(errors, key + "sku", raw.get("sku"), max_length=64)
                ),
                description=description or (product.name if product else ""),
                quantity=quantity if quantity is not None else ZERO,
                unit_price=unit_price if unit_price is not None else ZERO,
                discount=discount,
                tax_rate=tax_rate,
                unit_cost=unit_cost,
            )
        )
    return lines


def _apply_amounts(order: Order, lines: list[OrderLine], errors: _Errors) -> None:
    """Fill line and order amounts; every line is checked, so all problems show at once."""
    for line in lines:
        try:
            amounts = compute_line(
                quantity=line.quantity,
                unit_price=line.unit_price,
                discount=line.discount,
                tax_rate=line.tax_rate,
                unit_cost=line.unit_cost,
                currency=order.currency,
            )
        except ValidationError as exc:
            errors.merge(exc, prefix=f"lines.{line.position}.")
            continue
        line.subtotal, line.discount, line.net = amounts.subtotal, amounts.discount, amounts.net
        line.tax, line.total, line.cost_total = amounts.tax, amounts.total, amounts.cost_total
    if errors.errors or not lines:
        return
    try:
        totals = compute_totals(
            [
                LineInput(
                    line.quantity, line.unit_price, line.discount, line.tax_rate, line.unit_cost
                )
                for line in lines
            ],
            currency=order.currency,
        )
    except ValidationError as exc:
        errors.merge(exc)
        return
    order.subtotal, order.discount, order.tax = totals.subtotal, totals.discount, totals.tax
    order.total, order.cost_total, order.profit = totals.total, totals.cost_total, totals.profit


def _stamp(order: Order, status: str, when: dt.datetime) -> None:
    stamp = _STAMPS.get(status)
    if stamp and getattr(order, stamp) is None:
        setattr(order, stamp, when)
    if status in (OrderStatus.PAID, OrderStatus.FULFILLED) and order.confirmed_at is None:
        order.confirmed_at = when


def _snapshot(order: Order) -> dict[str, Any]:
    return {
        "number": order.number,
        "contact": order.contact_id,
        "company": order.company_id,
        "customer_name": order.customer_name,
        "owner": order.owner_id,
        "team": order.team_id,
        "ordered_at": order.ordered_at.astimezone(dt.UTC).isoformat() if order.ordered_at else None,
        "status": order.status,
        "currency": order.currency,
        "price_list": order.price_list_id,
        "notes": order.notes,
        "metadata": order.metadata,
        "total": plain_amount(order.total),
    }


def _line_signature(lines: Iterable[OrderLine]) -> list[tuple]:
    return [
        (
            line.product_id,
            line.sku,
            line.description,
            line.quantity.normalize(),
            line.unit_price.normalize(),
            line.discount.normalize(),
            line.tax_rate.normalize(),
            line.unit_cost.normalize(),
        )
        for line in lines
    ]


# --- Orders -----------------------------------------------------------------------------------


def _timeline(
    kind: str, order: Order, *, user, data: dict, when: dt.datetime | None = None
) -> None:
    if order.contact_id is None and order.company_id is None:
        return
    from peyvand.timeline.services import record_entry

    record_entry(
        kind=kind,
        contact=order.contact,
        company=order.company,
        author=_actor(user),
        occurred_at=when or timezone.now(),
        subject=str(order),
        source=order,
        data={
            "number": order.number,
            "total": plain_amount(order.total),
            "currency": order.currency,
            "status": order.status,
            **data,
        },
    )


def _build_order(
    data: Mapping[str, Any], *, user, source: str, external_id: str, allow_inactive: bool
) -> tuple[Order, list[OrderLine]]:
    errors = _Errors()
    header = _clean_header(errors, data, user=user, order=None)
    order = Order(source=source, external_id=external_id, created_by=_actor(user))
    for name, value in header.items():
        if value is not None and name != "currency":
            setattr(order, name, value)
    settings_ = CommerceSettings.current()
    order.currency = header.get("currency") or (
        order.price_list.currency if order.price_list else settings_.default_currency
    )
    if "owner" not in data and _actor(user) is not None:
        order.owner = user
    if "team" not in data and order.owner is not None:
        order.team_id = order.owner.team_id
    if order.ordered_at is None:
        order.ordered_at = timezone.now()
    lines = _clean_lines(
        errors,
        data.get("lines"),
        currency=order.currency,
        price_list=order.price_list,
        on=timezone.localtime(order.ordered_at).date(),
        allow_inactive=allow_inactive,
    )
    _apply_amounts(order, lines, errors)
    errors.raise_if_any()
    return order, lines


def _save_new(order: Order, lines: list[OrderLine], *, user) -> Order:
    _stamp(order, order.status, timezone.now())
    order.save()
    if not order.number:
        order.number = f"{AUTO_NUMBER_PREFIX}{order.pk:06d}"
        order.save(update_fields=["number"])
    for line in lines:
        line.order = order
    OrderLine.objects.bulk_create(lines)
    index_order(order)
    _timeline("order", order, user=user, data={}, when=order.ordered_at)
    signals.order_recorded.send(sender=Order, order=order, user=user, created=True)
    return order


def record_order(*, user, data: Mapping[str, Any]) -> Order:
    """Create an order with its lines, all or nothing. `data` as in commerce-ready notes;
    `source` / `external_id` in data are honoured (default: manual, none)."""
    source = _choice(
        _Errors(), "source", data.get("source"), OrderSource.choices, OrderSource.MANUAL
    )
    external_id = str(data.get("external_id") or "").strip()[:120]
    if external_id:
        return import_order(user=user, data=data, source=source, external_id=external_id)[0]
    order, lines = _build_order(
        data, user=user, source=source, external_id="", allow_inactive=False
    )
    try:
        with transaction.atomic():
            return _save_new(order, lines, user=user)
    except IntegrityError as exc:  # the same number saved a moment ago by someone else
        if order.number and Order.objects.filter(number=order.number).exists():
            raise ValidationError(
                {"number": [_("Another order already has this number.")]}
            ) from exc
        raise


def update_order(order: Order, *, user, data: Mapping[str, Any], imported: bool = False) -> Order:
    """Change an order's fields; `lines`, when given, replace all lines. Status moves go through
    `change_order_status`, except for imports (`imported=True`: the source system's status and
    lines are the truth, even for paid orders and inactive products)."""
    with transaction.atomic():
        order = Order.objects.select_for_update().get(pk=order.pk)
        before = _snapshot(order)
        old_lines = list(order.lines.all())
        errors = _Errors()
        header = _clean_header(errors, data, user=user, order=order)
        new_status = header.pop("status", None)
        for name, value in header.items():
            if name == "currency" and not value:
                continue
            if name == "ordered_at" and value is None:
                continue
            setattr(order, name, value)
        lines = old_lines
        replacing = "lines" in data
        if replacing or "currency" in header:
            if not order.is_editable and not imported:
                errors.add(
                    "lines", _("The lines of a paid, fulfilled or closed order cannot be changed.")
                )
            if replacing:
                lines = _clean_lines(
                    errors,
                    data.get("lines"),
                    currency=order.currency,
                    price_list=order.price_list,
                    on=timezone.localtime(order.ordered_at).date(),
                    allow_inactive=imported,
                )
            _apply_amounts(order, lines, errors)
        errors.raise_if_any()
        lines_changed = replacing and _line_signature(lines) != _line_signature(old_lines)
        if new_status and new_status != order.status:
            if not imported:  # pages and API: only the allowed moves
                _check_move(order.status, new_status)
            old_status = order.status
            order.status = new_status
            _stamp(order, new_status, timezone.now())
        else:
            old_status = None
        after = _snapshot(order)
        changes = {k: [before[k], after[k]] for k in after if before[k] != after[k]}
        if lines_changed:
            changes["lines"] = [len(old_lines), len(lines)]
        if not changes:
            return order
        order.save()
        if lines_changed:
            order.lines.all().delete()
            for line in lines:
                line.pk = None
                line.order = order
            OrderLine.objects.bulk_create(lines)
        index_order(order)
        if old_status is not None:
            _after_status_change(order, user=user, old_status=old_status)
        signals.order_changed.send(sender=Order, order=order, user=user, changes=changes)
    return order


def _check_move(old: str, new: str) -> None:
    if new not in STATUS_FLOW.get(old, frozenset()):
        raise ValidationError(
            {
                "status": [
                    _("An order cannot move from %(old)s to %(new)s.")
                    % {"old": OrderStatus(old).label, "new": OrderStatus(new).label}
                ]
            }
        )


def _after_status_change(order: Order, *, user, old_status: str, note: str = "") -> None:
    _timeline(
        "order_status",
        order,
        user=user,
        data={"from": old_status, "to": order.status, "note": note},
    )
    signals.order_status_changed.send(
        sender=Order, order=order, user=user, old_status=old_status, new_status=order.status
    )


def change_order_status(order: Order, *, user, status: str, note: str = "") -> Order:
    """Move an order along STATUS_FLOW, stamping when it was confirmed, paid, ..."""
    if status not in OrderStatus.values:
        raise ValidationError({"status": [_("Choose one of the listed options.")]})
    note = normalize_text(note or "")[:300]
    with transaction.atomic():
        order = Order.objects.select_for_update().get(pk=order.pk)
        if order.status == status:
            return order
        _check_move(order.status, status)
        old_status = order.status
        order.status = status
        _stamp(order, status, timezone.now())
        order.save()
        index_order(order)
        _after_status_change(order, user=user, old_status=old_status, note=note)
        signals.order_changed.send(
            sender=Order, order=order, user=user, changes={"status": [old_status, status]}
        )
    return order


def import_order(
    *, user, data: Mapping[str, Any], source: str, external_id: str
) -> tuple[Order, bool]:
    """Upsert by (source, external_id): the first import creates the order, later ones update
    it (lines replaced when sent); importing the same data again changes nothing.
    Returns (order, created)."""
    errors = _Errors()
    source = _choice(errors, "source", source, OrderSource.choices, OrderSource.IMPORT)
    external_id = str(external_id or "").strip()
    if not external_id:
        errors.add("external_id", _("This field is required."))
    elif len(external_id) > 120:
        errors.add("external_id", _("Use at most %(max)d characters.") % {"max": 120})
    errors.raise_if_any()
    existing = Order.objects.filter(source=source, external_id=external_id).first()
    if existing is not None:
        return update_order(existing, user=user, data=data, imported=True), False
    order, lines = _build_order(
        data, user=user, source=source, external_id=external_id, allow_inactive=True
    )
    try:
        with transaction.atomic():
            return _save_new(order, lines, user=user), True
    except IntegrityError:
        # Another import of the same order won the race: update that one instead.
        existing = Order.objects.filter(source=source, external_id=external_id).first()
        if existing is None:
            raise
        return update_order(existing, user=user, data=data, imported=True), False


@dataclass
class ImportResult:
    created: list[int] = field(default_factory=list)
    updated: list[int] = field(default_factory=list)
    # index in the batch -> {field: [messages]}
    errors: dict[int, dict[str, list[str]]] = field(default_factory=dict)


def import_orders(*, user, rows: Iterable[Mapping[str, Any]], source: str) -> ImportResult:
    """Upsert a batch; each row stands alone (a bad row is reported, the others are saved)."""
    result = ImportResult()
    for index, row in enumerate(rows):
        try:
            order, created = import_order(
                user=user, data=row, source=source, external_id=row.get("external_id", "")
            )
        except ValidationError as exc:
            result.errors[index] = exc.message_dict
            continue
        (result.created if created else result.updated).append(order.pk)
    return result


# --- Products and price lists -----------------------------------------------------------------


def _clean_product(errors: _Errors, data: Mapping[str, Any], product: Product | None) -> dict:
    values: dict[str, Any] = {}
    if "sku" in data or product is None:
        sku = _text(errors, "sku", data.get("sku"), max_length=64).replace(" ", "")
        if not sku:
            errors.add("sku", _("This field is required."))
        else:
            taken = Product.objects.filter(sku__iexact=sku)
            if product is not None:
                taken = taken.exclude(pk=product.pk)
            if taken.exists():
                errors.add("sku", _("Another product already has this SKU."))
        values["sku"] = sku
    if "name" in data or product is None:
        values["name"] = _text(errors, "name", data.get("name"), max_length=200)
        if not values["name"]:
            errors.add("name", _("This field is required."))
    for name, limit in (("name_en", 200), ("unit", 30)):
        if name in data:
            values[name] = _text(errors, name, data[name], max_length=limit)
    if "description" in data:
        values["description"] = _text(
            errors, "description", data["description"], max_length=5000, multiline=True
        )
    if "category" in data:
        values["category"] = _record(
            errors,
            "category",
            data["category"],
            ProductCategory.objects.all(),
            _("Choose an existing category."),
        )
    for name in ("unit_price", "cost_price"):
        if name in data:
            amount = _decimal(errors, name, data[name], default=ZERO)
            if amount is not None and amount < 0:
                errors.add(name, _("This amount cannot be negative."))
            elif amount is not None and amount >= MAX_AMOUNT:
                errors.add(name, _("This amount is too large."))
            values[name] = amount
    if "tax_rate" in data:
        rate = _decimal(errors, "tax_rate", data["tax_rate"])
        if rate is not None and not ZERO <= rate <= HUNDRED:
            errors.add("tax_rate", _("The tax rate must be between 0 and 100 percent."))
        if rate is not None:
            values["tax_rate"] = rate
    if "currency" in data:
        values["currency"] = _choice(
            errors, "currency", data["currency"], Currency.choices, Currency.IRR
        )
    if "is_active" in data:
        if not isinstance(data["is_active"], bool):
            errors.add("is_active", _("Enter true or false."))
        else:
            values["is_active"] = data["is_active"]
    return values


def create_product(*, user, data: Mapping[str, Any]) -> Product:
    errors = _Errors()
    values = _clean_product(errors, data, None)
    errors.raise_if_any()
    product = Product(created_by=_actor(user), **values)
    try:
        with transaction.atomic():
            product.save()
            index_product(product)
    except IntegrityError as exc:
        raise ValidationError({"sku": [_("Another product already has this SKU.")]}) from exc
    return product


def update_product(product: Product, *, user, data: Mapping[str, Any]) -> Product:
    errors = _Errors()
    values = _clean_product(errors, data, product)
    errors.raise_if_any()
    for name, value in values.items():
        setattr(product, name, value)
    try:
        with transaction.atomic():
            product.save()
            index_product(product)
    except IntegrityError as exc:
        raise ValidationError({"sku": [_("Another product already has this SKU.")]}) from exc
    return product


def save_category(
    *, data: Mapping[str, Any], category: ProductCategory | None = None
) -> ProductCategory:
    errors = _Errors()
    name = _text(errors, "name", data.get("name"), max_length=120)
    if not name:
        errors.add("name", _("This field is required."))
    name_en = _text(errors, "name_en", data.get("name_en"), max_length=120)
    parent = _record(
        errors,
        "parent",
        data.get("parent"),
        ProductCategory.objects.all(),
        _("Choose an existing category."),
    )
    if parent is not None and category is not None and parent.pk == category.pk:
        errors.add("parent", _("A category cannot be its own parent."))
    errors.raise_if_any()
    category = category or ProductCategory()
    category.name, category.name_en, category.parent = name, name_en, parent
    category.save()
    return category


def save_price_list(*, data: Mapping[str, Any], price_list: PriceList | None = None) -> PriceList:
    """Create or change a price list; `items` ([{product, unit_price}]), when given, replace its
    prices."""
    errors = _Errors()
    name = _text(
        errors, "name", data.get("name", price_list.name if price_list else ""), max_length=120
    )
    if not name:
        errors.add("name", _("This field is required."))
    elif PriceList.objects.filter(name=name).exclude(pk=getattr(price_list, "pk", None)).exists():
        errors.add("name", _("Another price list already has this name."))
    values: dict[str, Any] = {"name": name}
    if "description" in data:
        values["description"] = _text(
            errors, "description", data["description"], max_length=2000, multiline=True
        )
    if "currency" in data or price_list is None:
        values["currency"] = _choice(
            errors,
            "currency",
            data.get("currency"),
            Currency.choices,
            CommerceSettings.current().default_currency,
        )
    for name_ in ("valid_from", "valid_until"):
        if name_ in data:
            value = data[name_]
            if isinstance(value, str) and value.strip():
                moment = _datetime(errors, name_, value)
                value = timezone.localtime(moment).date() if moment else None
            elif isinstance(value, dt.datetime):
                value = value.date()
            elif value in (None, ""):
                value = None
            elif not isinstance(value, dt.date):
                errors.add(name_, _("Enter a valid date, e.g. 1403/05/12."))
                value = None
            values[name_] = value
    if "is_active" in data:
        values["is_active"] = bool(data["is_active"])
    start = values.get("valid_from", getattr(price_list, "valid_from", None))
    end = values.get("valid_until", getattr(price_list, "valid_until", None))
    if start and end and end < start:
        errors.add("valid_until", _("The end date is before the start date."))
    items: list[PriceListItem] | None = None
    if "items" in data:
        items = []
        raw_items = data["items"] or []
        seen: set[int] = set()
        products = Product.objects.in_bulk(
            [p for p in (_pk(i.get("product")) for i in raw_items if isinstance(i, Mapping)) if p]
        )
        for index, raw in enumerate(raw_items):
            key = f"items.{index}."
            product = products.get(_pk(raw.get("product"))) if isinstance(raw, Mapping) else None
            if product is None:
                errors.add(key + "product", _("Choose an existing product."))
                continue
            if product.pk in seen:
                errors.add(key + "product", _("This product is listed twice."))
                continue
            seen.add(product.pk)
            price = _decimal(errors, key + "unit_price", raw.get("unit_price"))
            if price is None:
                errors.add(key + "unit_price", _("This field is required."))
            elif price < 0 or price >= MAX_AMOUNT:
                errors.add(key + "unit_price", _("Enter an amount of zero or more."))
            else:
                items.append(PriceListItem(product=product, unit_price=price))
    errors.raise_if_any()
    with transaction.atomic():
        price_list = price_list or PriceList()
        for name_, value in values.items():
            setattr(price_list, name_, value)
        price_list.save()
        if items is not None:
            price_list.items.all().delete()
            for item in items:
                item.price_list = price_list
            PriceListItem.objects.bulk_create(items)
    return price_list


def set_list_price(price_list: PriceList, product: Product, unit_price: Decimal | None) -> None:
    """Set (or with None remove) one product's price in a list."""
    if unit_price is None:
        PriceListItem.objects.filter(price_list=price_list, product=product).delete()
        return
    errors = _Errors()
    price = _decimal(errors, "unit_price", unit_price)
    if price is None or price < 0 or price >= MAX_AMOUNT:
        errors.add("unit_price", _("Enter an amount of zero or more."))
    errors.raise_if_any()
    PriceListItem.objects.update_or_create(
        price_list=price_list, product=product, defaults={"unit_price": price}
    )


def save_settings(*, data: Mapping[str, Any]) -> CommerceSettings:
    errors = _Errors()
    current = CommerceSettings.current()
    rate = _decimal(errors, "default_tax_rate", data.get("default_tax_rate"))
    if rate is None and "default_tax_rate" not in errors.errors:
        errors.add("default_tax_rate", _("This field is required."))
    elif rate is not None and not ZERO <= rate <= HUNDRED:
        errors.add("default_tax_rate", _("The tax rate must be between 0 and 100 percent."))
    currency = _choice(
        errors,
        "default_currency",
        data.get("default_currency"),
        Currency.choices,
        current.default_currency,
    )
    errors.raise_if_any()
    current.default_tax_rate, current.default_currency = rate, currency
    current.save()
    return current
