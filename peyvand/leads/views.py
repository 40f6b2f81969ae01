"""Leads pages. Thin: forms validate, services write, selectors read."""

from __future__ import annotations

import csv
import datetime as dt

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Max
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from peyvand.accounts.models import Team, User
from peyvand.accounts.permissions import (
    ADD,
    CHANGE,
    DELETE,
    EXPORT,
    VIEW,
    declares_permission,
    declares_permission_for_args,
    has_perm,
    permission_required,
)
from peyvand.contacts.models import Contact
from peyvand.core.pagination import InvalidCursor, paginate_keyset
from peyvand.core.phones import InvalidPhoneNumber, normalize_phone

from . import history, public, selectors, services, signals
from .forms import (
    AssignForm,
    AssignmentRuleForm,
    BulkActionForm,
    ConvertForm,
    EventImportForm,
    FunnelFilterForm,
    InteractionForm,
    LeadDetailsForm,
    QuickCallForm,
    ScoringRuleForm,
    StatusForm,
    WebFormDesignForm,
)
from .imports import ImportFileError, import_event_attendees
from .inputs import LeadInput
from .models import (
    LEAD_SETUP,
    LEADS,
    AssignmentRule,
    Band,
    Channel,
    Lead,
    LeadForm,
    LeadStatus,
    ScoringRule,
)
from .tasks import rescore_open_leads_job

PAGE_SIZE = 50


_requires = permission_required


def _lead(request: HttpRequest, pk: int) -> Lead:
    return get_object_or_404(
        Lead.objects.visible_to(request.user).select_related(
            "owner",
            "team",
            "team__manager",
            "form",
            "contact",
            "company",
            "similar_lead",
            "similar_contact",
            "converted_by",
        ),
        pk=pk,
    )


def _next_url(request: HttpRequest, default: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return default


def _service_errors(form, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for field, errors in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)


# --- Lists ----------------------------------------------------------------------------------


def _int(value: str | None) -> int | None:
    try:
        return int(value) if value else None
    except ValueError:
        return None


def _filters(request: HttpRequest) -> selectors.LeadFilters:
    get = request.GET
    return selectors.LeadFilters(
        status=get.get("status", "") if get.get("status") in LeadStatus.values else "",
        channel=get.get("channel", "") if get.get("channel") in Channel.values else "",
        owner=_int(get.get("owner")),
        team=_int(get.get("team")),
        band=get.get("band", "") if get.get("band") in Band.values else "",
        overdue=get.get("overdue") == "1",
        unassigned=get.get("unassigned") == "1",
        needs_review=get.get("review") == "1",
        q=(get.get("q") or "").strip()[:100],
    )


def _page(request: HttpRequest, qs, order) -> tuple:
    try:
        return paginate_keyset(
            qs, order=order, cursor=request.GET.get("cursor"), limit=PAGE_SIZE
        ), None
    except InvalidCursor:
        return None, redirect(request.path)


def _bulk_context(request: HttpRequest) -> dict:
    return {
        "assign_form": AssignForm(prefix="assign"),
        "status_form": StatusForm(prefix="status"),
        "can_change": has_perm(request.user, LEADS, CHANGE),
    }


@_requires(LEADS, VIEW)
def lead_list(request: HttpRequest) -> HttpResponse:
    filters = _filters(request)
    page, bad_cursor = _page(
        request, selectors.lead_list(request.user, filters), selectors.LIST_ORDER
    )
    if bad_cursor:
        return bad_cursor
    return render(
        request,
        "leads/list.html",
        {
            "page": page,
            "filters": filters,
            "now": timezone.now(),
            "statuses": LeadStatus.choices,
            "channels": Channel.choices,
            "bands": Band.choices,
            "owners": User.objects.filter(is_active=True).order_by("first_name", "username"),
            "teams": Team.objects.order_by("name"),
            **_bulk_context(request),
        },
    )


@_requires(LEADS, VIEW)
def my_leads(request: HttpRequest) -> HttpResponse:
    page, bad_cursor = _page(request, selectors.my_leads(request.user), selectors.MY_LEADS_ORDER)
    if bad_cursor:
        return bad_cursor
    return render(
        request, "leads/mine.html", {"page": page, "now": timezone.now(), **_bulk_context(request)}
    )


@require_POST
@_requires(LEADS, CHANGE)
def bulk(request: HttpRequest) -> HttpResponse:
    back = _next_url(request, reverse("leads:list"))
    form = BulkActionForm(request.POST)
    if not form.is_valid():
        for error in form.errors.values():
            messages.error(request, " ".join(error))
        return HttpResponseRedirect(back)
    leads = list(Lead.objects.visible_to(request.user).filter(pk__in=form.cleaned_data["ids"]))
    if form.cleaned_data["action"] == "assign":
        assign = AssignForm(request.POST, prefix="assign")
        if not assign.is_valid():
            messages.error(request, " ".join(m for e in assign.errors.values() for m in e))
            return HttpResponseRedirect(back)
        try:
            count = services.bulk_assign(
                leads,
                by=request.user,
                user=assign.cleaned_data["user"],
                team=assign.cleaned_data["team"],
                strategy=assign.cleaned_data["strategy"],
            )
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
            return HttpResponseRedirect(back)
        messages.success(
            request,
            ngettext("%(count)d lead assigned.", "%(count)d leads assigned.", count)
            % {"count": count},
        )
        return HttpResponseRedirect(back)
    status = StatusForm(request.POST, prefix="status")
    if not status.is_valid():
        messages.error(request, " ".join(m for e in status.errors.values() for m in e))
        return HttpResponseRedirect(back)
    changed, problems = services.bulk_change_status(
        leads,
        status.cleaned_data["status"],
        user=request.user,
        reason=status.cleaned_data["reason"],
        note=status.cleaned_data["note"],
    )
    messages.success(
        request,
        ngettext("%(count)d lead changed.", "%(count)d leads changed.", changed)
        % {"count": changed},
    )
    for problem in problems[:10]:
        messages.warning(request, problem)
    return HttpResponseRedirect(back)


# --- One lead -------------------------------------------------------------------------------


def _detail_context(request: HttpRequest, lead: Lead, **forms) -> dict:
    user = request.user
    entries = (
        history.entries_for(lead).select_related("author").order_by("-occurred_at", "-id")[:100]
    )
    can_change = has_perm(user, LEADS, CHANGE)
    return {
        "lead": lead,
        "now": timezone.now(),
        "entries": list(entries),
        "assignments": list(lead.assignments.select_related("user", "team", "assigned_by")[:20]),
        "can_change": can_change,
        "can_convert": can_change and lead.status == LeadStatus.QUALIFIED,
        "status_form": forms.get("status_form") or StatusForm(initial={"status": lead.status}),
        "assign_form": forms.get("assign_form")
        or AssignForm(initial={"user": lead.owner_id, "team": lead.team_id}),
        "interaction_form": forms.get("interaction_form") or InteractionForm(),
        "convert_form": ConvertForm(),
        "deal_available": signals.deal_creation_available(),
        "can_see_contact": lead.contact_id
        and Contact.objects.visible_to(user).filter(pk=lead.contact_id).exists(),
    }


@_requires(LEADS, VIEW)
def lead_detail(request: HttpRequest, pk: int) -> HttpResponse:
    lead = _lead(request, pk)
    return render(request, "leads/detail.html", _detail_context(request, lead))


@_requires(LEADS, CHANGE)
def lead_edit(request: HttpRequest, pk: int) -> HttpResponse:
    lead = _lead(request, pk)
    if request.method == "POST":
        form = LeadDetailsForm(request.POST)
        if form.is_valid():
            try:
                services.update_lead(
                    lead, user=request.user, data=LeadInput.from_clean(form.cleaned_data)
                )
            except ValidationError as exc:
                _service_errors(form, exc)
            else:
                messages.success(request, _("The lead was saved."))
                return redirect(lead)
    else:
        form = LeadDetailsForm(
            initial={
                "first_name": lead.first_name,
                "last_name": lead.last_name,
                "company": lead.company_name,
                "job_title": lead.job_title,
                "company_size": lead.company_size,
                "phone": lead.phone,
                "email": lead.email,
                "province": lead.province,
                "city": lead.city,
                "language": lead.language,
                "product": lead.product,
                "message": lead.message,
            }
        )
    return render(
        request, "leads/edit.html", {"lead": lead, "form": form}, status=422 if form.errors else 200
    )


@require_POST
@_requires(LEADS, CHANGE)
def lead_status(request: HttpRequest, pk: int) -> HttpResponse:
    lead = _lead(request, pk)
    form = StatusForm(request.POST)
    if form.is_valid():
        try:
            services.change_status(
                lead,
                form.cleaned_data["status"],
                user=request.user,
                reason=form.cleaned_data["reason"],
                note=form.cleaned_data["note"],
            )
        except ValidationError as exc:
            _service_errors(form, exc)
        else:
            messages.success(request, _("The status was changed."))
            return redirect(lead)
    return render(
        request, "leads/detail.html", _detail_context(request, lead, status_form=form), status=422
    )


@require_POST
@_requires(LEADS, CHANGE)
def lead_assign(request: HttpRequest, pk: int) -> HttpResponse:
    lead = _lead(request, pk)
    form = AssignForm(request.POST)
    if form.is_valid():
        try:
            services.assign_lead(
                lead,
                by=request.user,
                user=form.cleaned_data["user"],
                team=form.cleaned_data["team"],
                strategy=form.cleaned_data["strategy"],
            )
        except ValidationError as exc:
            _service_errors(form, exc)
        else:
            messages.success(request, _("The lead was assigned."))
            return redirect(lead)
    return render(
        request, "leads/detail.html", _detail_context(request, lead, assign_form=form), status=422
    )


@require_POST
@_requires(LEADS, CHANGE)
def lead_reroute(request: HttpRequest, pk: int) -> HttpResponse:
    lead = _lead(request, pk)
    lead = services.reroute_lead(lead, by=request.user)
    messages.success(request, _("The assignment rules were applied again."))
    return redirect(lead)


@require_POST
@_requires(LEADS, CHANGE)
def lead_interaction(request: HttpRequest, pk: int) -> HttpResponse:
    lead = _lead(request, pk)
    form = InteractionForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        minutes = data.get("duration_minutes")
        try:
            services.log_interaction(
                lead,
                user=request.user,
                kind=data["kind"],
                subject=data["subject"],
                body=data["body"],
                direction=data["direction"],
                outcome=data["outcome"],
                duration_seconds=minutes * 60 if minutes is not None else None,
            )
        except ValidationError as exc:
            _service_errors(form, exc)
        else:
            messages.success(request, _("Added to the timeline."))
            return redirect(lead)
    return render(
        request,
        "leads/detail.html",
        _detail_context(request, lead, interaction_form=form),
        status=422,
    )


@require_POST
@_requires(LEADS, CHANGE)
def lead_review(request: HttpRequest, pk: int) -> HttpResponse:
    lead = _lead(request, pk)
    services.dismiss_review(lead, user=request.user)
    messages.success(request, _("Marked as not a duplicate."))
    return redirect(lead)


@_requires(LEADS, CHANGE)
def lead_convert(request: HttpRequest, pk: int) -> HttpResponse:
    lead = _lead(request, pk)
    if not has_perm(request.user, "contacts", ADD):
        raise PermissionDenied(_("Converting a lead needs permission to add contacts."))
    if lead.status == LeadStatus.CONVERTED and lead.contact_id:
        messages.info(request, _("This lead was already converted."))
        return redirect(lead)
    if request.method != "POST":
        return redirect(lead)
    form = ConvertForm(request.POST)
    form.is_valid()
    try:
        contact = services.convert_lead(
            lead,
            user=request.user,
            create_deal=bool(form.cleaned_data.get("create_deal"))
            and signals.deal_creation_available(),
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect(lead)
    messages.success(request, _("The lead was converted into %(name)s.") % {"name": contact})
    return redirect(lead)


# --- Phone: a quick form for call-centre agents ---------------------------------------------


def _caller(request: HttpRequest, raw: str) -> dict:
    try:
        phone = normalize_phone(raw)
    except InvalidPhoneNumber:
        return {}
    return selectors.caller_match(request.user, phone)


@_requires(LEADS, ADD)
def quick_call(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        form = QuickCallForm(request.POST)
        if form.is_valid():
            data = LeadInput.from_clean(form.cleaned_data)
            try:
                result = services.capture_lead(
                    channel=form.cleaned_data["channel"],
                    data=data,
                    user=request.user,
                    source={"agent": request.user.username},
                )
                if result.created and form.cleaned_data.get("assign_to_me"):
                    services.assign_lead(result.lead, by=request.user, user=request.user)
            except ValidationError as exc:
                _service_errors(form, exc)
            else:
                if result.attached_to == "contact":
                    text = _("The caller is an existing contact: the call is on their timeline.")
                    messages.success(request, text)
                    if (
                        Contact.objects.visible_to(request.user)
                        .filter(pk=result.contact.pk)
                        .exists()
                    ):
                        return redirect(result.contact)
                    return redirect("leads:call")
                if result.attached_to == "lead":
                    messages.success(
                        request, _("The caller is already a lead: an inquiry was added to it.")
                    )
                else:
                    messages.success(request, _("The lead was created."))
                if Lead.objects.visible_to(request.user).filter(pk=result.lead.pk).exists():
                    return redirect(result.lead)
                return redirect("leads:call")
        match = _caller(request, request.POST.get("phone", ""))
    else:
        raw = request.GET.get("phone", "")
        match = _caller(request, raw) if raw else {}
        form = QuickCallForm(initial={"phone": raw, **match.get("prefill", {})})
    return render(
        request,
        "leads/call.html",
        {"form": form, "match": match},
        status=422 if form.errors else 200,
    )


@_requires(LEADS, ADD)
def call_lookup(request: HttpRequest) -> HttpResponse:
    raw = request.GET.get("phone", "")
    return render(
        request, "leads/_caller.html", {"match": _caller(request, raw) if raw else {}, "raw": raw}
    )


# --- Set-up: routing rules -------------------------------------------------------------------


@_requires(LEAD_SETUP, VIEW)
def rule_list(request: HttpRequest) -> HttpResponse:
    rules = AssignmentRule.objects.select_related("assign_user", "assign_team").prefetch_related(
        "forms"
    )
    return render(
        request,
        "leads/rules.html",
        {
            "rules": list(rules.order_by("order", "id")),
            "can_change": has_perm(request.user, LEAD_SETUP, CHANGE),
        },
    )


@_requires(LEAD_SETUP, CHANGE)
def rule_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    rule = get_object_or_404(AssignmentRule, pk=pk) if pk else AssignmentRule()
    form = AssignmentRuleForm(request.POST or None, instance=rule)
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            if rule.pk is None:
                highest = AssignmentRule.objects.aggregate(m=Max("order"))["m"]
                form.instance.order = (highest or 0) + 1
            form.save()
        messages.success(request, _("The rule was saved."))
        return redirect("leads:rules")
    status = 422 if form.errors else 200
    return render(request, "leads/rule_form.html", {"form": form, "rule": rule}, status=status)


@require_POST
@_requires(LEAD_SETUP, CHANGE)
def rule_move(request: HttpRequest, pk: int) -> HttpResponse:
    services.move_rule(
        get_object_or_404(AssignmentRule, pk=pk), up=request.POST.get("direction") == "up"
    )
    return redirect("leads:rules")


@require_POST
@_requires(LEAD_SETUP, DELETE)
def rule_delete(request: HttpRequest, pk: int) -> HttpResponse:
    get_object_or_404(AssignmentRule, pk=pk).delete()
    messages.success(request, _("The rule was deleted."))
    return redirect("leads:rules")


# --- Set-up: scoring rules -------------------------------------------------------------------


@_requires(LEAD_SETUP, VIEW)
def scoring_list(request: HttpRequest) -> HttpResponse:
    from .scoring import band_thresholds

    hot, warm = band_thresholds()
    return render(
        request,
        "leads/scoring.html",
        {
            "rules": ScoringRule.objects.order_by("order", "id"),
            "hot": hot,
            "warm": warm,
            "can_change": has_perm(request.user, LEAD_SETUP, CHANGE),
        },
    )


def _rescore_later() -> None:
    transaction.on_commit(lambda: rescore_open_leads_job.enqueue())


@_requires(LEAD_SETUP, CHANGE)
def scoring_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    rule = get_object_or_404(ScoringRule, pk=pk) if pk else ScoringRule()
    form = ScoringRuleForm(request.POST or None, instance=rule)
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            if rule.pk is None:
                form.instance.order = (ScoringRule.objects.aggregate(m=Max("order"))["m"] or 0) + 1
            form.save()
            _rescore_later()
        messages.success(request, _("The scoring rule was saved; open leads are being rescored."))
        return redirect("leads:scoring")
    status = 422 if form.errors else 200
    return render(request, "leads/scoring_form.html", {"form": form, "rule": rule}, status=status)


@require_POST
@_requires(LEAD_SETUP, DELETE)
def scoring_delete(request: HttpRequest, pk: int) -> HttpResponse:
    with transaction.atomic():
        get_object_or_404(ScoringRule, pk=pk).delete()
        _rescore_later()
    messages.success(request, _("The scoring rule was deleted; open leads are being rescored."))
    return redirect("leads:scoring")


# --- Set-up: web forms -----------------------------------------------------------------------


@_requires(LEAD_SETUP, VIEW)
def form_list(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "leads/forms.html",
        {
            "forms": LeadForm.objects.order_by("name", "id"),
            "can_change": has_perm(request.user, LEAD_SETUP, CHANGE),
        },
    )


@_requires(LEAD_SETUP, VIEW)
@declares_permission(LEAD_SETUP, CHANGE, to_write=True)
@declares_permission_for_args(lambda kwargs: None if kwargs.get("pk") else LEAD_SETUP, CHANGE)
def form_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    lead_form = get_object_or_404(LeadForm, pk=pk) if pk else LeadForm()
    can_change = has_perm(request.user, LEAD_SETUP, CHANGE)
    if lead_form.pk is None and not can_change:
        raise PermissionDenied(_("You do not have permission to do this."))
    form = WebFormDesignForm(request.POST or None, instance=lead_form)
    if request.method == "POST":
        if not can_change:
            raise PermissionDenied(_("You do not have permission to do this."))
        if form.is_valid():
            if lead_form.pk is None:
                form.instance.created_by = request.user
            saved = form.save()
            messages.success(
                request, _("The form was saved. Copy its code below onto your website.")
            )
            return redirect("leads:form_edit", saved.pk)
    context = {"form": form, "lead_form": lead_form, "can_change": can_change}
    if lead_form.pk:
        context["snippets"] = public.snippets(request, lead_form)
        context["hosted_url"] = request.build_absolute_uri(
            reverse("leads:public_form", args=[lead_form.key])
        )
    return render(request, "leads/form_edit.html", context, status=422 if form.errors else 200)


@require_POST
@_requires(LEAD_SETUP, CHANGE)
def form_rotate_key(request: HttpRequest, pk: int) -> HttpResponse:
    lead_form = get_object_or_404(LeadForm, pk=pk)
    services.rotate_form_key(lead_form)
    messages.warning(request, _("The form has a new key: replace the code on your website."))
    return redirect("leads:form_edit", lead_form.pk)


# --- Events ----------------------------------------------------------------------------------


@_requires(LEADS, ADD)
def event_import(request: HttpRequest) -> HttpResponse:
    form = EventImportForm(request.POST or None, request.FILES or None)
    report = None
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            report = import_event_attendees(
                upload.read(2 * 1024 * 1024 + 1),
                event=form.cleaned_data["event"],
                product=form.cleaned_data["product"],
                user=request.user,
            )
        except ImportFileError as exc:
            form.add_error("file", str(exc))
    status = 422 if form.errors else 200
    return render(
        request, "leads/event_import.html", {"form": form, "report": report}, status=status
    )


# --- Reports ---------------------------------------------------------------------------------


def _funnel_range(form: FunnelFilterForm) -> tuple[dt.date, dt.date]:
    today = timezone.localdate()
    data = form.cleaned_data if form.is_valid() else {}
    end = data.get("end") or today
    start = data.get("start") or (end - dt.timedelta(days=182))
    # Bounded: at most two years per report.
    start = max(start, end - dt.timedelta(days=731))
    return start, end


@_requires(LEADS, VIEW)
def funnel(request: HttpRequest) -> HttpResponse:
    form = FunnelFilterForm(request.GET or None)
    start, end = _funnel_range(form)
    report = selectors.funnel(request.user, start=start, end=end)
    chart = {
        "labels": [row.label for row in report.by_month],
        "leads": [row.leads for row in report.by_month],
        "contacted": [row.contacted for row in report.by_month],
        "qualified": [row.qualified for row in report.by_month],
        "converted": [row.converted for row in report.by_month],
        "names": {
            "leads": _("Leads"),
            "contacted": _("Contacted"),
            "qualified": _("Qualified"),
            "converted": _("Converted"),
        },
    }
    return render(
        request,
        "leads/funnel.html",
        {
            "form": form,
            "report": report,
            "start": start,
            "end": end,
            "chart": chart,
            "can_export": has_perm(request.user, LEADS, EXPORT),
        },
    )


@_requires(LEADS, EXPORT)
def funnel_csv(request: HttpRequest) -> HttpResponse:
    form = FunnelFilterForm(request.GET or None)
    start, end = _funnel_range(form)
    report = selectors.funnel(request.user, start=start, end=end)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="lead-funnel-{start}-{end}.csv"'
    response.write("\ufeff")  # Excel reads UTF-8 (Persian) only with a BOM
    writer = csv.writer(response)
    header = [
        _("Group"),
        _("Name"),
        _("Leads"),
        _("Contacted"),
        _("Qualified"),
        _("Converted"),
        _("Lost"),
        _("Conversion rate (%)"),
        _("Median time to first contact (minutes)"),
    ]
    writer.writerow(header)
    for group, rows in ((_("Channel"), report.by_channel), (_("Month"), report.by_month)):
        for row in rows:
            d = row.as_dict()
            writer.writerow(
                [
                    group,
                    d["label"],
                    d["leads"],
                    d["contacted"],
                    d["qualified"],
                    d["converted"],
                    d["lost"],
                    d["conversion_rate"] if d["conversion_rate"] is not None else "",
                    d["median_first_contact_minutes"]
                    if d["median_first_contact_minutes"] is not None
                    else "",
                ]
            )
    if report.total is not None:
        d = report.total.as_dict()
        writer.writerow(
            [
                _("Total"),
                "",
                d["leads"],
                d["contacted"],
                d["qualified"],
                d["converted"],
                d["lost"],
                d["conversion_rate"] if d["conversion_rate"] is not None else "",
                d["median_first_contact_minutes"]
                if d["median_first_contact_minutes"] is not None
                else "",
            ]
        )
    for _code, label, count in report.lost_reasons:
        writer.writerow([_("Lost reason"), label, count, "", "", "", "", "", ""])
    return response
