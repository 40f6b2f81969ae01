"""/api/v1/sales/forecast: the forecast of a period, historic accuracy, and targets.

Same permissions as the pages: deals.view + reports.view to read; sales_setup.change to set or
remove targets. Periods are codes: 1404-07, 1404-Q3, 1404, 2025-10, 2025-Q4, 2025."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from ninja import Router, Schema, Status

from peyvand.accounts.permissions import CHANGE, REPORTS, VIEW, declares_permission
from peyvand.core.periods import InvalidPeriod, Period

from . import forecast
from .models import DEALS, SALES_SETUP, Currency, SalesTarget

router = Router(tags=["Sales forecast"])


class PeriodOut(Schema):
    code: str
    calendar: str
    kind: str
    start: dt.date
    end: dt.date
    label: str


class RowOut(Schema):
    key: str
    name: str
    user_id: int | None
    team_id: int | None
    won: Decimal
    weighted: Decimal
    open: Decimal
    best_case: Decimal
    forecast: Decimal
    target: Decimal | None
    attainment: Decimal | None
    forecast_attainment: Decimal | None


class ForecastOut(Schema):
    period: PeriodOut
    currency: str
    total: RowOut
    users: list[RowOut]
    teams: list[RowOut]


class AccuracyOut(Schema):
    period: str
    taken_on: dt.date | None
    forecast: Decimal | None
    best_case: Decimal | None
    target: Decimal | None
    actual: Decimal
    actual_vs_forecast: Decimal | None


class TargetIn(Schema):
    period: str
    amount: Decimal
    currency: str = Currency.IRR
    user_id: int | None = None
    team_id: int | None = None
    note: str = ""


class TargetOut(Schema):
    id: int
    period: PeriodOut
    user_id: int | None
    team_id: int | None
    amount: Decimal
    currency: str
    note: str


def _require_view(request) -> None:
    if not forecast.can_view_forecast(request.user):
        raise PermissionDenied(_("You do not have permission to do this."))


def _period(code: str, field: str = "period") -> Period:
    try:
        return Period.parse(code)
    except InvalidPeriod as exc:
        raise ValidationError({field: [str(exc)]}) from exc


def _currency(value: str | None) -> str:
    value = value or Currency.IRR
    if value not in Currency.values:
        raise ValidationError({"currency": [_("Choose a currency.")]})
    return value


def _period_out(period: Period) -> dict:
    return {
        "code": period.code,
        "calendar": period.calendar,
        "kind": period.kind,
        "start": period.start,
        "end": period.end,
        "label": period.label(),
    }


@router.get("", response=ForecastOut)
@declares_permission(DEALS, VIEW)
@declares_permission(REPORTS, VIEW)
def get_forecast(request, period: str | None = None, currency: str | None = None):
    _require_view(request)
    chosen = _period(period) if period else Period.current(language=request.user.language)
    result = forecast.forecast_for(request.user, chosen, currency=_currency(currency))
    return {
        "period": _period_out(chosen),
        "currency": result.currency,
        "total": result.total.as_dict(),
        "users": [row.as_dict() for row in result.users],
        "teams": [row.as_dict() for row in result.teams],
    }


@router.get("/accuracy", response=list[AccuracyOut])
@declares_permission(DEALS, VIEW)
@declares_permission(REPORTS, VIEW)
def get_accuracy(
    request, period: str | None = None, subject: str | None = None, currency: str | None = None
):
    _require_view(request)
    chosen = _period(period) if period else Period.current(language=request.user.language)
    rows = forecast.accuracy(request.user, chosen, subject, currency=_currency(currency))
    return [row.as_dict() for row in rows]


def _target_out(target: SalesTarget) -> dict:
    return {
        "id": target.pk,
        "period": _period_out(target.period),
        "user_id": target.user_id,
        "team_id": target.team_id,
        "amount": target.amount,
        "currency": target.currency,
        "note": target.note,
    }


@router.get("/targets", response=list[TargetOut])
@declares_permission(DEALS, VIEW)
@declares_permission(REPORTS, VIEW)
def list_targets(request, period: str | None = None):
    _require_view(request)
    chosen = _period(period) if period else Period.current(language=request.user.language)
    targets = SalesTarget.objects.visible_to(request.user).for_period(chosen).order_by("id")
    return [_target_out(t) for t in targets[:500]]


@router.post("/targets", response={200: TargetOut, 201: TargetOut})
@declares_permission(DEALS, VIEW)
@declares_permission(SALES_SETUP, CHANGE)
@declares_permission(REPORTS, VIEW)
def set_target(request, payload: TargetIn):
    if not forecast.can_edit_targets(request.user):
        raise PermissionDenied(_("You do not have permission to do this."))
    period = _period(payload.period)
    existed = (
        SalesTarget.objects.for_period(period)
        .filter(user_id=payload.user_id, team_id=payload.team_id)
        .exists()
    )
    target = forecast.set_target(
        period=period,
        amount=payload.amount,
        currency=payload.currency,
        user_id=payload.user_id,
        team_id=payload.team_id,
        note=payload.note,
        by=request.user,
    )
    return Status(200 if existed else 201, _target_out(target))


@router.delete("/targets/{target_id}", response={204: None})
@declares_permission(DEALS, VIEW)
@declares_permission(REPORTS, VIEW)
@declares_permission(SALES_SETUP, CHANGE)
def delete_target(request, target_id: int):
    if not forecast.can_edit_targets(request.user):
        raise PermissionDenied(_("You do not have permission to do this."))
    get_object_or_404(SalesTarget.objects.visible_to(request.user), pk=target_id).delete()
    return Status(204, None)
