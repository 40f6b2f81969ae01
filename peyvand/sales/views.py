"""Sales pages: the board, deal lists, the deal page, rotting deals, pipeline set-up.
Thin: forms validate, services write, selectors read."""

from __future__ import annotations

from collections.abc import Callable

from django.contrib import messages
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from peyvand.accounts.models import Team, User
from peyvand.accounts.permissions import (
    ADD,
    CHANGE,
    DELETE,
    VIEW,
    declares_any_permission,
    has_perm,
    permission_required,
)
from peyvand.commerce.models import ORDERS
from peyvand.core.money import format_money
from peyvand.core.pagination import InvalidCursor

from . import quote_views, selectors, services
from .forms import DealForm, LostForm, LostReasonForm, NoteForm, PipelineForm, StageFormSet
from .models import (
    DEALS,
    SALES_SETUP,
    Deal,
    DealStatus,
    LostReason,
    Pipeline,
    Stage,
    StageKind,
)
from .services import DealInput, StageInput

PAGE_SIZE = 50


_requires = permission_required


def _deal(request: HttpRequest, pk: int) -> Deal:
    return get_object_or_404(
        Deal.objects.visible_to(request.user).select_related(
            "owner",
            "team",
            "contact",
            "company",
            "stage",
            "pipeline",
            "lost_reason",
            "source_lead",
            "created_by",
        ),
        pk=pk,
    )


def _service_errors(form, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for field, errors in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)


def _filters(request: HttpRequest) -> selectors.DealFilters:
    try:
        return selectors.DealFilters.from_params(request.GET)
    except selectors.InvalidFilter:
        messages.error(request, _("A filter was not valid and was ignored."))
        return selectors.DealFilters()


def _filter_choices() -> dict:
    return {
        "owners": User.objects.filter(is_active=True)
        .only("id", "first_name", "last_name", "username")
        .order_by("first_name", "last_name", "id"),
        "teams": Team.objects.only("id", "name").order_by("name"),
    }


def _totals_text(totals: dict, language: str) -> list[dict]:
    return [
        {
            "currency": currency,
            "amount": format_money(amount, currency, language),
            "weighted": format_money(weighted, currency, language),
        }
        for currency, (amount, weighted) in sorted(totals.items())
    ]


# --- Board ----------------------------------------------------------------------------------


@_requires(DEALS, VIEW)
def home(request: HttpRequest) -> HttpResponse:
    pipeline = selectors.default_pipeline()
    if pipeline is None:
        if has_perm(request.user, SALES_SETUP, ADD):
            messages.info(request, _("Create a pipeline to start working with deals."))
            return redirect("sales:pipelines")
        return render(request, "sales/no_pipeline.html")
    return redirect("sales:board", pk=pipeline.pk)


@_requires(DEALS, VIEW)
def board(request: HttpRequest, pk: int) -> HttpResponse:
    pipeline = get_object_or_404(Pipeline, pk=pk)
    filters = _filters(request)
    result = selectors.board(pipeline, request.user, filters)
    language = get_language()
    for column in result.columns:
        column.totals_text = _totals_text(column.totals, language)
    return render(
        request,
        "sales/board.html",
        {
            "board": result,
            "pipeline": pipeline,
            "pipelines": Pipeline.objects.filter(is_active=True).only("id", "name"),
            "filters": filters,
            "close_month": request.GET.get("close_month", ""),
            "lost_reasons": LostReason.objects.filter(is_active=True),
            "can_change": has_perm(request.user, DEALS, CHANGE),
            **_filter_choices(),
        },
    )


@_requires(DEALS, VIEW)
def column_more(request: HttpRequest, pk: int) -> HttpResponse:
    stage = get_object_or_404(Stage.objects.select_related("pipeline"), pk=pk)
    after = None
    try:
        if request.GET.get("after_position"):
            after = (int(request.GET["after_position"]), int(request.GET["after_id"]))
    except (KeyError, ValueError):
        after = None
    cards = selectors.column_cards(stage, request.user, _filters(request), after=after)
    for card in cards:
        card.pipeline = stage.pipeline
    return render(
        request,
        "sales/_column_more.html",
        {
            "cards": cards,
            "stage": stage,
            "has_more": len(cards) == selectors.COLUMN_LIMIT,
            "can_change": has_perm(request.user, DEALS, CHANGE),
        },
    )


def _json_errors(exc: ValidationError, status: int = 400) -> JsonResponse:
    errors = exc.message_dict if hasattr(exc, "error_dict") else {"__all__": exc.messages}
    detail = " ".join(message for messages_ in errors.values() for message in messages_)
    return JsonResponse({"detail": detail, "errors": errors}, status=status)


@require_POST
@_requires(DEALS, CHANGE)
def deal_move(request: HttpRequest, pk: int) -> HttpResponse:
    """The board's drag and drop (fetch): JSON back, with fresh column totals."""
    deal = _deal(request, pk)
    try:
        stage = Stage.objects.select_related("pipeline").get(pk=int(request.POST.get("stage", "")))
    except (ValueError, Stage.DoesNotExist):
        return JsonResponse(
            {
                "detail": _("Choose a valid stage."),
                "errors": {"stage": [_("Choose a valid stage.")]},
            },
            status=400,
        )
    before_id = position = None
    try:
        if request.POST.get("before_id"):
            before_id = int(request.POST["before_id"])
        if request.POST.get("position"):
            position = int(request.POST["position"])
    except ValueError:
        return JsonResponse({"detail": _("Invalid position."), "errors": {}}, status=400)
    try:
        deal = services.move_deal(
            deal,
            stage,
            user=request.user,
            position=position,
            before_id=before_id,
            lost_reason=request.POST.get("lost_reason") or None,
            lost_note=request.POST.get("lost_note", ""),
        )
    except ValidationError as exc:
        return _json_errors(exc)
    language = get_language()
    filters = _filters(request)
    summary = selectors.board_summary(stage.pipeline, request.user, filters)
    return JsonResponse(
        {
            "deal": {"id": deal.pk, "stage": deal.stage_id, "status": deal.status},
            "columns": [
                {
                    "stage": row["stage"].pk,
                    "count": row["count"],
                    "totals": [
                        {
                            "amount": format_money(t["amount"], t["currency"], language),
                            "weighted": format_money(t["weighted"], t["currency"], language),
                        }
                        for t in row["totals"]
                    ],
                }
                for row in summary
            ],
        }
    )


# --- Lists ----------------------------------------------------------------------------------


@_requires(DEALS, VIEW)
def deal_list(request: HttpRequest) -> HttpResponse:
    filters = _filters(request)
    try:
        page = selectors.deals_page(
            request.user, filters, cursor=request.GET.get("cursor"), limit=PAGE_SIZE
        )
    except InvalidCursor:
        return redirect(request.path)
    return render(
        request,
        "sales/list.html",
        {
            "page": page,
            "filters": filters,
            "close_month": request.GET.get("close_month", ""),
            "statuses": DealStatus.choices,
            "pipelines": Pipeline.objects.only("id", "name"),
            **_filter_choices(),
        },
    )


@_requires(DEALS, VIEW)
def rotting_list(request: HttpRequest) -> HttpResponse:
    filters = _filters(request)
    try:
        page = selectors.rotting_page(
            request.user, filters, cursor=request.GET.get("cursor"), limit=PAGE_SIZE
        )
    except InvalidCursor:
        return redirect(request.path)
    return render(
        request,
        "sales/rotting.html",
        {"page": page, "filters": filters, **_filter_choices()},
    )


# --- One deal ---------------------------------------------------------------------------------


def _deal_input(data: dict) -> DealInput:
    values = {name: data[name] for name in data if name in DealInput.__dataclass_fields__}
    if values.get("amount") is None and "amount" in values:
        values["amount"] = 0
    return DealInput(**values)


# Deal line rows use commerce's row parser (field names line-<n>-<field>); "description" is the
# line's name and "discount" its discount in percent.
EMPTY_LINE_ROWS = 2


def _line_products(deal: Deal | None = None) -> list:
    from django.db.models import Q

    from peyvand.commerce.models import Product

    condition = Q(is_active=True)
    if deal is not None:
        condition |= Q(deal_lines__deal=deal)
    return list(
        Product.objects.filter(condition)
        .distinct()
        .only("id", "sku", "name", "unit_price", "currency")
        .order_by("name", "id")
    )


def _empty_line_rows(start: int, count: int) -> list[dict]:
    return [
        {
            "index": str(start + i),
            "product": "",
            "description": "",
            "quantity": "",
            "unit_price": "",
            "discount": "",
        }
        for i in range(count)
    ]


def _deal_line_rows(deal: Deal) -> list[dict]:
    from peyvand.commerce.services import plain_amount

    return [
        {
            "index": str(i),
            "product": str(line.product_id or ""),
            "description": line.name,
            "quantity": plain_amount(line.quantity),
            "unit_price": plain_amount(line.unit_price),
            "discount": plain_amount(line.discount_percent),
        }
        for i, line in enumerate(deal.lines.order_by("order", "id"))
    ]


def _posted_lines(request: HttpRequest, products: list) -> tuple[list[dict], list[dict], list]:
    """(service line dicts, rows to redisplay, errors) from the posted line rows."""
    from peyvand.commerce.forms import lines_from_post

    lines, _numbers, rows = lines_from_post(request.POST)
    allowed = {str(p.pk) for p in products}
    errors = []
    cleaned = []
    for number, line in enumerate(lines, start=1):
        product = line.get("product", "")
        if product and product not in allowed:
            errors.append(_("Line %(n)s: choose a product from the list.") % {"n": number})
        cleaned.append(
            {
                "product": product or None,
                "name": line.get("description", ""),
                "quantity": line.get("quantity", "1"),
                "unit_price": line.get("unit_price") or None,
                "discount_percent": line.get("discount", "0"),
            }
        )
    return cleaned, rows or _empty_line_rows(0, EMPTY_LINE_ROWS), errors


def _save_deal_page(
    request: HttpRequest, deal: Deal | None, form, rows: list, save
) -> HttpResponse:
    """Shared POST/GET handling of the deal create and edit pages (details + product lines)."""
    products = _line_products(deal)
    line_errors: list = []
    if request.method == "POST":
        lines, rows, line_errors = _posted_lines(request, products)
        if form.is_valid() and not line_errors:
            data = dict(form.cleaned_data)
            data["lines"] = lines
            if data.get("amount") is None and lines:
                data.pop("amount", None)  # the lines' total
            try:
                deal = save(data)
            except ValidationError as exc:
                if hasattr(exc, "error_dict") and "lines" in exc.error_dict:
                    line_errors = exc.message_dict["lines"]
                    exc = ValidationError(
                        {k: v for k, v in exc.message_dict.items() if k != "lines"}
                    )
                if exc.messages:
                    _service_errors(form, exc)
            else:
                return redirect(deal)
    return render(
        request,
        "sales/deal_form.html",
        {
            "form": form,
            "deal": deal,
            "rows": rows,
            "products": products,
            "line_errors": line_errors,
        },
    )


@_requires(DEALS, ADD)
def deal_create(request: HttpRequest) -> HttpResponse:
    initial = {"currency": "IRR"}
    for name in ("contact", "company", "stage", "pipeline"):
        if request.GET.get(name, "").isdigit():
            initial[name] = int(request.GET[name])
    form = DealForm(request.POST or None, user=request.user, initial=initial)

    def save(data: dict) -> Deal:
        data = {k: v for k, v in data.items() if v not in (None, "")}
        data.setdefault("owner", request.user)
        deal = services.create_deal(user=request.user, data=_deal_input(data))
        messages.success(request, _("The deal was created."))
        return deal

    return _save_deal_page(request, None, form, _empty_line_rows(0, EMPTY_LINE_ROWS), save)


@_requires(DEALS, CHANGE)
def deal_edit(request: HttpRequest, pk: int) -> HttpResponse:
    deal = _deal(request, pk)
    rows = _deal_line_rows(deal)
    initial = {
        "title": deal.title,
        "contact": deal.contact_id,
        "company": deal.company_id,
        # With lines, an empty amount means "the lines' total", so changed lines update it.
        "amount": None if rows else deal.amount,
        "currency": deal.currency,
        "expected_close": deal.expected_close,
        "owner": deal.owner_id,
        "team": deal.team_id,
        "source_campaign": deal.source_campaign,
    }
    form = DealForm(request.POST or None, user=request.user, initial=initial, editing=True)

    def save(data: dict) -> Deal:
        services.update_deal(deal, user=request.user, data=_deal_input(data))
        messages.success(request, _("The deal was saved."))
        return deal

    return _save_deal_page(request, deal, form, rows or _empty_line_rows(0, EMPTY_LINE_ROWS), save)


@_requires(DEALS, VIEW)
@declares_any_permission((DEALS, ADD), (DEALS, CHANGE))
def deal_line_row(request: HttpRequest) -> HttpResponse:
    """htmx: one more empty product line row for the deal form (create or edit)."""
    if not (has_perm(request.user, DEALS, ADD) or has_perm(request.user, DEALS, CHANGE)):
        raise PermissionDenied(_("You do not have permission to do this."))
    raw = request.GET.get("index", "")
    index = min(int(raw), 999) if raw.isdigit() and len(raw) < 5 else 0
    return render(
        request,
        "sales/_line_row.html",
        {"row": _empty_line_rows(index, 1)[0], "products": _line_products()},
    )


@_requires(DEALS, VIEW)
def deal_detail(request: HttpRequest, pk: int) -> HttpResponse:
    from peyvand.timeline.models import TimelineEntry

    deal = _deal(request, pk)
    entries = (
        TimelineEntry.objects.visible_to(request.user)
        .filter(source_type=ContentType.objects.get_for_model(Deal), source_id=deal.pk)
        .select_related("author")
        .order_by("-occurred_at", "-id")[:50]
    )
    return render(
        request,
        "sales/deal_detail.html",
        {
            "deal": deal,
            "history": selectors.stage_history(deal),
            "lines": list(deal.lines.all()),
            "entries": list(entries),
            "stages": list(deal.pipeline.stages.order_by("order", "id")),
            "lost_form": LostForm(),
            "note_form": NoteForm(),
            "can_change": has_perm(request.user, DEALS, CHANGE),
            "can_delete": has_perm(request.user, DEALS, DELETE),
            "deal_order": selectors.deal_order(deal),
            "can_add_order": has_perm(request.user, ORDERS, ADD),
            "can_view_orders": has_perm(request.user, ORDERS, VIEW),
            **quote_views.deal_quotes_context(request.user, deal),
        },
    )


def _closing(request: HttpRequest, pk: int, action: Callable[[Deal], object]) -> HttpResponse:
    deal = _deal(request, pk)
    try:
        action(deal)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return redirect(reverse("sales:deal", args=[deal.pk]))


@require_POST
@_requires(DEALS, CHANGE)
def deal_won(request: HttpRequest, pk: int) -> HttpResponse:
    def win(deal):
        services.mark_won(deal, user=request.user)
        messages.success(request, _("Congratulations! The deal was won."))

    return _closing(request, pk, win)


@require_POST
@_requires(DEALS, CHANGE)
def deal_lost(request: HttpRequest, pk: int) -> HttpResponse:
    form = LostForm(request.POST)

    def lose(deal):
        if not form.is_valid():
            raise ValidationError([e for errors in form.errors.values() for e in errors])
        services.mark_lost(
            deal,
            user=request.user,
            reason=form.cleaned_data["reason"],
            note=form.cleaned_data.get("note") or "",
        )
        messages.success(request, _("The deal was marked as lost."))

    return _closing(request, pk, lose)


@require_POST
@_requires(DEALS, CHANGE)
def deal_reopen(request: HttpRequest, pk: int) -> HttpResponse:
    def reopen(deal):
        services.reopen_deal(deal, user=request.user)
        messages.success(request, _("The deal is open again."))

    return _closing(request, pk, reopen)


@require_POST
@_requires(ORDERS, ADD)
def deal_order(request: HttpRequest, pk: int) -> HttpResponse:
    """The won deal's "Create order" button; shows the order when the user may see orders."""
    deal = _deal(request, pk)
    try:
        order, created = services.order_from_deal(deal, user=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect(deal)
    if created:
        messages.success(request, _("The order was created."))
    else:
        messages.info(request, _("This deal already has an order."))
    if has_perm(request.user, ORDERS, VIEW):
        return redirect(order)
    return redirect(deal)


@require_POST
@_requires(DEALS, CHANGE)
def deal_stage(request: HttpRequest, pk: int) -> HttpResponse:
    """The stage buttons on the deal page (no JavaScript needed)."""
    deal = _deal(request, pk)
    stage = get_object_or_404(Stage, pk=request.POST.get("stage") or 0, kind=StageKind.OPEN)

    def move(deal):
        services.move_deal(deal, stage, user=request.user)

    return _closing(request, deal.pk, move)


@require_POST
@_requires(DEALS, CHANGE)
def deal_note(request: HttpRequest, pk: int) -> HttpResponse:
    form = NoteForm(request.POST)

    def note(deal):
        if not form.is_valid():
            raise ValidationError([e for errors in form.errors.values() for e in errors])
        services.add_deal_note(deal, user=request.user, body=form.cleaned_data["body"])

    return _closing(request, pk, note)


@require_POST
@_requires(DEALS, DELETE)
def deal_delete(request: HttpRequest, pk: int) -> HttpResponse:
    deal = _deal(request, pk)
    services.delete_deal(deal, user=request.user)
    messages.success(request, _("The deal was deleted."))
    return redirect("sales:list")


# --- Set-up -----------------------------------------------------------------------------------


@_requires(SALES_SETUP, VIEW)
def pipeline_list(request: HttpRequest) -> HttpResponse:
    pipelines = Pipeline.objects.prefetch_related("stages")
    return render(
        request,
        "sales/pipelines.html",
        {"pipelines": pipelines, "can_change": has_perm(request.user, SALES_SETUP, CHANGE)},
    )


def _stage_inputs(formset) -> list[StageInput]:
    rows = [f for f in formset.ordered_forms if f.cleaned_data and not f.cleaned_data.get("DELETE")]
    rows += [
        f
        for f in formset.forms
        if f.cleaned_data
        and not f.cleaned_data.get("DELETE")
        and f not in rows
        and f.cleaned_data.get("name")
    ]
    return [
        StageInput(
            name=f.cleaned_data["name"],
            probability=f.cleaned_data["probability"],
            kind=f.cleaned_data["kind"],
            required_fields=f.cleaned_data.get("required_fields") or [],
            rotting_days=f.cleaned_data.get("rotting_days"),
            id=f.cleaned_data.get("id"),
        )
        for f in rows
    ]


@_requires(SALES_SETUP, CHANGE)
def pipeline_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    pipeline = get_object_or_404(Pipeline, pk=pk) if pk else None
    if pipeline is None and not has_perm(request.user, SALES_SETUP, ADD):
        raise PermissionDenied(_("You do not have permission to do this."))
    initial_stages = [
        {
            "id": s.pk,
            "name": s.name,
            "probability": s.probability,
            "kind": s.kind,
            "required_fields": s.required_fields,
            "rotting_days": s.rotting_days,
            "ORDER": index + 1,
        }
        for index, s in enumerate(
            pipeline.stages.order_by("order", "id")
            if pipeline
            else [
                Stage(**{k: v for k, v in vars(si).items() if k != "id"})
                for si in services.default_stage_inputs()
            ]
        )
    ]
    form = PipelineForm(request.POST or None, instance=pipeline)
    formset = StageFormSet(request.POST or None, initial=initial_stages, prefix="stages")
    if request.method == "POST" and form.is_valid() and formset.is_valid():
        values = {name: form.cleaned_data[name] for name in form.fields}
        stages = _stage_inputs(formset)
        try:
            if pipeline is None:
                for stage in stages:
                    stage.id = None
                pipeline = services.create_pipeline(user=request.user, stages=stages, **values)
            else:
                services.update_pipeline(pipeline, user=request.user, **values)
                services.save_stages(pipeline, stages, user=request.user)
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            messages.success(request, _("The pipeline was saved."))
            return redirect("sales:pipelines")
    return render(
        request,
        "sales/pipeline_form.html",
        {"form": form, "formset": formset, "pipeline": pipeline},
    )


@_requires(SALES_SETUP, VIEW)
def lost_reasons(request: HttpRequest) -> HttpResponse:
    can_change = has_perm(request.user, SALES_SETUP, CHANGE)
    form = LostReasonForm(request.POST or None)
    if request.method == "POST":
        if not can_change:
            raise PermissionDenied(_("You do not have permission to do this."))
        reason = None
        if request.POST.get("id"):
            reason = get_object_or_404(LostReason, pk=request.POST["id"])
        if form.is_valid():
            try:
                services.save_lost_reason(
                    name=form.cleaned_data["name"],
                    is_active=form.cleaned_data["is_active"],
                    reason=reason,
                )
            except ValidationError as exc:
                _service_errors(form, exc)
            else:
                messages.success(request, _("The lost reason was saved."))
                return redirect("sales:lost_reasons")
    return render(
        request,
        "sales/lost_reasons.html",
        {"reasons": LostReason.objects.all(), "form": form, "can_change": can_change},
    )
