"""Reads of tickets: queues, the filtered list, one ticket with its history, a customer's tickets,
and who is calling."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from django.db.models import Prefetch, Q, QuerySet

from peyvand.core.persian import to_latin_digits

from .models import (
    ACTIVE_STATUSES,
    Escalation,
    MailDirection,
    RuleFiring,
    Ticket,
    TicketAttachment,
    TicketMailMessage,
    TicketMessage,
)

# Newest first for the full list; queues show the most recently active tickets first.
LIST_ORDER = ["-created_at", "-id"]
QUEUE_ORDER = ["-last_activity_at", "-id"]
SEARCH_LIMIT = 500

LIST_COLUMNS = [
    "id",
    "number",
    "subject",
    "channel",
    "priority",
    "status",
    "created_at",
    "last_activity_at",
    "first_responded_at",
    "requester_name",
    "requester_email",
    "requester_phone",
    "contact__id",
    "contact__first_name",
    "contact__last_name",
    "company__id",
    "company__name",
    "assignee__id",
    "assignee__username",
    "assignee__first_name",
    "assignee__last_name",
    "team__id",
    "team__name",
    "tier__id",
    "tier__code",
    "tier__name",
    "category__id",
    "category__name",
]

_REFERENCE = re.compile(r"^(?:t-?)?0*(\d{1,15})$", re.IGNORECASE)


@dataclass
class TicketFilters:
    status: str = ""  # a status, or "active" for every queue status
    tier: int | None = None
    priority: str = ""
    assignee: int | None = None
    team: int | None = None
    channel: str = ""
    category: int | None = None
    unassigned: bool = False
    q: str = ""


def _listed(qs: QuerySet) -> QuerySet:
    return qs.select_related("contact", "company", "assignee", "team", "tier", "category").only(
        *LIST_COLUMNS
    )


def _search(user, qs: QuerySet, q: str) -> QuerySet:
    q = to_latin_digits(q.strip())
    match = _REFERENCE.match(q)
    if match:
        return qs.filter(number=int(match[1]))
    from peyvand.search.selectors import MAX_LIMIT, search

    ids = [
        hit.object_id
        for hit in search(user, q, kinds=["ticket"], limit=min(SEARCH_LIMIT, MAX_LIMIT))
    ]
    return qs.filter(pk__in=ids)


def ticket_list(user, filters: TicketFilters | None = None) -> QuerySet:
    """Tickets `user` may see, narrowed by `filters`; order with LIST_ORDER."""
    qs = Ticket.objects.visible_to(user)
    f = filters or TicketFilters()
    if f.status == "active":
        qs = qs.filter(status__in=ACTIVE_STATUSES)
    elif f.status:
        qs = qs.filter(status=f.status)
    if f.tier:
        qs = qs.filter(tier_id=f.tier)
    if f.priority:
        qs = qs.filter(priority=f.priority)
    if f.unassigned:
        qs = qs.filter(assignee__isnull=True)
    elif f.assignee:
        qs = qs.filter(assignee_id=f.assignee)
    if f.team:
        qs = qs.filter(team_id=f.team)
    if f.channel:
        qs = qs.filter(channel=f.channel)
    if f.category:
        qs = qs.filter(category_id=f.category)
    if f.q:
        qs = _search(user, qs, f.q)
    return _listed(qs)


def my_queue(user) -> QuerySet:
    """Active tickets assigned to `user`; order with QUEUE_ORDER."""
    return _listed(
        Ticket.objects.visible_to(user).filter(assignee=user, status__in=ACTIVE_STATUSES)
    )


def team_queue(user) -> QuerySet:
    """Active tickets of the user's team and of the teams they manage."""
    teams = set(user.managed_team_ids())
    if user.team_id:
        teams.add(user.team_id)
    return _listed(
        Ticket.objects.visible_to(user).filter(
            team_id__in=sorted(teams), status__in=ACTIVE_STATUSES
        )
    )


def unassigned_queue(user) -> QuerySet:
    """Active tickets nobody has yet, oldest work included; order with LIST_ORDER."""
    return _listed(
        Ticket.objects.visible_to(user).filter(assignee__isnull=True, status__in=ACTIVE_STATUSES)
    )


def visible_ticket(user, pk: int) -> Ticket | None:
    return (
        Ticket.objects.visible_to(user)
        .select_related(
            "contact",
            "company",
            "assignee",
            "team",
            "team__manager",
            "tier",
            "category",
            "merged_into",
            "created_by",
        )
        .filter(pk=pk)
        .first()
    )


def conversation(ticket: Ticket) -> list[TicketMessage]:
    """The messages, each with `email_delivery`: the outbox row of the e-mail a public reply
    sent (None when it sent none), so the page can say "not sent yet, will retry"."""
    messages = list(
        ticket.messages.select_related("author_user", "author_contact", "merged_from")
        .prefetch_related(Prefetch("attachments", queryset=TicketAttachment.objects.order_by("id")))
        .order_by("created_at", "id")
    )
    from peyvand.core.models import OutboundMessage

    from .mail import reply_outbox_key

    sent_by = dict(
        TicketMailMessage.objects.filter(ticket=ticket, direction=MailDirection.OUTBOUND)
        .exclude(ticket_message=None)
        .values_list("pk", "ticket_message_id")
    )
    keys = {reply_outbox_key(pk): message_id for pk, message_id in sent_by.items()}
    deliveries = {
        keys[row.key]: row
        for row in OutboundMessage.objects.filter(key__in=keys).only(
            "key", "status", "attempts", "last_error", "next_attempt_at"
        )
    }
    for message in messages:
        message.email_delivery = deliveries.get(message.pk)
    return messages


def ticket_history(user, ticket: Ticket) -> dict[str, Any]:
    return {
        "firings": list(RuleFiring.objects.filter(ticket=ticket).order_by("fired_at", "id")[:100]),
        "escalations": list(
            Escalation.objects.filter(ticket=ticket)
            .select_related("from_tier", "to_tier", "user")
            .order_by("created_at", "id")[:100]
        ),
        "related": list(
            Ticket.objects.visible_to(user)
            .filter(related=ticket)
            .only("id", "number", "subject", "status")
            .order_by("-id")[:50]
        ),
        "merged_tickets": list(
            Ticket.objects.visible_to(user)
            .filter(merged_into=ticket)
            .only("id", "number", "subject", "status")
            .order_by("-id")[:50]
        ),
        "loose_attachments": list(ticket.attachments.filter(message__isnull=True).order_by("id")),
    }


def customer_tickets(user, *, contact=None, company=None, limit: int = 10) -> dict[str, Any]:
    """A customer's tickets `user` may see: the active ones first, then the latest others."""
    condition = Q(contact=contact) if contact is not None else Q(company=company)
    base = Ticket.objects.visible_to(user).filter(condition)
    columns = ("id", "number", "subject", "status", "priority", "created_at", "tier__code")
    active = list(
        base.filter(status__in=ACTIVE_STATUSES)
        .select_related("tier")
        .only(*columns)
        .order_by("-created_at", "-id")[:limit]
    )
    recent = list(
        base.exclude(status__in=ACTIVE_STATUSES)
        .select_related("tier")
        .only(*columns)
        .order_by("-created_at", "-id")[: max(limit - len(active), 3)]
    )
    return {"active_tickets": active, "recent_tickets": recent, "record": contact or company}


def caller_match(user, phone: str) -> dict[str, Any]:
    """Who is calling, among the contacts `user` may see: the contact, their company and
    their active tickets."""
    from peyvand.contacts.models import Contact
    from peyvand.contacts.services import find_duplicates

    ids = [m.record.pk for m in find_duplicates(phones=[phone])]
    contact = (
        Contact.objects.visible_to(user).filter(pk__in=ids).order_by("id").first() if ids else None
    )
    if contact is None:
        return {}
    membership = contact.memberships.select_related("company").order_by("-is_primary", "id").first()
    tickets = customer_tickets(user, contact=contact, limit=5)
    return {
        "contact": contact,
        "company": membership.company if membership else None,
        "active_tickets": tickets["active_tickets"],
    }
