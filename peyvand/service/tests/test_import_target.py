"""Tickets from an old helpdesk: they keep their dates, status and agent; no SLA clock, no
warning, no CSAT survey, no e-mail and no notification for the past; bad rows reported,
re-imports idempotent by external id, undo."""

import datetime as dt

import pytest
from django.core import mail
from django.utils import timezone, translation

from peyvand.accounts.models import Notification
from peyvand.contacts.tests.factories import ContactFactory, EmailFactory, PhoneFactory
from peyvand.imports import registry
from peyvand.leads.tests.import_helpers import run_import, undo
from peyvand.service import services
from peyvand.service.import_target import TARGET
from peyvand.service.models import (
    CsatSurvey,
    Ticket,
    TicketChannel,
    TicketPriority,
    TicketSla,
    TicketStatus,
)
from peyvand.service.tests.factories import TicketCategoryFactory, agent
from peyvand.timeline.models import TimelineEntry

pytestmark = pytest.mark.django_db

FILE = """شماره تیکت,موضوع,شرح,موبایل,نام مشتری,کانال,وضعیت,اولویت,دسته بندی,تاریخ ثبت,تاریخ بستن,کارشناس
T-1,قطعی سرویس,اینترنت از دیروز قطع است,۰۹۱۲۱۰۰۰۰۰۲,حمید,تلفنی,بسته شده,فوری,فنی,۱۴۰۲/۱۰/۰۱,۱۴۰۲/۱۰/۰۳,mina
T-2,درخواست فاکتور,,,سارا,ایمیل,باز,,,1402/11/01,,
T-3,,بدون موضوع,,,,,,,,,
T-4,دسته نامعلوم,,,,,,,ناموجود,,,
T-5,تاریخ وارونه,,,,,حل شده,,,1402/10/05,1402/10/01,
T-6,اولویت نامعلوم,,,,,,خیلی خیلی زیاد,,,,
T-1,تکرار,,,,,,,,,,
"""  # noqa: E501


@pytest.fixture
def setup():
    customer = ContactFactory(primary_email="hamid@example.com", primary_phone="+989121000002")
    PhoneFactory(contact=customer, number="+989121000002")
    EmailFactory(contact=customer, address="hamid@example.com")
    mina = agent("mina", email="mina@example.com")
    TicketCategoryFactory(name="فنی")
    return customer, mina


def test_past_tickets_keep_their_history_and_stay_quiet(
    admin_user, setup, django_capture_on_commit_callbacks
):
    customer, mina = setup
    with translation.override("fa"), django_capture_on_commit_callbacks(execute=True):
        result = run_import(TARGET, FILE, user=admin_user)
    assert sorted(result.errors) == [4, 5, 6, 7]
    assert "subject" in result.errors[4]
    assert result.errors[5]["category"] == ["هیچ دسته‌بندی فعالی برای تیکت با این نام نیست."]
    assert result.errors[6]["closed_at"] == ["تیکت نمی‌تواند پیش از ایجاد شدنش بسته شود."]
    assert "priority" in result.errors[7]
    assert result.actions() == {2: "created", 3: "created", 8: "skipped"}

    outage = Ticket.objects.get(subject="قطعی سرویس")
    assert outage.contact == customer  # matched by the requester phone
    assert (outage.channel, outage.priority, outage.status) == (
        TicketChannel.PHONE,
        TicketPriority.URGENT,
        TicketStatus.CLOSED,
    )
    assert outage.category.name == "فنی" and outage.assignee == mina
    assert timezone.localtime(outage.created_at).date() == dt.date(2023, 12, 22)
    assert timezone.localtime(outage.closed_at).date() == dt.date(2023, 12, 24)
    assert outage.resolved_at == outage.closed_at
    opened = TimelineEntry.objects.get(kind="ticket_opened", source_id=outage.pk)
    assert opened.occurred_at == outage.created_at
    invoice = Ticket.objects.get(subject="درخواست فاکتور")
    assert invoice.status == TicketStatus.OPEN and invoice.channel == TicketChannel.EMAIL

    # History is not happening now: no SLA clock, survey, e-mail or notification.
    assert not TicketSla.objects.exists()
    assert not CsatSurvey.objects.exists()
    assert mail.outbox == []
    assert not Notification.objects.filter(user=mina).exists()


def test_the_same_work_done_live_does_start_the_clock_and_survey(
    admin_user, setup, django_capture_on_commit_callbacks
):
    """The control for the test above: outside an import the receivers do fire."""
    customer, _mina = setup
    with django_capture_on_commit_callbacks(execute=True):
        ticket = services.open_ticket(
            user=admin_user, data={"subject": "زنده", "channel": "phone", "contact": customer}
        )
        services.change_status(ticket, TicketStatus.RESOLVED, user=admin_user)
    assert TicketSla.objects.filter(ticket=ticket).exists()
    assert CsatSurvey.objects.filter(ticket=ticket).exists()


def test_reimport_is_idempotent_and_overwrite_updates(admin_user, setup):
    run_import(TARGET, FILE, user=admin_user)
    again = run_import(TARGET, FILE, user=admin_user, job_id=2)
    assert Ticket.objects.count() == 2
    assert set(again.actions().values()) == {"skipped"}
    changed = FILE.replace("قطعی سرویس,اینترنت", "قطعی کامل سرویس,اینترنت")
    result = run_import(TARGET, changed, user=admin_user, job_id=3, mode=registry.OVERWRITE)
    assert result.actions()[2] == "updated"
    assert Ticket.objects.filter(subject="قطعی کامل سرویس").exists()
    assert Ticket.objects.count() == 2
    assert undo(TARGET, result) == []
    assert Ticket.objects.filter(subject="قطعی سرویس").exists()


def test_undo_deletes_imported_tickets_unless_worked_on(admin_user, setup):
    result = run_import(TARGET, FILE, user=admin_user)
    invoice = Ticket.objects.get(subject="درخواست فاکتور")
    services.add_note(invoice, user=admin_user, body="پیگیری شد")
    with translation.override("en"):
        assert undo(TARGET, result) == ["1 ticket messages refer to the imported records."]
    invoice.messages.all().delete()
    assert undo(TARGET, result) == []
    assert not Ticket.objects.exists()
    assert not TimelineEntry.objects.filter(kind="ticket_opened").exists()


def test_through_the_import_engine_then_undo(setup, django_capture_on_commit_callbacks):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from peyvand.accounts.tests.factories import UserFactory
    from peyvand.imports import services as imports
    from peyvand.imports.models import ImportStatus

    boss = UserFactory(is_superuser=True)
    job = imports.create_job(
        boss, SimpleUploadedFile("tickets.csv", FILE.encode()), target="tickets"
    )
    job = imports.set_mapping(job, boss, target="tickets", mapping=job.mapping)
    with django_capture_on_commit_callbacks(execute=True):
        imports.start(job, boss)
    job.refresh_from_db()
    assert job.status == ImportStatus.DONE, job.message
    assert (job.created_count, job.failed_count, job.skipped_count) == (2, 4, 1)
    assert not TicketSla.objects.exists() and not CsatSurvey.objects.exists()
    imports.undo(job, boss)
    assert not Ticket.objects.exists()
