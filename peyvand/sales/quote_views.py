"""Quote pages: list, editor (htmx line items and live totals), detail with the send/accept/
reject/revise actions, printable page and PDF, and the quote list shown on a deal's page.

Thin: forms read input, peyvand.sales.quotes validates and writes. Module "deals": view to see,
add to create, change to edit and act; quotes of records you may not see answer 404."""

from __future__ import annotations

from collections.abc import Callable

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from peyvand.accounts.permissions import ADD, CHANGE, VIEW, has_perm, permission_required
from peyvand.commerce.models import PRODUCTS, Currency, Order, Product, default_currency
from peyvand.contacts.models import Company, Contact
from peyvand.core.pagination import InvalidCursor, paginate_keyset

from . import quote_pdf, quotes
from .models import DEALS, Deal, Quote, QuoteStatus
from .quote_forms import (
    LineRow,
    QuoteForm,
    RejectForm,
    attach_errors,
    plain_number,
    rows_from_post,
    rows_from_quote,
)

PAGE_SIZE = 50


def _requires(action: str) -> Callable:
    return permission_required(DEALS, action)


def _quote(request: HttpRequest, pk: int) -> Quote:
    quote = quotes.quote_for(request.user, pk)
    if quote is None:
        raise Http404
    return quote


def _products(user) -> list[Product]:
    if not has_perm(user, PRODUCTS, VIEW):
        return []
    return list(
        Product.objects.visible_to(user)
        .active()
        .only("id", "sku", "name", "unit_price", "currency")
        .order_by("name", "id")[:500]
    )


# --- Lists ----------------------------------------------------------------------------------


@_requires(VIEW)
def quote_list(request: HttpRequest) -> HttpResponse:
    status = request.GET.get("status", "")
    filters = quotes.QuoteFilters(status=status if status in QuoteStatus.values else "")
    try:
        page = paginate_keyset(
            quotes.quote_list(request.user, filters),
            order=quotes.LIST_ORDER,
            cursor=request.GET.get("cursor"),
            limit=PAGE_SIZE,
        )
    except InvalidCursor:
        return redirect(request.path)
    return render(
        request,
        "sales/quotes/list.html",
        {"page": page, "filters": filters, "statuses": QuoteStatus.choices},
    )


def deal_quotes_context(user, deal: Deal) -> dict:
    """Context of sales/quotes/_deal_quotes.html for a deal page that includes it."""
    return {
        "deal": deal,
        "deal_quotes": quotes.quotes_for_deal(user, deal),
        "can_add_quote": has_perm(user, DEALS, ADD),
    }


@_requires(VIEW)
def deal_quotes(request: HttpRequest, deal_pk: int) -> HttpResponse:
    """The deal's quotes as a fragment (a deal page can load it with hx-get)."""
    deal = get_object_or_404(Deal.objects.visible_to(request.user).only("id", "title"), pk=deal_pk)
    return render(
        request, "sales/quotes/_deal_quotes.html", deal_quotes_context(request.user, deal)
    )


# --- Editor ---------------------------------------------------------------------------------


def _target(request: HttpRequest) -> dict:
    """The deal or customer a new quote is for, from ?deal= / ?contact= / ?company=."""
    user = request.user
    found: dict = {}
    for name, queryset in (
        ("deal", Deal.objects.visible_to(user)),
        ("contact", Contact.objects.visible_to(user)),
        ("company", Company.objects.visible_to(user)),
    ):
        raw = request.POST.get(name) or request.GET.get(name, "")
        if raw:
            if not raw.isdigit():
                raise Http404
            found[name] = get_object_or_404(queryset, pk=int(raw))
    return found


def _editor(request, *, quote, form, rows, target, line_errors=(), status=200) -> HttpResponse:
    currency = form["currency"].value() or default_currency()
    return render(
        request,
        "sales/quotes/editor.html",
        {
            "quote": quote,
            "form": form,
            "rows": rows or [LineRow()],
            "line_errors": list(line_errors),
            "target": target,
            "products": _products(request.user),
            "currency": currency,
            "open_deals": (
                []
                if quote or target
                else list(
                    Deal.objects.visible_to(request.user)
                    .open()
                    .only("id", "title")
                    .order_by("-id")[:200]
                )
            ),
        },
        status=status,
    )


def _save(request: HttpRequest, *, quote: Quote | None, target: dict) -> HttpResponse:
    form = QuoteForm(request.POST)
    rows = rows_from_post(request.POST)
    kept = [index for index, row in enumerate(rows) if not row.is_blank()]
    if not form.is_valid():
        return _editor(request, quote=quote, form=form, rows=rows, target=target, status=422)
    data = {**form.cleaned_data, "lines": [rows[index].as_data() for index in kept]}
    try:
        if quote is None:
            data.update({name: record.pk for name, record in target.items()})
            if not target and request.POST.get("deal_choice", "").isdigit():
                data["deal"] = int(request.POST["deal_choice"])
            saved = quotes.create_quote(user=request.user, data=data)
        else:
            saved = quotes.update_quote(quote, user=request.user, data=data)
    except ValidationError as exc:
        errors = exc.message_dict if hasattr(exc, "error_dict") else {"__all__": exc.messages}
        line_errors = attach_errors(rows, kept, errors)
        for name, messages_ in errors.items():
            if name in form.fields:
                form.add_error(name, messages_)
            elif not name.startswith("lines"):
                form.add_error(None, messages_)
        return _editor(
            request,
            quote=quote,
            form=form,
            rows=rows,
            target=target,
            line_errors=line_errors,
            status=422,
        )
    messages.success(request, _("The quote was saved."))
    return redirect(saved)


@_requires(ADD)
def quote_new(request: HttpRequest) -> HttpResponse:
    target = _target(request)
    if request.method == "POST":
        return _save(request, quote=None, target=target)
    deal = target.get("deal")
    currency = deal.currency if deal and deal.currency in Currency.values else default_currency()
    form = QuoteForm(initial={"currency": currency, "title": deal.title if deal else ""})
    rows = [
        LineRow(
            values={
                "description": line.name,
                "quantity": plain_number(line.quantity),
                "unit_price": plain_number(line.unit_price),
            }
        )
        for line in (deal.lines.all() if deal else [])
    ]
    return _editor(request, quote=None, form=form, rows=rows, target=target)


@_requires(CHANGE)
def quote_edit(request: HttpRequest, pk: int) -> HttpResponse:
    quote = _quote(request, pk)
    if not quote.is_editable:
        messages.error(request, _("Only a draft can be edited; make a new version to change it."))
        return redirect(quote)
    if request.method == "POST":
        return _save(request, quote=quote, target={})
    form = QuoteForm(
        initial={
            "title": quote.title,
            "currency": quote.currency,
            "valid_until": quote.valid_until,
            "notes": quote.notes,
            "terms": quote.terms,
        }
    )
    return _editor(request, quote=quote, form=form, rows=rows_from_quote(quote), target={})


@_requires(VIEW)
def editor_line(request: HttpRequest) -> HttpResponse:
    """A new editor row (htmx), filled from ?line_product= when a product was chosen."""
    row = LineRow(values={"quantity": "1"})
    raw = request.GET.get("line_product", "")
    if raw.isdigit() and has_perm(request.user, PRODUCTS, VIEW):
        product = Product.objects.active().filter(pk=int(raw)).first()
        if product is not None:
            currency = request.GET.get("currency", "")
            row.values.update(
                {
                    "product": str(product.pk),
                    "description": product.name,
                    "tax_rate": plain_number(product.tax_rate),
                    "unit_price": (
                        plain_number(product.unit_price) if product.currency == currency else ""
                    ),
                }
            )
    return render(
        request,
        "sales/quotes/_line_row.html",
        {"row": row, "products": _products(request.user)},
    )


@require_POST
@_requires(VIEW)
def editor_totals(request: HttpRequest) -> HttpResponse:
    """Live totals of the editor's lines (htmx); nothing is saved."""
    rows = [row for row in rows_from_post(request.POST) if not row.is_blank()]
    currency = request.POST.get("currency", "")
    if currency not in Currency.values:
        currency = Currency.IRR
    try:
        totals = quotes.preview_totals([row.as_data() for row in rows], currency)
        problems: list[str] = []
    except ValidationError as exc:
        totals = None
        problems = sorted({m for messages_ in exc.message_dict.values() for m in messages_})
    return render(
        request,
        "sales/quotes/_totals.html",
        {"totals": totals, "problems": problems, "currency": currency},
    )


# --- One quote ------------------------------------------------------------------------------


def _detail_context(request: HttpRequest, quote: Quote, **extra) -> dict:
    user = request.user
    can_change = has_perm(user, DEALS, CHANGE)
    live = quote.is_latest
    return {
        "quote": quote,
        "lines": list(quote.lines.all()),
        "versions": quotes.versions_of(quote),
        "can_edit": can_change and quote.is_editable,
        "can_send": can_change and live and quote.status == QuoteStatus.DRAFT,
        "can_answer": can_change and live and quote.status in quotes.OPEN_STATUSES,
        "can_revise": can_change and live and quote.status in quotes.REVISABLE_STATUSES,
        "can_see_order": bool(quote.order_id)
        and Order.objects.visible_to(user).filter(pk=quote.order_id).exists(),
        "can_see_deal": bool(quote.deal_id)
        and Deal.objects.visible_to(user).filter(pk=quote.deal_id).exists(),
        "reject_form": extra.get("reject_form") or RejectForm(),
    }


@_requires(VIEW)
def quote_detail(request: HttpRequest, pk: int) -> HttpResponse:
    quote = _quote(request, pk)
    if quotes.expire_if_past_validity(quote, user=None):
        quote = _quote(request, pk)
    return render(request, "sales/quotes/detail.html", _detail_context(request, quote))


@_requires(VIEW)
def quote_print(request: HttpRequest, pk: int) -> HttpResponse:
    quote = _quote(request, pk)
    return render(request, quote_pdf.TEMPLATE, quote_pdf.document_context(quote, for_pdf=False))


@_requires(VIEW)
def quote_pdf_download(request: HttpRequest, pk: int) -> HttpResponse:
    quote = _quote(request, pk)
    response = HttpResponse(quote_pdf.render_quote_pdf(quote), content_type="application/pdf")
    disposition = "inline" if request.GET.get("inline") == "1" else "attachment"
    response["Content-Disposition"] = f'{disposition}; filename="{quote_pdf.pdf_filename(quote)}"'
    return response


def _act(request: HttpRequest, pk: int, action: Callable, done: str) -> HttpResponse:
    quote = _quote(request, pk)
    try:
        result = action(quote)
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
        return redirect(quote)
    messages.success(request, done)
    return redirect(result)


@require_POST
@_requires(CHANGE)
def quote_send(request: HttpRequest, pk: int) -> HttpResponse:
    return _act(
        request,
        pk,
        lambda q: quotes.send_quote(q, user=request.user),
        _("The quote was marked as sent."),
    )


@require_POST
@_requires(CHANGE)
def quote_accept(request: HttpRequest, pk: int) -> HttpResponse:
    return _act(
        request,
        pk,
        lambda q: quotes.accept_quote(q, user=request.user),
        _("The quote was accepted and its order was created."),
    )


@require_POST
@_requires(CHANGE)
def quote_reject(request: HttpRequest, pk: int) -> HttpResponse:
    form = RejectForm(request.POST)
    if not form.is_valid():
        quote = _quote(request, pk)
        return render(
            request,
            "sales/quotes/detail.html",
            _detail_context(request, quote, reject_form=form),
            status=422,
        )
    return _act(
        request,
        pk,
        lambda q: quotes.reject_quote(q, user=request.user, reason=form.cleaned_data["reason"]),
        _("The quote was marked as rejected."),
    )


@require_POST
@_requires(CHANGE)
def quote_revise(request: HttpRequest, pk: int) -> HttpResponse:
    quote = _quote(request, pk)
    try:
        new = quotes.revise_quote(quote, user=request.user)
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
        return redirect(quote)
    messages.success(
        request,
        _("Version %(version)s was made; edit it and send it again.") % {"version": new.version},
    )
    return redirect("sales:quote_edit", new.pk)
