"""/api/v1/leads: capture (with idempotency keys), lists, status, assignment, conversion, and the
set-up (web forms, routing rules, scoring rules) and funnel report.

Same permissions as the pages: leads.view/add/change/export for leads, lead_setup.view/change/
delete for the set-up; a lead you may not see answers 404."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema, Status
from ninja.errors import HttpError
from pydantic import ConfigDict

from peyvand.accounts.models import Team, User
from peyvand.accounts.permissions import (
    ADD,
    CHANGE,
    DELETE,
    VIEW,
    declares_permission,
    require_perm,
)
from peyvand.core.dates import InvalidDate, parse_date
from peyvand.core.pagination import InvalidCursor, paginate_keyset

from . import history, selectors, services, signals
from .forms import AssignmentRuleForm, ScoringRuleForm, WebFormDesignForm
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

router = Router(tags=["leads"])


# --- Schemas --------------------------------------------------------------------------------


class Ref(Schema):
    id: int
    name: str


class LeadOut(Schema):
    id: int
    first_name: str
    last_name: str
    full_name: str
    company: str
    job_title: str
    company_size: int | None
    phone: str
    email: str
    province: str
    city: str
    language: str
    product: str
    message: str
    channel: str
    source_name: str
    source: dict
    form_id: int | None
    status: str
    close_reason: str
    close_note: str
    score: int
    band: str
    owner: Ref | None
    team: Ref | None
    contact_id: int | None
    company_id: int | None
    needs_review: bool
    created_at: dt.datetime
    assigned_at: dt.datetime | None
    first_response_due_at: dt.datetime | None
    first_contacted_at: dt.datetime | None
    qualified_at: dt.datetime | None
    converted_at: dt.datetime | None
    overdue: bool
    url: str


class ScoreLine(Schema):
    rule: int | None
    label: str
    points: int
    attribute: str = ""
    operator: str = ""
    value: str = ""
    detail: Any = None


class AssignmentOut(Schema):
    user: Ref | None
    team: Ref | None
    rule_id: int | None
    rule_name: str
    strategy: str
    assigned_by: Ref | None
    assigned_at: dt.datetime


class LeadDetailOut(LeadOut):
    score_explanation: list[ScoreLine]
    assignments: list[AssignmentOut]


class LeadPage(Schema):
    items: list[LeadOut]
    next_cursor: str | None


class LeadIn(Schema):
    """Person and company details; send a phone or an email (or both)."""

    model_config = ConfigDict(extra="forbid")

    name: str | None = Field(None, description="Full name; or first_name and last_name.")
    first_name: str | None = None
    last_name: str | None = None
    company: str | None = None
    job_title: str | None = None
    company_size: int | None = Field(None, ge=0)
    phone: str | None = Field(None, description="Any common format; stored as E.164.")
    email: str | None = None
    province: str | None = None
    city: str | None = None
    language: str | None = None
    product: str | None = Field(None, description="Product or interest.")
    message: str | None = None
    consent: bool | None = None


class LeadCreateIn(LeadIn):
    channel: str = Field(Channel.API, description="website, phone, instagram, telegram, ...")
    source: dict[str, Any] = Field(
        default_factory=dict,
        description="Source details: form, event, referrer, campaign, utm_source, ...",
    )


class CaptureOut(Schema):
    created: bool
    attached_to: Literal["lead", "contact"] | None
    flagged_near_duplicate: bool
    lead: LeadOut | None
    contact_id: int | None


class StatusIn(Schema):
    model_config = ConfigDict(extra="forbid")

    status: Literal["new", "contacted", "qualified", "unqualified", "lost"]
    reason: str = Field("", description="Required for unqualified and lost.")
    note: str = Field("", max_length=300)


class AssignIn(Schema):
    model_config = ConfigDict(extra="forbid")

    user_id: int | None = None
    team_id: int | None = None
    strategy: Literal["", "round_robin", "least_open"] = Field(
        "", description="With team_id only: choose a member. Empty leaves it in the team's queue."
    )


class ConvertIn(Schema):
    model_config = ConfigDict(extra="forbid")

    create_deal: bool = False
    deal: dict[str, Any] = Field(default_factory=dict)


class ConvertOut(Schema):
    contact_id: int
    company_id: int | None
    lead: LeadOut


class LeadInteractionIn(Schema):
    model_config = ConfigDict(extra="forbid")

    kind: Literal["note", "call", "email", "meeting", "sms"]
    subject: str = Field("", max_length=200)
    body: str = Field("", max_length=20_000)
    direction: Literal["", "inbound", "outbound"] = ""
    outcome: str = ""
    duration_seconds: int | None = Field(None, ge=0, le=24 * 3600)


class EntryOut(Schema):
    id: int
    kind: str
    occurred_at: dt.datetime
    author: Ref | None
    subject: str
    body: str
    data: dict
    contact_id: int | None


# --- Helpers --------------------------------------------------------------------------------


def _ref(obj) -> dict | None:
    if obj is None:
        return None
    name = obj.get_full_name() or obj.username if isinstance(obj, User) else str(obj)
    return {"id": obj.pk, "name": name}


def _lead_out(lead: Lead) -> dict:
    return {
        "id": lead.pk,
        "first_name": lead.first_name,
        "last_name": lead.last_name,
        "full_name": lead.full_name,
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
        "channel": lead.channel,
        "source_name": lead.source_name,
        "source": lead.source or {},
        "form_id": lead.form_id,
        "status": lead.status,
        "close_reason": lead.close_reason,
        "close_note": lead.close_note,
        "score": lead.score,
        "band": lead.band,
        "owner": _ref(lead.owner),
        "team": _ref(lead.team),
        "contact_id": lead.contact_id,
        "company_id": lead.company_id,
        "needs_review": lead.needs_review,
        "created_at": lead.created_at,
        "assigned_at": lead.assigned_at,
        "first_response_due_at": lead.first_response_due_at,
        "first_contacted_at": lead.first_contacted_at,
        "qualified_at": lead.qualified_at,
        "converted_at": lead.converted_at,
        "overdue": lead.is_overdue(),
        "url": lead.get_absolute_url(),
    }


def _detail_out(lead: Lead) -> dict:
    assignments = lead.assignments.select_related("user", "team", "assigned_by")[:50]
    return {
        **_lead_out(lead),
        "score_explanation": lead.score_explanation or [],
        "assignments": [
            {
                "user": _ref(a.user),
                "team": _ref(a.team),
                "rule_id": a.rule_id,
                "rule_name": a.rule_name,
                "strategy": a.strategy,
                "assigned_by": _ref(a.assigned_by),
                "assigned_at": a.assigned_at,
            }
            for a in assignments
        ],
    }


def _lead(user, lead_id: int) -> Lead:
    lead = (
        Lead.objects.visible_to(user)
        .select_related("owner", "team", "contact", "company")
        .filter(pk=lead_id)
        .first()
    )
    if lead is None:
        raise Http404
    return lead


def _input(payload: LeadIn, base: dict[str, Any] | None = None) -> LeadInput:
    fields = set(LeadIn.model_fields)
    values = dict(base or {})
    values.update(payload.model_dump(include=fields, exclude_unset=True))
    return LeadInput.from_data({k: v for k, v in values.items() if v is not None})


def _capture_out(result: services.CaptureResult) -> dict:
    return {
        "created": result.created,
        "attached_to": result.attached_to,
        "flagged_near_duplicate": result.flagged_near_duplicate,
        "lead": _lead_out(result.lead) if result.lead else None,
        "contact_id": result.contact.pk if result.contact else None,
    }


def _user(user_id: int | None) -> User | None:
    if user_id is None:
        return None
    user = User.objects.filter(pk=user_id, is_active=True).first()
    if user is None:
        raise ValidationError({"user_id": [_("Choose an active user.")]})
    return user


def _team(team_id: int | None) -> Team | None:
    if team_id is None:
        return None
    team = Team.objects.filter(pk=team_id).first()
    if team is None:
        raise ValidationError({"team_id": [_("Choose an existing team.")]})
    return team


def _limit(limit: int) -> int:
    return max(1, min(limit, settings.API_MAX_PAGE_SIZE))


# --- Leads ----------------------------------------------------------------------------------


@router.get("", response=LeadPage, summary="List leads, newest first")
@declares_permission(LEADS, VIEW)
def list_leads(
    request,
    status: str = "",
    channel: str = "",
    owner_id: int | None = None,
    team_id: int | None = None,
    band: str = "",
    overdue: bool = False,
    unassigned: bool = False,
    needs_review: bool = False,
    q: str = "",
    mine: bool = False,
    cursor: str | None = None,
    limit: int = settings.API_PAGE_SIZE,
):
    """Filters combine. `mine=true` lists your open leads, overdue and new first. Page on with
    `next_cursor`."""
    user = request.user
    require_perm(user, LEADS, VIEW)
    errors = {}
    if status and status not in LeadStatus.values:
        errors["status"] = [_("Choose one of the listed options.")]
    if channel and channel not in Channel.values:
        errors["channel"] = [_("Choose one of the listed options.")]
    if band and band not in Band.values:
        errors["band"] = [_("Choose one of the listed options.")]
    if errors:
        raise ValidationError(errors)
    if mine:
        qs, order = selectors.my_leads(user, all_columns=True), selectors.MY_LEADS_ORDER
    else:
        filters = selectors.LeadFilters(
            status=status,
            channel=channel,
            owner=owner_id,
            team=team_id,
            band=band,
            overdue=overdue,
            unassigned=unassigned,
            needs_review=needs_review,
            q=q.strip()[:100],
        )
        qs, order = selectors.lead_list(user, filters, all_columns=True), selectors.LIST_ORDER
    try:
        page = paginate_keyset(qs, order=order, cursor=cursor, limit=_limit(limit))
    except InvalidCursor as exc:
        raise HttpError(400, _("The cursor is not valid; start from the first page.")) from exc
    return {"items": [_lead_out(lead) for lead in page.items], "next_cursor": page.next_cursor}


@router.post("", response={200: CaptureOut, 201: CaptureOut, 409: dict}, summary="Capture a lead")
@declares_permission(LEADS, ADD)
def create_lead(request, payload: LeadCreateIn):
    """Creates a lead, or - when the phone or email matches an open lead or a contact - adds an
    inquiry to that record (`attached_to`) instead of a duplicate. Send an `Idempotency-Key`
    header (any unique string per request) so retries never create twice: a retry gets the
    same answer, and reusing a key for a different request answers 409."""
    user = request.user
    require_perm(user, LEADS, ADD)
    if payload.channel not in Channel.values:
        raise ValidationError({"channel": [_("Choose one of the listed options.")]})
    data = _input(payload)
    key = request.headers.get("Idempotency-Key", "").strip()
    if len(key) > 200:
        raise ValidationError({"Idempotency-Key": [_("Use at most 200 characters.")]})
    try:
        result = services.capture_lead(
            channel=payload.channel,
            data=data,
            source=payload.source,
            user=user,
            idempotency_key=key or None,
        )
    except services.IdempotencyConflict as exc:
        return Status(409, {"detail": str(exc)})
    if result.lead is not None:
        result.lead = _lead(user, result.lead.pk) if _visible(user, result.lead) else result.lead
    return Status(201 if result.created else 200, _capture_out(result))


def _visible(user, lead: Lead) -> bool:
    return Lead.objects.visible_to(user).filter(pk=lead.pk).exists()


@router.get(
    "/{int:lead_id}", response=LeadDetailOut, summary="One lead, with its score explanation"
)
@declares_permission(LEADS, VIEW)
def get_lead(request, lead_id: int):
    require_perm(request.user, LEADS, VIEW)
    return _detail_out(_lead(request.user, lead_id))


@router.patch("/{int:lead_id}", response=LeadDetailOut, summary="Change a lead's details")
@declares_permission(LEADS, CHANGE)
def update_lead(request, lead_id: int, payload: LeadIn):
    """Only the fields sent change; the result is validated like a new lead."""
    require_perm(request.user, LEADS, CHANGE)
    lead = _lead(request.user, lead_id)
    current = {
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
    if payload.name is not None and ("first_name" not in payload.model_fields_set):
        current.pop("first_name")
        current.pop("last_name")
    services.update_lead(lead, user=request.user, data=_input(payload, current))
    return _detail_out(_lead(request.user, lead_id))


@router.post("/{int:lead_id}/status", response=LeadDetailOut, summary="Change the status")
@declares_permission(LEADS, CHANGE)
def change_status(request, lead_id: int, payload: StatusIn):
    """`unqualified` needs a reason (not_a_fit, spam, duplicate, invalid_contact, no_authority,
    other); `lost` needs one too (price, competitor, no_budget, no_response, timing,
    not_interested, other). Use /convert to convert."""
    require_perm(request.user, LEADS, CHANGE)
    lead = _lead(request.user, lead_id)
    services.change_status(
        lead, payload.status, user=request.user, reason=payload.reason, note=payload.note
    )
    return _detail_out(_lead(request.user, lead_id))


@router.post("/{int:lead_id}/assign", response=LeadDetailOut, summary="Assign to a person or team")
@declares_permission(LEADS, CHANGE)
def assign(request, lead_id: int, payload: AssignIn):
    require_perm(request.user, LEADS, CHANGE)
    lead = _lead(request.user, lead_id)
    services.assign_lead(
        lead,
        by=request.user,
        user=_user(payload.user_id),
        team=_team(payload.team_id),
        strategy=payload.strategy,
    )
    return _detail_out(_lead(request.user, lead_id))


@router.post("/{int:lead_id}/convert", response=ConvertOut, summary="Convert into a contact")
@declares_permission(LEADS, CHANGE)
@declares_permission("contacts", ADD)
def convert(request, lead_id: int, payload: ConvertIn):
    """Qualified leads only. Links an existing contact (same phone or email) or creates one,
    and a company; moves the lead's timeline to the contact. Converting again answers the same
    and changes nothing. `create_deal` is honoured when the sales module is installed."""
    require_perm(request.user, LEADS, CHANGE)
    require_perm(request.user, "contacts", ADD)
    lead = _lead(request.user, lead_id)
    contact = services.convert_lead(
        lead,
        user=request.user,
        create_deal=payload.create_deal and signals.deal_creation_available(),
        deal_input=payload.deal,
    )
    lead = _lead(request.user, lead_id)
    return {"contact_id": contact.pk, "company_id": lead.company_id, "lead": _lead_out(lead)}


@router.post(
    "/{int:lead_id}/interactions", response={201: EntryOut}, summary="Log a call, email, ..."
)
@declares_permission(LEADS, CHANGE)
def log_interaction(request, lead_id: int, payload: LeadInteractionIn):
    """Anything but a note counts as contacting the lead and stops its first-response clock."""
    require_perm(request.user, LEADS, CHANGE)
    lead = _lead(request.user, lead_id)
    entry = services.log_interaction(
        lead,
        user=request.user,
        kind=payload.kind,
        subject=payload.subject,
        body=payload.body,
        direction=payload.direction,
        outcome=payload.outcome,
        duration_seconds=payload.duration_seconds,
    )
    return Status(201, _entry_out(entry))


def _entry_out(entry) -> dict:
    return {
        "id": entry.pk,
        "kind": entry.kind,
        "occurred_at": entry.occurred_at,
        "author": _ref(entry.author),
        "subject": entry.subject,
        "body": entry.body,
        "data": entry.data or {},
        "contact_id": entry.contact_id,
    }


@router.get("/{int:lead_id}/timeline", response=list[EntryOut], summary="The lead's history")
@declares_permission(LEADS, VIEW)
def lead_timeline(request, lead_id: int):
    require_perm(request.user, LEADS, VIEW)
    lead = _lead(request.user, lead_id)
    entries = history.entries_for(lead).select_related("author").order_by("-occurred_at", "-id")
    return [_entry_out(e) for e in entries[:200]]


# --- Set-up: web forms ----------------------------------------------------------------------


class FormFieldIn(Schema):
    field: str
    required: bool = False
    label: str = ""


class WebFormIn(Schema):
    model_config = ConfigDict(extra="forbid")

    name: str | None = None
    is_active: bool | None = None
    channel: str | None = None
    product: str | None = None
    language: Literal["fa", "en"] | None = None
    submit_label: str | None = None
    success_message: str | None = None
    redirect_url: str | None = None
    consent_text: str | None = None
    fields: list[FormFieldIn] | None = None


class WebFormOut(Schema):
    id: int
    name: str
    key: str
    is_active: bool
    channel: str
    product: str
    language: str
    submit_label: str
    success_message: str
    redirect_url: str
    consent_text: str
    fields: list[dict]
    submit_url: str
    hosted_url: str


def _form_out(request, lead_form: LeadForm) -> dict:
    from .public import submit_url

    return {
        "id": lead_form.pk,
        "name": lead_form.name,
        "key": lead_form.key,
        "is_active": lead_form.is_active,
        "channel": lead_form.channel,
        "product": lead_form.product,
        "language": lead_form.language,
        "submit_label": lead_form.submit_label,
        "success_message": lead_form.success_message,
        "redirect_url": lead_form.redirect_url,
        "consent_text": lead_form.consent_text,
        "fields": lead_form.fields,
        "submit_url": submit_url(request, lead_form),
        "hosted_url": request.build_absolute_uri(f"/leads/f/{lead_form.key}/"),
    }


def _model_form_errors(form) -> ValidationError:
    return ValidationError({k: [str(m) for m in v] for k, v in form.errors.items()})


def _save_web_form(request, lead_form: LeadForm, payload: WebFormIn) -> LeadForm:
    data: dict[str, Any] = {
        "name": lead_form.name,
        "is_active": lead_form.is_active if lead_form.pk else True,
        "channel": lead_form.channel,
        "product": lead_form.product,
        "language": lead_form.language,
        "submit_label": lead_form.submit_label,
        "success_message": lead_form.success_message,
        "redirect_url": lead_form.redirect_url,
        "consent_text": lead_form.consent_text,
    }
    sent = payload.model_dump(exclude_unset=True)
    data.update({k: v for k, v in sent.items() if k != "fields" and v is not None})
    fields = sent.get("fields")
    design = fields if fields is not None else lead_form.fields
    for item in design or []:
        name = item["field"]
        data[f"use_{name}"] = True
        data[f"required_{name}"] = item.get("required", False)
        data[f"label_{name}"] = item.get("label", "")
    form_data = {k: v for k, v in data.items() if v not in (False, None)}
    form = WebFormDesignForm(form_data, instance=lead_form)
    if not form.is_valid():
        raise _model_form_errors(form)
    if lead_form.pk is None:
        form.instance.created_by = request.user
    return form.save()


@router.get("/forms", response=list[WebFormOut], summary="Web forms")
@declares_permission(LEAD_SETUP, VIEW)
def list_forms(request):
    require_perm(request.user, LEAD_SETUP, VIEW)
    return [_form_out(request, f) for f in LeadForm.objects.order_by("name", "id")[:500]]


@router.post("/forms", response={201: WebFormOut}, summary="Design a web form")
@declares_permission(LEAD_SETUP, CHANGE)
def create_form(request, payload: WebFormIn):
    """`fields`: [{"field": "phone", "required": true, "label": "..."}], from name, first_name,
    last_name, phone, email, company, job_title, company_size, province, city, product,
    message. A form must ask for a phone or an email."""
    require_perm(request.user, LEAD_SETUP, CHANGE)
    return Status(201, _form_out(request, _save_web_form(request, LeadForm(), payload)))


@router.get("/forms/{int:form_id}", response=WebFormOut, summary="One web form")
@declares_permission(LEAD_SETUP, VIEW)
def get_form(request, form_id: int):
    require_perm(request.user, LEAD_SETUP, VIEW)
    lead_form = LeadForm.objects.filter(pk=form_id).first()
    if lead_form is None:
        raise Http404
    return _form_out(request, lead_form)


@router.patch("/forms/{int:form_id}", response=WebFormOut, summary="Change a web form")
@declares_permission(LEAD_SETUP, CHANGE)
def update_form(request, form_id: int, payload: WebFormIn):
    require_perm(request.user, LEAD_SETUP, CHANGE)
    lead_form = LeadForm.objects.filter(pk=form_id).first()
    if lead_form is None:
        raise Http404
    return _form_out(request, _save_web_form(request, lead_form, payload))


# --- Set-up: routing rules ------------------------------------------------------------------


class RuleIn(Schema):
    model_config = ConfigDict(extra="forbid")

    name: str | None = None
    is_active: bool | None = None
    channels: list[str] | None = None
    provinces: list[str] | None = None
    cities: list[str] | None = None
    products: list[str] | None = None
    languages: list[str] | None = None
    bands: list[str] | None = None
    min_score: int | None = None
    max_score: int | None = None
    form_ids: list[int] | None = None
    assign_user_id: int | None = None
    assign_team_id: int | None = None
    strategy: Literal["round_robin", "least_open"] | None = None
    first_response_minutes: int | None = Field(None, ge=1)
    order: int | None = Field(None, ge=0)


class RuleOut(Schema):
    id: int
    order: int
    name: str
    is_active: bool
    channels: list[str]
    provinces: list[str]
    cities: list[str]
    products: list[str]
    languages: list[str]
    bands: list[str]
    min_score: int | None
    max_score: int | None
    form_ids: list[int]
    assign_user_id: int | None
    assign_team_id: int | None
    strategy: str
    first_response_minutes: int


def _rule_out(rule: AssignmentRule) -> dict:
    return {
        "id": rule.pk,
        "order": rule.order,
        "name": rule.name,
        "is_active": rule.is_active,
        "channels": rule.channels,
        "provinces": rule.provinces,
        "cities": rule.cities,
        "products": rule.products,
        "languages": rule.languages,
        "bands": rule.bands,
        "min_score": rule.min_score,
        "max_score": rule.max_score,
        "form_ids": [f.pk for f in rule.forms.all()],
        "assign_user_id": rule.assign_user_id,
        "assign_team_id": rule.assign_team_id,
        "strategy": rule.strategy,
        "first_response_minutes": rule.first_response_minutes,
    }


def _save_rule(rule: AssignmentRule, payload: RuleIn) -> AssignmentRule:
    current = (
        _rule_out(rule)
        if rule.pk
        else {
            "name": "",
            "is_active": True,
            "channels": [],
            "provinces": [],
            "cities": [],
            "products": [],
            "languages": [],
            "bands": [],
            "min_score": None,
            "max_score": None,
            "form_ids": [],
            "assign_user_id": None,
            "assign_team_id": None,
            "strategy": "round_robin",
            "first_response_minutes": 60,
        }
    )
    sent = payload.model_dump(exclude_unset=True)
    current.update(sent)
    data = {
        "name": current["name"] or "",
        "is_active": bool(current["is_active"]),
        "channels": current["channels"] or [],
        "languages": current["languages"] or [],
        "bands": current["bands"] or [],
        "provinces": ", ".join(current["provinces"] or []),
        "cities": ", ".join(current["cities"] or []),
        "products": ", ".join(current["products"] or []),
        "min_score": current["min_score"],
        "max_score": current["max_score"],
        "forms": current["form_ids"] or [],
        "assign_user": current["assign_user_id"],
        "assign_team": current["assign_team_id"],
        "strategy": current["strategy"] or "round_robin",
        "first_response_minutes": current["first_response_minutes"],
    }
    form = AssignmentRuleForm({k: v for k, v in data.items() if v is not None}, instance=rule)
    if not form.is_valid():
        raise _model_form_errors(form)
    with transaction.atomic():
        if "order" in sent and sent["order"] is not None:
            form.instance.order = sent["order"]
        elif rule.pk is None:
            form.instance.order = (AssignmentRule.objects.aggregate(m=Max("order"))["m"] or 0) + 1
        return form.save()


def _rules_qs():
    return AssignmentRule.objects.prefetch_related("forms").order_by("order", "id")


@router.get("/rules", response=list[RuleOut], summary="Assignment rules, in order")
@declares_permission(LEAD_SETUP, VIEW)
def list_rules(request):
    require_perm(request.user, LEAD_SETUP, VIEW)
    return [_rule_out(r) for r in _rules_qs()[:500]]


@router.post("/rules", response={201: RuleOut}, summary="Add an assignment rule (last in order)")
@declares_permission(LEAD_SETUP, CHANGE)
def create_rule(request, payload: RuleIn):
    """Conditions left empty match anything. Give exactly one of assign_user_id and
    assign_team_id."""
    require_perm(request.user, LEAD_SETUP, CHANGE)
    return Status(201, _rule_out(_save_rule(AssignmentRule(), payload)))


def _rule(rule_id: int) -> AssignmentRule:
    rule = _rules_qs().filter(pk=rule_id).first()
    if rule is None:
        raise Http404
    return rule


@router.patch("/rules/{int:rule_id}", response=RuleOut, summary="Change an assignment rule")
@declares_permission(LEAD_SETUP, CHANGE)
def update_rule(request, rule_id: int, payload: RuleIn):
    require_perm(request.user, LEAD_SETUP, CHANGE)
    return _rule_out(_save_rule(_rule(rule_id), payload))


@router.delete("/rules/{int:rule_id}", response={204: None}, summary="Delete an assignment rule")
@declares_permission(LEAD_SETUP, DELETE)
def delete_rule(request, rule_id: int):
    require_perm(request.user, LEAD_SETUP, DELETE)
    _rule(rule_id).delete()
    return Status(204, None)


# --- Set-up: scoring rules ------------------------------------------------------------------


class ScoringRuleIn(Schema):
    model_config = ConfigDict(extra="forbid")

    label: str | None = None
    attribute: str | None = None
    operator: Literal["is", "in", "gte", "lte"] | None = None
    value: str | None = None
    points: int | None = None
    is_active: bool | None = None


class ScoringRuleOut(Schema):
    id: int
    label: str
    attribute: str
    operator: str
    value: str
    points: int
    is_active: bool


def _scoring_out(rule: ScoringRule) -> dict:
    return {
        "id": rule.pk,
        "label": rule.label,
        "attribute": rule.attribute,
        "operator": rule.operator,
        "value": rule.value,
        "points": rule.points,
        "is_active": rule.is_active,
    }


def _save_scoring(rule: ScoringRule, payload: ScoringRuleIn) -> ScoringRule:
    from .tasks import rescore_open_leads_job

    data = _scoring_out(rule) if rule.pk else {"is_active": True}
    data.update(payload.model_dump(exclude_unset=True))
    form = ScoringRuleForm({k: v for k, v in data.items() if v is not None}, instance=rule)
    if not form.is_valid():
        raise _model_form_errors(form)
    with transaction.atomic():
        if rule.pk is None:
            form.instance.order = (ScoringRule.objects.aggregate(m=Max("order"))["m"] or 0) + 1
        saved = form.save()
        transaction.on_commit(lambda: rescore_open_leads_job.enqueue())
    return saved


@router.get("/scoring-rules", response=list[ScoringRuleOut], summary="Scoring rules")
@declares_permission(LEAD_SETUP, VIEW)
def list_scoring_rules(request):
    require_perm(request.user, LEAD_SETUP, VIEW)
    return [_scoring_out(r) for r in ScoringRule.objects.order_by("order", "id")[:500]]


@router.post("/scoring-rules", response={201: ScoringRuleOut}, summary="Add a scoring rule")
@declares_permission(LEAD_SETUP, CHANGE)
def create_scoring_rule(request, payload: ScoringRuleIn):
    """Open leads are rescored in the background after any change."""
    require_perm(request.user, LEAD_SETUP, CHANGE)
    return Status(201, _scoring_out(_save_scoring(ScoringRule(), payload)))


@router.patch(
    "/scoring-rules/{int:rule_id}", response=ScoringRuleOut, summary="Change a scoring rule"
)
@declares_permission(LEAD_SETUP, CHANGE)
def update_scoring_rule(request, rule_id: int, payload: ScoringRuleIn):
    require_perm(request.user, LEAD_SETUP, CHANGE)
    rule = ScoringRule.objects.filter(pk=rule_id).first()
    if rule is None:
        raise Http404
    return _scoring_out(_save_scoring(rule, payload))


@router.delete(
    "/scoring-rules/{int:rule_id}", response={204: None}, summary="Delete a scoring rule"
)
@declares_permission(LEAD_SETUP, DELETE)
def delete_scoring_rule(request, rule_id: int):
    from .tasks import rescore_open_leads_job

    require_perm(request.user, LEAD_SETUP, DELETE)
    deleted, _rows = ScoringRule.objects.filter(pk=rule_id).delete()
    if not deleted:
        raise Http404
    transaction.on_commit(lambda: rescore_open_leads_job.enqueue())
    return Status(204, None)


# --- Report ---------------------------------------------------------------------------------


class FunnelRowOut(Schema):
    key: str
    label: str
    leads: int
    contacted: int
    qualified: int
    converted: int
    lost: int
    conversion_rate: float | None
    median_first_contact_minutes: float | None


class LostReasonOut(Schema):
    reason: str
    label: str
    count: int


class FunnelOut(Schema):
    start: dt.date
    end: dt.date
    total: FunnelRowOut
    by_channel: list[FunnelRowOut]
    by_month: list[FunnelRowOut]
    lost_reasons: list[LostReasonOut]


def _date(value: str, field: str) -> dt.date | None:
    if not value:
        return None
    try:
        return parse_date(value)
    except InvalidDate as exc:
        raise ValidationError({field: [str(exc)]}) from exc


@router.get("/reports/funnel", response=FunnelOut, summary="Lead funnel by channel and month")
@declares_permission(LEADS, VIEW)
def funnel_report(request, start: str = "", end: str = ""):
    """Leads created from `start` to `end` (Jalali or Gregorian dates; default: the last six
    months). Months are Jalali when your language is Persian."""
    require_perm(request.user, LEADS, VIEW)
    end_date = _date(end, "end") or timezone.localdate()
    start_date = _date(start, "start") or end_date - dt.timedelta(days=182)
    if start_date > end_date:
        raise ValidationError({"end": [_("The end must not be before the start.")]})
    start_date = max(start_date, end_date - dt.timedelta(days=731))
    report = selectors.funnel(request.user, start=start_date, end=end_date)
    return {
        "start": start_date,
        "end": end_date,
        "total": report.total.as_dict(),
        "by_channel": [row.as_dict() for row in report.by_channel],
        "by_month": [row.as_dict() for row in report.by_month],
        "lost_reasons": [
            {"reason": code, "label": str(label), "count": count}
            for code, label, count in report.lost_reasons
        ],
    }
