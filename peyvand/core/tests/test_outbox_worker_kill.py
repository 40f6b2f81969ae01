"""A real `manage.py db_worker` is SIGKILLed while it is sending a reminder's e-mail (the mail
server has not answered yet). After the restart (the outbox sweep, and the reminder job run
again as a retrying queue would) the user has one notification and one e-mail. Needs
PostgreSQL: the worker is a separate process and must see the test database."""

from __future__ import annotations

import datetime as dt
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.db import connection
from django.utils import timezone

from peyvand.accounts.models import Notification
from peyvand.core import outbox
from peyvand.core.models import OutboundMessage
from peyvand.service.tests.smtp_server import SmtpServer
from peyvand.tasks.jobs import deliver_task_reminder
from peyvand.tasks.tests.factories import TaskFactory

REPO = Path(__file__).resolve().parents[3]

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql" and "postgres" not in os.environ.get("DATABASE_URL", ""),
    reason="needs PostgreSQL (DATABASE_URL=postgres://...)",
)


def _worker_env(smtp_port: int) -> dict[str, str]:
    db = connection.settings_dict
    url = f"postgres://{db['USER']}:{db['PASSWORD'] or ''}@{db['HOST']}:{db['PORT']}/{db['NAME']}"
    env = {k: v for k, v in os.environ.items() if k != "PYTEST_VERSION"}
    env.update(
        DATABASE_URL=url,
        EMAIL_HOST="127.0.0.1",
        EMAIL_PORT=str(smtp_port),
        TASKS_BACKEND="database",
        DJANGO_SETTINGS_MODULE="peyvand.settings",
    )
    return env


def _wait(condition, seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


# Not serialized_rollback: it follows test_db_routers, whose flush lets post_migrate recreate the
# content types, and restoring the serialized copy on top of them would collide.
@pytest.mark.django_db(transaction=True)
def test_db_worker_killed_while_sending_delivers_once_after_restart(rep, settings):
    # A mail server that accepts the TCP connection and then never greets: the worker hangs in
    # the SMTP conversation, before anything was delivered.
    tarpit = socket.socket()
    tarpit.bind(("127.0.0.1", 0))
    tarpit.listen(5)
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    settings.EMAIL_ENABLED = True
    rep.email = "rep@example.com"
    rep.save()
    remind_at = (timezone.now() - dt.timedelta(minutes=1)).replace(microsecond=0)
    task = TaskFactory(assignee=rep, remind_at=remind_at)
    iso = remind_at.astimezone(dt.UTC).isoformat()
    deliver_task_reminder.enqueue(task.pk, iso)

    worker = subprocess.Popen(
        [sys.executable, "manage.py", "db_worker", "--interval", "0.2", "--no-reload"],
        cwd=REPO,
        env=_worker_env(tarpit.getsockname()[1]),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        _wait(
            lambda: OutboundMessage.objects.filter(claimed_until__isnull=False).exists(),
            90,
            "the worker to start sending",
        )
        time.sleep(0.5)
    finally:
        os.killpg(worker.pid, signal.SIGKILL)
        worker.wait(10)
        tarpit.close()
    row = OutboundMessage.objects.get()
    assert row.status == OutboundMessage.Status.PENDING and row.sent_at is None
    assert Notification.objects.filter(user=rep).count() == 1

    # After the restart, with the mail server answering again.
    with SmtpServer() as server:
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST, settings.EMAIL_PORT = server.host, server.port
        settings.TASKS = {
            "default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}
        }
        after_claim = timezone.now() + dt.timedelta(seconds=outbox.CLAIM_SECONDS + 1)
        assert deliver_task_reminder.call(task.pk, iso) is False  # the job, run again
        assert outbox.deliver_due(now=after_claim) == {"sent": 1}
        assert outbox.deliver_due(now=after_claim) == {}
        _wait(lambda: len(server.received) >= 1, 10, "the e-mail")
        time.sleep(0.3)
        assert len(server.received) == 1
        assert server.received[0].rcpt_tos == ["rep@example.com"]
    assert Notification.objects.filter(user=rep).count() == 1
