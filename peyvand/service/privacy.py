"""Tickets of a customer, for export and erasure (contacts.privacy).

Erasure keeps each ticket with its status, priority, channel, category, assignee, dates, message
count and SLA timings (support reports and CSAT ratings count them) and removes what was said or
sent: subject, description, message bodies, attachments (files too), e-mail headers, requester
details and CSAT comments."""

from __future__ import annotations

from django.utils.translation import gettext as _

from peyvand.contacts.privacy import Erasure, ExportPart, register_eraser, register_exporter, rows

from .models import (
    CsatSurvey,
    InboundMail,
    Ticket,
    TicketAttachment,
    TicketMailMessage,
    TicketMessage,
)


def _tickets(record):
    field = "company" if record._meta.model_name == "company" else "contact"
    return Ticket.objects.filter(**{field: record}).order_by("created_at", "id")


def export_tickets(record) -> ExportPart:
    tickets = _tickets(record)
    data = rows(
        tickets,
        "id",
        "number",
        "subject",
        "description",
        "requester_name",
        "requester_email",
        "requester_phone",
        "channel",
        "priority",
        "status",
        "created_at",
    )
    messages = rows(
        TicketMessage.objects.filter(ticket__in=tickets).order_by("created_at", "id"),
        "ticket_id",
        "kind",
        "body",
        "created_at",
    )
    surveys = rows(CsatSurvey.objects.filter(ticket__in=tickets), "ticket_id", "rating", "comment")
    attachments = TicketAttachment.objects.filter(ticket__in=tickets).order_by("id")
    files = [(a.name, a.file) for a in attachments]
    by_ticket: dict[int, dict] = {t["id"]: t for t in data}
    for item in data:
        item["messages"], item["csat"] = [], []
    for message in messages:
        by_ticket[message.pop("ticket_id")]["messages"].append(message)
    for survey in surveys:
        by_ticket[survey.pop("ticket_id")]["csat"].append(survey)
    return ExportPart(data, files)


def erase_tickets(erasure: Erasure) -> None:
    from . import services

    tickets = Ticket.objects.filter(erasure.owner_q())
    messages = TicketMessage.objects.filter(ticket__in=tickets)
    attachments = TicketAttachment.objects.filter(ticket__in=tickets)
    for values in tickets.values_list(
        "subject", "description", "requester_name", "requester_email", "requester_phone"
    ):
        erasure.add_strings(*values)
    for body in messages.values_list("body", flat=True):
        erasure.add_strings(body)
    for attachment in attachments:
        erasure.delete_file(attachment.file)
    erasure.forget_queryset(tickets)
    erasure.forget_queryset(messages)
    attachments.delete()
    messages.update(body="")
    CsatSurvey.objects.filter(ticket__in=tickets).update(comment="")
    TicketMailMessage.objects.filter(ticket__in=tickets).update(
        from_address="", to_address="", subject=""
    )
    InboundMail.objects.filter(ticket__in=tickets).update(from_address="", subject="")
    tickets.update(
        subject=_("Ticket of an erased customer"),
        description="",
        requester_name="",
        requester_email="",
        requester_phone="",
    )
    for ticket in Ticket.objects.filter(erasure.owner_q()).select_related("contact"):
        services.reindex(ticket)


def register() -> None:
    register_exporter("tickets", export_tickets, order=60)
    register_eraser("tickets", erase_tickets)
