"""/api/v1/service: tickets (list with filters and keyset pages, open, read, change, reply, note,
status, assign, escalate, merge, link, split) and the set-up (tiers, categories, routing rules).

Same permissions as the pages: tickets.view/add/change for tickets, service_setup.view/change/
delete for the set-up; a ticket you may not see answers 404."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404
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
from peyvand.contacts.models import Company, Contact
from peyvand.core.pagination import InvalidCursor, paginate_keyset

from . import selectors, services
from .forms import RoutingRuleForm, SupportTierForm, TicketCategoryForm
from .models import (
    SERVICE_SETUP,
    TICKETS,
    RoutingRule,
    SupportTier,
    Ticket,
    TicketCategory,
    TicketChannel,
    TicketMessage,
    TicketPriority,
    TicketStatus,
)

router = Router(tags=["Service desk"])


# --- Schemas --------------------------------------------------------------------------------


class Ref(Schema):
    id: int
    name: str


class TierRef(Schema):
    id: int
    code: str
    name: str
    level: int


class TicketOut(Schema):
    id: int
    number: int | None
    reference: str
    subject: str
    channel: str
    priority: str
    status: str
    tier: TierRef | None
    team: Ref | None
    assignee: Ref | None
    category: Ref | None
    contact_id: int | None
    company_id: int | None
    requester_name: str
    requester_email: str
    requester_phone: str
    created_at: dt.datetime
    last_activity_at: dt.datetime
    first_responded_at: dt.datetime | None
    url: str


class MessageOut(Schema):
    id: int
    ticket_id: int
    kind: str
    body: str
    channel: str
    author: Ref | None
    author_contact_id: int | None
    created_at: dt.datetime
    merged_from_id: int | None
    attachments: list[dict]


class FiringOut(Schema):
    rule_id: int | None
    rule_name: str
    changes: dict
    fired_at: dt.datetime


class EscalationOut(Schema):
    id: int
    direction: str
    from_tier: str | None
    to_tier: str | None
    reason: str
    user: Ref | None
    created_at: dt.datetime


class TicketDetailOut(TicketOut):
    description: str
    product_id: int | None
    tags: list[str]
    external_ref: str
    resolved_at: dt.datetime | None
    closed_at: dt.datetime | None
    merged_into_id: int | None
    related_ids: list[int]
    rule_firings: list[FiringOut]
    escalations: list[EscalationOut]


class TicketPage(Schema):
    items: list[TicketOut]
    next_cursor: str | None


class TicketIn(Schema):
    model_config = ConfigDict(extra="forbid")

    subject: str = Field(..., max_length=200)
    description: str = Field("", max_length=50_000)
    channel: str = Field(
        TicketChannel.API, description="phone, email, portal, api, social, in_person"
    )
    contact_id: int | None = None
    company_id: int | None = None
    requester_name: str = ""
    requester_email: str = ""
    requester_phone: str = Field("", description="Any common format; stored as E.164.")
    category_id: int | None = None
    product_id: int | None = None
    priority: str = Field(TicketPriority.NORMAL, description="low, normal, high, urgent")
    tags: list[str] = Field(default_factory=list)
    tier_id: int | None = None
    team_id: int | None = None
    assignee_id: int | None = None
    external_ref: str = Field("", max_length=255)


class TicketPatch(Schema):
    model_config = ConfigDict(extra="forbid")

    subject: str | None = None
    description: str | None = None
    category_id: int | None = None
    product_id: int | None = None
    priority: str | None = None
    contact_id: int | None = None
    company_id: int | None = None
    tags: list[str] | None = None


class MessageIn(Schema):
    model_config = ConfigDict(extra="forbid")

    body: str = Field(..., max_length=50_000)


class ReplyIn(MessageIn):
    status: str | None = Field(None, description="Set the status afterwards, e.g. waiting_customer")


class TicketStatusIn(Schema):
    model_config = ConfigDict(extra="forbid")

    status: str
    note: str = Field("", max_length=50_000)


class TicketAssignIn(Schema):
    model_config = ConfigDict(extra="forbid")

    user_id: int | None = None
    team_id: int | None = None
    strategy: Literal["", "round_robin", "least_loaded"] = ""


class EscalateIn(Schema):
    model_config = ConfigDict(extra="forbid")

    direction: Literal["up", "down"] = "up"
    reason: str = Field(..., max_length=2000)
    to_tier_id: int | None = None
    team_id: int | None = None


class TicketMergeIn(Schema):
    model_config = ConfigDict(extra="forbid")

    duplicate_ids: list[int] = Field(..., min_length=1, max_length=50)


class RelatedTicketIn(Schema):
    model_config = ConfigDict(extra="forbid")

    ticket_id: int


class SplitIn(Schema):
    model_config = ConfigDict(extra="forbid")

    subject: str = Field("", max_length=200)


# --- Helpers --------------------------------------------------------------------------------


def _ref(obj) -> dict | None:
    if obj is None:
        return None
    name = (obj.get_full_name() or obj.username) if isinstance(obj, User) else str(obj)
    return {"id": obj.pk, "name": name}


def _tier(tier) -> dict | None:
    if tier is None:
        return None
    return {"id": tier.pk, "code": tier.code, "name": tier.name, "level": tier.level}


def _ticket_out(t: Ticket) -> dict:
    return {
        "id": t.pk,
        "number": t.number,
        "reference": t.reference,
        "subject": t.subject,
        "channel": t.channel,
        "priority": t.priority,
        "status": t.status,
        "tier": _tier(t.tier),
        "team": _ref(t.team),
        "assignee": _ref(t.assignee),
        "category": {"id": t.category.pk, "name": t.category.name} if t.category else None,
        "contact_id": t.contact_id,
        "company_id": t.company_id,
        "requester_name": t.requester_name,
        "requester_email": t.requester_email,
        "requester_phone": t.requester_phone,
        "created_at": t.created_at,
        "last_activity_at": t.last_activity_at,
        "first_responded_at": t.first_responded_at,
        "url": t.get_absolute_url(),
    }


def _detail_out(t: Ticket) -> dict:
    return {
        **_ticket_out(t),
        "description": t.description,
        "product_id": t.product_id,
        "tags": sorted(tag.name for tag in t.tags.all()),
        "external_ref": t.external_ref,
        "resolved_at": t.resolved_at,
        "closed_at": t.closed_at,
        "merged_into_id": t.merged_into_id,
        "related_ids": sorted(t.related.values_list("id", flat=True)),
        "rule_firings": [
            {
                "rule_id": f.rule_id,
                "rule_name": f.rule_name,
                "changes": f.changes,
                "fired_at": f.fired_at,
            }
            for f in t.rule_firings.order_by("fired_at", "id")[:100]
        ],
        "escalations": [
            {
                "id": e.pk,
                "direction": e.direction,
                "from_tier": e.from_tier.code if e.from_tier else None,
                "to_tier": e.to_tier.code if e.to_tier else None,
                "reason": e.reason,
                "user": _ref(e.user),
                "created_at": e.created_at,
            }
            for e in t.escalations.select_related("from_tier", "to_tier", "user")[:100]
        ],
    }


def _message_out(m: TicketMessage) -> dict:
    return {
        "id": m.pk,
        "ticket_id": m.ticket_id,
        "kind": m.kind,
        "body": m.body,
        "channel": m.channel,
        "author": _ref(m.author_user),
        "author_contact_id": m.author_contact_id,
        "created_at": m.created_at,
        "merged_from_id": m.merged_from_id,
        "attachments": [
            {
                "id": a.pk,
                "name": a.name,
                "content_type": a.content_type,
                "size": a.size,
                "url": a.get_absolute_url(),
            }
            for a in m.attachments.all()
        ],
    }


def _ticket(user, ticket_id: int) -> Ticket:
    ticket = selectors.visible_ticket(user, ticket_id)
    if ticket is None:
        raise Http404
    return ticket


def _get(model, pk: int | None, field: str, message: str, queryset=None):
    if pk is None:
        return None
    obj = (queryset if queryset is not None else model.objects.all()).filter(pk=pk).first()
    if obj is None:
        raise ValidationError({field: [message]})
    return obj


_API_FIELDS = {
    "contact": "contact_id",
    "company": "company_id",
    "category": "category_id",
    "product": "product_id",
    "tier": "tier_id",
    "team": "team_id",
    "assignee": "assignee_id",
}


def _api_errors(exc: ValidationError) -> ValidationError:
    """The service names related fields by model field; the API by its `*_id` keys."""
    if not hasattr(exc, "error_dict"):
        return exc
    return ValidationError({_API_FIELDS.get(k, k): v for k, v in exc.message_dict.items()})


def _limit(limit: int) -> int:
    return max(1, min(limit, settings.API_MAX_PAGE_SIZE))


def _choice(field: str, value: str, choices) -> None:
    if value and value not in choices.values:
        raise ValidationError({field: [_("Choose one of the listed options.")]})


# --- Tickets --------------------------------------------------------------------------------


@router.get("/tickets", response=TicketPage, summary="List tickets")
@declares_permission(TICKETS, VIEW)
def list_tickets(
    request,
    queue: Literal["", "mine", "team", "unassigned"] = "",
    status: str = "",
    tier_id: int | None = None,
    priority: str = "",
    assignee_id: int | None = None,
    team_id: int | None = None,
    channel: str = "",
    category_id: int | None = None,
    unassigned: bool = False,
    q: str = "",
    cursor: str | None = None,
    limit: int = settings.API_PAGE_SIZE,
):
    """Filters combine; `status=active` means every status but resolved and closed. `queue`
    lists your queue, your team's or the unassigned pool (filters are ignored then). Page on
    with `next_cursor`."""
    user = request.user
    require_perm(user, TICKETS, VIEW)
    if status != "active":
        _choice("status", status, TicketStatus)
    _choice("priority", priority, TicketPriority)
    _choice("channel", channel, TicketChannel)
    if queue == "mine":
        qs, order = selectors.my_queue(user), selectors.QUEUE_ORDER
    elif queue == "team":
        qs, order = selectors.team_queue(user), selectors.QUEUE_ORDER
    elif queue == "unassigned":
        qs, order = selectors.unassigned_queue(user), selectors.LIST_ORDER
    else:
        filters = selectors.TicketFilters(
            status=status,
            tier=tier_id,
            priority=priority,
            assignee=assignee_id,
            team=team_id,
            channel=channel,
            category=category_id,
            unassigned=unassigned,
            q=q.strip()[:100],
        )
        qs, order = selectors.ticket_list(user, filters), selectors.LIST_ORDER
    try:
        page = paginate_keyset(qs, order=order, cursor=cursor, limit=_limit(limit))
    except InvalidCursor as exc:
        raise HttpError(400, _("The cursor is not valid; start from the first page.")) from exc
    return {"items": [_ticket_out(t) for t in page.items], "next_cursor": page.next_cursor}


@router.post("/tickets", response={201: TicketDetailOut}, summary="Open a ticket")
@declares_permission(TICKETS, ADD)
def create_ticket(request, payload: TicketIn):
    """Routing rules run unless `team_id` or `assignee_id` is given. Without `contact_id`, a
    requester phone or e-mail matching exactly one contact links that contact."""
    user = request.user
    require_perm(user, TICKETS, ADD)
    contact = _get(
        Contact,
        payload.contact_id,
        "contact_id",
        _("Choose an existing contact."),
        Contact.objects.visible_to(user),
    )
    company = _get(
        Company,
        payload.company_id,
        "company_id",
        _("Choose an existing company."),
        Company.objects.visible_to(user),
    )
    data = {
        "subject": payload.subject,
        "description": payload.description,
        "channel": payload.channel,
        "contact": contact,
        "company": company,
        "requester_name": payload.requester_name,
        "requester_email": payload.requester_email,
        "requester_phone": payload.requester_phone,
        "category": payload.category_id,
        "product": payload.product_id,
        "priority": payload.priority,
        "tags": payload.tags,
        "tier": payload.tier_id,
        "team": payload.team_id,
        "assignee": payload.assignee_id,
        "external_ref": payload.external_ref,
    }
    try:
        ticket = services.open_ticket(user=user, data=data)
    except ValidationError as exc:
        raise _api_errors(exc) from exc
    visible = selectors.visible_ticket(user, ticket.pk)
    return Status(201, _detail_out(visible or ticket))


@router.get("/tickets/{int:ticket_id}", response=TicketDetailOut, summary="One ticket")
@declares_permission(TICKETS, VIEW)
def get_ticket(request, ticket_id: int):
    require_perm(request.user, TICKETS, VIEW)
    return _detail_out(_ticket(request.user, ticket_id))


@router.patch("/tickets/{int:ticket_id}", response=TicketDetailOut, summary="Change a ticket")
@declares_permission(TICKETS, CHANGE)
def update_ticket(request, ticket_id: int, payload: TicketPatch):
    """Only the fields sent change; `tags` replaces the whole list."""
    user = request.user
    require_perm(user, TICKETS, CHANGE)
    ticket = _ticket(user, ticket_id)
    sent = payload.model_dump(exclude_unset=True)
    data = {}
    for key in ("subject", "description", "priority", "tags"):
        if key in sent:
            data[key] = sent[key]
    if "category_id" in sent:
        data["category"] = sent["category_id"]
    if "product_id" in sent:
        data["product"] = sent["product_id"]
    if "contact_id" in sent:
        data["contact"] = _get(
            Contact,
            sent["contact_id"],
            "contact_id",
            _("Choose an existing contact."),
            Contact.objects.visible_to(user),
        )
    if "company_id" in sent:
        data["company"] = _get(
            Company,
            sent["company_id"],
            "company_id",
            _("Choose an existing company."),
            Company.objects.visible_to(user),
        )
    try:
        services.update_ticket(ticket, user=user, data=data)
    except ValidationError as exc:
        raise _api_errors(exc) from exc
    return _detail_out(_ticket(user, ticket_id))


@router.get(
    "/tickets/{int:ticket_id}/messages", response=list[MessageOut], summary="The conversation"
)
@declares_permission(TICKETS, VIEW)
def list_messages(request, ticket_id: int):
    require_perm(request.user, TICKETS, VIEW)
    ticket = _ticket(request.user, ticket_id)
    return [_message_out(m) for m in selectors.conversation(ticket)]


@router.post(
    "/tickets/{int:ticket_id}/reply", response={201: MessageOut}, summary="Reply to the customer"
)
@declares_permission(TICKETS, CHANGE)
def reply(request, ticket_id: int, payload: ReplyIn):
    require_perm(request.user, TICKETS, CHANGE)
    ticket = _ticket(request.user, ticket_id)
    message = services.add_reply(
        ticket, user=request.user, body=payload.body, status=payload.status or None
    )
    return Status(201, _message_out(message))


@router.post("/tickets/{int:ticket_id}/note", response={201: MessageOut}, summary="Internal note")
@declares_permission(TICKETS, CHANGE)
def note(request, ticket_id: int, payload: MessageIn):
    require_perm(request.user, TICKETS, CHANGE)
    ticket = _ticket(request.user, ticket_id)
    return Status(
        201, _message_out(services.add_note(ticket, user=request.user, body=payload.body))
    )


@router.post(
    "/tickets/{int:ticket_id}/customer-message",
    response={201: MessageOut},
    summary="Record a message from the customer",
)
@declares_permission(TICKETS, CHANGE)
def customer_message(request, ticket_id: int, payload: MessageIn):
    """For a message the customer sent another way (typed by an agent). On a closed ticket a
    follow-up ticket is opened and the message goes there: see `ticket_id`."""
    require_perm(request.user, TICKETS, CHANGE)
    ticket = _ticket(request.user, ticket_id)
    message = services.add_customer_message(ticket, body=payload.body, user=request.user)
    return Status(201, _message_out(message))


@router.post("/tickets/{int:ticket_id}/status", response=TicketDetailOut, summary="Change status")
@declares_permission(TICKETS, CHANGE)
def change_status(request, ticket_id: int, payload: TicketStatusIn):
    require_perm(request.user, TICKETS, CHANGE)
    ticket = _ticket(request.user, ticket_id)
    services.change_status(ticket, payload.status, user=request.user, note=payload.note)
    return _detail_out(_ticket(request.user, ticket_id))


@router.post("/tickets/{int:ticket_id}/assign", response=TicketDetailOut, summary="Assign")
@declares_permission(TICKETS, CHANGE)
def assign(request, ticket_id: int, payload: TicketAssignIn):
    """`user_id`: that agent; `team_id` alone: the team's queue, or with `strategy` an
    available agent of it; neither: back to the unassigned pool."""
    require_perm(request.user, TICKETS, CHANGE)
    ticket = _ticket(request.user, ticket_id)
    services.assign(
        ticket,
        by=request.user,
        user=_get(
            User,
            payload.user_id,
            "user_id",
            _("Choose an active user."),
            User.objects.filter(is_active=True),
        ),
        team=_get(Team, payload.team_id, "team_id", _("Choose an existing team.")),
        strategy=payload.strategy,
    )
    return _detail_out(selectors.visible_ticket(request.user, ticket_id) or ticket)


@router.post(
    "/tickets/{int:ticket_id}/escalate",
    response={201: EscalationOut},
    summary="Escalate or de-escalate",
)
@declares_permission(TICKETS, CHANGE)
def escalate(request, ticket_id: int, payload: EscalateIn):
    require_perm(request.user, TICKETS, CHANGE)
    ticket = _ticket(request.user, ticket_id)
    move = services.escalate if payload.direction == "up" else services.de_escalate
    escalation = move(
        ticket,
        user=request.user,
        reason=payload.reason,
        to_tier=_get(SupportTier, payload.to_tier_id, "to_tier_id", _("Choose an active tier.")),
        team=_get(Team, payload.team_id, "team_id", _("Choose an existing team.")),
    )
    return Status(
        201,
        {
            "id": escalation.pk,
            "direction": escalation.direction,
            "from_tier": escalation.from_tier.code if escalation.from_tier else None,
            "to_tier": escalation.to_tier.code if escalation.to_tier else None,
            "reason": escalation.reason,
            "user": _ref(escalation.user),
            "created_at": escalation.created_at,
        },
    )


@router.post("/tickets/{int:ticket_id}/merge", response=TicketDetailOut, summary="Merge into this")
@declares_permission(TICKETS, CHANGE)
def merge(request, ticket_id: int, payload: TicketMergeIn):
    """The tickets in `duplicate_ids` are merged into this one: their messages move here and
    they are closed, pointing to this ticket."""
    require_perm(request.user, TICKETS, CHANGE)
    survivor = _ticket(request.user, ticket_id)
    visible = {
        t.pk: t
        for t in Ticket.objects.visible_to(request.user).filter(pk__in=payload.duplicate_ids)
    }
    missing = [pk for pk in payload.duplicate_ids if pk not in visible]
    if missing:
        raise ValidationError(
            {
                "duplicate_ids": [
                    _("No ticket with id %(ids)s.") % {"ids": ", ".join(map(str, missing))}
                ]
            }
        )
    services.merge_tickets(survivor, list(visible.values()), user=request.user)
    return _detail_out(_ticket(request.user, ticket_id))


@router.post("/tickets/{int:ticket_id}/related", response=TicketDetailOut, summary="Relate")
@declares_permission(TICKETS, CHANGE)
def link(request, ticket_id: int, payload: RelatedTicketIn):
    require_perm(request.user, TICKETS, CHANGE)
    ticket = _ticket(request.user, ticket_id)
    other = selectors.visible_ticket(request.user, payload.ticket_id)
    if other is None:
        raise ValidationError({"ticket_id": [_("No ticket with this id.")]})
    services.link_tickets(ticket, other, user=request.user)
    return _detail_out(_ticket(request.user, ticket_id))


@router.delete(
    "/tickets/{int:ticket_id}/related/{int:other_id}",
    response={204: None},
    summary="Remove a relation",
)
@declares_permission(TICKETS, CHANGE)
def unlink(request, ticket_id: int, other_id: int):
    require_perm(request.user, TICKETS, CHANGE)
    ticket = _ticket(request.user, ticket_id)
    other = ticket.related.filter(pk=other_id).first()
    if other is None:
        raise Http404
    services.unlink_tickets(ticket, other, user=request.user)
    return Status(204, None)


@router.post(
    "/tickets/{int:ticket_id}/messages/{int:message_id}/split",
    response={201: TicketDetailOut},
    summary="Open a new ticket from a customer message",
)
@declares_permission(TICKETS, CHANGE)
def split(request, ticket_id: int, message_id: int, payload: SplitIn):
    require_perm(request.user, TICKETS, CHANGE)
    ticket = _ticket(request.user, ticket_id)
    message = ticket.messages.filter(pk=message_id).first()
    if message is None:
        raise Http404
    new = services.split_message(message, user=request.user, subject=payload.subject)
    return Status(201, _detail_out(selectors.visible_ticket(request.user, new.pk) or new))


# --- Set-up ---------------------------------------------------------------------------------


def _form_errors(form) -> ValidationError:
    return ValidationError({k: [str(m) for m in v] for k, v in form.errors.items()})


def _save_form(form_class, instance, data: dict):
    form = form_class({k: v for k, v in data.items() if v is not None}, instance=instance)
    if not form.is_valid():
        raise _form_errors(form)
    return form


class TierIn(Schema):
    model_config = ConfigDict(extra="forbid")

    code: str | None = None
    name: str | None = None
    level: int | None = Field(None, ge=0)
    description: str | None = None
    default_team_id: int | None = None
    is_active: bool | None = None


class TierOut(Schema):
    id: int
    code: str
    name: str
    level: int
    description: str
    default_team_id: int | None
    is_active: bool


def _tier_out(t: SupportTier) -> dict:
    return {
        "id": t.pk,
        "code": t.code,
        "name": t.name,
        "level": t.level,
        "description": t.description,
        "default_team_id": t.default_team_id,
        "is_active": t.is_active,
    }


def _save_tier(tier: SupportTier, payload: TierIn) -> SupportTier:
    data = _tier_out(tier) if tier.pk else {"is_active": True}
    data.update(payload.model_dump(exclude_unset=True))
    data["default_team"] = data.pop("default_team_id", None)
    return _save_form(SupportTierForm, tier, data).save()


@router.get("/tiers", response=list[TierOut], summary="Support tiers, lowest first")
@declares_permission(TICKETS, VIEW)
def list_tiers(request):
    require_perm(request.user, TICKETS, VIEW)
    return [_tier_out(t) for t in SupportTier.objects.order_by("level")[:100]]


@router.post("/tiers", response={201: TierOut}, summary="Add a tier")
@declares_permission(SERVICE_SETUP, CHANGE)
def create_tier(request, payload: TierIn):
    require_perm(request.user, SERVICE_SETUP, CHANGE)
    return Status(201, _tier_out(_save_tier(SupportTier(), payload)))


@router.patch("/tiers/{int:tier_id}", response=TierOut, summary="Change a tier")
@declares_permission(SERVICE_SETUP, CHANGE)
def update_tier(request, tier_id: int, payload: TierIn):
    require_perm(request.user, SERVICE_SETUP, CHANGE)
    tier = SupportTier.objects.filter(pk=tier_id).first()
    if tier is None:
        raise Http404
    return _tier_out(_save_tier(tier, payload))


@router.delete("/tiers/{int:tier_id}", response={204: None}, summary="Delete an unused tier")
@declares_permission(SERVICE_SETUP, DELETE)
def delete_tier(request, tier_id: int):
    require_perm(request.user, SERVICE_SETUP, DELETE)
    tier = SupportTier.objects.filter(pk=tier_id).first()
    if tier is None:
        raise Http404
    if tier.tickets.exists():
        raise ValidationError(
            _("Tickets are in this tier; make it inactive instead of deleting it.")
        )
    tier.delete()
    return Status(204, None)


class TicketCategoryIn(Schema):
    model_config = ConfigDict(extra="forbid")

    name: str | None = None
    parent_id: int | None = None
    description: str | None = None
    order: int | None = Field(None, ge=0)
    is_active: bool | None = None


class TicketCategoryOut(Schema):
    id: int
    name: str
    parent_id: int | None
    description: str
    order: int
    is_active: bool


def _category_out(c: TicketCategory) -> dict:
    return {
        "id": c.pk,
        "name": c.name,
        "parent_id": c.parent_id,
        "description": c.description,
        "order": c.order,
        "is_active": c.is_active,
    }


def _save_category(category: TicketCategory, payload: TicketCategoryIn) -> TicketCategory:
    data = _category_out(category) if category.pk else {"is_active": True, "order": 0}
    data.update(payload.model_dump(exclude_unset=True))
    data["parent"] = data.pop("parent_id", None)
    return _save_form(TicketCategoryForm, category, data).save()


@router.get("/categories", response=list[TicketCategoryOut], summary="Ticket categories")
@declares_permission(TICKETS, VIEW)
def list_categories(request):
    require_perm(request.user, TICKETS, VIEW)
    return [_category_out(c) for c in TicketCategory.objects.order_by("order", "name")[:1000]]


@router.post("/categories", response={201: TicketCategoryOut}, summary="Add a category")
@declares_permission(SERVICE_SETUP, CHANGE)
def create_category(request, payload: TicketCategoryIn):
    require_perm(request.user, SERVICE_SETUP, CHANGE)
    return Status(201, _category_out(_save_category(TicketCategory(), payload)))


@router.patch(
    "/categories/{int:category_id}", response=TicketCategoryOut, summary="Change a category"
)
@declares_permission(SERVICE_SETUP, CHANGE)
def update_category(request, category_id: int, payload: TicketCategoryIn):
    require_perm(request.user, SERVICE_SETUP, CHANGE)
    category = TicketCategory.objects.filter(pk=category_id).first()
    if category is None:
        raise Http404
    return _category_out(_save_category(category, payload))


@router.delete("/categories/{int:category_id}", response={204: None}, summary="Delete a category")
@declares_permission(SERVICE_SETUP, DELETE)
def delete_category(request, category_id: int):
    """Its tickets keep working, without a category."""
    require_perm(request.user, SERVICE_SETUP, DELETE)
    category = TicketCategory.objects.filter(pk=category_id).first()
    if category is None:
        raise Http404
    category.delete()
    return Status(204, None)


class TicketRuleIn(Schema):
    model_config = ConfigDict(extra="forbid")

    name: str | None = None
    is_active: bool | None = None
    stop: bool | None = None
    channels: list[str] | None = None
    category_ids: list[int] | None = None
    product_ids: list[int] | None = None
    priorities: list[str] | None = None
    keywords: list[str] | None = None
    lifecycle_stages: list[str] | None = None
    customer_tags: list[str] | None = None
    set_tier_id: int | None = None
    set_team_id: int | None = None
    set_priority: str | None = None
    add_tags: list[str] | None = None
    strategy: Literal["", "round_robin", "least_loaded"] | None = None
    order: int | None = Field(None, ge=0)


class TicketRuleOut(Schema):
    id: int
    order: int
    name: str
    is_active: bool
    stop: bool
    channels: list[str]
    category_ids: list[int]
    product_ids: list[int]
    priorities: list[str]
    keywords: list[str]
    lifecycle_stages: list[str]
    customer_tags: list[str]
    set_tier_id: int | None
    set_team_id: int | None
    set_priority: str
    add_tags: list[str]
    strategy: str


def _rule_out(rule: RoutingRule) -> dict:
    return {
        "id": rule.pk,
        "order": rule.order,
        "name": rule.name,
        "is_active": rule.is_active,
        "stop": rule.stop,
        "channels": rule.channels,
        "category_ids": [c.pk for c in rule.categories.all()],
        "product_ids": [p.pk for p in rule.products.all()],
        "priorities": rule.priorities,
        "keywords": rule.keywords,
        "lifecycle_stages": rule.lifecycle_stages,
        "customer_tags": rule.customer_tags,
        "set_tier_id": rule.set_tier_id,
        "set_team_id": rule.set_team_id,
        "set_priority": rule.set_priority,
        "add_tags": rule.add_tags,
        "strategy": rule.strategy,
    }


_EMPTY_RULE = {
    "name": "",
    "is_active": True,
    "stop": False,
    "channels": [],
    "category_ids": [],
    "product_ids": [],
    "priorities": [],
    "keywords": [],
    "lifecycle_stages": [],
    "customer_tags": [],
    "set_tier_id": None,
    "set_team_id": None,
    "set_priority": "",
    "add_tags": [],
    "strategy": "",
}


def _save_rule(rule: RoutingRule, payload: TicketRuleIn) -> RoutingRule:
    current = _rule_out(rule) if rule.pk else dict(_EMPTY_RULE)
    sent = payload.model_dump(exclude_unset=True)
    current.update({k: v for k, v in sent.items() if k != "order"})
    data = {
        "name": current["name"] or "",
        "is_active": bool(current["is_active"]),
        "stop": bool(current["stop"]),
        "channels": current["channels"] or [],
        "categories": current["category_ids"] or [],
        "products": current["product_ids"] or [],
        "priorities": current["priorities"] or [],
        "keywords": ", ".join(current["keywords"] or []),
        "lifecycle_stages": current["lifecycle_stages"] or [],
        "customer_tags": ", ".join(current["customer_tags"] or []),
        "set_tier": current["set_tier_id"],
        "set_team": current["set_team_id"],
        "set_priority": current["set_priority"] or "",
        "add_tags": ", ".join(current["add_tags"] or []),
        "strategy": current["strategy"] or "",
    }
    form = _save_form(RoutingRuleForm, rule, data)
    with transaction.atomic():
        if sent.get("order") is not None:
            form.instance.order = sent["order"]
        elif rule.pk is None:
            form.instance.order = services.next_rule_order()
        return form.save()


def _rule(rule_id: int) -> RoutingRule:
    rule = RoutingRule.objects.prefetch_related("categories", "products").filter(pk=rule_id).first()
    if rule is None:
        raise Http404
    return rule


@router.get("/rules", response=list[TicketRuleOut], summary="Routing rules, in order")
@declares_permission(SERVICE_SETUP, VIEW)
def list_rules(request):
    require_perm(request.user, SERVICE_SETUP, VIEW)
    rules = RoutingRule.objects.prefetch_related("categories", "products").order_by("order", "id")
    return [_rule_out(r) for r in rules[:500]]


@router.post("/rules", response={201: TicketRuleOut}, summary="Add a routing rule (last in order)")
@declares_permission(SERVICE_SETUP, CHANGE)
def create_rule(request, payload: TicketRuleIn):
    """Conditions left empty match anything; give at least one action."""
    require_perm(request.user, SERVICE_SETUP, CHANGE)
    return Status(201, _rule_out(_save_rule(RoutingRule(), payload)))


@router.patch("/rules/{int:rule_id}", response=TicketRuleOut, summary="Change a routing rule")
@declares_permission(SERVICE_SETUP, CHANGE)
def update_rule(request, rule_id: int, payload: TicketRuleIn):
    require_perm(request.user, SERVICE_SETUP, CHANGE)
    return _rule_out(_save_rule(_rule(rule_id), payload))


@router.delete("/rules/{int:rule_id}", response={204: None}, summary="Delete a routing rule")
@declares_permission(SERVICE_SETUP, DELETE)
def delete_rule(request, rule_id: int):
    require_perm(request.user, SERVICE_SETUP, DELETE)
    _rule(rule_id).delete()
    return Status(204, None)


# --- Other parts of the service desk ---------------------------------------------------------

router.add_router("/sla", __import__("peyvand.service.sla_api", fromlist=["router"]).router)
router.add_router(
    "/resources", __import__("peyvand.service.resource_api", fromlist=["router"]).router
)
