"""Forecast and targets pages. Thin: forms validate, peyvand.sales.forecast reads and writes."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal, InvalidOperation
from functools import wraps

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from peyvand.accounts.models import Team, User
from peyvand.accounts.permissions import CHANGE, REPORTS, VIEW, declares_permission
from peyvand.core.periods import KINDS, MONTH, InvalidPeriod, Period
from peyvand.core.persian import to_latin_digits

from . import forecast
from .models import DEALS, SALES_SETUP, Currency, PeriodKind, SalesTarget

_AMOUNT_SEPARATORS = str.maketrans({",": "", "\u066c": "", " ": "", "\u066b": "."})


def parse_amount(text: str) -> Decimal:
    """ "۱۲٬۵۰۰٬۰۰۰" or "12,500,000.50" -> Decimal; ValueError otherwise."""
    cleaned = to_latin_digits(str(text or "")).translate(_AMOUNT_SEPARATORS).strip()
    try:
        value = Decimal(cleaned)
    except InvalidOperation as exc:
        raise ValueError(cleaned) from exc
    if not value.is_finite():
        raise ValueError(cleaned)
    return value


def _forecast_page(view: Callable) -> Callable:
    @login_required
    @wraps(view)
    def wrapped(request: HttpRequest, *args, **kwargs):
        if not forecast.can_view_forecast(request.user):
            raise PermissionDenied(_("You do not have permission to do this."))
        return view(request, *args, **kwargs)

    return wrapped


def selected_period(request: HttpRequest, default_kind: str = MONTH) -> tuple[Period, str | None]:
    """The period in ?period= (a code), else the current one of ?kind= in the user's calendar.
    Returns (period, error message or None)."""
    code = request.GET.get("period", "").strip()
    kind = request.GET.get("kind") or default_kind
    if kind not in KINDS:
        kind = default_kind
    if code:
        try:
            return Period.parse(code), None
        except InvalidPeriod as exc:
            return Period.current(kind, language=get_language()), str(exc)
    return Period.current(kind, language=get_language()), None


def _currency(request: HttpRequest) -> str:
    currency = request.GET.get("currency") or Currency.IRR
    return currency if currency in Currency.values else Currency.IRR


@_forecast_page
@declares_permission(DEALS, VIEW)
@declares_permission(REPORTS, VIEW)
def forecast_page(request: HttpRequest) -> HttpResponse:
    period, error = selected_period(request)
    currency = _currency(request)
    result = forecast.forecast_for(request.user, period, currency=currency)
    subjects = forecast.accuracy_subjects(request.user)
    subject = request.GET.get("subject") or subjects[0]
    history = forecast.accuracy(request.user, period, subject, currency=currency)
    language = get_language()
    for row in history:
        row.label = row.period.label(language)
    rows = [r for r in result.users if r.user_id] + result.teams
    chart = {
        "labels": [r.name for r in result.users if r.user_id],
        "won": [float(r.won) for r in result.users if r.user_id],
        "weighted": [float(r.weighted) for r in result.users if r.user_id],
        "best_case": [float(r.best_case) for r in result.users if r.user_id],
        "target": [
            float(r.target) if r.target is not None else None for r in result.users if r.user_id
        ],
        "names": {
            "won": _("Won"),
            "weighted": _("Weighted pipeline"),
            "best_case": _("Best case"),
            "target": _("Target"),
        },
    }
    names = {r.key: r.name for r in rows}
    subject_choices = []
    for key in subjects:
        if key == "all":
            subject_choices.append((key, _("Whole company")))
        elif key == f"user:{request.user.pk}":
            subject_choices.append((key, _("Me")))
        else:
            subject_choices.append((key, names.get(key) or _team_name(key)))
    return render(
        request,
        "sales/forecast/forecast.html",
        {
            "period": period,
            "period_label": period.label(language),
            "previous": period.previous(),
            "next": period.next(),
            "kinds": PeriodKind.choices,
            "currency": currency,
            "currencies": Currency.choices,
            "result": result,
            "history": history,
            "subject": subject,
            "subject_choices": subject_choices,
            "chart": chart,
            "error": error,
            "can_edit_targets": forecast.can_edit_targets(request.user),
        },
        status=400 if error else 200,
    )


def _team_name(key: str) -> str:
    if key.startswith("team:"):
        team = Team.objects.filter(pk=key[5:]).only("name").first()
        if team:
            return team.name
    return key


class TargetForm(forms.Form):
    subject = forms.ChoiceField(label=gettext_lazy("Salesperson or team"))
    period = forms.CharField(
        label=gettext_lazy("Period"),
        max_length=10,
        help_text=gettext_lazy("1404-07 is a month, 1404-Q3 a quarter, 1404 a year."),
        widget=forms.TextInput({"dir": "ltr", "autocomplete": "off"}),
    )
    amount = forms.CharField(
        label=gettext_lazy("Target amount"),
        max_length=40,
        widget=forms.TextInput({"dir": "ltr", "inputmode": "decimal", "autocomplete": "off"}),
    )
    currency = forms.ChoiceField(label=gettext_lazy("Currency"), choices=Currency.choices)
    note = forms.CharField(label=gettext_lazy("Note"), max_length=200, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        users = User.objects.filter(is_active=True).only(
            "id", "username", "first_name", "last_name"
        )
        teams = Team.objects.only("id", "name")
        self.fields["subject"].choices = [
            (gettext_lazy("Salespeople"), [(f"user:{u.pk}", str(u)) for u in users]),
            (gettext_lazy("Teams"), [(f"team:{t.pk}", t.name) for t in teams]),
        ]

    def clean_period(self) -> Period:
        try:
            return Period.parse(self.cleaned_data["period"])
        except InvalidPeriod as exc:
            raise ValidationError(str(exc)) from exc

    def clean_amount(self) -> Decimal:
        try:
            value = parse_amount(self.cleaned_data["amount"])
        except ValueError as exc:
            raise ValidationError(_("Enter an amount, such as 500000000.")) from exc
        if value < 0:
            raise ValidationError(_("Enter an amount of zero or more."))
        return value

    def subject_ids(self) -> dict[str, int | None]:
        kind, _sep, pk = self.cleaned_data["subject"].partition(":")
        return {
            "user_id": int(pk) if kind == "user" else None,
            "team_id": int(pk) if kind == "team" else None,
        }


@_forecast_page
@declares_permission(DEALS, VIEW)
@declares_permission(REPORTS, VIEW)
@declares_permission(SALES_SETUP, CHANGE, to_write=True)
def targets_page(request: HttpRequest) -> HttpResponse:
    period, error = selected_period(request)
    can_edit = forecast.can_edit_targets(request.user)
    form = None
    status = 400 if error else 200
    if request.method == "POST":
        if not can_edit:
            raise PermissionDenied(_("You do not have permission to do this."))
        form = TargetForm(request.POST)
        if form.is_valid():
            try:
                forecast.set_target(
                    period=form.cleaned_data["period"],
                    amount=form.cleaned_data["amount"],
                    currency=form.cleaned_data["currency"],
                    note=form.cleaned_data["note"],
                    by=request.user,
                    **form.subject_ids(),
                )
            except ValidationError as exc:
                for field, errors in exc.message_dict.items():
                    for message in errors:
                        form.add_error(field if field in form.fields else None, message)
            else:
                messages.success(request, _("Target saved."))
                target_period = form.cleaned_data["period"]
                return redirect(f"{reverse('sales:targets')}?period={target_period.code}")
        status = 422
    elif can_edit:
        form = TargetForm(initial={"period": period.code, "currency": Currency.IRR})
    targets = (
        SalesTarget.objects.visible_to(request.user)
        .for_period(period)
        .select_related("user", "team")
        .order_by("team__name", "user__first_name", "user__last_name", "id")
    )
    return render(
        request,
        "sales/forecast/targets.html",
        {
            "period": period,
            "period_label": period.label(get_language()),
            "previous": period.previous(),
            "next": period.next(),
            "kinds": PeriodKind.choices,
            "targets": targets,
            "form": form,
            "can_edit": can_edit,
            "error": error,
        },
        status=status,
    )


@require_POST
@_forecast_page
@declares_permission(DEALS, VIEW)
@declares_permission(REPORTS, VIEW)
@declares_permission(SALES_SETUP, CHANGE)
def target_delete(request: HttpRequest, pk: int) -> HttpResponse:
    if not forecast.can_edit_targets(request.user):
        raise PermissionDenied(_("You do not have permission to do this."))
    target = get_object_or_404(SalesTarget.objects.visible_to(request.user), pk=pk)
    code = target.period.code
    target.delete()
    messages.success(request, _("Target removed."))
    return redirect(f"{reverse('sales:targets')}?period={code}")
