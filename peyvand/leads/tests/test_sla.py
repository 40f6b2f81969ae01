"""The first-response SLA: reminder to the owner, then escalation to the team manager."""

import datetime as dt

import pytest
import time_machine
from django.core.management import call_command
from django.utils import timezone

from peyvand.accounts.models import Notification
from peyvand.leads import sla
from peyvand.leads.inputs import LeadInput
from peyvand.leads.models import Channel, Lead, LeadStatus
from peyvand.leads.services import capture_lead, change_status, log_interaction
from peyvand.tasks.models import Task

from .factories import AssignmentRuleFactory, TeamFactory, UserFactory

pytestmark = pytest.mark.django_db

START = dt.datetime(2025, 3, 1, 9, 0, tzinfo=dt.UTC)


@pytest.fixture
def setup():
    manager = UserFactory(username="boss", language="en")
    team = TeamFactory(name="Inside sales", manager=manager)
    owner = UserFactory(username="owner", team=team)
    AssignmentRuleFactory(assign_user=owner, first_response_minutes=30)
    return owner, manager


def capture(phone="09121234567") -> Lead:
    data = LeadInput.from_data({"name": "سینا امیری", "phone": phone})
    return capture_lead(channel=Channel.WEBSITE, data=data).lead


def at(minutes: int):
    return time_machine.travel(START + dt.timedelta(minutes=minutes), tick=False)


def test_assignment_sets_the_first_response_deadline(setup):
    with at(0):
        lead = capture()
    assert lead.first_response_due_at == START + dt.timedelta(minutes=30)
    assert lead.escalation_due_at == START + dt.timedelta(minutes=60)


def test_nothing_happens_before_the_deadline(setup):
    with at(0):
        lead = capture()
    with at(29):
        assert sla.check_lead(lead.pk) == []
    assert not Task.objects.exists()


def test_a_late_lead_reminds_its_owner_once_then_escalates_once(setup):
    owner, manager = setup
    with at(0):
        lead = capture()
    with at(31):
        assert sla.check_lead(lead.pk) == [sla.REMINDED]
        assert sla.check_lead(lead.pk) == []
    task = Task.objects.get()
    assert task.assignee == owner and task.priority == "high"
    assert task.related == lead
    assert Notification.objects.filter(user=owner, url=lead.get_absolute_url()).exists()
    assert not Notification.objects.filter(user=manager).exists()

    with at(61):
        assert sla.check_lead(lead.pk) == [sla.ESCALATED]
        assert sla.check_lead(lead.pk) == []
    escalation = Notification.objects.get(user=manager)
    assert "has not contacted" in escalation.text  # in the manager's language (en)
    lead.refresh_from_db()
    assert lead.sla_reminded_at == START + dt.timedelta(minutes=31)
    assert lead.sla_escalated_at == START + dt.timedelta(minutes=61)
    assert Task.objects.count() == 1


def test_a_call_before_the_deadline_stops_the_clock(setup):
    owner, _manager = setup
    with at(0):
        lead = capture()
    with at(10):
        log_interaction(lead, user=owner, kind="call", direction="outbound", outcome="answered")
    lead.refresh_from_db()
    assert lead.first_contacted_at == START + dt.timedelta(minutes=10)
    assert lead.status == LeadStatus.CONTACTED
    with at(120):
        assert sla.check_lead(lead.pk) == []
        assert sla.sweep() == {"reminded": 0, "escalated": 0}
    assert not Task.objects.exists()


def test_a_note_is_not_contact(setup):
    owner, _manager = setup
    with at(0):
        lead = capture()
    with at(5):
        log_interaction(lead, user=owner, kind="note", body="شماره را بعداً بگیرم")
    with at(31):
        assert sla.check_lead(lead.pk) == [sla.REMINDED]


def test_marking_contacted_stops_the_clock(setup):
    owner, _manager = setup
    with at(0):
        lead = capture()
    with at(20):
        change_status(lead, LeadStatus.CONTACTED, user=owner)
    with at(90):
        assert sla.check_lead(lead.pk) == []


def test_the_sweep_command_reminds_and_escalates_every_late_lead(setup):
    owner, manager = setup
    with at(0):
        leads = [capture(f"0912000000{i}") for i in range(3)]
    with at(45):
        call_command("check_lead_sla")
        assert Task.objects.filter(assignee=owner).count() == 3
        assert sla.sweep() == {"reminded": 0, "escalated": 0}
    with at(200):
        assert sla.sweep() == {"reminded": 0, "escalated": 3}
    assert Notification.objects.filter(user=manager).count() == 3
    assert all(lead.is_overdue(now=timezone.now()) for lead in leads)


def test_a_sweep_long_after_both_deadlines_does_both(setup):
    with at(0):
        capture()
    with at(500):
        assert sla.sweep() == {"reminded": 1, "escalated": 1}


def test_reassigning_restarts_the_clock(setup, admin_user):
    other = UserFactory()
    with at(0):
        lead = capture()
    with at(25):
        from peyvand.leads.services import assign_lead

        assign_lead(lead, by=admin_user, user=other)
    with at(35):
        assert sla.check_lead(lead.pk) == []  # the new owner's 30 minutes run to 55
    with at(56):
        assert sla.check_lead(lead.pk) == [sla.REMINDED]
    assert Task.objects.get().assignee == other


def test_a_deferring_task_backend_gets_a_job_at_the_deadline(
    setup, settings, django_capture_on_commit_callbacks
):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    from django_tasks_db.models import DBTaskResult

    with at(0), django_capture_on_commit_callbacks(execute=True):
        lead = capture()
    job = DBTaskResult.objects.get(task_path="peyvand.leads.sla.check_lead_job")
    assert job.run_after == lead.first_response_due_at
    assert job.args_kwargs["args"] == [lead.pk]
