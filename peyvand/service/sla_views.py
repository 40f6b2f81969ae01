"""Pages of service levels: calendar, holiday and policy settings; breaches and the "breaching
soon" queue; service reports (with CSV); the public satisfaction survey."""

from __future__ import annotations

import csv
import datetime as dt

from django.conf import settings
from django.contrib import messages
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from peyvand.accounts.permissions import (
    ADD,
    CHANGE,
    DELETE,
    EXPORT,
    VIEW,
    has_perm,
    permission_required,
    public_route,
)

from . import calendars, csat, reports, sla
from .models import (
    SERVICE_SETUP,
    TICKETS,
    BusinessCalendar,
    Holiday,
    SlaBreach,
    SlaPolicy,
    Ticket,
)
from .sla_forms import (
    CalendarForm,
    CsatAnswerForm,
    HolidayForm,
    PolicyForm,
    ReportFilterForm,
    SeedHolidaysForm,
)

_requires = permission_required


def _apply_errors(form, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for field_name, errors in exc.message_dict.items():
            form.add_error(field_name if field_name in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)


# --- Settings: calendars, holidays, policies -------------------------------------------------


@_requires(SERVICE_SETUP, VIEW)
def settings_index(request: HttpRequest) -> HttpResponse:
    calendars.default_calendar()
    return render(
        request,
        "service/sla/settings.html",
        {
            "calendars": BusinessCalendar.objects.all(),
            "policies": SlaPolicy.objects.select_related("calendar"),
            "can_change": has_perm(request.user, SERVICE_SETUP, CHANGE),
            "can_add": has_perm(request.user, SERVICE_SETUP, ADD),
        },
    )


def _calendar_page(request, calendar: BusinessCalendar | None) -> HttpResponse:
    instance = calendar or BusinessCalendar()
    can_change = has_perm(request.user, SERVICE_SETUP, CHANGE if calendar else ADD)
    form = CalendarForm(request.POST or None, instance=instance)
    status = 200
    if request.method == "POST":
        if not can_change:
            raise PermissionDenied(_("You do not have permission to do this."))
        if form.is_valid():
            try:
                with transaction.atomic():
                    saved = calendars.save_calendar(form.save(commit=False))
            except ValidationError as exc:
                _apply_errors(form, exc)
            else:
                messages.success(request, _("Calendar saved."))
                return redirect("service:sla_calendar", saved.pk)
        status = 422
    return render(
        request,
        "service/sla/calendar.html",
        {
            "form": form,
            "calendar": calendar,
            "holidays": calendar.holidays.all() if calendar else [],
            "holiday_form": HolidayForm(),
            "seed_form": SeedHolidaysForm(),
            "can_change": can_change,
        },
        status=status,
    )


@_requires(SERVICE_SETUP, ADD)
def calendar_new(request: HttpRequest) -> HttpResponse:
    return _calendar_page(request, None)


@_requires(SERVICE_SETUP, VIEW)
def calendar_edit(request: HttpRequest, pk: int) -> HttpResponse:
    return _calendar_page(request, get_object_or_404(BusinessCalendar, pk=pk))


@require_POST
@_requires(SERVICE_SETUP, DELETE)
def calendar_delete(request: HttpRequest, pk: int) -> HttpResponse:
    calendar = get_object_or_404(BusinessCalendar, pk=pk)
    try:
        calendars.delete_calendar(calendar)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("service:sla_calendar", pk)
    messages.success(request, _("Calendar deleted."))
    return redirect("service:sla_settings")


@require_POST
@_requires(SERVICE_SETUP, CHANGE)
def holiday_add(request: HttpRequest, pk: int) -> HttpResponse:
    calendar = get_object_or_404(BusinessCalendar, pk=pk)
    form = HolidayForm(request.POST)
    if form.is_valid():
        try:
            calendars.add_holiday(
                calendar, date=form.cleaned_data["date"], name=form.cleaned_data["name"]
            )
        except ValidationError:
            form.add_error("date", _("This calendar already has a holiday on that day."))
    if form.errors:
        return render(
            request,
            "service/sla/calendar.html",
            {
                "form": CalendarForm(instance=calendar),
                "calendar": calendar,
                "holidays": calendar.holidays.all(),
                "holiday_form": form,
                "seed_form": SeedHolidaysForm(),
                "can_change": True,
            },
            status=422,
        )
    messages.success(request, _("Holiday added."))
    return redirect("service:sla_calendar", pk)


@require_POST
@_requires(SERVICE_SETUP, CHANGE)
def holidays_seed(request: HttpRequest, pk: int) -> HttpResponse:
    calendar = get_object_or_404(BusinessCalendar, pk=pk)
    form = SeedHolidaysForm(request.POST)
    if form.is_valid():
        added = calendars.seed_iran_holidays(calendar, form.cleaned_data["year"])
        messages.success(request, _("%(n)s official holidays added.") % {"n": added})
    else:
        messages.error(request, _("Enter a Solar Hijri year such as 1404."))
    return redirect("service:sla_calendar", pk)


@require_POST
@_requires(SERVICE_SETUP, CHANGE)
def holiday_delete(request: HttpRequest, pk: int) -> HttpResponse:
    holiday = get_object_or_404(Holiday, pk=pk)
    calendar_id = holiday.calendar_id
    holiday.delete()
    messages.success(request, _("Holiday removed."))
    return redirect("service:sla_calendar", calendar_id)


def _policy_page(request, policy: SlaPolicy | None) -> HttpResponse:
    instance = policy or SlaPolicy(calendar=calendars.default_calendar())
    can_change = has_perm(request.user, SERVICE_SETUP, CHANGE if policy else ADD)
    form = PolicyForm(request.POST or None, instance=instance)
    status = 200
    if request.method == "POST":
        if not can_change:
            raise PermissionDenied(_("You do not have permission to do this."))
        if form.is_valid():
            try:
                with transaction.atomic():
                    calendars.save_policy(form.save(commit=False))
            except ValidationError as exc:
                _apply_errors(form, exc)
            else:
                messages.success(request, _("SLA policy saved."))
                return redirect("service:sla_settings")
        status = 422
    return render(
        request,
        "service/sla/policy.html",
        {"form": form, "policy": policy, "can_change": can_change},
        status=status,
    )


@_requires(SERVICE_SETUP, ADD)
def policy_new(request: HttpRequest) -> HttpResponse:
    return _policy_page(request, None)


@_requires(SERVICE_SETUP, VIEW)
def policy_edit(request: HttpRequest, pk: int) -> HttpResponse:
    return _policy_page(request, get_object_or_404(SlaPolicy, pk=pk))


@require_POST
@_requires(SERVICE_SETUP, DELETE)
def policy_delete(request: HttpRequest, pk: int) -> HttpResponse:
    get_object_or_404(SlaPolicy, pk=pk).delete()
    messages.success(request, _("SLA policy deleted."))
    return redirect("service:sla_settings")


# --- Breaches and the "breaching soon" queue ---------------------------------------------------


@_requires(TICKETS, VIEW)
def breaches(request: HttpRequest) -> HttpResponse:
    visible = Ticket.objects.visible_to(request.user)
    rows = (
        SlaBreach.objects.filter(ticket__in=visible.values("pk"))
        .select_related("ticket", "assignee", "escalated_to")
        .order_by("-breached_at", "-id")[:200]
    )
    return render(
        request,
        "service/sla/breaches.html",
        {"breaches": rows, "soon": sla.breaching_soon(request.user), "now": timezone.now()},
    )


# --- Reports -----------------------------------------------------------------------------------


def _report_range(form: ReportFilterForm) -> tuple[dt.date, dt.date]:
    today = timezone.localdate()
    data = form.cleaned_data if form.is_valid() else {}
    end = data.get("end") or today
    start = data.get("start") or (end - dt.timedelta(days=182))
    start = max(start, end - dt.timedelta(days=731))  # at most two years per report
    return start, end


def _language(request: HttpRequest) -> str:
    return getattr(request, "LANGUAGE_CODE", None) or settings.LANGUAGE_CODE


@_requires(TICKETS, VIEW)
def report(request: HttpRequest) -> HttpResponse:
    form = ReportFilterForm(request.GET or None)
    start, end = _report_range(form)
    data = reports.service_report(request.user, start=start, end=end, language=_language(request))
    chart = {
        "labels": [row.label for row in data.months],
        "channels": [
            {"label": label, "data": [row.by_channel.get(code, 0) for row in data.months]}
            for code, label in data.channels
        ],
        "compliance": {
            "first_response": [row.first_response_compliance for row in data.months],
            "resolution": [row.resolution_compliance for row in data.months],
        },
        "names": {
            "first_response": _("First response on time (%)"),
            "resolution": _("Resolved on time (%)"),
        },
    }
    return render(
        request,
        "service/sla/report.html",
        {
            "form": form,
            "report": data,
            "start": start,
            "end": end,
            "chart": chart,
            "age_labels": reports.age_labels(),
            "csat_groups": [
                ("agent", _("By agent")),
                ("team", _("By team")),
                ("category", _("By category")),
            ],
            "can_export": has_perm(request.user, TICKETS, EXPORT),
        },
        status=200 if not form.errors else 422,
    )


def _fmt(value) -> str:
    return "" if value is None else str(value)


@_requires(TICKETS, EXPORT)
def report_csv(request: HttpRequest) -> HttpResponse:
    form = ReportFilterForm(request.GET or None)
    start, end = _report_range(form)
    data = reports.service_report(request.user, start=start, end=end, language=_language(request))
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="service-report-{start}-{end}.csv"'
    response.write("\ufeff")  # Excel reads UTF-8 (Persian) only with a BOM
    writer = csv.writer(response)
    channel_names = [label for _code, label in data.channels]
    writer.writerow(
        [
            _("Month"),
            _("Tickets"),
            *channel_names,
            _("Median first response (business minutes)"),
            _("90th percentile first response (business minutes)"),
            _("Median resolution (business minutes)"),
            _("90th percentile resolution (business minutes)"),
            _("First response on time (%)"),
            _("Resolved on time (%)"),
        ]
    )
    for row in [*data.months, data.total]:
        writer.writerow(
            [
                row.label,
                row.tickets,
                *[row.by_channel.get(code, 0) for code, _l in data.channels],
                _fmt(row.first_response.get("median")),
                _fmt(row.first_response.get("p90")),
                _fmt(row.resolution.get("median")),
                _fmt(row.resolution.get("p90")),
                _fmt(row.first_response_compliance),
                _fmt(row.resolution_compliance),
            ]
        )
    writer.writerow([])
    writer.writerow(
        [_("Category"), _("Tickets"), _("First response on time (%)"), _("Resolved on time (%)")]
    )
    for row in data.by_category:
        writer.writerow(
            [
                row["category"],
                row["tickets"],
                _fmt(row["first_response_compliance"]),
                _fmt(row["resolution_compliance"]),
            ]
        )
    writer.writerow([])
    labels = reports.age_labels()
    writer.writerow([_("Backlog: tier"), *labels.values(), _("Total")])
    for row in data.backlog:
        writer.writerow([row["tier"], *[row[k] for k in labels], row["total"]])
    writer.writerow([])
    writer.writerow(
        [_("Satisfaction by"), _("Name"), _("Answers"), _("Average (1–5)"), _("Satisfied (%)")]
    )
    group_names = {"agent": _("Agent"), "team": _("Team"), "category": _("Category")}
    for group, rows in data.csat.items():
        for row in rows:
            writer.writerow(
                [
                    group_names[group],
                    row["label"],
                    row["answers"],
                    _fmt(row["average"]),
                    _fmt(row["satisfied"]),
                ]
            )
    if data.top_articles:
        writer.writerow([])
        writer.writerow([_("Knowledge article"), _("Uses")])
        for row in data.top_articles:
            writer.writerow([row["title"], row["uses"]])
    return response


# --- Public satisfaction survey --------------------------------------------------------------


def _client_ip(request: HttpRequest) -> str:
    return request.META.get("REMOTE_ADDR", "")[:64]


def _rate_limited(request: HttpRequest) -> bool:
    key = f"service:csat-rate:{_client_ip(request)}"
    window = 600
    limit = getattr(settings, "SERVICE_CSAT_RATE_PER_IP", 30)
    cache.add(key, 0, window)
    try:
        count = cache.incr(key)
    except ValueError:
        cache.set(key, 1, window)
        count = 1
    return count > limit


@never_cache
@public_route
def csat_page(request: HttpRequest, token: str) -> HttpResponse:
    """No login: the token is the credential. Rate-limited per IP against token guessing."""
    if _rate_limited(request):
        return render(request, "service/csat/unavailable.html", {"reason": "rate"}, status=429)
    try:
        survey = csat.survey_for_token(token)
    except csat.SurveyUnavailable as exc:
        status = 404 if exc.reason == "missing" else 410
        return render(
            request, "service/csat/unavailable.html", {"reason": exc.reason}, status=status
        )
    form = CsatAnswerForm(request.POST or None, initial={"rating": request.GET.get("rating")})
    if request.method == "POST":
        if form.is_valid():
            try:
                csat.answer_survey(
                    token, rating=form.cleaned_data["rating"], comment=form.cleaned_data["comment"]
                )
            except csat.SurveyUnavailable as exc:
                return render(
                    request, "service/csat/unavailable.html", {"reason": exc.reason}, status=410
                )
            except (ValidationError, IntegrityError):
                form.add_error(None, _("Choose a rating from 1 to 5."))
            else:
                return render(
                    request, "service/csat/thanks.html", {"rating": form.cleaned_data["rating"]}
                )
        return render(
            request, "service/csat/survey.html", {"form": form, "survey": survey}, status=422
        )
    preselected = request.GET.get("rating", "")
    return render(
        request,
        "service/csat/survey.html",
        {"form": form, "survey": survey, "preselected": preselected},
    )
