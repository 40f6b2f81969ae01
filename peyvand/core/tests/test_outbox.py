"""The outbox (peyvand.core.outbox): an e-mail or SMS caused by a state change is written in the
change's transaction, sent once, retried after a failure, and a job that is killed and runs
again does not send twice."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.core import mail
from django.core.management import call_command
from django.db import transaction

from peyvand.accounts.models import Notification
from peyvand.core import outbox, sms
from peyvand.core.models import OutboundMessage
from peyvand.tasks.jobs import deliver_task_reminder
from peyvand.tasks.tests.factories import TaskFactory

pytestmark = pytest.mark.django_db
NOON = dt.datetime(2024, 8, 2, 12, 0, tzinfo=dt.UTC)
Status = OutboundMessage.Status


class RefusingBackend:
    """An SMTP server that is down: every send fails as smtplib would."""

    def __init__(self, *args, **kwargs):
        pass

    def send_messages(self, messages):
        raise ConnectionRefusedError(111, "Connection refused")


@pytest.fixture
def refusing_smtp(settings):
    settings.EMAIL_BACKEND = f"{__name__}.RefusingBackend"


def test_a_key_is_queued_once_and_sent_once(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        first = outbox.queue_email("k1", to=["a@example.com"], subject="Hi", body="1")
        again = outbox.queue_email("k1", to=["a@example.com"], subject="Hi", body="1")
    assert first.pk == again.pk
    assert OutboundMessage.objects.count() == 1
    (message,) = mail.outbox
    assert message.to == ["a@example.com"] and message.extra_headers["Message-ID"]
    row = OutboundMessage.objects.get()
    assert row.status == Status.SENT and row.sent_at and row.attempts == 1
    assert outbox.deliver(row.pk) == "skipped"
    assert outbox.deliver_due() == {}
    assert len(mail.outbox) == 1


def test_nothing_is_queued_when_the_change_rolls_back(django_capture_on_commit_callbacks):
    with (
        django_capture_on_commit_callbacks(execute=True),
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        outbox.queue_email("k2", to=["a@example.com"], subject="Hi", body="1")
        raise RuntimeError("the state change failed")
    assert OutboundMessage.objects.count() == 0 and mail.outbox == []


def test_a_refused_email_is_kept_and_retried_with_backoff(refusing_smtp, settings):
    with time_machine.travel(NOON, tick=False):
        row = outbox.queue_email("k3", to=["a@example.com"], subject="Hi", body="1")
        assert outbox.deliver(row.pk) == "retry"
    row.refresh_from_db()
    assert row.status == Status.PENDING and row.attempts == 1
    assert "Connection refused" in row.last_error
    assert row.next_attempt_at == NOON + dt.timedelta(minutes=1)
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    with time_machine.travel(NOON + dt.timedelta(seconds=30), tick=False):
        assert outbox.deliver_due() == {}  # not due yet
    with time_machine.travel(NOON + dt.timedelta(minutes=2), tick=False):
        call_command("send_outbox")
    row.refresh_from_db()
    assert row.status == Status.SENT and row.attempts == 2
    assert len(mail.outbox) == 1


def test_the_outbox_gives_up_after_max_attempts_and_can_be_revived(refusing_smtp, settings):
    with time_machine.travel(NOON, tick=False):
        row = outbox.queue_email("k4", to=["a@example.com"], subject="Hi", body="1")
    when = NOON
    for _ in range(outbox.MAX_ATTEMPTS):
        with time_machine.travel(when, tick=False):
            outbox.deliver(row.pk)
        when += dt.timedelta(hours=2)
    row.refresh_from_db()
    assert row.status == Status.FAILED and row.attempts == outbox.MAX_ATTEMPTS
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    outbox.retry_now(row)
    assert outbox.deliver(row.pk) == "sent" and len(mail.outbox) == 1


def test_sms_goes_through_the_outbox(settings):
    settings.SMS_BACKEND = "locmem"
    sms.outbox.clear()
    row = outbox.queue_sms("s1", to="+989121234567", text="سلام")
    assert outbox.deliver(row.pk) == "sent"
    assert outbox.deliver(row.pk) == "skipped"
    assert [(m.to, m.text) for m in sms.outbox] == [("+989121234567", "سلام")]


def test_a_sender_killed_after_the_send_repeats_the_same_message(monkeypatch):
    """The one window left: the server accepted the message, the sender died before marking it
    sent. The next sender (after the claim expires) sends it again with the same Message-ID."""
    with time_machine.travel(NOON, tick=False):
        row = outbox.queue_email("k5", to=["a@example.com"], subject="Hi", body="1")

    def killed(_row):
        raise SystemExit("worker killed")

    monkeypatch.setattr(outbox, "after_send", killed)
    with time_machine.travel(NOON, tick=False), pytest.raises(SystemExit):
        outbox.deliver(row.pk)
    monkeypatch.undo()
    with time_machine.travel(NOON + dt.timedelta(seconds=10), tick=False):
        assert outbox.deliver_due() == {}  # still claimed by the dead sender
    with time_machine.travel(NOON + dt.timedelta(seconds=outbox.CLAIM_SECONDS + 1), tick=False):
        assert outbox.deliver_due() == {"sent": 1}
    first, second = mail.outbox
    assert first.extra_headers["Message-ID"] == second.extra_headers["Message-ID"]


# --- A background job killed mid-task runs again: its effects happen once --------------------


def test_reminder_job_killed_after_its_commit_runs_again_without_repeating(
    settings, rep, django_capture_on_commit_callbacks
):
    """The worker runs deliver_task_reminder, the job's transaction commits (claim, notification,
    outbox row), then the worker is killed before the job is marked complete and before the
    e-mail went out. The task runs again; the sweep sends the e-mail. One notification, one
    e-mail, whatever the order."""
    settings.EMAIL_ENABLED = True
    task = TaskFactory(assignee=rep, remind_at=NOON)
    iso = NOON.astimezone(dt.UTC).isoformat()

    with time_machine.travel(NOON, tick=False):
        # Run 1: on_commit callbacks (the outbox job) are captured, never run: the kill.
        with django_capture_on_commit_callbacks(execute=False) as lost:
            assert deliver_task_reminder.call(task.pk, iso) is True
        assert len(lost) == 1
        assert mail.outbox == []
        # Run 2: the same job again, as a retrying queue would.
        with django_capture_on_commit_callbacks(execute=True):
            assert deliver_task_reminder.call(task.pk, iso) is False
        call_command("send_outbox")
        call_command("send_outbox")
    assert Notification.objects.filter(user=rep).count() == 1
    assert OutboundMessage.objects.count() == 1
    assert len(mail.outbox) == 1 and mail.outbox[0].to == [rep.email]


def test_reminder_job_crashing_inside_its_transaction_leaves_nothing_half_done(
    settings, rep, monkeypatch, django_capture_on_commit_callbacks
):
    """Killed between the notification and the outbox row: the transaction rolls back, so the
    next run delivers both, once."""
    settings.EMAIL_ENABLED = True
    task = TaskFactory(assignee=rep, remind_at=NOON)
    iso = NOON.astimezone(dt.UTC).isoformat()
    from peyvand.tasks import services

    real = services._queue_email_reminder

    def killed(*args, **kwargs):
        raise SystemExit("worker killed")

    monkeypatch.setattr(services, "_queue_email_reminder", killed)
    with time_machine.travel(NOON, tick=False), pytest.raises(SystemExit):
        deliver_task_reminder.call(task.pk, iso)
    assert Notification.objects.count() == 0 and OutboundMessage.objects.count() == 0
    monkeypatch.setattr(services, "_queue_email_reminder", real)
    with time_machine.travel(NOON, tick=False), django_capture_on_commit_callbacks(execute=True):
        assert deliver_task_reminder.call(task.pk, iso) is True
        assert deliver_task_reminder.call(task.pk, iso) is False
    assert Notification.objects.filter(user=rep).count() == 1
    assert len(mail.outbox) == 1
