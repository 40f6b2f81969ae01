"""Commission pages. Thin: forms validate, services write, selectors read."""

from __future__ import annotations

import csv
from collections.abc import Callable

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from peyvand.accounts.permissions import ADD, CHANGE, EXPORT, VIEW, has_perm, permission_required
from peyvand.core.dates import format_date
from peyvand.core.pagination import InvalidCursor, paginate_keyset

from . import selectors, services
from .forms import AdjustmentForm, ComputeForm, PlanForm, StatementFilterForm
from .models import COMMISSIONS, CommissionPlan, CommissionStatement

PAGE_SIZE = 50


def _requires(action: str) -> Callable:
    return permission_required(COMMISSIONS, action)


def _add_service_errors(form, exc: ValidationError) -> None:
    for field, errors in exc.message_dict.items():
        for message in errors:
            form.add_error(field if field in form.fields else None, message)


@_requires(VIEW)
def statement_list(request: HttpRequest) -> HttpResponse:
    filters = StatementFilterForm(request.GET or None)
    status = filters.cleaned_data.get("status", "") if filters.is_valid() else ""
    qs = selectors.statements_for(request.user, status=status)
    try:
        page = paginate_keyset(
            qs, order=["-period_start", "-id"], cursor=request.GET.get("cursor"), limit=PAGE_SIZE
        )
    except InvalidCursor:
        page = paginate_keyset(qs, order=["-period_start", "-id"], cursor=None, limit=PAGE_SIZE)
    language = get_language()
    for statement in page.items:
        statement.label = statement.period.label(language)
    can_manage = selectors.can_manage(request.user)
    return render(
        request,
        "commissions/statements.html",
        {
            "page": page,
            "filters": filters,
            "compute_form": ComputeForm() if can_manage else None,
            "can_manage": can_manage,
            "can_export": has_perm(request.user, COMMISSIONS, EXPORT),
        },
    )


def _statement(request: HttpRequest, pk: int) -> CommissionStatement:
    return get_object_or_404(
        CommissionStatement.objects.visible_to(request.user).select_related(
            "user", "plan", "reviewed_by", "approved_by"
        ),
        pk=pk,
    )


@_requires(VIEW)
def statement_detail(request: HttpRequest, pk: int) -> HttpResponse:
    statement = _statement(request, pk)
    return render(
        request,
        "commissions/statement.html",
        _detail_context(request, statement, AdjustmentForm()),
    )


def _detail_context(request, statement, adjustment_form) -> dict:
    return {
        "statement": statement,
        "period_label": statement.period.label(get_language()),
        "lines": statement.lines.select_related("deal", "order"),
        "corrections": statement.corrections.select_related("applied_to"),
        "adjustment_form": adjustment_form,
        "can_manage": selectors.can_manage(request.user),
        "can_export": has_perm(request.user, COMMISSIONS, EXPORT),
        "is_own": statement.user_id == request.user.pk,
    }


@require_POST
@_requires(CHANGE)
def statement_compute(request: HttpRequest) -> HttpResponse:
    form = ComputeForm(request.POST)
    if form.is_valid():
        try:
            statement = services.compute_statement(
                form.cleaned_data["user"], form.cleaned_data["period"], by=request.user
            )
        except ValidationError as exc:
            _add_service_errors(form, exc)
        else:
            messages.success(request, _("Statement computed."))
            return redirect(statement)
    qs = selectors.statements_for(request.user)
    page = paginate_keyset(qs, order=["-period_start", "-id"], cursor=None, limit=PAGE_SIZE)
    for statement in page.items:
        statement.label = statement.period.label(get_language())
    return render(
        request,
        "commissions/statements.html",
        {
            "page": page,
            "filters": StatementFilterForm(),
            "compute_form": form,
            "can_manage": True,
            "can_export": has_perm(request.user, COMMISSIONS, EXPORT),
        },
        status=422,
    )


def _transition(action: Callable, done: str) -> Callable:
    @require_POST
    @_requires(CHANGE)
    def view(request: HttpRequest, pk: int) -> HttpResponse:
        statement = _statement(request, pk)
        try:
            if action is services.compute_statement:
                action(statement.user, statement.period, by=request.user)
            else:
                action(statement, by=request.user)
        except ValidationError as exc:
            for errors in exc.message_dict.values():
                for message in errors:
                    messages.error(request, message)
        else:
            messages.success(request, done)
        return redirect(statement)

    return view


statement_recompute = _transition(services.compute_statement, gettext_lazy("Statement recomputed."))
statement_review = _transition(services.review, gettext_lazy("Statement marked reviewed."))
statement_reopen = _transition(services.reopen, gettext_lazy("Statement sent back to draft."))
statement_approve = _transition(services.approve, gettext_lazy("Statement approved and locked."))


@require_POST
@_requires(CHANGE)
def statement_adjust(request: HttpRequest, pk: int) -> HttpResponse:
    statement = _statement(request, pk)
    form = AdjustmentForm(request.POST)
    if form.is_valid():
        try:
            services.add_adjustment(
                statement,
                amount=form.cleaned_data["amount"],
                reason=form.cleaned_data["reason"],
                by=request.user,
            )
        except ValidationError as exc:
            _add_service_errors(form, exc)
        else:
            messages.success(
                request, _("Adjustment recorded; it will appear on the next statement.")
            )
            return redirect(statement)
    return render(
        request,
        "commissions/statement.html",
        _detail_context(request, statement, form),
        status=422,
    )


@_requires(EXPORT)
def statement_csv(request: HttpRequest, pk: int) -> HttpResponse:
    statement = _statement(request, pk)
    language = get_language()
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = (
        f'attachment; filename="commission-{statement.user_id}-{statement.period.code}.csv"'
    )
    response.write("\ufeff")  # Excel reads UTF-8 (Persian) only with a BOM
    writer = csv.writer(response)
    writer.writerow([_("Salesperson"), str(statement.user)])
    writer.writerow([_("Period"), statement.period.label(language)])
    writer.writerow([_("Status"), statement.get_status_display()])
    writer.writerow([_("Currency"), statement.currency])
    writer.writerow([])
    writer.writerow(
        [
            _("Date"),
            _("Kind"),
            _("Description"),
            _("Category"),
            _("Base amount"),
            _("Rate (%)"),
            _("Commission"),
        ]
    )
    for line in statement.lines.all():
        writer.writerow(
            [
                format_date(line.date, language),
                line.get_kind_display(),
                line.description,
                line.category,
                line.base_amount,
                "" if line.rate is None else line.rate,
                line.commission,
            ]
        )
    writer.writerow([])
    writer.writerow([_("Commission"), statement.commission_total])
    writer.writerow([_("Adjustments"), statement.adjustment_total])
    writer.writerow([_("Total payable"), statement.total])
    return response


# --- Plans ------------------------------------------------------------------------------------


@_requires(CHANGE)
def plan_list(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "commissions/plans.html",
        {"plans": selectors.plans(), "can_add": has_perm(request.user, COMMISSIONS, ADD)},
    )


def _plan_initial(plan: CommissionPlan) -> dict:
    return {
        "name": plan.name,
        "basis": plan.basis,
        "rate": plan.rate.normalize(),
        "currency": plan.currency,
        "effective_from": format_date(plan.effective_from),
        "effective_to": format_date(plan.effective_to),
        "is_active": plan.is_active,
        "users": list(plan.users.all()),
        "teams": list(plan.teams.all()),
        "category_rates": "\n".join(
            f"{r.category.name} = {r.rate.normalize()}"
            for r in plan.category_rates.select_related("category")
        ),
        "tiers": "\n".join(
            f"{t.attainment_from.normalize()} = {t.rate.normalize()}" for t in plan.tiers.all()
        ),
    }


@_requires(CHANGE)
def plan_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    plan = get_object_or_404(CommissionPlan, pk=pk) if pk else None
    if plan is None and not has_perm(request.user, COMMISSIONS, ADD):
        raise PermissionDenied(_("You do not have permission to do this."))
    if request.method == "POST":
        form = PlanForm(request.POST)
        if form.is_valid():
            try:
                services.save_plan(plan, data=form.cleaned_data, by=request.user)
            except ValidationError as exc:
                _add_service_errors(form, exc)
            else:
                messages.success(request, _("Commission plan saved."))
                return redirect("commissions:plans")
        status = 422
    else:
        form = PlanForm(initial=_plan_initial(plan) if plan else {"rate": "2"})
        status = 200
    return render(
        request, "commissions/plan_form.html", {"form": form, "plan": plan}, status=status
    )
