"""A ticket reply whose e-mail the mail server refuses is saved, shown as "not sent yet, will
retry" and sent once when the server is back; a reply whose attachment cannot be stored (full
disk) is not saved at all and says why."""

from __future__ import annotations

import datetime as dt
import errno

import pytest
import time_machine
from django.core import mail
from django.core.files.storage import FileSystemStorage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse

from peyvand.core.models import OutboundMessage
from peyvand.service import services
from peyvand.service.models import TicketAttachment, TicketMessage

from .factories import agent
from .test_mail_outbound import opened_by_mail

pytestmark = pytest.mark.django_db
NOON = dt.datetime(2026, 3, 2, 12, 0, tzinfo=dt.UTC)


class RefusingBackend:
    def __init__(self, *args, **kwargs):
        pass

    def send_messages(self, messages):
        raise ConnectionRefusedError(111, "Connection refused")


class FullDiskStorage(FileSystemStorage):
    def _save(self, name, content):
        raise OSError(errno.ENOSPC, "No space left on device")


@pytest.fixture(autouse=True)
def _support_address(settings):
    settings.SERVICE_EMAIL_FROM = "support@peyvand.example"


def test_refused_reply_email_is_saved_shown_and_sent_once_later(
    client, settings, django_capture_on_commit_callbacks
):
    ticket = opened_by_mail()
    user = agent()
    settings.EMAIL_BACKEND = f"{__name__}.RefusingBackend"
    with time_machine.travel(NOON, tick=False), django_capture_on_commit_callbacks(execute=True):
        message = services.add_reply(ticket, user=user, body="نسخهٔ جدید را نصب کنید.")
    assert TicketMessage.objects.filter(pk=message.pk).exists()
    row = OutboundMessage.objects.get()
    assert row.status == "pending" and row.attempts == 1
    assert "Connection refused" in row.last_error
    assert mail.outbox == []

    client.force_login(user)
    page = client.get(reverse("service:ticket", args=[ticket.pk])).content.decode()
    assert "ایمیل هنوز فرستاده نشده" in page

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    with time_machine.travel(NOON + dt.timedelta(minutes=5), tick=False):
        call_command("send_outbox")
        call_command("send_outbox")
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to[0].endswith("ali.karimi@example.ir")
    row.refresh_from_db()
    assert row.status == "sent"
    page = client.get(reverse("service:ticket", args=[ticket.pk])).content.decode()
    assert "ایمیل هنوز فرستاده نشده" not in page


def test_the_reply_job_run_twice_sends_once(django_capture_on_commit_callbacks):
    from peyvand.service.mail import send_reply_email_job

    ticket = opened_by_mail()
    with django_capture_on_commit_callbacks(execute=True):
        services.add_reply(ticket, user=agent(), body="پاسخ")
    mail_row = ticket.mail_messages.get(direction="out")
    assert send_reply_email_job.call(mail_row.pk) == "skipped"  # a duplicate job
    assert len(mail.outbox) == 1


def test_full_disk_attachment_saves_no_reply_and_says_why(client, settings):
    ticket = opened_by_mail()
    user = agent()
    client.force_login(user)
    settings.STORAGES = {**settings.STORAGES, "default": {"BACKEND": f"{__name__}.FullDiskStorage"}}
    before = (TicketMessage.objects.count(), TicketAttachment.objects.count())
    response = client.post(
        reverse("service:ticket_message", args=[ticket.pk]),
        {
            "kind": "reply",
            "body": "فایل پیوست شد.",
            "attachments": SimpleUploadedFile("report.pdf", b"%PDF-1.4\n%\xe2\xe3\n1 0 obj\n"),
        },
    )
    assert response.status_code in (200, 422)
    assert "فضای ذخیره‌سازی" in response.content.decode()
    assert (TicketMessage.objects.count(), TicketAttachment.objects.count()) == before
    assert not OutboundMessage.objects.exists() and mail.outbox == []


def test_csat_job_killed_after_its_commit_sends_email_and_sms_once(
    settings, django_capture_on_commit_callbacks
):
    """The survey job commits (survey + outbox rows), then its worker dies before anything is
    sent; the job runs again and the sweep sends: one survey, one e-mail, one SMS, and the
    token-bearing text is not kept once sent."""
    from peyvand.core import sms
    from peyvand.service.csat import send_survey_job
    from peyvand.service.models import CsatSurvey

    from .factories import ContactFactory

    settings.SMS_BACKEND = "locmem"
    settings.SERVICE_CSAT_CHANNELS = "email,sms"
    sms.outbox.clear()
    customer = ContactFactory(primary_email="sara@example.com", primary_phone="+989121234567")
    worker = agent()
    ticket = services.open_ticket(
        user=worker, data={"subject": "فاکتور", "channel": "phone", "contact": customer}
    )
    with django_capture_on_commit_callbacks(execute=False):  # the survey job is not run here
        services.change_status(ticket, "resolved", user=worker)
    with django_capture_on_commit_callbacks(execute=False) as lost:
        assert send_survey_job.call(ticket.pk) == "queued:email,sms"
    assert lost and mail.outbox == [] and sms.outbox == []
    with django_capture_on_commit_callbacks(execute=True):
        assert send_survey_job.call(ticket.pk) == "already-sent"
    call_command("send_outbox")
    call_command("send_outbox")
    assert CsatSurvey.objects.filter(ticket=ticket).count() == 1
    assert len(mail.outbox) == 1 and len(sms.outbox) == 1
    assert set(OutboundMessage.objects.values_list("status", "body")) == {("sent", "")}
    sms.outbox.clear()
