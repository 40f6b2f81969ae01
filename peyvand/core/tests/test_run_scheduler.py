"""`manage.py run_scheduler`: the periodic commands of a production install in one process."""

import datetime as dt
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from peyvand.accounts.models import Notification
from peyvand.core.management.commands.run_scheduler import scheduled_jobs
from peyvand.tasks.tests.factories import TaskFactory

pytestmark = pytest.mark.django_db


def test_the_schedule_holds_every_periodic_command_and_mail_only_when_configured(monkeypatch):
    monkeypatch.delenv("LEADS_IMAP_HOST", raising=False)
    monkeypatch.delenv("SERVICE_IMAP_HOST", raising=False)
    commands = {job.command for job in scheduled_jobs()}
    assert commands == {
        "deliver_due_reminders",
        "send_outbox",
        "check_lead_sla",
        "check_ticket_sla",
        "expire_quotes",
        "purge_trash",
        "snapshot_forecast",
    }
    monkeypatch.setenv("LEADS_IMAP_HOST", "imap.example.com")
    assert "fetch_lead_email" in {job.command for job in scheduled_jobs()}


def test_once_runs_every_command_and_delivers_a_lost_reminder(rep):
    TaskFactory(assignee=rep, remind_at=timezone.now() - dt.timedelta(minutes=5))
    out = StringIO()
    call_command("run_scheduler", "--once", stdout=out)
    assert Notification.objects.filter(user=rep).count() == 1
    for command in ("deliver_due_reminders", "check_lead_sla", "check_ticket_sla"):
        assert f"scheduler: {command} done" in out.getvalue()
