"""How tickets appear in, and are found by, the global search (by reference, subject,
requester)."""

from __future__ import annotations

from django.db.models import QuerySet

from peyvand.search.services import SearchDocument

from .models import Ticket


def ticket_document(ticket: Ticket) -> SearchDocument:
    return SearchDocument(
        title=f"{ticket.reference} · {ticket.subject}",
        subtitle=" · ".join(
            part for part in (ticket.requester_display, ticket.get_status_display()) if part
        ),
        url=ticket.get_absolute_url(),
        texts=[ticket.subject, ticket.requester_name],
        phones=[ticket.requester_phone] if ticket.requester_phone else [],
        emails=[ticket.requester_email] if ticket.requester_email else [],
        identifiers=[ticket.reference, str(ticket.number or ticket.pk)],
        owner_id=ticket.assignee_id,
        team_id=ticket.team_id,
    )


def tickets_to_index() -> QuerySet:
    return Ticket.objects.select_related("contact").order_by("pk")
