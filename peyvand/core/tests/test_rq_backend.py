"""Background tasks through Redis: django-tasks' RQ backend enqueues, `rqworker --burst` runs.

Runs only when the process was started with TASKS_BACKEND=rq (settings then install django_rq
and django_tasks_rq) and Redis answers at REDIS_URL: `make test-rq`, the `rq` leg of .ci/run.
The worker is a real RQ worker run in this process (SimpleWorker: no fork), so it reads and
writes the test database the test set up.
"""

import datetime as dt
import os
import time

import pytest
from django.core.management import call_command
from django.utils import timezone

from peyvand.accounts.models import Notification
from peyvand.tasks import services
from peyvand.tasks.jobs import deliver_task_reminder
from peyvand.tasks.tests.factories import TaskFactory

pytestmark = [
    pytest.mark.skipif(
        os.environ.get("TASKS_BACKEND") != "rq", reason="needs TASKS_BACKEND=rq and Redis"
    ),
    pytest.mark.django_db,
]

WORKER = [
    "rqworker",
    "default",
    "--burst",
    "--worker-class",
    "rq.worker.SimpleWorker",
    "--job-class",
    "django_tasks_rq.Job",
]


@pytest.fixture
def queue(settings):
    import django_rq

    settings.TASKS = {"default": {"BACKEND": "django_tasks_rq.RQBackend", "QUEUES": ["default"]}}
    queue = django_rq.get_queue("default")
    queue.connection.ping()
    _clear(queue)
    yield queue
    _clear(queue)


def _clear(queue) -> None:
    queue.empty()
    registry = queue.scheduled_job_registry
    for job_id in registry.get_job_ids():
        registry.remove(job_id, delete_job=True)


def test_an_enqueued_reminder_waits_in_redis_until_a_worker_runs_it(queue, rep):
    remind_at = timezone.now() - dt.timedelta(minutes=1)
    task = TaskFactory(assignee=rep, title="تماس با مشتری", remind_at=remind_at)

    result = deliver_task_reminder.enqueue(task.pk, remind_at.astimezone(dt.UTC).isoformat())

    assert queue.count == 1 and queue.job_ids == [result.id]
    assert not Notification.objects.exists()  # nothing ran inline
    call_command(*WORKER)
    assert queue.count == 0
    result.refresh()
    assert result.status == "SUCCESSFUL"
    assert result.return_value is True
    notification = Notification.objects.get()
    assert notification.user == rep and "تماس با مشتری" in notification.text
    task.refresh_from_db()
    assert task.reminded_at is not None


def test_a_task_reminder_is_scheduled_in_redis_and_the_worker_scheduler_delivers_it(
    queue, rep, django_capture_on_commit_callbacks
):
    remind_at = timezone.now() + dt.timedelta(seconds=2)
    with django_capture_on_commit_callbacks(execute=True):
        task = services.create_task(user=rep, title="پیگیری پیش‌فاکتور", remind_at=remind_at)

    assert queue.count == 0
    assert queue.scheduled_job_registry.count == 1  # deferred to remind_at, not queued yet
    task.refresh_from_db()
    assert task.reminded_at is None

    time.sleep(max((remind_at - timezone.now()).total_seconds(), 0) + 0.2)
    # The worker's scheduler moves the due job to the queue; the burst worker then runs it.
    call_command(*WORKER, "--with-scheduler")
    assert queue.scheduled_job_registry.count == 0
    task.refresh_from_db()
    assert task.reminded_at is not None
    assert Notification.objects.filter(user=rep, text__contains="پیگیری").count() == 1
