"""/api/v1/service/sla: business calendars, holidays, SLA policies (service_setup permissions),
a ticket's SLA state and the "breaching soon" list (tickets permissions, 404 for tickets the
user may not see), the service report (tickets view), and the public CSAT answer (no login; the
survey token is the credential)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema, Status
from ninja.errors import HttpError

from peyvand.accounts.permissions import (
    ADD,
    CHANGE,
    DELETE,
    VIEW,
    declares_permission,
    public_route,
    require_perm,
)
from peyvand.core.dates import InvalidDate, parse_date

from . import calendars, csat, reports, sla
from .business_hours import InvalidHours, format_intervals, parse_intervals
from .models import (
    SERVICE_SETUP,
    TICKETS,
    BusinessCalendar,
    Holiday,
    SlaPolicy,
    Ticket,
)

router = Router(tags=["Service levels"])


# --- Schemas -----------------------------------------------------------------------------------


class CalendarIn(Schema):
    name: str = Field(max_length=120)
    time_zone: str = "Asia/Tehran"
    is_default: bool = False
    # Python weekday ("0" = Monday … "6" = Sunday) -> "08:00-12:00, 13:00-17:00" ("" = closed).
    weekly_hours: dict[str, str]


class CalendarOut(Schema):
    id: int
    name: str
    time_zone: str
    is_default: bool
    weekly_hours: dict[str, str]


class HolidayIn(Schema):
    date: str = Field(description="1405/01/12 (Solar Hijri) or 2026-04-01")
    name: str = Field(max_length=120)


class HolidayOut(Schema):
    id: int
    calendar_id: int
    date: dt.date
    name: str


class PolicyIn(Schema):
    name: str = Field(max_length=120)
    position: int = Field(0, ge=0)
    is_active: bool = True
    priorities: list[str] = []
    customer_tags: list[str] = []
    lifecycle_stages: list[str] = []
    first_response_minutes: int = Field(ge=1, le=525_600)
    resolution_minutes: int = Field(ge=1, le=525_600)
    warn_before_minutes: int = Field(30, ge=0, le=525_600)
    calendar_id: int | None = None


class PolicyOut(Schema):
    id: int
    name: str
    position: int
    is_active: bool
    priorities: list[str]
    customer_tags: list[str]
    lifecycle_stages: list[str]
    first_response_minutes: int
    resolution_minutes: int
    warn_before_minutes: int
    calendar_id: int


class BreachOut(Schema):
    metric: str
    due_at: dt.datetime
    breached_at: dt.datetime
    escalated_to_id: int | None


class TicketSlaOut(Schema):
    ticket_id: int
    policy_id: int | None
    calendar_id: int
    state: str
    started_at: dt.datetime
    elapsed_minutes: float
    metrics: list[dict[str, Any]]
    pauses: list[list[str | None]]
    breaches: list[BreachOut]


class SoonOut(Schema):
    ticket_id: int
    reference: str
    subject: str
    metric: str
    due_at: dt.datetime
    assignee_id: int | None


class CsatIn(Schema):
    rating: int
    comment: str = ""


class CsatOut(Schema):
    ticket: str
    rating: int
    answered_at: dt.datetime


# --- Calendars and holidays ------------------------------------------------------------------


def _calendar_out(calendar: BusinessCalendar) -> dict[str, Any]:
    return {
        "id": calendar.pk,
        "name": calendar.name,
        "time_zone": calendar.time_zone,
        "is_default": calendar.is_default,
        "weekly_hours": {str(d): format_intervals(calendar.intervals(d)) for d in range(7)},
    }


def _apply_calendar(calendar: BusinessCalendar, payload: CalendarIn) -> BusinessCalendar:
    errors: dict[str, list[str]] = {}
    weekly = {}
    for key, text in payload.weekly_hours.items():
        if key not in {str(d) for d in range(7)}:
            errors.setdefault("weekly_hours", []).append(
                _("Weekdays are 0 (Monday) to 6 (Sunday).")
            )
            continue
        try:
            weekly[key] = [list(i) for i in parse_intervals(text)]
        except InvalidHours:
            errors.setdefault("weekly_hours", []).append(
                _("Write times like 08:00-17:00, separated by commas, without overlaps.")
            )
    if errors:
        raise ValidationError(errors)
    calendar.name = payload.name.strip()
    calendar.time_zone = payload.time_zone
    calendar.is_default = payload.is_default
    calendar.weekly_hours = weekly
    return calendars.save_calendar(calendar)


@router.get("/calendars", response=list[CalendarOut], summary="Business calendars")
@declares_permission(SERVICE_SETUP, VIEW)
def list_calendars(request):
    require_perm(request.user, SERVICE_SETUP, VIEW)
    calendars.default_calendar()
    return [_calendar_out(c) for c in BusinessCalendar.objects.all()]


@router.post("/calendars", response={201: CalendarOut}, summary="Create a business calendar")
@declares_permission(SERVICE_SETUP, ADD)
def create_calendar(request, payload: CalendarIn):
    require_perm(request.user, SERVICE_SETUP, ADD)
    with transaction.atomic():
        calendar = _apply_calendar(BusinessCalendar(), payload)
    return Status(201, _calendar_out(calendar))


@router.put("/calendars/{calendar_id}", response=CalendarOut, summary="Change a calendar")
@declares_permission(SERVICE_SETUP, CHANGE)
def update_calendar(request, calendar_id: int, payload: CalendarIn):
    require_perm(request.user, SERVICE_SETUP, CHANGE)
    calendar = get_object_or_404(BusinessCalendar, pk=calendar_id)
    with transaction.atomic():
        return _calendar_out(_apply_calendar(calendar, payload))


@router.delete("/calendars/{calendar_id}", response={204: None}, summary="Delete a calendar")
@declares_permission(SERVICE_SETUP, DELETE)
def delete_calendar(request, calendar_id: int):
    require_perm(request.user, SERVICE_SETUP, DELETE)
    calendars.delete_calendar(get_object_or_404(BusinessCalendar, pk=calendar_id))
    return Status(204, None)


@router.get("/calendars/{calendar_id}/holidays", response=list[HolidayOut], summary="Holidays")
@declares_permission(SERVICE_SETUP, VIEW)
def list_holidays(request, calendar_id: int):
    require_perm(request.user, SERVICE_SETUP, VIEW)
    calendar = get_object_or_404(BusinessCalendar, pk=calendar_id)
    return list(calendar.holidays.all())


@router.post(
    "/calendars/{calendar_id}/holidays",
    response={201: HolidayOut},
    summary="Add a holiday (Solar Hijri or Gregorian date)",
)
@declares_permission(SERVICE_SETUP, CHANGE)
def create_holiday(request, calendar_id: int, payload: HolidayIn):
    require_perm(request.user, SERVICE_SETUP, CHANGE)
    calendar = get_object_or_404(BusinessCalendar, pk=calendar_id)
    try:
        day = parse_date(payload.date)
    except InvalidDate as exc:
        raise ValidationError({"date": [str(exc)]}) from exc
    if calendar.holidays.filter(date=day).exists():
        raise ValidationError({"date": [_("This calendar already has a holiday on that day.")]})
    return Status(201, calendars.add_holiday(calendar, date=day, name=payload.name))


@router.delete("/holidays/{holiday_id}", response={204: None}, summary="Remove a holiday")
@declares_permission(SERVICE_SETUP, CHANGE)
def delete_holiday(request, holiday_id: int):
    require_perm(request.user, SERVICE_SETUP, CHANGE)
    get_object_or_404(Holiday, pk=holiday_id).delete()
    return Status(204, None)


# --- Policies ----------------------------------------------------------------------------------


def _apply_policy(policy: SlaPolicy, payload: PolicyIn) -> SlaPolicy:
    data = payload.model_dump()
    calendar_id = data.pop("calendar_id")
    if calendar_id is not None:
        calendar = BusinessCalendar.objects.filter(pk=calendar_id).first()
        if calendar is None:
            raise ValidationError({"calendar_id": [_("Choose an existing calendar.")]})
        policy.calendar = calendar
    elif policy.calendar_id is None:
        policy.calendar = calendars.default_calendar()
    for key, value in data.items():
        setattr(policy, key, value.strip() if isinstance(value, str) else value)
    return calendars.save_policy(policy)


@router.get("/policies", response=list[PolicyOut], summary="SLA policies, in order")
@declares_permission(SERVICE_SETUP, VIEW)
def list_policies(request):
    require_perm(request.user, SERVICE_SETUP, VIEW)
    return list(SlaPolicy.objects.all())


@router.post("/policies", response={201: PolicyOut}, summary="Create an SLA policy")
@declares_permission(SERVICE_SETUP, ADD)
def create_policy(request, payload: PolicyIn):
    require_perm(request.user, SERVICE_SETUP, ADD)
    with transaction.atomic():
        return Status(201, _apply_policy(SlaPolicy(), payload))


@router.put("/policies/{policy_id}", response=PolicyOut, summary="Change an SLA policy")
@declares_permission(SERVICE_SETUP, CHANGE)
def update_policy(request, policy_id: int, payload: PolicyIn):
    require_perm(request.user, SERVICE_SETUP, CHANGE)
    policy = get_object_or_404(SlaPolicy, pk=policy_id)
    with transaction.atomic():
        return _apply_policy(policy, payload)


@router.delete("/policies/{policy_id}", response={204: None}, summary="Delete an SLA policy")
@declares_permission(SERVICE_SETUP, DELETE)
def delete_policy(request, policy_id: int):
    require_perm(request.user, SERVICE_SETUP, DELETE)
    get_object_or_404(SlaPolicy, pk=policy_id).delete()
    return Status(204, None)


# --- Ticket SLA state ----------------------------------------------------------------------------


@router.get("/tickets/{ticket_id}", response=TicketSlaOut, summary="A ticket's SLA state")
@declares_permission(TICKETS, VIEW)
def ticket_sla_state(request, ticket_id: int):
    require_perm(request.user, TICKETS, VIEW)
    ticket = get_object_or_404(Ticket.objects.visible_to(request.user), pk=ticket_id)
    clock = sla.ticket_sla(ticket)
    if clock is None:
        raise Http404(_("This ticket has no SLA clock."))
    now = timezone.now()
    return {
        "ticket_id": ticket.pk,
        "policy_id": clock.policy_id,
        "calendar_id": clock.calendar_id,
        "state": clock.state,
        "started_at": clock.started_at,
        "elapsed_minutes": round(sla.elapsed_seconds(clock, now) / 60, 1),
        "metrics": [m.as_dict() for m in sla.metric_states(clock, now)],
        "pauses": clock.pauses,
        "breaches": sla.breaches_for(ticket),
    }


@router.get("/breaching-soon", response=list[SoonOut], summary="Tickets close to a deadline")
@declares_permission(TICKETS, VIEW)
def breaching_soon(request, within_minutes: int = 60):
    require_perm(request.user, TICKETS, VIEW)
    if not 1 <= within_minutes <= 7 * 24 * 60:
        raise ValidationError({"within_minutes": [_("Use 1 to 10080 minutes.")]})
    return [
        {
            "ticket_id": t.pk,
            "reference": t.reference,
            "subject": t.subject,
            "metric": t.sla_metric,
            "due_at": t.sla_due_at,
            "assignee_id": t.assignee_id,
        }
        for t in sla.breaching_soon(request.user, within_minutes=within_minutes)
    ]


# --- Reports -------------------------------------------------------------------------------------


def _parse_range(start: str, end: str) -> tuple[dt.date, dt.date]:
    errors: dict[str, list[str]] = {}
    dates: dict[str, dt.date | None] = {}
    for name, text in (("start", start), ("end", end)):
        try:
            dates[name] = parse_date(text) if text else None
        except InvalidDate as exc:
            errors[name] = [str(exc)]
    if errors:
        raise ValidationError(errors)
    end_date = dates["end"] or timezone.localdate()
    start_date = dates["start"] or end_date - dt.timedelta(days=182)
    if start_date > end_date:
        raise ValidationError({"end": [_("The end must not be before the start.")]})
    return max(start_date, end_date - dt.timedelta(days=731)), end_date


@router.get("/reports", summary="Service report (dates: Solar Hijri or Gregorian)")
@declares_permission(TICKETS, VIEW)
def service_report(request, start: str = "", end: str = "") -> dict[str, Any]:
    require_perm(request.user, TICKETS, VIEW)
    start_date, end_date = _parse_range(start, end)
    data = reports.service_report(request.user, start=start_date, end=end_date)

    def month(row) -> dict[str, Any]:
        return {
            "key": row.key,
            "label": str(row.label),
            "tickets": row.tickets,
            "by_channel": row.by_channel,
            "first_response_minutes": row.first_response,
            "resolution_minutes": row.resolution,
            "first_response_compliance": row.first_response_compliance,
            "resolution_compliance": row.resolution_compliance,
        }

    return {
        "start": start_date,
        "end": end_date,
        "months": [month(r) for r in data.months],
        "total": month(data.total),
        "by_category": data.by_category,
        "backlog": [{k: v for k, v in r.items() if k != "labels"} for r in data.backlog],
        "csat": data.csat,
        "csat_total": data.csat_total,
        "top_articles": data.top_articles,
    }


# --- Public CSAT answer ----------------------------------------------------------------------


@router.post(
    "/csat/{token}",
    response=CsatOut,
    auth=None,
    summary="Answer a satisfaction survey (public; the token is single use)",
)
@public_route
def answer_csat(request, token: str, payload: CsatIn):
    from .sla_views import _rate_limited

    if _rate_limited(request):
        raise HttpError(429, _("Too many requests. Please try again in a few minutes."))
    try:
        survey = csat.answer_survey(token, rating=payload.rating, comment=payload.comment)
    except csat.SurveyUnavailable as exc:
        if exc.reason == "missing":
            raise Http404(_("Survey not found.")) from exc
        raise HttpError(
            410,
            _("This survey has already been answered.")
            if exc.reason == "answered"
            else _("This survey has expired."),
        ) from exc
    return {
        "ticket": survey.ticket.reference,
        "rating": survey.rating,
        "answered_at": survey.answered_at,
    }
