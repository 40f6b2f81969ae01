"""Tickets from e-mail: real RFC 822 files piped to `receive_ticket_email` open tickets or thread
into the ticket they answer (In-Reply-To, References, "[T-000123]" in the subject)."""

import io
import sys
from email.message import EmailMessage
from pathlib import Path

import pytest
from django.core.management import call_command

from peyvand.contacts import services as contacts
from peyvand.core.tests.imap_server import ImapServer, Mailbox
from peyvand.service import services
from peyvand.service.mail import receive_ticket_email
from peyvand.service.models import (
    InboundMail,
    MessageKind,
    Ticket,
    TicketChannel,
    TicketMailMessage,
    TicketStatus,
)

from .factories import agent

pytestmark = pytest.mark.django_db

DATA = Path(__file__).parent / "data"


def eml(name: str, reference: str = "") -> bytes:
    raw = (DATA / name).read_bytes()
    return raw.replace(b"T-XXXXXX", reference.encode()) if reference else raw


def pipe(raw: bytes, monkeypatch) -> str:
    """`manage.py receive_ticket_email` with the message on standard input, as Postfix runs it."""
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(raw)))
    out = io.StringIO()
    call_command("receive_ticket_email", stdout=out)
    return out.getvalue()


def opened() -> Ticket:
    return receive_ticket_email(eml("new_ticket_persian.eml")).ticket


def test_a_persian_message_opens_a_ticket_and_keeps_its_attachment(monkeypatch):
    output = pipe(eml("new_ticket_persian.eml"), monkeypatch)
    ticket = Ticket.objects.get()
    assert output.startswith(f"opened ticket={ticket.reference}")
    # The subject was an RFC 2047 encoded-word.
    assert ticket.subject == "خطا در چاپ فاکتور فروش"
    assert ticket.channel == TicketChannel.EMAIL
    assert ticket.requester_email == "ali.karimi@example.ir"
    assert ticket.requester_name == "علی کریمی"
    assert ticket.external_ref == "CAF-new-1001@mail.example.ir"
    assert "فاکتورهای فروش در نرم\u200cافزار چاپ نمی\u200cشوند" in ticket.description
    attachment = ticket.attachments.get()
    assert attachment.name == "خطای چاپ.pdf"
    assert attachment.content_type == "application/pdf"
    assert attachment.file.read().startswith(b"%PDF-1.4")
    mail = TicketMailMessage.objects.get()
    assert (mail.ticket, mail.direction, mail.message_id) == (
        ticket,
        "in",
        "CAF-new-1001@mail.example.ir",
    )


def test_the_sender_is_matched_to_their_contact(admin_user):
    contact = contacts.create_contact(
        user=admin_user,
        data=contacts.ContactInput(last_name="کریمی", emails=["ali.karimi@example.ir"]),
    )
    assert opened().contact == contact


def test_a_reply_with_in_reply_to_is_added_to_the_ticket_without_the_quote():
    ticket = opened()
    result = receive_ticket_email(eml("reply_in_reply_to.eml"))
    assert result.status == "added"
    assert result.ticket == ticket
    assert Ticket.objects.count() == 1
    message = ticket.messages.get()
    assert message.kind == MessageKind.CUSTOMER
    assert message.channel == TicketChannel.EMAIL
    assert message.message_id == "CAF-reply-1002@mail.example.ir"
    assert message.body == "این مشکل هنوز برطرف نشده است. نسخهٔ نرم\u200cافزار ۴٫۲ است."


def test_a_reply_found_through_references_keeps_its_attachment():
    ticket = opened()
    result = receive_ticket_email(eml("reply_references.eml"))
    assert (result.status, result.ticket) == ("added", ticket)
    message = ticket.messages.get()
    assert message.body == "فایل گزارش را هم پیوست کردم."
    log = message.attachments.get()
    assert log.name == "log.txt"
    assert b"printer spooler stopped" in log.file.read()


def test_the_reference_in_the_subject_threads_a_windows_1256_reply():
    ticket = opened()
    result = receive_ticket_email(eml("reply_subject_reference.eml", ticket.reference))
    assert (result.status, result.ticket) == ("added", ticket)
    # Arabic yeh and kaf of the Windows code page are stored as Persian letters.
    assert ticket.messages.get().body == "ممنون، با نصب نسخه جدید مشکل حل شد."


def test_a_stranger_cannot_write_into_a_ticket_by_its_reference():
    ticket = opened()
    raw = eml("reply_subject_reference.eml", ticket.reference).replace(
        b"<ali.karimi@example.ir>", b"<someone@elsewhere.example>"
    )
    result = receive_ticket_email(raw)
    assert result.status == "opened"
    assert result.ticket != ticket
    assert not ticket.messages.exists()


def test_auto_replies_and_bounces_are_ignored(monkeypatch):
    ticket = opened()
    assert pipe(eml("auto_reply.eml", ticket.reference), monkeypatch).startswith("ignored")
    assert pipe(eml("bounce.eml"), monkeypatch).startswith("ignored")
    assert not ticket.messages.exists()
    assert Ticket.objects.count() == 1
    assert InboundMail.objects.filter(status="ignored").count() == 2


def test_the_same_message_delivered_twice_counts_once():
    opened()
    again = receive_ticket_email(eml("new_ticket_persian.eml"))
    assert again.status == "duplicate"
    assert Ticket.objects.count() == 1


def test_a_message_from_our_own_address_is_a_loop(settings):
    settings.SERVICE_EMAIL_FROM = "Peyvand Support <support@peyvand.example>"
    raw = eml("new_ticket_english.eml").replace(
        b'"Mina Rahimi" <mina@rahimi-trading.example>', b"<Support@Peyvand.example>"
    )
    result = receive_ticket_email(raw)
    assert result.status == "ignored"
    assert "loop" in result.reason
    assert not Ticket.objects.exists()


def _message(number: int) -> bytes:
    message = EmailMessage()
    message["From"] = "robot@monitoring.example"
    message["To"] = "support@peyvand.example"
    message["Subject"] = f"Disk almost full ({number})"
    message["Message-ID"] = f"<alert-{number}@monitoring.example>"
    message.set_content("Disk /var is 95% full.")
    return message.as_bytes()


def test_a_flood_from_one_sender_is_stopped_as_a_mail_loop(settings):
    settings.SERVICE_EMAIL_RATE_PER_SENDER = 3
    statuses = [receive_ticket_email(_message(n)).status for n in range(5)]
    assert statuses == ["opened", "opened", "opened", "ignored", "ignored"]
    assert Ticket.objects.count() == 3


def test_an_answer_to_a_closed_ticket_opens_a_follow_up():
    ticket = opened()
    services.change_status(ticket, TicketStatus.CLOSED, user=agent())
    result = receive_ticket_email(eml("reply_in_reply_to.eml"))
    assert result.status == "opened"
    assert result.ticket != ticket
    assert ticket in result.ticket.related.all()
    # The customer's next answer to the same thread goes to the follow-up, not the closed one.
    third = receive_ticket_email(eml("reply_references.eml"))
    assert (third.status, third.ticket) == ("added", result.ticket)


def test_an_english_html_only_message_is_read_as_text():
    ticket = receive_ticket_email(eml("new_ticket_english.eml")).ticket
    assert ticket.subject == "Cannot log in to the dashboard"
    assert 'I get "invalid password"' in ticket.description
    assert "<p>" not in ticket.description


def test_an_unaccepted_attachment_is_named_instead_of_losing_the_message():
    message = EmailMessage()
    message["From"] = "Reza <reza@example.ir>"
    message["Subject"] = "فایل اجرایی"
    message["Message-ID"] = "<exe-1@example.ir>"
    message.set_content("برنامه را پیوست کردم.")
    message.add_attachment(b"MZ\x90\x00\x03\x00", "application", "octet-stream", filename="a.exe")
    ticket = receive_ticket_email(message.as_bytes()).ticket
    assert not ticket.attachments.exists()
    assert "a.exe" in ticket.description


def test_fetching_the_service_mailbox_over_imap(monkeypatch):
    mailbox = Mailbox(user="support@peyvand.example", password="s3cret")
    for name in ("new_ticket_persian.eml", "auto_reply.eml", "reply_in_reply_to.eml"):
        mailbox.add(eml(name))
    with ImapServer(mailbox) as (host, port):
        monkeypatch.setenv("SERVICE_IMAP_HOST", host)
        monkeypatch.setenv("SERVICE_IMAP_PORT", str(port))
        monkeypatch.setenv("SERVICE_IMAP_USER", mailbox.user)
        monkeypatch.setenv("SERVICE_IMAP_PASSWORD", "s3cret")
        monkeypatch.setenv("SERVICE_IMAP_SSL", "0")
        out = io.StringIO()
        call_command("fetch_ticket_email", stdout=out)
        assert out.getvalue().strip() == "added=1, ignored=1, opened=1"
        assert mailbox.seen == {1, 2, 3}
        mailbox.add(eml("reply_references.eml"))
        # The background job reads the same settings (tasks run at once in tests).
        from peyvand.service.mail import fetch_ticket_email_job

        result = fetch_ticket_email_job.enqueue()
        assert result.return_value == {"added": 1}
    ticket = Ticket.objects.get()
    assert ticket.messages.count() == 2
    assert InboundMail.objects.get(status="opened").mailbox.startswith("support@peyvand.example@")


def test_the_polling_job_enqueues_its_next_run(monkeypatch, settings):
    from django_tasks import default_task_backend

    from peyvand.service.mail import fetch_ticket_email_job

    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    settings.SERVICE_IMAP_POLL_SECONDS = 90
    mailbox = Mailbox(user="support", password="pw")
    mailbox.add(eml("new_ticket_english.eml"))
    with ImapServer(mailbox) as (host, port):
        for name, value in {"HOST": host, "PORT": port, "USER": "support", "SSL": "0"}.items():
            monkeypatch.setenv(f"SERVICE_IMAP_{name}", str(value))
        monkeypatch.setenv("SERVICE_IMAP_PASSWORD", "pw")
        assert fetch_ticket_email_job.call(reschedule=True) == {"opened": 1}
    (queued,) = default_task_backend.results
    assert queued.task.func is fetch_ticket_email_job.func
    assert queued.kwargs == {"reschedule": True}
    assert queued.task.run_after is not None


def test_someone_copied_on_the_thread_is_named_in_their_message():
    ticket = opened()
    raw = eml("reply_in_reply_to.eml").replace(
        b"<ali.karimi@example.ir>", b"<colleague@example.ir>"
    )
    result = receive_ticket_email(raw)
    assert (result.status, result.ticket) == ("added", ticket)
    assert result.message.body.startswith("علی کریمی <colleague@example.ir>:\n")
