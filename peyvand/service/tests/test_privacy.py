"""Tickets in a customer's export and erasure: texts, attachments and CSAT comments go; the
ticket, its counts and SLA timings stay."""

from __future__ import annotations

import datetime as dt
import io
import json
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from peyvand.contacts import privacy
from peyvand.contacts.tests.privacy_scan import (
    erase,
    find_in_database,
    find_in_media,
    make_person,
    personal_strings,
)
from peyvand.service import services
from peyvand.service.models import CsatSurvey, Ticket, TicketAttachment, TicketMessage

from .factories import TicketMessageFactory

pytestmark = pytest.mark.django_db

DESCRIPTION = "Zhubin's printer in the Karaj office jams"
REPLY = "Qaragozlou says the jam is back"
COMMENT = "Zhubin was happy with Mehrdad"
PDF = b"%PDF-1.4\n% invoice of Zhubin Qaragozlou\n%%EOF\n"


def ticket_for(contact, user) -> Ticket:
    ticket = services.open_ticket(
        user=user,
        data={
            "subject": "Printer of Qaragozlou",
            "description": DESCRIPTION,
            "channel": "phone",
            "contact": contact,
        },
        attachments=[SimpleUploadedFile("zhubin-invoice.pdf", PDF, "application/pdf")],
    )
    TicketMessageFactory(ticket=ticket, body=REPLY, author_contact=contact)
    CsatSurvey.objects.create(
        ticket=ticket,
        token_hash="f" * 64,
        expires_at=timezone.now() + dt.timedelta(days=7),
        rating=5,
        comment=COMMENT,
    )
    return ticket


def test_export_includes_tickets_messages_csat_and_files(admin_user):
    contact = make_person(admin_user)
    ticket_for(contact, admin_user)
    archive = zipfile.ZipFile(io.BytesIO(privacy.export_customer(contact)))
    tickets = json.loads(archive.read("customer.json"))["sections"]["tickets"]
    assert tickets[0]["description"] == DESCRIPTION
    assert REPLY in [m["body"] for m in tickets[0]["messages"]]
    assert tickets[0]["csat"][0]["comment"] == COMMENT
    files = [n for n in archive.namelist() if n.startswith("files/tickets/")]
    assert [archive.read(n) for n in files] == [PDF]


def test_erasure_keeps_the_ticket_for_reports(admin_user, django_capture_on_commit_callbacks):
    contact = make_person(admin_user)
    ticket = ticket_for(contact, admin_user)
    messages = TicketMessage.objects.filter(ticket=ticket).count()
    assert find_in_database(personal_strings(DESCRIPTION, REPLY, COMMENT))

    with django_capture_on_commit_callbacks(execute=True):
        erase(contact, admin_user)

    strings = personal_strings(DESCRIPTION, REPLY, COMMENT, "zhubin-invoice")
    assert find_in_database(strings) == []
    assert find_in_media(strings, contents={PDF}) == []
    ticket.refresh_from_db()
    assert ticket.contact_id == contact.pk and ticket.channel == "phone"
    assert TicketMessage.objects.filter(ticket=ticket).count() == messages
    assert not TicketAttachment.objects.filter(ticket=ticket).exists()
    assert CsatSurvey.objects.get(ticket=ticket).rating == 5
