"""/api/v1/commissions: plans, statements (compute, review, approve) and adjustments.

commissions.view: own statements (managers: their teams'); commissions.change: compute, review,
approve, adjust, and edit plans; a statement you may not see answers 404."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from ninja import Router, Schema, Status
from ninja.errors import HttpError

from peyvand.accounts.models import Team, User
from peyvand.accounts.permissions import ADD, CHANGE, VIEW, declares_permission, require_perm
from peyvand.commerce.models import ProductCategory
from peyvand.core.pagination import InvalidCursor, paginate_keyset
from peyvand.core.periods import InvalidPeriod, Period

from . import selectors, services
from .models import COMMISSIONS, Basis, CommissionPlan, CommissionStatement, StatementStatus

router = Router(tags=["Commissions"])


class TierSchema(Schema):
    attainment_from: Decimal
    rate: Decimal


class CategoryRateSchema(Schema):
    category_id: int
    rate: Decimal


class PlanIn(Schema):
    name: str
    basis: str = Basis.DEAL_AMOUNT
    rate: Decimal
    currency: str = "IRR"
    effective_from: dt.date
    effective_to: dt.date | None = None
    is_active: bool = True
    user_ids: list[int] = []
    team_ids: list[int] = []
    category_rates: list[CategoryRateSchema] = []
    tiers: list[TierSchema] = []


class PlanOut(PlanIn):
    id: int


class StatementLineOut(Schema):
    id: int
    kind: str
    deal_id: int | None
    order_id: int | None
    adjustment_id: int | None
    description: str
    category: str
    date: dt.date | None
    base_amount: Decimal
    rate: Decimal | None
    tier_from: Decimal | None
    commission: Decimal


class StatementOut(Schema):
    id: int
    user_id: int
    user_name: str
    period: str
    period_label: str
    period_start: dt.date
    period_end: dt.date
    status: str
    plan_id: int | None
    currency: str
    target: Decimal | None
    sales: Decimal
    base_total: Decimal
    commission_total: Decimal
    adjustment_total: Decimal
    total: Decimal


class StatementDetailOut(StatementOut):
    lines: list[StatementLineOut]


class StatementPage(Schema):
    items: list[StatementOut]
    next_cursor: str | None


class ComputeIn(Schema):
    user_id: int
    period: str


class AdjustmentIn(Schema):
    amount: Decimal
    reason: str


class AdjustmentOut(Schema):
    id: int
    corrects_id: int
    applied_to_id: int | None
    amount: Decimal
    reason: str
    automatic: bool


def _statement_out(statement: CommissionStatement) -> dict:
    return {
        "id": statement.pk,
        "user_id": statement.user_id,
        "user_name": str(statement.user),
        "period": statement.period.code,
        "period_label": statement.period.label(),
        "period_start": statement.period_start,
        "period_end": statement.period_end,
        "status": statement.status,
        "plan_id": statement.plan_id,
        "currency": statement.currency,
        "target": statement.target,
        "sales": statement.sales,
        "base_total": statement.base_total,
        "commission_total": statement.commission_total,
        "adjustment_total": statement.adjustment_total,
        "total": statement.total,
    }


def _detail_out(statement: CommissionStatement) -> dict:
    return {
        **_statement_out(statement),
        "lines": list(
            statement.lines.values(
                "id",
                "kind",
                "deal_id",
                "order_id",
                "adjustment_id",
                "description",
                "category",
                "date",
                "base_amount",
                "rate",
                "tier_from",
                "commission",
            )
        ),
    }


def _statement(request, statement_id: int) -> CommissionStatement:
    require_perm(request.user, COMMISSIONS, VIEW)
    return get_object_or_404(
        CommissionStatement.objects.visible_to(request.user).select_related("user"),
        pk=statement_id,
    )


@router.get("/statements", response=StatementPage)
@declares_permission(COMMISSIONS, VIEW)
def list_statements(request, status: str = "", cursor: str | None = None, limit: int = 50):
    require_perm(request.user, COMMISSIONS, VIEW)
    if status and status not in StatementStatus.values:
        raise ValidationError({"status": [_("Choose one of the listed options.")]})
    qs = selectors.statements_for(request.user, status=status)
    try:
        page = paginate_keyset(
            qs, order=["-period_start", "-id"], cursor=cursor, limit=max(1, min(limit, 200))
        )
    except InvalidCursor as exc:
        raise HttpError(400, _("The cursor is not valid; start from the first page.")) from exc
    return {"items": [_statement_out(s) for s in page.items], "next_cursor": page.next_cursor}


@router.post("/statements/compute", response=StatementDetailOut)
@declares_permission(COMMISSIONS, CHANGE)
def compute(request, payload: ComputeIn):
    require_perm(request.user, COMMISSIONS, CHANGE)
    try:
        period = Period.parse(payload.period)
    except InvalidPeriod as exc:
        raise ValidationError({"period": [str(exc)]}) from exc
    user = User.objects.filter(pk=payload.user_id, is_active=True).first()
    if user is None:
        raise ValidationError({"user_id": [_("Choose an active user.")]})
    return _detail_out(services.compute_statement(user, period, by=request.user))


@router.get("/statements/{statement_id}", response=StatementDetailOut)
@declares_permission(COMMISSIONS, VIEW)
def get_statement(request, statement_id: int):
    return _detail_out(_statement(request, statement_id))


def _transition(request, statement_id: int, action) -> dict:
    require_perm(request.user, COMMISSIONS, CHANGE)
    statement = _statement(request, statement_id)
    if action is services.compute_statement:
        statement = action(statement.user, statement.period, by=request.user)
    else:
        statement = action(statement, by=request.user)
    return _detail_out(statement)


@router.post("/statements/{statement_id}/recompute", response=StatementDetailOut)
@declares_permission(COMMISSIONS, VIEW)
@declares_permission(COMMISSIONS, CHANGE)
def recompute(request, statement_id: int):
    return _transition(request, statement_id, services.compute_statement)


@router.post("/statements/{statement_id}/review", response=StatementDetailOut)
@declares_permission(COMMISSIONS, VIEW)
@declares_permission(COMMISSIONS, CHANGE)
def review(request, statement_id: int):
    return _transition(request, statement_id, services.review)


@router.post("/statements/{statement_id}/reopen", response=StatementDetailOut)
@declares_permission(COMMISSIONS, VIEW)
@declares_permission(COMMISSIONS, CHANGE)
def reopen(request, statement_id: int):
    return _transition(request, statement_id, services.reopen)


@router.post("/statements/{statement_id}/approve", response=StatementDetailOut)
@declares_permission(COMMISSIONS, VIEW)
@declares_permission(COMMISSIONS, CHANGE)
def approve(request, statement_id: int):
    return _transition(request, statement_id, services.approve)


@router.post("/statements/{statement_id}/adjustments", response={201: AdjustmentOut})
@declares_permission(COMMISSIONS, CHANGE)
def add_adjustment(request, statement_id: int, payload: AdjustmentIn):
    require_perm(request.user, COMMISSIONS, CHANGE)
    statement = _statement(request, statement_id)
    adjustment = services.add_adjustment(
        statement, amount=payload.amount, reason=payload.reason, by=request.user
    )
    return Status(
        201,
        {
            "id": adjustment.pk,
            "corrects_id": adjustment.corrects_id,
            "applied_to_id": adjustment.applied_to_id,
            "amount": adjustment.amount,
            "reason": adjustment.reason,
            "automatic": adjustment.automatic,
        },
    )


# --- Plans ------------------------------------------------------------------------------------


def _plan_out(plan: CommissionPlan) -> dict:
    return {
        "id": plan.pk,
        "name": plan.name,
        "basis": plan.basis,
        "rate": plan.rate,
        "currency": plan.currency,
        "effective_from": plan.effective_from,
        "effective_to": plan.effective_to,
        "is_active": plan.is_active,
        "user_ids": [u.pk for u in plan.users.all()],
        "team_ids": [t.pk for t in plan.teams.all()],
        "category_rates": [
            {"category_id": r.category_id, "rate": r.rate} for r in plan.category_rates.all()
        ],
        "tiers": [{"attainment_from": t.attainment_from, "rate": t.rate} for t in plan.tiers.all()],
    }


def _plan_data(payload: PlanIn) -> dict:
    errors: dict[str, list[str]] = {}
    if payload.basis not in Basis.values:
        errors["basis"] = [_("Choose one of the listed options.")]
    users = list(User.objects.filter(pk__in=payload.user_ids, is_active=True))
    if len(users) != len(set(payload.user_ids)):
        errors["user_ids"] = [_("Choose active users.")]
    teams = list(Team.objects.filter(pk__in=payload.team_ids))
    if len(teams) != len(set(payload.team_ids)):
        errors["team_ids"] = [_("Choose existing teams.")]
    categories = ProductCategory.objects.in_bulk([r.category_id for r in payload.category_rates])
    if len(categories) != len({r.category_id for r in payload.category_rates}):
        errors["category_rates"] = [_("Choose existing product categories.")]
    tiers = [(t.attainment_from, t.rate) for t in payload.tiers]
    if len({a for a, _r in tiers}) != len(tiers):
        errors["tiers"] = [_("Two tiers start at the same attainment.")]
    rates = [payload.rate, *(r.rate for r in payload.category_rates), *(r for _a, r in tiers)]
    if any(r < 0 or r > 100 for r in rates):
        errors.setdefault("rate", []).append(_("Rates are percentages from 0 to 100."))
    if errors:
        raise ValidationError(errors)
    return {
        "name": payload.name.strip(),
        "basis": payload.basis,
        "rate": payload.rate,
        "currency": payload.currency,
        "effective_from": payload.effective_from,
        "effective_to": payload.effective_to,
        "is_active": payload.is_active,
        "users": users,
        "teams": teams,
        "category_rates": [(categories[r.category_id], r.rate) for r in payload.category_rates],
        "tiers": tiers,
    }


@router.get("/plans", response=list[PlanOut])
@declares_permission(COMMISSIONS, CHANGE)
def list_plans(request):
    require_perm(request.user, COMMISSIONS, CHANGE)
    return [_plan_out(plan) for plan in selectors.plans()[:500]]


@router.post("/plans", response={201: PlanOut})
@declares_permission(COMMISSIONS, ADD)
def create_plan(request, payload: PlanIn):
    require_perm(request.user, COMMISSIONS, ADD)
    plan = services.save_plan(None, data=_plan_data(payload), by=request.user)
    return Status(201, _plan_out(plan))


@router.put("/plans/{plan_id}", response=PlanOut)
@declares_permission(COMMISSIONS, CHANGE)
def update_plan(request, plan_id: int, payload: PlanIn):
    require_perm(request.user, COMMISSIONS, CHANGE)
    plan = get_object_or_404(CommissionPlan, pk=plan_id)
    return _plan_out(services.save_plan(plan, data=_plan_data(payload), by=request.user))
