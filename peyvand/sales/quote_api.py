"""/api/v1/sales/quotes: list, get, create, edit a draft, revise (new version), send, accept
(creates the order once), reject, and the PDF.

Same permissions as the pages: module "deals" — view to read, add to create, change to edit and
act. A quote you may not see answers 404."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema, Status
from ninja.errors import HttpError
from pydantic import ConfigDict

from peyvand.accounts.permissions import ADD, CHANGE, VIEW, declares_permission, require_perm
from peyvand.core.pagination import InvalidCursor, paginate_keyset

from . import quote_pdf, quotes
from .models import DEALS, Quote, QuoteStatus

router = Router(tags=["quotes"])

# Numbers are sent as strings ("12500000.00") or integers: floats would lose rials.
Number = str | int


class QuoteLineIn(Schema):
    model_config = ConfigDict(extra="forbid")

    product: int | None = Field(None, description="Catalogue product id; fills the defaults.")
    sku: str | None = None
    description: str | None = Field(None, description="Required without a product.")
    quantity: Number | None = Field(None, description="Default 1; up to 3 decimal places.")
    unit_price: Number | None = Field(None, description="Default: the product's price.")
    discount: Number | None = Field(None, description="An amount (not %) off this line.")
    tax_rate: Number | None = Field(None, description="Percent; default: the product's rate.")


class QuoteIn(Schema):
    model_config = ConfigDict(extra="forbid")

    deal: int | None = Field(None, description="The deal; its customer and owner by default.")
    contact: int | None = None
    company: int | None = None
    currency: str | None = Field(None, description="IRR, IRT, USD, ...")
    title: str | None = None
    valid_until: str | None = Field(None, description="1403/05/12 (Jalali) or 2024-08-02.")
    notes: str | None = None
    terms: str | None = None
    lines: list[QuoteLineIn] | None = None


class QuotePatch(Schema):
    model_config = ConfigDict(extra="forbid")

    currency: str | None = None
    title: str | None = None
    valid_until: str | None = None
    notes: str | None = None
    terms: str | None = None
    lines: list[QuoteLineIn] | None = Field(None, description="When sent, replaces every line.")


class RejectIn(Schema):
    model_config = ConfigDict(extra="forbid")

    reason: str = Field("", max_length=300)


class QuoteLineOut(Schema):
    id: int
    position: int
    product_id: int | None
    sku: str
    description: str
    quantity: Decimal
    unit_price: Decimal
    discount: Decimal
    tax_rate: Decimal
    subtotal: Decimal
    net: Decimal
    tax: Decimal
    total: Decimal


class QuoteOut(Schema):
    id: int
    number: str
    version: int
    is_latest: bool
    previous_id: int | None
    title: str
    status: str
    deal_id: int | None
    contact_id: int | None
    company_id: int | None
    customer: str
    owner_id: int | None
    team_id: int | None
    currency: str
    valid_until: dt.date | None
    subtotal: Decimal
    discount: Decimal
    tax: Decimal
    total: Decimal
    created_at: dt.datetime
    sent_at: dt.datetime | None
    accepted_at: dt.datetime | None
    rejected_at: dt.datetime | None
    order_id: int | None
    url: str
    pdf_url: str


class QuoteDetailOut(QuoteOut):
    notes: str
    terms: str
    rejection_reason: str
    lines: list[QuoteLineOut]


class QuotePage(Schema):
    items: list[QuoteOut]
    next_cursor: str | None


def _out(quote: Quote) -> dict[str, Any]:
    return {
        "id": quote.pk,
        "number": quote.number,
        "version": quote.version,
        "is_latest": quote.is_latest,
        "previous_id": quote.previous_id,
        "title": quote.title,
        "status": quote.status,
        "deal_id": quote.deal_id,
        "contact_id": quote.contact_id,
        "company_id": quote.company_id,
        "customer": quote.customer_display,
        "owner_id": quote.owner_id,
        "team_id": quote.team_id,
        "currency": quote.currency,
        "valid_until": quote.valid_until,
        "subtotal": quote.subtotal,
        "discount": quote.discount,
        "tax": quote.tax,
        "total": quote.total,
        "created_at": quote.created_at,
        "sent_at": quote.sent_at,
        "accepted_at": quote.accepted_at,
        "rejected_at": quote.rejected_at,
        "order_id": quote.order_id,
        "url": quote.get_absolute_url(),
        "pdf_url": f"/api/v1/sales/quotes/{quote.pk}/pdf",
    }


def _detail(quote: Quote) -> dict[str, Any]:
    return {
        **_out(quote),
        "notes": quote.notes,
        "terms": quote.terms,
        "rejection_reason": quote.rejection_reason,
        "lines": [
            {
                "id": line.pk,
                "position": line.position,
                "product_id": line.product_id,
                "sku": line.sku,
                "description": line.description,
                "quantity": line.quantity,
                "unit_price": line.unit_price,
                "discount": line.discount,
                "tax_rate": line.tax_rate,
                "subtotal": line.subtotal,
                "net": line.net,
                "tax": line.tax,
                "total": line.total,
            }
            for line in quote.lines.all()
        ],
    }


def _get(user, quote_id: int) -> Quote:
    quote = quotes.quote_for(user, quote_id)
    if quote is None:
        raise Http404
    return quote


def _data(payload: Schema) -> dict[str, Any]:
    data = payload.model_dump(exclude_unset=True)
    if data.get("lines") is not None:
        data["lines"] = [
            {key: value for key, value in line.items() if value is not None}
            for line in data["lines"]
        ]
    return data


@router.get("", response=QuotePage, summary="List quotes, newest first")
@declares_permission(DEALS, VIEW)
def list_quotes(
    request,
    status: str = "",
    deal_id: int | None = None,
    contact_id: int | None = None,
    company_id: int | None = None,
    all_versions: bool = False,
    cursor: str | None = None,
    limit: int = settings.API_PAGE_SIZE,
):
    """Latest versions only unless `all_versions=true`. Page on with `next_cursor`."""
    require_perm(request.user, DEALS, VIEW)
    if status and status not in QuoteStatus.values:
        raise ValidationError({"status": [_("Choose one of the listed options.")]})
    filters = quotes.QuoteFilters(
        status=status,
        deal=deal_id,
        contact=contact_id,
        company=company_id,
        latest_only=not all_versions,
    )
    try:
        page = paginate_keyset(
            quotes.quote_list(request.user, filters),
            order=quotes.LIST_ORDER,
            cursor=cursor,
            limit=max(1, min(limit, settings.API_MAX_PAGE_SIZE)),
        )
    except InvalidCursor as exc:
        raise HttpError(400, _("The cursor is not valid; start from the first page.")) from exc
    return {"items": [_out(quote) for quote in page.items], "next_cursor": page.next_cursor}


@router.post("", response={201: QuoteDetailOut}, summary="Create a draft quote")
@declares_permission(DEALS, ADD)
def create_quote(request, payload: QuoteIn):
    """For a deal (its customer and owner by default) or a contact/company."""
    require_perm(request.user, DEALS, ADD)
    quote = quotes.create_quote(user=request.user, data=_data(payload))
    return Status(201, _detail(_get(request.user, quote.pk)))


@router.get("/{quote_id}", response=QuoteDetailOut, summary="One quote with its lines")
@declares_permission(DEALS, VIEW)
def get_quote(request, quote_id: int):
    require_perm(request.user, DEALS, VIEW)
    return _detail(_get(request.user, quote_id))


@router.patch("/{quote_id}", response=QuoteDetailOut, summary="Edit a draft")
@declares_permission(DEALS, CHANGE)
def update_quote(request, quote_id: int, payload: QuotePatch):
    """Only the latest version while it is a draft; `lines` replaces every line."""
    require_perm(request.user, DEALS, CHANGE)
    quote = _get(request.user, quote_id)
    quotes.update_quote(quote, user=request.user, data=_data(payload))
    return _detail(_get(request.user, quote_id))


@router.post("/{quote_id}/revise", response={201: QuoteDetailOut}, summary="Make a new version")
@declares_permission(DEALS, CHANGE)
def revise_quote(request, quote_id: int):
    """Copies a sent, rejected or expired quote into a new draft version; the old version is
    kept unchanged."""
    require_perm(request.user, DEALS, CHANGE)
    new = quotes.revise_quote(_get(request.user, quote_id), user=request.user)
    return Status(201, _detail(_get(request.user, new.pk)))


@router.post("/{quote_id}/send", response=QuoteDetailOut, summary="Mark as sent")
@declares_permission(DEALS, CHANGE)
def send_quote(request, quote_id: int):
    require_perm(request.user, DEALS, CHANGE)
    quotes.send_quote(_get(request.user, quote_id), user=request.user)
    return _detail(_get(request.user, quote_id))


@router.post("/{quote_id}/accept", response=QuoteDetailOut, summary="Accept; creates the order")
@declares_permission(DEALS, CHANGE)
def accept_quote(request, quote_id: int):
    """Creates the order once: accepting again returns the same quote and `order_id`."""
    require_perm(request.user, DEALS, CHANGE)
    quotes.accept_quote(_get(request.user, quote_id), user=request.user)
    return _detail(_get(request.user, quote_id))


@router.post("/{quote_id}/reject", response=QuoteDetailOut, summary="Mark as rejected")
@declares_permission(DEALS, CHANGE)
def reject_quote(request, quote_id: int, payload: RejectIn | None = None):
    require_perm(request.user, DEALS, CHANGE)
    reason = payload.reason if payload is not None else ""
    quotes.reject_quote(_get(request.user, quote_id), user=request.user, reason=reason)
    return _detail(_get(request.user, quote_id))


@router.get("/{quote_id}/pdf", summary="The quote as PDF", response={200: None})
@declares_permission(DEALS, VIEW)
def quote_pdf_file(request, quote_id: int):
    require_perm(request.user, DEALS, VIEW)
    quote = _get(request.user, quote_id)
    response = HttpResponse(quote_pdf.render_quote_pdf(quote), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{quote_pdf.pdf_filename(quote)}"'
    return response
