import datetime as dt

import pytest
import time_machine
from django.core import mail
from django.core.management import call_command
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from peyvand.accounts.models import Notification
from peyvand.accounts.tests.factories import UserFactory
from peyvand.tasks import services
from peyvand.tasks.jobs import deliver_task_reminder
from peyvand.tasks.models import Task

from .factories import TaskFactory

pytestmark = pytest.mark.django_db
NOON = dt.datetime(2024, 8, 2, 12, 0, tzinfo=dt.UTC)


def _iso(value: dt.datetime) -> str:
    return value.astimezone(dt.UTC).isoformat()


@pytest.fixture
def database_tasks(settings):
    """The production backend, which defers jobs until their run_after."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


def test_setting_a_reminder_enqueues_a_job_deferred_to_that_time(
    rep, database_tasks, django_capture_on_commit_callbacks
):
    remind_at = timezone.now() + dt.timedelta(days=1)
    with django_capture_on_commit_callbacks(execute=True):
        task = services.create_task(user=rep, title="x", remind_at=remind_at)
    job = DBTaskResult.objects.get()
    assert job.run_after == remind_at
    assert job.task_path == "peyvand.tasks.jobs.deliver_task_reminder"
    assert job.args_kwargs["args"] == [task.pk, _iso(remind_at)]


def test_rescheduling_enqueues_another_job(rep, database_tasks, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        task = services.create_task(
            user=rep, title="x", remind_at=timezone.now() + dt.timedelta(hours=1)
        )
        services.update_task(task, user=rep, title="only the title")
        services.update_task(task, user=rep, remind_at=timezone.now() + dt.timedelta(hours=2))
    assert DBTaskResult.objects.count() == 2


def test_a_backend_that_cannot_defer_leaves_future_reminders_to_the_sweep(
    rep, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        task = services.create_task(
            user=rep, title="x", remind_at=timezone.now() + dt.timedelta(hours=1)
        )
    assert not Notification.objects.exists()
    assert Task.objects.get(pk=task.pk).reminded_at is None


def test_a_reminder_already_due_is_delivered_at_once(rep, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        task = services.create_task(
            user=rep, title="x", remind_at=timezone.now() - dt.timedelta(minutes=1)
        )
    assert Notification.objects.get(user=rep).url == task.get_absolute_url()


def test_the_job_delivers_once_however_often_it_runs(rep):
    task = TaskFactory(assignee=rep, remind_at=NOON)
    with time_machine.travel(NOON, tick=False):
        assert deliver_task_reminder.call(task.pk, _iso(NOON)) is True
        assert deliver_task_reminder.call(task.pk, _iso(NOON)) is False
    notification = Notification.objects.get()
    assert notification.user == rep
    assert notification.text == f"یادآوری: {task.title}"
    assert notification.dedupe_key == f"task-reminder:{task.pk}:{_iso(NOON)}"
    assert Task.objects.get(pk=task.pk).reminded_at == NOON


def test_a_retry_after_a_crash_does_not_notify_twice(rep):
    """The claim was rolled back but the notification stayed: the dedupe key still holds."""
    task = TaskFactory(assignee=rep, remind_at=NOON)
    with time_machine.travel(NOON, tick=False):
        deliver_task_reminder.call(task.pk, _iso(NOON))
        Task.objects.filter(pk=task.pk).update(reminded_at=None)
        deliver_task_reminder.call(task.pk, _iso(NOON))
    assert Notification.objects.count() == 1


def test_a_stale_job_is_ignored_after_a_reschedule(rep):
    task = TaskFactory(assignee=rep, remind_at=NOON)
    later = NOON + dt.timedelta(hours=3)
    services.update_task(task, user=rep, remind_at=later)
    with time_machine.travel(NOON, tick=False):
        assert deliver_task_reminder.call(task.pk, _iso(NOON)) is False
    assert not Notification.objects.exists()
    with time_machine.travel(later, tick=False):
        assert deliver_task_reminder.call(task.pk, _iso(later)) is True
    assert Notification.objects.count() == 1


def test_a_done_task_is_not_reminded(rep):
    task = TaskFactory(assignee=rep, remind_at=NOON, done_at=NOON - dt.timedelta(hours=1))
    with time_machine.travel(NOON, tick=False):
        assert deliver_task_reminder.call(task.pk, _iso(NOON)) is False
    assert not Notification.objects.exists()


def test_a_job_that_starts_early_does_nothing(rep):
    task = TaskFactory(assignee=rep, remind_at=NOON)
    with time_machine.travel(NOON - dt.timedelta(minutes=10), tick=False):
        assert deliver_task_reminder.call(task.pk, _iso(NOON)) is False
    assert Task.objects.get(pk=task.pk).reminded_at is None


def test_a_deleted_task_is_not_reminded(rep):
    task = TaskFactory(assignee=rep, remind_at=NOON)
    task_id = task.pk
    task.delete()
    with time_machine.travel(NOON, tick=False):
        assert deliver_task_reminder.call(task_id, _iso(NOON)) is False


def test_the_reminder_is_emailed_when_email_is_enabled(
    settings, rep, django_capture_on_commit_callbacks
):
    settings.EMAIL_ENABLED = True
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    rep.language = "en"
    rep.save()
    task = TaskFactory(assignee=rep, remind_at=NOON, due_at=NOON + dt.timedelta(hours=1))
    # The e-mail goes through the outbox: queued in the reminder's transaction, sent on commit.
    with time_machine.travel(NOON, tick=False), django_capture_on_commit_callbacks(execute=True):
        services.deliver_reminder(task.pk, NOON)
    (message,) = mail.outbox
    assert message.to == [rep.email]
    assert message.subject == f"Reminder: {task.title}"


def test_no_email_when_email_is_not_configured(settings, rep):
    settings.EMAIL_ENABLED = False
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    task = TaskFactory(assignee=rep, remind_at=NOON)
    with time_machine.travel(NOON, tick=False):
        services.deliver_reminder(task.pk, NOON)
    assert mail.outbox == [] and Notification.objects.count() == 1


def test_an_unassigned_task_reminds_its_creator(rep):
    task = TaskFactory(assignee=None, created_by=rep, remind_at=NOON)
    with time_machine.travel(NOON, tick=False):
        services.deliver_reminder(task.pk, NOON)
    assert Notification.objects.get().user == rep


def test_the_sweep_delivers_overdue_reminders_once(rep):
    other = UserFactory(username="other")
    due = [TaskFactory(assignee=rep, remind_at=NOON - dt.timedelta(hours=h)) for h in (1, 2)]
    TaskFactory(assignee=other, remind_at=NOON + dt.timedelta(hours=1))  # not yet
    TaskFactory(assignee=other, remind_at=NOON - dt.timedelta(hours=1), done_at=NOON)  # done
    TaskFactory(assignee=other, remind_at=NOON - dt.timedelta(hours=1), reminded_at=NOON)  # sent
    assert services.deliver_due_reminders(NOON) == 2
    assert services.deliver_due_reminders(NOON) == 0
    assert {n.url for n in Notification.objects.all()} == {t.get_absolute_url() for t in due}


def test_the_sweep_works_through_more_than_one_batch(rep, monkeypatch):
    monkeypatch.setattr(services, "SWEEP_BATCH", 2)
    for h in range(5):
        TaskFactory(assignee=rep, remind_at=NOON - dt.timedelta(hours=h + 1))
    assert services.deliver_due_reminders(NOON) == 5


def test_the_sweep_command(rep):
    TaskFactory(assignee=rep, remind_at=timezone.now() - dt.timedelta(minutes=5))
    from io import StringIO

    out = StringIO()
    call_command("deliver_due_reminders", stdout=out)
    assert out.getvalue().strip() == "1 reminder(s) delivered."
    assert Notification.objects.count() == 1
