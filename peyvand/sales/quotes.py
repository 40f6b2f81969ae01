"""Quotes: creating, editing, revising (new version), sending, accepting (→ one order) and
rejecting; plus the reads the pages and the API share.

Rules:
- Only the latest version of a quote number is live. Editing is allowed while it is a draft;
  after it was sent, rejected or expired, `revise_quote` copies it into version + 1 and the old
  version stays exactly as it was (what the customer saw).
- Amounts are computed by commerce.services.compute_totals, the one arithmetic of the product.
- Accepting creates the order through commerce.services.record_order exactly once: a repeated
  or concurrent accept returns the same order (the order's (source, external_id) is unique).

Permissions are checked by pages and API (module "deals"); record visibility through
`Quote.objects.visible_to(user)`. Services raise ValidationError({field: [message]})."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Prefetch, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from peyvand.commerce import services as commerce
from peyvand.commerce.models import (
    Currency,
    Order,
    OrderSource,
    OrderStatus,
    Product,
    default_currency,
    default_tax_rate,
)
from peyvand.contacts.models import Company, Contact
from peyvand.core.dates import InvalidDate, parse_date
from peyvand.core.persian import normalize_text, to_latin_digits

from .models import Deal, DealStatus, Quote, QuoteLine, QuoteStatus

MAX_LINES = 200
TITLE_MAX = 200
TEXT_MAX = 10_000
LINE_FIELDS = ("product", "sku", "description", "quantity", "unit_price", "discount", "tax_rate")
# Statuses a customer's answer can still change.
OPEN_STATUSES = (QuoteStatus.DRAFT, QuoteStatus.SENT)
REVISABLE_STATUSES = (QuoteStatus.SENT, QuoteStatus.REJECTED, QuoteStatus.EXPIRED)

TIMELINE_KINDS = (
    "quote_created",
    "quote_revised",
    "quote_sent",
    "quote_accepted",
    "quote_rejected",
    "quote_expired",
)


# --- Reading --------------------------------------------------------------------------------


def visible_quotes(user) -> QuerySet[Quote]:
    return Quote.objects.visible_to(user)


def quote_for(user, pk: int) -> Quote | None:
    """One quote with what its page, PDF and API answer show; None if `user` may not see it."""
    return (
        visible_quotes(user)
        .select_related("deal", "contact", "company", "owner", "team", "order", "previous")
        .prefetch_related(Prefetch("lines", QuoteLine.objects.select_related("product")))
        .filter(pk=pk)
        .first()
    )


def versions_of(quote: Quote) -> list[Quote]:
    """Every version of the quote's number, newest first (for the version history)."""
    return list(
        Quote.objects.filter(number=quote.number)
        .only("id", "number", "version", "status", "total", "currency", "is_latest", "created_at")
        .order_by("-version")
    )


def accepted_quote_order(deal: Deal | int) -> Order | None:
    """The order made when one of the deal's quotes was accepted, if any: a won deal whose
    order came from its quote must not get a second one."""
    deal_id = deal if isinstance(deal, int) else deal.pk
    quote = (
        Quote.objects.filter(deal_id=deal_id, status=QuoteStatus.ACCEPTED, order__isnull=False)
        .select_related("order")
        .order_by("-accepted_at", "-id")
        .first()
    )
    return quote.order if quote else None


@dataclass
class QuoteFilters:
    status: str = ""
    deal: int | None = None
    contact: int | None = None
    company: int | None = None
    latest_only: bool = True


LIST_ORDER = ["-id"]
LIST_COLUMNS = (
    "id",
    "number",
    "version",
    "is_latest",
    "title",
    "status",
    "valid_until",
    "currency",
    "total",
    "created_at",
    "sent_at",
    "deal_id",
    "contact_id",
    "company_id",
    "owner_id",
    "order_id",
    "deal__title",
    "contact__first_name",
    "contact__last_name",
    "company__name",
)


def quote_list(user, filters: QuoteFilters | None = None) -> QuerySet[Quote]:
    filters = filters or QuoteFilters()
    qs = visible_quotes(user).select_related("deal", "contact", "company")
    if filters.latest_only:
        qs = qs.filter(is_latest=True)
    if filters.status:
        qs = qs.filter(status=filters.status)
    if filters.deal:
        qs = qs.filter(deal_id=filters.deal)
    if filters.contact:
        qs = qs.filter(contact_id=filters.contact)
    if filters.company:
        qs = qs.filter(company_id=filters.company)
    return qs.only(*LIST_COLUMNS)


def quotes_for_deal(user, deal: Deal) -> list[Quote]:
    """Every version of every quote of the deal, grouped by number, newest first."""
    return list(
        visible_quotes(user)
        .filter(deal=deal)
        .only(
            "id",
            "number",
            "version",
            "is_latest",
            "title",
            "status",
            "valid_until",
            "currency",
            "total",
            "created_at",
            "order_id",
        )
        .order_by("-is_latest", "-id")[:100]
    )


# --- Input ----------------------------------------------------------------------------------


@dataclass
class _Line:
    product: Product | None
    sku: str
    description: str
    quantity: Decimal
    unit_price: Decimal
    discount: Decimal
    tax_rate: Decimal


@dataclass
class _Errors:
    errors: dict[str, list[str]] = field(default_factory=dict)

    def add(self, key: str, message: str) -> None:
        self.errors.setdefault(key, []).append(message)

    def raise_if_any(self) -> None:
        if self.errors:
            raise ValidationError(self.errors)


_SEPARATORS = str.maketrans({",": "", "\u066c": "", "\u066b": ".", "\u060c": "", " ": ""})


def parse_decimal(value: Any) -> Decimal:
    """Decimal from a number or text in Persian or Latin digits ("۱۲٬۵۰۰", "12,500.5").
    Raises ValueError. Floats are refused: they would lose rials silently."""
    if isinstance(value, bool | float):
        raise ValueError("not an exact number")
    if isinstance(value, Decimal | int):
        result = Decimal(value)
    else:
        text = to_latin_digits(str(value or "")).strip().translate(_SEPARATORS)
        if not text:
            raise ValueError("empty")
        try:
            result = Decimal(text)
        except InvalidOperation as exc:
            raise ValueError("not a number") from exc
    if not result.is_finite():
        raise ValueError("not finite")
    return result


def _number(
    errors: _Errors, key: str, value: Any, default: Decimal | None, *, places: int
) -> Decimal:
    if value is None or (isinstance(value, str) and not value.strip()):
        if default is None:
            errors.add(key, _("Enter a number."))
            return Decimal(0)
        return default
    try:
        number = parse_decimal(value)
    except ValueError:
        errors.add(key, _("Enter a number."))
        return Decimal(0)
    if number < 0:
        errors.add(key, _("Enter zero or a positive number."))
    elif number != number.quantize(Decimal(1).scaleb(-places)):
        errors.add(key, _("Use at most %(places)d decimal places.") % {"places": places})
    elif number >= Decimal(10) ** 17:
        errors.add(key, _("This number is too large."))
    return number


def _product(errors: _Errors, key: str, value: Any) -> Product | None:
    if value in (None, ""):
        return None
    if isinstance(value, Product):
        return value
    try:
        pk = int(to_latin_digits(str(value)))
    except ValueError:
        errors.add(key, _("Choose a product from the catalogue."))
        return None
    product = Product.objects.filter(pk=pk).first()
    if product is None:
        errors.add(key, _("Choose a product from the catalogue."))
    return product


def _clean_lines(raw: Any, currency: str) -> list[_Line]:
    errors = _Errors()
    if not isinstance(raw, list | tuple):
        errors.add("lines", _("Send the lines as a list."))
        errors.raise_if_any()
    if len(raw) > MAX_LINES:
        errors.add("lines", _("A quote can have at most %(max)d lines.") % {"max": MAX_LINES})
        errors.raise_if_any()
    lines: list[_Line] = []
    for index, item in enumerate(raw):
        prefix = f"lines.{index}."
        if not isinstance(item, Mapping):
            errors.add(f"lines.{index}", _("Each line must be an object."))
            continue
        unknown = set(item) - set(LINE_FIELDS)
        if unknown:
            errors.add(f"lines.{index}", _("Unknown fields: %s") % ", ".join(sorted(unknown)))
        product = _product(errors, prefix + "product", item.get("product"))
        if product is not None and not product.is_active and not item.get("unit_price"):
            errors.add(prefix + "product", _("This product is no longer sold."))
        description = normalize_text(str(item.get("description") or ""))
        if not description and product is not None:
            description = product.name
        if not description:
            errors.add(prefix + "description", _("Describe the item or choose a product."))
        if len(description) > 300:
            errors.add(prefix + "description", _("Use at most 300 characters."))
        sku = normalize_text(str(item.get("sku") or "")) or (product.sku if product else "")
        price_default = None
        if product is not None and product.currency == currency:
            price_default = commerce.price_for(product)
        quantity = _number(errors, prefix + "quantity", item.get("quantity"), Decimal(1), places=3)
        if quantity == 0 and prefix + "quantity" not in errors.errors:
            errors.add(prefix + "quantity", _("The quantity must be more than zero."))
        if price_default is None and item.get("unit_price") in (None, ""):
            errors.add(prefix + "unit_price", _("Enter the unit price in the quote's currency."))
            unit_price = Decimal(0)
        else:
            unit_price = _number(
                errors, prefix + "unit_price", item.get("unit_price"), price_default, places=2
            )
        discount = _number(errors, prefix + "discount", item.get("discount"), Decimal(0), places=2)
        tax_default = product.tax_rate if product is not None else default_tax_rate()
        tax_rate = _number(errors, prefix + "tax_rate", item.get("tax_rate"), tax_default, places=2)
        if tax_rate > 100:
            errors.add(prefix + "tax_rate", _("Enter a rate between 0 and 100."))
        lines.append(
            _Line(product, sku[:64], description[:300], quantity, unit_price, discount, tax_rate)
        )
    errors.raise_if_any()
    return lines


def _visible_record(model, queryset, value: Any, key: str, errors: _Errors):
    if value in (None, ""):
        return None
    if isinstance(value, model):
        pk = value.pk
    else:
        try:
            pk = int(to_latin_digits(str(value)))
        except ValueError:
            pk = None
    record = queryset.filter(pk=pk).first() if pk is not None else None
    if record is None:
        errors.add(key, _("Choose one you have access to."))
    return record


def _date(errors: _Errors, key: str, value: Any) -> dt.date | None:
    if value in (None, ""):
        return None
    if isinstance(value, dt.date):
        return value
    try:
        return parse_date(str(value))
    except InvalidDate as exc:
        errors.add(key, str(exc))
        return None


def _text(errors: _Errors, key: str, value: Any, limit: int, *, multiline: bool) -> str:
    text = normalize_text(str(value or ""), multiline=multiline)
    if len(text) > limit:
        errors.add(key, _("Use at most %(max)d characters.") % {"max": limit})
    return text


def _apply_header(quote: Quote, data: Mapping[str, Any], *, user, errors: _Errors) -> None:
    """Set the header fields present in `data` on `quote` (not saved)."""
    if "deal" in data:
        quote.deal = _visible_record(
            Deal, Deal.objects.visible_to(user), data["deal"], "deal", errors
        )
        if quote.deal is not None:
            # A quote for a deal is for the deal's customer unless told otherwise.
            if "contact" not in data and quote.deal.contact_id:
                quote.contact_id = quote.deal.contact_id
            if "company" not in data and quote.deal.company_id:
                quote.company_id = quote.deal.company_id
            new = quote.pk is None and "currency" not in data
            if new and quote.deal.currency in Currency.values:
                quote.currency = quote.deal.currency
    if "contact" in data:
        quote.contact = _visible_record(
            Contact, Contact.objects.visible_to(user), data["contact"], "contact", errors
        )
    if "company" in data:
        quote.company = _visible_record(
            Company, Company.objects.visible_to(user), data["company"], "company", errors
        )
    if "currency" in data:
        currency = str(data["currency"] or "").upper()
        if currency not in Currency.values:
            errors.add("currency", _("Choose one of the listed currencies."))
        else:
            quote.currency = currency
    if "title" in data:
        quote.title = _text(errors, "title", data["title"], TITLE_MAX, multiline=False)
    if "notes" in data:
        quote.notes = _text(errors, "notes", data["notes"], TEXT_MAX, multiline=True)
    if "terms" in data:
        quote.terms = _text(errors, "terms", data["terms"], TEXT_MAX, multiline=True)
    if "valid_until" in data:
        quote.valid_until = _date(errors, "valid_until", data["valid_until"])
        if (
            quote.valid_until is not None
            and quote.valid_until < timezone.localdate()
            and "valid_until" not in errors.errors
        ):
            errors.add("valid_until", _("The validity date has already passed."))
    unknown = set(data) - {
        "deal",
        "contact",
        "company",
        "currency",
        "title",
        "notes",
        "terms",
        "valid_until",
        "lines",
    }
    if unknown:
        errors.add("__all__", _("Unknown fields: %s") % ", ".join(sorted(unknown)))
    if quote.contact_id is None and quote.company_id is None and "contact" not in errors.errors:
        errors.add("contact", _("Choose the customer: a contact or a company."))


def _save_lines(quote: Quote, lines: list[_Line]) -> None:
    """Replace the quote's lines and write its amounts (commerce's arithmetic)."""
    totals = _totals(lines, quote.currency)
    quote.lines.all().delete()
    QuoteLine.objects.bulk_create(
        QuoteLine(
            quote=quote,
            position=position,
            product=line.product,
            sku=line.sku,
            description=line.description,
            quantity=line.quantity,
            unit_price=line.unit_price,
            discount=amounts.discount,
            tax_rate=line.tax_rate,
            subtotal=amounts.subtotal,
            net=amounts.net,
            tax=amounts.tax,
            total=amounts.total,
        )
        for position, (line, amounts) in enumerate(zip(lines, totals.lines, strict=True))
    )
    quote.subtotal = totals.subtotal
    quote.discount = totals.discount
    quote.tax = totals.tax
    quote.total = totals.total
    quote.save(update_fields=["subtotal", "discount", "tax", "total", "updated_at"])


def _lines_or_errors(raw: Any, currency: str, errors: _Errors) -> list[_Line]:
    """The cleaned lines, with their errors added to `errors` (header and lines are reported
    together) and the arithmetic's own checks (e.g. a discount above the line amount)."""
    try:
        lines = _clean_lines(raw, currency)
        _totals(lines, currency)
    except ValidationError as exc:
        for key, messages in exc.message_dict.items():
            for message in messages:
                errors.add(key, message)
        return []
    return lines


def _totals(lines: list[_Line], currency: str) -> commerce.Totals:
    return commerce.compute_totals(
        [
            commerce.LineInput(
                quantity=line.quantity,
                unit_price=line.unit_price,
                discount=line.discount,
                tax_rate=line.tax_rate,
            )
            for line in lines
        ],
        currency=currency,
    )


def preview_totals(raw_lines: Any, currency: str) -> commerce.Totals:
    """The amounts a set of lines would have, without saving (the editor's live totals)."""
    if currency not in Currency.values:
        currency = Currency.IRR
    return _totals(_clean_lines(raw_lines, currency), currency)


# --- Writing --------------------------------------------------------------------------------


def create_quote(*, user, data: Mapping[str, Any]) -> Quote:
    """A draft quote (version 1). `data`: deal, contact, company (ids or records the user can
    see), currency, title, valid_until (date or Jalali/ISO text), notes, terms, lines: [{product,
    sku, description, quantity, unit_price, discount (amount), tax_rate (%)}]."""
    errors = _Errors()
    person = user if getattr(user, "pk", None) else None
    quote = Quote(created_by=person, currency=default_currency())
    _apply_header(quote, data, user=user, errors=errors)
    lines = _lines_or_errors(data.get("lines") or [], quote.currency, errors)
    errors.raise_if_any()
    # The deal's owner and team own its quotes (visibility follows the deal).
    deal = quote.deal
    quote.owner_id = (deal.owner_id if deal else None) or getattr(person, "pk", None)
    quote.team_id = (deal.team_id if deal else None) or getattr(person, "team_id", None)
    with transaction.atomic():
        quote.save()
        quote.number = f"Q-{quote.pk:06d}"
        quote.save(update_fields=["number"])
        _save_lines(quote, lines)
        _record(quote, "quote_created", user)
        _touch_deal(quote)
    return quote


def _require_editable(quote: Quote) -> None:
    if not quote.is_latest:
        raise ValidationError(
            {"__all__": [_("This is an earlier version of the quote; it cannot be changed.")]}
        )
    if quote.status != QuoteStatus.DRAFT:
        raise ValidationError(
            {"__all__": [_("Only a draft can be edited; make a new version to change it.")]}
        )


def update_quote(quote: Quote, *, user, data: Mapping[str, Any]) -> Quote:
    """Change a draft; fields absent from `data` stay as they are; "lines" replaces all lines."""
    errors = _Errors()
    with transaction.atomic():
        quote = Quote.objects.select_for_update().get(pk=quote.pk)
        _require_editable(quote)
        old_currency = quote.currency
        _apply_header(quote, data, user=user, errors=errors)
        lines = None
        if "lines" in data:
            lines = _lines_or_errors(data["lines"] or [], quote.currency, errors)
        errors.raise_if_any()
        if lines is None and quote.currency != old_currency:
            # Rounding depends on the currency: recompute the amounts.
            lines = [_line_of(line) for line in quote.lines.select_related("product")]
        quote.save()
        if lines is not None:
            _save_lines(quote, lines)
        _touch_deal(quote)
    return quote


def _line_of(line: QuoteLine) -> _Line:
    return _Line(
        line.product,
        line.sku,
        line.description,
        line.quantity,
        line.unit_price,
        line.discount,
        line.tax_rate,
    )


def revise_quote(quote: Quote, *, user) -> Quote:
    """A new draft version (a copy); the current version is kept unchanged and read-only."""
    with transaction.atomic():
        current = Quote.objects.select_for_update().get(pk=quote.pk)
        if not current.is_latest:
            raise ValidationError(
                {"__all__": [_("A newer version of this quote exists; revise that one.")]}
            )
        if current.status == QuoteStatus.ACCEPTED:
            raise ValidationError(
                {"__all__": [_("An accepted quote cannot be revised; its order was created.")]}
            )
        if current.status == QuoteStatus.DRAFT:
            raise ValidationError({"__all__": [_("This version is still a draft: edit it.")]})
        lines = list(current.lines.order_by("position", "id"))
        Quote.objects.filter(pk=current.pk).update(is_latest=False)
        new = Quote.objects.create(
            deal_id=current.deal_id,
            contact_id=current.contact_id,
            company_id=current.company_id,
            number=current.number,
            version=current.version + 1,
            is_latest=True,
            previous=current,
            title=current.title,
            status=QuoteStatus.DRAFT,
            valid_until=(current.valid_until if not current.is_past_validity() else None),
            currency=current.currency,
            subtotal=current.subtotal,
            discount=current.discount,
            tax=current.tax,
            total=current.total,
            notes=current.notes,
            terms=current.terms,
            owner_id=current.owner_id,
            team_id=current.team_id,
            created_by=user if getattr(user, "pk", None) else None,
        )
        QuoteLine.objects.bulk_create(
            QuoteLine(
                quote=new,
                position=line.position,
                product_id=line.product_id,
                sku=line.sku,
                description=line.description,
                quantity=line.quantity,
                unit_price=line.unit_price,
                discount=line.discount,
                tax_rate=line.tax_rate,
                subtotal=line.subtotal,
                net=line.net,
                tax=line.tax,
                total=line.total,
            )
            for line in lines
        )
        _record(new, "quote_revised", user)
        _touch_deal(new)
    return new


def _live(quote: Quote, *, allowed: Iterable[str], refusal: str) -> Quote:
    """Lock and re-read the quote, refusing the action for earlier versions or wrong statuses.
    `refusal` may name the current status as %(status)s."""
    current = Quote.objects.select_for_update().get(pk=quote.pk)
    if not current.is_latest:
        raise ValidationError(
            {"__all__": [_("This is an earlier version of the quote; use the latest one.")]}
        )
    if current.status not in allowed:
        raise ValidationError({"status": [refusal % {"status": current.get_status_display()}]})
    return current


def send_quote(quote: Quote, *, user) -> Quote:
    """Mark a draft as sent to the customer (the PDF is what was sent)."""
    with transaction.atomic():
        current = _live(
            quote,
            allowed=(QuoteStatus.DRAFT,),
            refusal=_("Only a draft can be sent; this quote is “%(status)s”."),
        )
        if not current.lines.exists():
            raise ValidationError({"lines": [_("Add at least one item before sending.")]})
        if current.is_past_validity():
            raise ValidationError({"valid_until": [_("The validity date has already passed.")]})
        current.status = QuoteStatus.SENT
        current.sent_at = timezone.now()
        current.save(update_fields=["status", "sent_at", "updated_at"])
        _record(current, "quote_sent", user)
        _touch_deal(current)
        if current.valid_until is not None:
            _schedule_expiry(current)
    return current


def _schedule_expiry(quote: Quote) -> None:
    """Expire the quote the day after its validity date unless it was answered by then
    (the `expire_quotes` command catches any job a worker missed)."""
    from .quote_tasks import expire_quote_job

    if not expire_quote_job.get_backend().supports_defer:
        return
    day_after = quote.valid_until + dt.timedelta(days=1)
    at = timezone.make_aware(dt.datetime.combine(day_after, dt.time(0, 5)))
    quote_id = quote.pk
    transaction.on_commit(lambda: expire_quote_job.using(run_after=at).enqueue(quote_id))


def expire_if_past_validity(quote: Quote, *, user=None) -> bool:
    """Mark a sent quote whose validity date passed as expired. True if it was changed."""
    if quote.status != QuoteStatus.SENT or not quote.is_past_validity():
        return False
    with transaction.atomic():
        updated = Quote.objects.filter(pk=quote.pk, status=QuoteStatus.SENT).update(
            status=QuoteStatus.EXPIRED, updated_at=timezone.now()
        )
        if updated:
            quote.status = QuoteStatus.EXPIRED
            _record(quote, "quote_expired", user)
    return bool(updated)


def expire_overdue_quotes(today: dt.date | None = None) -> int:
    """Expire every sent quote past its validity date (run daily by the task below)."""
    today = today or timezone.localdate()
    count = 0
    overdue = Quote.objects.filter(
        status=QuoteStatus.SENT, is_latest=True, valid_until__lt=today
    ).select_related("contact", "company")
    for quote in overdue.iterator():
        count += expire_if_past_validity(quote)
    return count


def accept_quote(quote: Quote, *, user) -> Quote:
    """The customer accepted: the quote is accepted, its order is created, once, and its deal,
    if still open, is won.

    Accepting an accepted quote again returns it unchanged with the same order."""
    if quote.status == QuoteStatus.SENT and quote.is_past_validity():
        expire_if_past_validity(quote, user=user)
    with transaction.atomic():
        current = Quote.objects.select_for_update().get(pk=quote.pk)
        if current.status == QuoteStatus.ACCEPTED and current.order_id:
            return current
        current = _live(
            current,
            allowed=OPEN_STATUSES,
            refusal=_("Only a draft or sent quote can be accepted; this one is “%(status)s”."),
        )
        if not current.lines.exists():
            raise ValidationError({"lines": [_("A quote without items cannot be accepted.")]})
        current.order = _order_for(current, user)
        current.status = QuoteStatus.ACCEPTED
        current.accepted_at = timezone.now()
        current.save(update_fields=["status", "accepted_at", "order", "updated_at"])
        _record(current, "quote_accepted", user)
        _win_deal(current, user)
        _touch_deal(current)
    return current


def _win_deal(quote: Quote, user) -> None:
    """An accepted quote wins its open deal (same transaction: if the deal cannot be won, e.g.
    a required field of the won stage is empty, nothing is accepted)."""
    if not quote.deal_id:
        return
    from . import services

    deal = Deal.objects.filter(pk=quote.deal_id, status=DealStatus.OPEN).first()
    if deal is not None:
        services.mark_won(deal, user=user)


def _order_for(quote: Quote, user) -> Order:
    existing = Order.objects.filter(source=OrderSource.QUOTE, external_id=quote.number).first()
    if existing is not None:
        return existing
    data = {
        "contact": quote.contact_id,
        "company": quote.company_id,
        "owner": quote.owner_id,
        "team": quote.team_id,
        "currency": quote.currency,
        "status": OrderStatus.CONFIRMED,
        "source": OrderSource.QUOTE,
        "external_id": quote.number,
        "notes": quote.notes,
        "metadata": {
            "quote_id": quote.pk,
            "quote_number": quote.number,
            "quote_version": quote.version,
            "deal_id": quote.deal_id,
        },
        "lines": [
            {
                "product": line.product_id,
                "sku": line.sku,
                "description": line.description,
                "quantity": line.quantity,
                "unit_price": line.unit_price,
                "discount": line.discount,
                "tax_rate": line.tax_rate,
            }
            for line in quote.lines.order_by("position", "id")
        ],
    }
    try:
        with transaction.atomic():
            return commerce.record_order(user=user, data=data)
    except IntegrityError:
        # A concurrent accept created it first: (source, external_id) is unique.
        existing = Order.objects.filter(source=OrderSource.QUOTE, external_id=quote.number).first()
        if existing is None:
            raise
        return existing


def reject_quote(quote: Quote, *, user, reason: str = "") -> Quote:
    reason = normalize_text(reason or "")
    if len(reason) > 300:
        raise ValidationError({"reason": [_("Use at most %(max)d characters.") % {"max": 300}]})
    with transaction.atomic():
        current = _live(
            quote,
            allowed=OPEN_STATUSES,
            refusal=_("Only a draft or sent quote can be rejected; this one is “%(status)s”."),
        )
        current.status = QuoteStatus.REJECTED
        current.rejected_at = timezone.now()
        current.rejection_reason = reason
        current.save(update_fields=["status", "rejected_at", "rejection_reason", "updated_at"])
        _record(current, "quote_rejected", user, body=reason)
        _touch_deal(current)
    return current


# --- Side effects ---------------------------------------------------------------------------


def _record(quote: Quote, kind: str, user, body: str = "") -> None:
    """Put the event on the customer's timeline (a quote always has a contact or company)."""
    from peyvand.timeline.services import record_entry

    if quote.contact_id is None and quote.company_id is None:
        return
    record_entry(
        kind=kind,
        contact=quote.contact,
        company=quote.company,
        author=user if getattr(user, "pk", None) else None,
        subject=quote.label,
        body=body,
        source=quote,
        data={
            "quote_id": quote.pk,
            "number": quote.number,
            "version": quote.version,
            "total": str(quote.total),
            "currency": quote.currency,
            "order_id": quote.order_id,
        },
    )


def _touch_deal(quote: Quote) -> None:
    if quote.deal_id:
        from . import services

        services.touch_deal(quote.deal_id)
