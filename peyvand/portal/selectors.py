"""What a signed-in customer may read: their own tickets (and their company's, when
PORTAL_SHOW_COMPANY_TICKETS is on), the public side of each conversation, and published public
knowledge-base articles."""

from __future__ import annotations

from django.conf import settings
from django.db.models import Q, QuerySet
from django.shortcuts import get_object_or_404

from peyvand.contacts.models import Contact
from peyvand.service.models import MessageKind, Ticket, TicketAttachment, TicketMessage


def tickets_of(contact: Contact) -> QuerySet[Ticket]:
    condition = Q(contact=contact)
    if settings.PORTAL_SHOW_COMPANY_TICKETS:
        company_ids = list(contact.memberships.values_list("company_id", flat=True))
        if company_ids:
            condition |= Q(company_id__in=company_ids)
    return Ticket.objects.filter(condition)


def ticket_for(contact: Contact, pk: int) -> Ticket:
    """The customer's ticket, or 404 (also for someone else's: nothing says it exists)."""
    return get_object_or_404(tickets_of(contact).select_related("contact"), pk=pk)


def public_messages(ticket: Ticket) -> QuerySet[TicketMessage]:
    """The conversation as the customer sees it: never an internal note."""
    return (
        ticket.messages.exclude(kind=MessageKind.NOTE)
        .select_related("author_user", "author_contact")
        .prefetch_related("attachments")
        .order_by("created_at", "id")
    )


def public_attachments(ticket: Ticket) -> QuerySet[TicketAttachment]:
    return ticket.attachments.filter(Q(message__isnull=True) | ~Q(message__kind=MessageKind.NOTE))
