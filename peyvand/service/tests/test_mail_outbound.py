"""Agents' public replies go out by e-mail with the ticket reference and threading headers, and
the customer's answer to that e-mail comes back to the same ticket."""

from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile

from peyvand.service import services
from peyvand.service.mail import receive_ticket_email
from peyvand.service.models import TicketChannel, TicketMailMessage

from .factories import ContactFactory, agent
from .smtp_server import SmtpServer

pytestmark = pytest.mark.django_db

DATA = Path(__file__).parent / "data"


@pytest.fixture(autouse=True)
def _support_address(settings):
    settings.SERVICE_EMAIL_FROM = "پشتیبانی پیوند <support@peyvand.example>"


@pytest.fixture
def reply(django_capture_on_commit_callbacks):
    """An agent's public reply; the e-mail leaves when the transaction commits."""

    def write(ticket, body: str, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return services.add_reply(ticket, user=agent(), body=body, **kwargs)

    return write


def opened_by_mail():
    return receive_ticket_email((DATA / "new_ticket_persian.eml").read_bytes()).ticket


def answer(to: EmailMessage | mail.EmailMessage, body: str, message_id: str) -> bytes:
    """The customer's mail client answering `to`: Re: subject, In-Reply-To and References."""
    if not isinstance(to, EmailMessage):
        to = message_from_bytes(to.message().as_bytes(), policy=policy.default)
    headers = to
    reply = EmailMessage()
    reply["From"] = "Ali Karimi <ali.karimi@example.ir>"
    reply["To"] = "support@peyvand.example"
    reply["Subject"] = f"Re: {headers['Subject'].strip()}"
    reply["Message-ID"] = message_id
    reply["In-Reply-To"] = headers["Message-ID"]
    reply["References"] = f"{headers.get('References', '')} {headers['Message-ID']}".strip()
    reply.set_content(f"{body}\n\nOn Mon, Support wrote:\n> earlier text\n")
    return reply.as_bytes()


def test_a_public_reply_is_emailed_with_the_reference_and_threading_headers(reply):
    ticket = opened_by_mail()
    message = reply(ticket, "لطفا نسخهٔ نرم‌افزار را بفرمایید.")
    sent = mail.outbox[-1]
    assert sent.to == ["ali.karimi@example.ir"]
    assert sent.subject == f"[{ticket.reference}] خطا در چاپ فاکتور فروش"
    assert sent.from_email == "پشتیبانی پیوند <support@peyvand.example>"
    assert "لطفا نسخهٔ نرم\u200cافزار را بفرمایید." in sent.body
    headers = sent.message()
    assert headers["In-Reply-To"] == "<CAF-new-1001@mail.example.ir>"
    assert "<CAF-new-1001@mail.example.ir>" in headers["References"]
    row = TicketMailMessage.objects.get(direction="out")
    assert headers["Message-ID"] == f"<{row.message_id}>"
    assert row.message_id.endswith("@peyvand.example")
    assert row.ticket_message == message
    message.refresh_from_db()
    assert message.message_id == row.message_id


def test_internal_notes_and_customer_messages_are_not_emailed():
    ticket = opened_by_mail()
    services.add_note(ticket, user=agent(), body="مشتری ویژه است.")
    services.add_customer_message(ticket, body="سلام دوباره", channel=TicketChannel.PORTAL)
    assert mail.outbox == []


def test_no_email_is_sent_when_the_customer_has_no_address(reply):
    contact = ContactFactory()
    ticket = services.open_ticket(
        user=None, data={"subject": "تماس تلفنی", "channel": "phone", "contact": contact}
    )
    reply(ticket, "انجام شد.")
    assert mail.outbox == []
    assert not TicketMailMessage.objects.exists()


def test_the_customers_answer_to_our_email_threads_back_to_the_ticket(reply):
    ticket = opened_by_mail()
    reply(ticket, "لطفاً نسخه را بفرمایید.")
    raw = answer(mail.outbox[-1], "نسخه ۴٫۲ است.", "<answer-1@mail.example.ir>")
    result = receive_ticket_email(raw)
    assert (result.status, result.ticket) == ("added", ticket)
    assert result.message.body == "نسخه ۴٫۲ است."


def test_the_second_reply_answers_the_latest_customer_message(reply):
    ticket = opened_by_mail()
    reply(ticket, "پاسخ اول")
    receive_ticket_email(answer(mail.outbox[-1], "باز هم خطا", "<answer-2@mail.example.ir>"))
    reply(ticket, "پاسخ دوم")
    headers = mail.outbox[-1].message()
    assert headers["In-Reply-To"] == "<answer-2@mail.example.ir>"
    references = headers["References"].split()
    assert references[0] == "<CAF-new-1001@mail.example.ir>"
    assert "<answer-2@mail.example.ir>" in references


def test_our_own_email_coming_back_is_ignored_as_a_loop(reply):
    ticket = opened_by_mail()
    reply(ticket, "پاسخ")
    bounced_back = mail.outbox[-1].message()
    bounced_back.replace_header("From", "ali.karimi@example.ir")
    result = receive_ticket_email(bounced_back.as_bytes())
    assert result.status == "ignored"
    assert ticket.messages.count() == 1


def test_a_reply_with_an_attachment_carries_the_file(reply):
    ticket = opened_by_mail()
    pdf = SimpleUploadedFile("راهنما.pdf", b"%PDF-1.4\n%%EOF\n", content_type="application/pdf")
    reply(ticket, "راهنما پیوست است.", attachments=[pdf])
    (name, content, content_type) = mail.outbox[-1].attachments[0]
    assert (name, content, content_type) == ("راهنما.pdf", b"%PDF-1.4\n%%EOF\n", "application/pdf")


def test_end_to_end_through_a_real_smtp_server(reply, settings):
    ticket = opened_by_mail()
    with SmtpServer() as server:
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST = server.host
        settings.EMAIL_PORT = server.port
        settings.EMAIL_USE_TLS = False
        settings.EMAIL_HOST_USER = ""
        settings.EMAIL_HOST_PASSWORD = ""
        reply(ticket, "مشکل از تنظیمات چاپگر بود.")
    received = server.received[-1]
    assert received.rcpt_tos == ["ali.karimi@example.ir"]
    assert received.mail_from == "support@peyvand.example"
    sent = message_from_bytes(received.data, policy=policy.default)
    # Django folds an encoded subject onto its own line: the decoded value starts with a space.
    assert sent["Subject"].strip() == f"[{ticket.reference}] خطا در چاپ فاکتور فروش"
    assert sent["In-Reply-To"] == "<CAF-new-1001@mail.example.ir>"
    assert sent["X-Loop"] == "support@peyvand.example"
    assert "مشکل از تنظیمات چاپگر بود." in sent.get_body(("plain",)).get_content()
    # What the SMTP server received, answered by the customer, finds its way back.
    result = receive_ticket_email(answer(sent, "ممنون، درست شد.", "<answer-9@mail.example.ir>"))
    assert (result.status, result.ticket) == ("added", ticket)
