"""/api/v1/sales/pipelines and /api/v1/sales/deals: pipelines and stages (set-up), deals (list
with filters and keyset pages, get, create, change, move on the board, win, lose, reopen), stage
history and board totals.

Same permissions as the pages: deals.view/add/change/delete for deals, sales_setup.* for
pipelines; a deal you may not see answers 404. Amounts are decimal strings ("12500000.00")."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema, Status
from ninja.errors import HttpError

from peyvand.accounts.permissions import (
    ADD,
    CHANGE,
    DELETE,
    VIEW,
    declares_any_permission,
    declares_permission,
    has_perm,
    require_perm,
)
from peyvand.commerce.api import OrderDetailOut, _order_detail_out
from peyvand.commerce.models import ORDERS
from peyvand.core.pagination import InvalidCursor

from . import selectors, services
from .models import DEALS, SALES_SETUP, Deal, Pipeline, Stage
from .services import UNSET, DealInput, LineInput, StageInput

pipelines_router = Router(tags=["Sales: pipelines"])
deals_router = Router(tags=["Sales: deals"])


# --- Schemas --------------------------------------------------------------------------------


class Ref(Schema):
    id: int
    name: str


class StageOut(Schema):
    id: int
    name: str
    order: int
    probability: int
    kind: str
    required_fields: list[str]
    rotting_days: int | None


class PipelineOut(Schema):
    id: int
    name: str
    order: int
    is_default: bool
    is_active: bool
    rotting_days: int | None
    currency: str
    stages: list[StageOut]


class StageIn(Schema):
    id: int | None = None
    name: str
    probability: int = 0
    kind: str = "open"
    required_fields: list[str] = Field(default_factory=list)
    rotting_days: int | None = None


class PipelineIn(Schema):
    name: str | None = None
    rotting_days: int | None = None
    currency: str | None = None
    is_default: bool | None = None
    is_active: bool | None = None
    # Create: the stages in order (default: a standard sales process). Change: when sent, the
    # full new list (ids keep stages, missing ones are removed, new ones are added).
    stages: list[StageIn] | None = None


class DealLineIn(Schema):
    product_id: int | None = None
    name: str = ""
    quantity: str = "1"
    unit_price: str | None = None
    discount_percent: str = "0"


class DealLineOut(Schema):
    id: int
    product_id: int | None
    name: str
    quantity: Decimal
    unit_price: Decimal
    discount_percent: Decimal
    total: Decimal


class DealOut(Schema):
    id: int
    title: str
    contact_id: int | None
    company_id: int | None
    amount: Decimal
    currency: str
    weighted_amount: Decimal
    expected_close: dt.date | None
    owner: Ref | None
    team_id: int | None
    pipeline_id: int
    stage: Ref
    status: str
    lost_reason: Ref | None
    lost_note: str
    won_at: dt.datetime | None
    lost_at: dt.datetime | None
    source_lead_id: int | None
    source_campaign: str
    last_activity_at: dt.datetime
    stage_entered_at: dt.datetime
    rotting: bool
    position: int
    created_at: dt.datetime
    updated_at: dt.datetime


class DealDetailOut(DealOut):
    lines: list[DealLineOut]


class DealPage(Schema):
    items: list[DealOut]
    next_cursor: str | None


class DealIn(Schema):
    """Create: title and contact_id or company_id are required. Change: only fields sent change
    (pipeline/stage change through /move). Amount as a decimal string; dates as ISO or Jalali."""

    title: str | None = None
    contact_id: int | None = None
    company_id: int | None = None
    amount: str | int | None = None
    currency: str | None = None
    expected_close: str | None = None
    owner_id: int | None = None
    team_id: int | None = None
    pipeline_id: int | None = None
    stage_id: int | None = None
    source_lead_id: int | None = None
    source_campaign: str | None = None
    lines: list[DealLineIn] | None = None


class MoveIn(Schema):
    stage_id: int
    # 0-based index in the target column, or the card to go in front of; neither: on top.
    position: int | None = None
    before_id: int | None = None
    lost_reason_id: int | None = None
    lost_note: str = ""


class LostIn(Schema):
    lost_reason_id: int | None = None
    note: str = ""


class StageChangeOut(Schema):
    id: int
    from_stage_id: int | None
    from_stage_name: str
    to_stage_id: int | None
    to_stage_name: str
    changed_by: Ref | None
    changed_at: dt.datetime
    seconds_in_previous: int | None


class TotalOut(Schema):
    currency: str
    amount: Decimal
    weighted: Decimal


class ColumnOut(Schema):
    stage: StageOut
    count: int
    totals: list[TotalOut]


class BoardOut(Schema):
    pipeline: Ref
    columns: list[ColumnOut]


# --- Helpers --------------------------------------------------------------------------------


def _user_ref(user) -> dict | None:
    return {"id": user.pk, "name": str(user)} if user is not None else None


def _deal_out(deal: Deal) -> dict:
    return {
        "id": deal.pk,
        "title": deal.title,
        "contact_id": deal.contact_id,
        "company_id": deal.company_id,
        "amount": deal.amount,
        "currency": deal.currency,
        "weighted_amount": deal.weighted_amount,
        "expected_close": deal.expected_close,
        "owner": _user_ref(deal.owner),
        "team_id": deal.team_id,
        "pipeline_id": deal.pipeline_id,
        "stage": {"id": deal.stage.pk, "name": deal.stage.name},
        "status": deal.status,
        "lost_reason": (
            {"id": deal.lost_reason.pk, "name": deal.lost_reason.name}
            if deal.lost_reason_id
            else None
        ),
        "lost_note": deal.lost_note,
        "won_at": deal.won_at,
        "lost_at": deal.lost_at,
        "source_lead_id": deal.source_lead_id,
        "source_campaign": deal.source_campaign,
        "last_activity_at": deal.last_activity_at,
        "stage_entered_at": deal.stage_entered_at,
        "rotting": deal.is_rotting(),
        "position": deal.position,
        "created_at": deal.created_at,
        "updated_at": deal.updated_at,
    }


def _deal(user, deal_id: int) -> Deal:
    return get_object_or_404(
        Deal.objects.visible_to(user).select_related(
            "owner", "stage", "stage__pipeline", "pipeline", "lost_reason"
        ),
        pk=deal_id,
    )


def _detail(user, deal_id: int) -> dict:
    deal = _deal(user, deal_id)
    return {
        **_deal_out(deal),
        "lines": [
            {
                "id": line.pk,
                "product_id": line.product_id,
                "name": line.name,
                "quantity": line.quantity,
                "unit_price": line.unit_price,
                "discount_percent": line.discount_percent,
                "total": line.total,
            }
            for line in deal.lines.all()
        ],
    }


def _limit(limit: int) -> int:
    return max(1, min(limit, getattr(settings, "API_MAX_PAGE_SIZE", 200)))


def _deal_input(payload: DealIn) -> DealInput:
    sent = payload.model_fields_set
    names = {
        "title": "title",
        "contact_id": "contact",
        "company_id": "company",
        "amount": "amount",
        "currency": "currency",
        "expected_close": "expected_close",
        "owner_id": "owner",
        "team_id": "team",
        "pipeline_id": "pipeline",
        "stage_id": "stage",
        "source_lead_id": "source_lead",
        "source_campaign": "source_campaign",
    }
    data = DealInput()
    for field, target in names.items():
        if field in sent:
            value = getattr(payload, field)
            if field == "amount" and value is None:
                value = 0
            setattr(data, target, value)
    if "lines" in sent:
        data.lines = [
            LineInput(
                name=line.name,
                quantity=line.quantity,
                unit_price=line.unit_price,
                discount_percent=line.discount_percent,
                product=line.product_id,
            )
            for line in payload.lines or []
        ]
    return data


def _pipeline_out(pipeline: Pipeline) -> dict:
    return {
        "id": pipeline.pk,
        "name": pipeline.name,
        "order": pipeline.order,
        "is_default": pipeline.is_default,
        "is_active": pipeline.is_active,
        "rotting_days": pipeline.rotting_days,
        "currency": pipeline.currency,
        "stages": list(pipeline.stages.order_by("order", "id")),
    }


def _stage_inputs(stages: list[StageIn]) -> list[StageInput]:
    return [
        StageInput(
            name=s.name,
            probability=s.probability,
            kind=s.kind,
            required_fields=list(s.required_fields),
            rotting_days=s.rotting_days,
            id=s.id,
        )
        for s in stages
    ]


def _params(request) -> selectors.DealFilters:
    try:
        return selectors.DealFilters.from_params(request.GET)
    except selectors.InvalidFilter as exc:
        raise ValidationError({str(exc): [_("This filter is not valid.")]}) from None


# --- Pipelines ------------------------------------------------------------------------------


def _require_read(user) -> None:
    """Working deals needs the stages too: deals.view or sales_setup.view reads pipelines."""
    if not has_perm(user, DEALS, VIEW):
        require_perm(user, SALES_SETUP, VIEW)


@pipelines_router.get("", response=list[PipelineOut], summary="Pipelines with their stages")
@declares_any_permission((DEALS, VIEW), (SALES_SETUP, VIEW))
def list_pipelines(request):
    _require_read(request.user)
    return [_pipeline_out(p) for p in Pipeline.objects.prefetch_related("stages")]


@pipelines_router.post("", response={201: PipelineOut}, summary="Create a pipeline")
@declares_permission(SALES_SETUP, ADD)
def create_pipeline(request, payload: PipelineIn):
    require_perm(request.user, SALES_SETUP, ADD)
    values = payload.model_dump(exclude_unset=True, exclude={"stages"})
    stages = _stage_inputs(payload.stages) if payload.stages is not None else None
    pipeline = services.create_pipeline(user=request.user, stages=stages, **values)
    return Status(201, _pipeline_out(pipeline))


@pipelines_router.get("/{int:pipeline_id}", response=PipelineOut, summary="One pipeline")
@declares_any_permission((DEALS, VIEW), (SALES_SETUP, VIEW))
def get_pipeline(request, pipeline_id: int):
    _require_read(request.user)
    return _pipeline_out(get_object_or_404(Pipeline, pk=pipeline_id))


@pipelines_router.patch("/{int:pipeline_id}", response=PipelineOut, summary="Change a pipeline")
@declares_permission(SALES_SETUP, CHANGE)
def update_pipeline(request, pipeline_id: int, payload: PipelineIn):
    require_perm(request.user, SALES_SETUP, CHANGE)
    pipeline = get_object_or_404(Pipeline, pk=pipeline_id)
    values = payload.model_dump(exclude_unset=True, exclude={"stages"})
    with transaction.atomic():
        services.update_pipeline(pipeline, user=request.user, **values)
        if payload.stages is not None:
            services.save_stages(pipeline, _stage_inputs(payload.stages), user=request.user)
    return _pipeline_out(pipeline)


@pipelines_router.delete("/{int:pipeline_id}", response={204: None}, summary="Delete a pipeline")
@declares_permission(SALES_SETUP, DELETE)
def delete_pipeline(request, pipeline_id: int):
    """Only a pipeline without deals; archive (is_active=false) the others."""
    require_perm(request.user, SALES_SETUP, DELETE)
    services.delete_pipeline(get_object_or_404(Pipeline, pk=pipeline_id), user=request.user)
    return Status(204, None)


@pipelines_router.get(
    "/{int:pipeline_id}/board", response=BoardOut, summary="Board totals per open stage"
)
@declares_permission(DEALS, VIEW)
def board_summary(request, pipeline_id: int):
    """Count, amount and weighted amount (by win probability) per stage and currency; takes
    the same filters as the deal list (owner, team, close_month, rotting)."""
    require_perm(request.user, DEALS, VIEW)
    pipeline = get_object_or_404(Pipeline, pk=pipeline_id)
    rows = selectors.board_summary(pipeline, request.user, _params(request))
    return {"pipeline": {"id": pipeline.pk, "name": pipeline.name}, "columns": rows}


# --- Deals ----------------------------------------------------------------------------------


@deals_router.get("", response=DealPage, summary="List deals, newest first")
@declares_permission(DEALS, VIEW)
def list_deals(request, cursor: str | None = None, limit: int = 50):
    """Filters (query parameters, combine): pipeline, stage, status (open/won/lost), owner (id
    or "me"), team, contact, company, close_month ("1403-05" Jalali or "2024-08"), rotting=1.
    Page on with `next_cursor`."""
    require_perm(request.user, DEALS, VIEW)
    filters = _params(request)
    try:
        page = selectors.deals_page(request.user, filters, cursor=cursor, limit=_limit(limit))
    except InvalidCursor as exc:
        raise HttpError(400, _("The cursor is not valid; start from the first page.")) from exc
    return {"items": [_deal_out(d) for d in page.items], "next_cursor": page.next_cursor}


@deals_router.post("", response={201: DealDetailOut}, summary="Create a deal")
@declares_permission(DEALS, ADD)
def create_deal(request, payload: DealIn):
    require_perm(request.user, DEALS, ADD)
    data = _deal_input(payload)
    if data.owner is UNSET:
        data.owner = request.user
    deal = services.create_deal(user=request.user, data=data)
    return Status(201, _detail(request.user, deal.pk))


@deals_router.get("/{int:deal_id}", response=DealDetailOut, summary="One deal with its lines")
@declares_permission(DEALS, VIEW)
def get_deal(request, deal_id: int):
    require_perm(request.user, DEALS, VIEW)
    return _detail(request.user, deal_id)


@deals_router.patch("/{int:deal_id}", response=DealDetailOut, summary="Change a deal")
@declares_permission(DEALS, CHANGE)
def update_deal(request, deal_id: int, payload: DealIn):
    require_perm(request.user, DEALS, CHANGE)
    deal = _deal(request.user, deal_id)
    services.update_deal(deal, user=request.user, data=_deal_input(payload))
    return _detail(request.user, deal_id)


@deals_router.delete("/{int:deal_id}", response={204: None}, summary="Delete a deal")
@declares_permission(DEALS, DELETE)
def delete_deal(request, deal_id: int):
    require_perm(request.user, DEALS, DELETE)
    services.delete_deal(_deal(request.user, deal_id), user=request.user)
    return Status(204, None)


def _stage(stage_id: int) -> Stage:
    stage = Stage.objects.select_related("pipeline").filter(pk=stage_id).first()
    if stage is None:
        raise ValidationError({"stage_id": [_("Choose an existing stage.")]})
    return stage


@deals_router.post("/{int:deal_id}/move", response=DealDetailOut, summary="Move to a stage")
@declares_permission(DEALS, CHANGE)
def move_deal(request, deal_id: int, payload: MoveIn):
    """The board's drag and drop. A won/lost stage wins/loses the deal (lost needs
    lost_reason_id while lost reasons exist); an open stage reopens a closed deal. The
    stage's required fields must be filled in (400 otherwise)."""
    require_perm(request.user, DEALS, CHANGE)
    deal = _deal(request.user, deal_id)
    services.move_deal(
        deal,
        _stage(payload.stage_id),
        user=request.user,
        position=payload.position,
        before_id=payload.before_id,
        lost_reason=payload.lost_reason_id,
        lost_note=payload.lost_note,
    )
    return _detail(request.user, deal_id)


@deals_router.post("/{int:deal_id}/won", response=DealDetailOut, summary="Mark as won")
@declares_permission(DEALS, CHANGE)
def won(request, deal_id: int):
    require_perm(request.user, DEALS, CHANGE)
    services.mark_won(_deal(request.user, deal_id), user=request.user)
    return _detail(request.user, deal_id)


@deals_router.post("/{int:deal_id}/lost", response=DealDetailOut, summary="Mark as lost")
@declares_permission(DEALS, CHANGE)
def lost(request, deal_id: int, payload: LostIn):
    require_perm(request.user, DEALS, CHANGE)
    services.mark_lost(
        _deal(request.user, deal_id),
        user=request.user,
        reason=payload.lost_reason_id,
        note=payload.note,
    )
    return _detail(request.user, deal_id)


@deals_router.post("/{int:deal_id}/reopen", response=DealDetailOut, summary="Reopen")
@declares_permission(DEALS, CHANGE)
def reopen(request, deal_id: int, stage_id: int | None = None):
    require_perm(request.user, DEALS, CHANGE)
    stage = _stage(stage_id) if stage_id else None
    services.reopen_deal(_deal(request.user, deal_id), user=request.user, stage=stage)
    return _detail(request.user, deal_id)


@deals_router.post(
    "/{int:deal_id}/order",
    response={200: OrderDetailOut, 201: OrderDetailOut},
    summary="Create the order of a won deal",
)
@declares_permission(ORDERS, ADD)
def create_order(request, deal_id: int):
    """From the deal's product lines (or one line of its title and amount). Idempotent: 201
    when the order is created, 200 with the existing one (also an accepted quote's order).
    A deal that is not won answers 422. Needs orders.add."""
    require_perm(request.user, ORDERS, ADD)
    order, created = services.order_from_deal(_deal(request.user, deal_id), user=request.user)
    return Status(201 if created else 200, _order_detail_out(order))


@deals_router.get(
    "/{int:deal_id}/stage-history", response=list[StageChangeOut], summary="Stage history"
)
@declares_permission(DEALS, VIEW)
def stage_history(request, deal_id: int):
    """Oldest first; seconds_in_previous is how long the deal stayed in the stage it left."""
    require_perm(request.user, DEALS, VIEW)
    deal = _deal(request.user, deal_id)
    return [
        {
            "id": c.pk,
            "from_stage_id": c.from_stage_id,
            "from_stage_name": c.from_stage_name,
            "to_stage_id": c.to_stage_id,
            "to_stage_name": c.to_stage_name,
            "changed_by": _user_ref(c.changed_by),
            "changed_at": c.changed_at,
            "seconds_in_previous": c.seconds_in_previous,
        }
        for c in selectors.stage_history(deal)
    ]
