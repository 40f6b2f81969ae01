"""Background jobs of the tasks app (django-tasks)."""

from __future__ import annotations

import datetime as dt

from django_tasks import task


@task()
def deliver_task_reminder(task_id: int, remind_at: str) -> bool:
    """Enqueued to run at the task's remind_at; `remind_at` (ISO 8601) is the reminder it was
    scheduled for, so a job made stale by a reschedule does nothing."""
    from .services import deliver_reminder

    return deliver_reminder(task_id, dt.datetime.fromisoformat(remind_at))
