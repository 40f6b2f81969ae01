"""Tasks and reminders.

Reminders are delivered two ways, and delivery is idempotent so both may run:

1. When a task's remind_at is set or changed, a background job `deliver_task_reminder` is
   enqueued (django-tasks) to run at remind_at. The job re-reads the task and does nothing if
   the task is done, its remind_at changed since (a newer job owns it), or it was reminded.
2. `deliver_due_reminders()` (management command `deliver_due_reminders`) sweeps reminders whose
   time has passed but that were never delivered — a job lost by a crashed worker, a backend
   that cannot defer jobs, or tasks bulk-imported without jobs. Run it every few minutes from
   cron or a systemd timer.

A reminder is claimed with one conditional UPDATE (reminded_at IS NULL); the in-app
notification carries a dedupe key, so a retried job never notifies twice."""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from peyvand.accounts.models import User
from peyvand.accounts.services import notify
from peyvand.contacts.models import Company, Contact
from peyvand.core.persian import normalize_text
from peyvand.timeline import services as timeline

from .models import Task

logger = logging.getLogger(__name__)

DESCRIPTION_MAX_CHARS = 20_000
# A deferred job may start a little before its time when clocks differ between machines.
EARLY_TOLERANCE = dt.timedelta(seconds=30)
SWEEP_BATCH = 500
_CHANGEABLE = frozenset(
    {"title", "description", "due_at", "remind_at", "priority", "assignee", "contact", "company"}
)


def _aware(value: dt.datetime | None) -> dt.datetime | None:
    if value is None:
        return None
    return timezone.make_aware(value) if timezone.is_naive(value) else value


def _clean(
    values: dict[str, Any], *, check: frozenset[str] = frozenset({"assignee", "contact", "company"})
) -> dict[str, Any]:
    """Normalised values; raises ValidationError with every problem at once. Relations are
    checked only when in `check`: editing a title must not fail because the task's contact
    was merged since."""
    errors: dict[str, list[str]] = {}
    title = normalize_text(values["title"])
    if not title:
        errors["title"] = [_("Enter a title for the task.")]
    elif len(title) > 200:
        errors["title"] = [_("The title is too long; at most 200 characters.")]
    description = normalize_text(values["description"], multiline=True)
    if len(description) > DESCRIPTION_MAX_CHARS:
        errors["description"] = [
            _("The text is too long; at most %(max)s characters.") % {"max": DESCRIPTION_MAX_CHARS}
        ]
    if values["priority"] not in Task.Priority.values:
        errors["priority"] = [_("Choose one of the listed options.")]
    assignee = values["assignee"]
    if "assignee" in check and assignee is not None and not assignee.is_active:
        errors["assignee"] = [_("This user is no longer active; choose someone else.")]
    for field, model in (("contact", Contact), ("company", Company)):
        record = values[field]
        if record is not None and not isinstance(record, model):
            raise TypeError(f"{field} must be a {model.__name__}")
        if field in check and record is not None and (record.deleted_at or record.merged_into_id):
            errors[field] = [_("This record was deleted or merged into another one.")]
    if errors:
        raise ValidationError(errors)
    return {
        **values,
        "title": title,
        "description": description,
        "due_at": _aware(values["due_at"]),
        "remind_at": _aware(values["remind_at"]),
    }


def reminder_key(task_id: int, remind_at: dt.datetime) -> str:
    """Identifies one reminder of one task: the same instant always gives the same key."""
    return f"task-reminder:{task_id}:{remind_at.astimezone(dt.UTC).isoformat()}"


def _schedule_reminder(task: Task) -> None:
    from .jobs import deliver_task_reminder

    remind_at = task.remind_at
    job = deliver_task_reminder
    if job.get_backend().supports_defer:
        job = job.using(run_after=remind_at)
    elif remind_at > timezone.now():
        # This backend would run the job at once, before its time; the sweep delivers it.
        return
    args = (task.pk, remind_at.astimezone(dt.UTC).isoformat())
    # After commit, so the job never sees (or misses) an uncommitted task.
    transaction.on_commit(lambda: job.enqueue(*args))


def _notify_assigned(task: Task, by: User) -> None:
    assignee = task.assignee
    if assignee is None or assignee.pk == by.pk:
        return
    with translation.override(assignee.language):
        text = _("%(user)s gave you a task: %(title)s") % {"user": by, "title": task.title}
    notify(assignee, text, url=task.get_absolute_url())


def create_task(
    *,
    user: User,
    title: str,
    due_at: dt.datetime | None = None,
    remind_at: dt.datetime | None = None,
    assignee: User | None = None,
    contact: Contact | None = None,
    company: Company | None = None,
    related: Any = None,
    description: str = "",
    priority: str = Task.Priority.NORMAL,
) -> Task:
    """A task for `assignee` (default: `user`), optionally about a contact, a company or any
    other record (`related`, e.g. a deal). Raises ValidationError."""
    values = _clean(
        {
            "title": title,
            "description": description,
            "due_at": due_at,
            "remind_at": remind_at,
            "priority": priority,
            "assignee": assignee or user,
            "contact": contact,
            "company": company,
        }
    )
    task = Task(**values, team_id=values["assignee"].team_id, created_by=user)
    if related is not None:
        task.related_type = ContentType.objects.get_for_model(related)
        task.related_id = related.pk
    with transaction.atomic():
        task.save()
        if task.remind_at is not None:
            _schedule_reminder(task)
        _notify_assigned(task, user)
    return task


def update_task(task: Task, *, user: User, **changes: Any) -> Task:
    """Change any of title, description, due_at, remind_at, priority, assignee, contact,
    company. A new remind_at is a new reminder: it is delivered even if the old one was."""
    unknown = set(changes) - _CHANGEABLE
    if unknown:
        raise TypeError(f"update_task() got unexpected fields: {', '.join(sorted(unknown))}")
    if "assignee" in changes and changes["assignee"] is None:
        changes["assignee"] = user
    # Relations not being changed are not loaded: they are neither checked nor written.
    current = {
        name: getattr(task, name)
        for name in ("title", "description", "due_at", "remind_at", "priority")
    }
    values = _clean(
        {"assignee": None, "contact": None, "company": None, **current, **changes},
        check=frozenset(changes),
    )
    remind_changed = values["remind_at"] != task.remind_at
    assignee_changed = "assignee" in changes and values["assignee"].pk != task.assignee_id
    fields = {"updated_at"}
    for name, value in values.items():
        if name in current or name in changes:
            setattr(task, name, value)
            fields.add(name)
    if assignee_changed:
        task.team_id = task.assignee.team_id
        fields.add("team")
    if remind_changed:
        task.reminded_at = None
        fields.add("reminded_at")
    with transaction.atomic():
        # Only what changed: done_at and reminded_at may have been set meanwhile by others.
        task.save(update_fields=sorted(fields))
        if remind_changed and task.remind_at is not None and not task.is_done:
            _schedule_reminder(task)
        if assignee_changed:
            _notify_assigned(task, user)
    return task


def complete_task(task: Task, *, user: User) -> Task:
    """Mark done (once, even if two people click at the same moment) and put a "task_done"
    entry on the timeline of the task's contact/company."""
    now = timezone.now()
    with transaction.atomic():
        claimed = Task.objects.filter(pk=task.pk, done_at__isnull=True).update(
            done_at=now, updated_at=now
        )
        if not claimed:
            task.refresh_from_db(fields=["done_at"])
            return task
        task.done_at = now
        if task.contact_id or task.company_id:
            timeline.record_entry(
                kind="task_done",
                contact=task.contact,
                company=task.company,
                author=user,
                occurred_at=now,
                subject=task.title,
                source=task,
            )
    return task


def reopen_task(task: Task, *, user: User) -> Task:
    """Undo "done": the task_done timeline entry goes, and a pending reminder is due again."""
    with transaction.atomic():
        reopened = Task.objects.filter(pk=task.pk, done_at__isnull=False).update(
            done_at=None, updated_at=timezone.now()
        )
        task.done_at = None
        if not reopened:
            return task
        timeline.remove_entries(kind="task_done", source=task)
        task.refresh_from_db(fields=["remind_at", "reminded_at"])
        if task.remind_at is not None and task.reminded_at is None:
            _schedule_reminder(task)
    return task


def set_done(task: Task, done: bool, *, user: User) -> Task:
    return complete_task(task, user=user) if done else reopen_task(task, user=user)


def delete_task(task: Task, *, user: User) -> None:
    # Its task_done entries stay: the timeline is history.
    task.delete()


# --- Reminder delivery ---------------------------------------------------------------------


def deliver_reminder(
    task_id: int, remind_at: dt.datetime, *, now: dt.datetime | None = None
) -> bool:
    """Deliver the reminder of `task_id` set for `remind_at`; True if this call delivered it.

    Does nothing when the task is gone or done, when its remind_at is no longer `remind_at`
    (rescheduled: the newer job delivers), when it was already delivered, or when called early."""
    now = now or timezone.now()
    if remind_at > now + EARLY_TOLERANCE:
        return False
    with transaction.atomic():
        claimed = Task.objects.filter(
            pk=task_id, remind_at=remind_at, reminded_at__isnull=True, done_at__isnull=True
        ).update(reminded_at=now)
        if not claimed:
            return False
        task = Task.objects.select_related("assignee", "created_by").get(pk=task_id)
        recipient = task.assignee or task.created_by
        if recipient is None or not recipient.is_active:
            return True
        with translation.override(recipient.language):
            text = _("Reminder: %(title)s") % {"title": task.title}
        notify(
            recipient,
            text,
            url=task.get_absolute_url(),
            dedupe_key=reminder_key(task_id, remind_at),
        )
        if settings.EMAIL_ENABLED and recipient.email:
            # In the claim's transaction: a job killed after the commit is not run twice (the
            # claim), and the e-mail is still sent, once, by the outbox.
            _queue_email_reminder(task, recipient, reminder_key(task_id, remind_at))
    return True


def _queue_email_reminder(task: Task, recipient: User, key: str) -> None:
    from peyvand.core.dates import format_datetime
    from peyvand.core.outbox import queue_email

    with translation.override(recipient.language):
        subject = _("Reminder: %(title)s") % {"title": task.title}
        lines = [task.title]
        if task.due_at:
            lines.append(_("Due: %(when)s") % {"when": format_datetime(task.due_at)})
        if task.description:
            lines += ["", task.description]
    queue_email(f"{key}:email", to=[recipient.email], subject=subject[:200], body="\n".join(lines))


def deliver_due_reminders(now: dt.datetime | None = None) -> int:
    """Deliver every reminder whose time has come and that was not delivered; returns how many.

    The safety net behind the per-task jobs (see the module docstring)."""
    now = now or timezone.now()
    due = (
        Task.objects.filter(reminded_at__isnull=True, done_at__isnull=True, remind_at__lte=now)
        .order_by("remind_at", "id")
        .values_list("id", "remind_at")
    )
    delivered = 0
    while True:
        batch = list(due[:SWEEP_BATCH])
        done_now = sum(deliver_reminder(pk, remind_at, now=now) for pk, remind_at in batch)
        delivered += done_now
        # Delivered rows leave the query; stop when a batch made no progress (lost races).
        if len(batch) < SWEEP_BATCH or done_now == 0:
            return delivered
