"""What the home page shows: small, bounded reads over tasks, timeline and contacts."""

from __future__ import annotations

from datetime import datetime, time, timedelta

from django.utils import timezone

from peyvand.accounts import permissions
from peyvand.accounts.models import User
from peyvand.contacts.models import Company, Contact
from peyvand.core.counts import RowCount, capped_count, estimated_count
from peyvand.core.db_routers import report_reads
from peyvand.tasks.models import Task
from peyvand.timeline.models import TimelineEntry

MY_TASKS_LIMIT = 10
ACTIVITY_LIMIT = 15
RECENT_CONTACTS_LIMIT = 8
# A personal task count beyond this is shown as "999+": nobody works through more.
TASK_COUNT_CAP = 999


def end_of_today(now: datetime | None = None) -> datetime:
    local = timezone.localtime(now or timezone.now())
    tomorrow = local.date() + timedelta(days=1)
    return timezone.make_aware(datetime.combine(tomorrow, time.min), local.tzinfo)


def _my_open_tasks(user: User):
    return Task.objects.visible_to(user).open().filter(assignee=user)


def my_task_counts(user: User, now: datetime | None = None) -> dict[str, RowCount]:
    now = now or timezone.now()
    return {
        "open": capped_count(_my_open_tasks(user), TASK_COUNT_CAP),
        "overdue": capped_count(_my_open_tasks(user).filter(due_at__lt=now), TASK_COUNT_CAP),
    }


def my_tasks_due(user: User, now: datetime | None = None) -> list[Task]:
    """Open tasks assigned to the user that are overdue or due today, the most overdue first."""
    return list(
        _my_open_tasks(user)
        .filter(due_at__lt=end_of_today(now))
        .select_related("contact", "company")
        .only(
            "id",
            "title",
            "due_at",
            "priority",
            "done_at",
            "contact__id",
            "contact__first_name",
            "contact__last_name",
            "company__id",
            "company__name",
        )
        .order_by("due_at", "id")[:MY_TASKS_LIMIT]
    )


@report_reads
def customer_count(user: User, model: type[Contact] | type[Company]) -> RowCount:
    """Records of `model` the user can see. When the user sees every record, a big table is
    estimated from statistics; with a restricted scope it is counted up to the exact limit."""
    visible = model.objects.visible_to(user)
    if not permissions.visible_filter(user, permissions.CONTACTS):
        return estimated_count(model, visible)
    return capped_count(visible, 10_000)


def recent_activity(user: User) -> list[TimelineEntry]:
    """The latest entries on customers the user can see (entry.kind_info gives label and icon)."""
    return list(
        TimelineEntry.objects.visible_to(user)
        .select_related("contact", "company", "author")
        .only(
            "id",
            "kind",
            "subject",
            "occurred_at",
            "direction",
            "contact__id",
            "contact__first_name",
            "contact__last_name",
            "company__id",
            "company__name",
            "author__id",
            "author__first_name",
            "author__last_name",
            "author__username",
        )
        .order_by("-occurred_at", "-id")[:ACTIVITY_LIMIT]
    )


def recent_contacts(user: User) -> list[Contact]:
    return list(
        Contact.objects.visible_to(user)
        .only("id", "first_name", "last_name", "primary_phone", "lifecycle_stage", "created_at")
        .order_by("-created_at", "-id")[:RECENT_CONTACTS_LIMIT]
    )


def home(user: User) -> dict:
    """Everything the home page shows, only for the modules the user may view."""
    can = {
        code: permissions.has_perm(user, code, permissions.VIEW)
        for code in (permissions.CONTACTS, permissions.TIMELINE, permissions.TASKS)
    }
    data: dict = {"can": can}
    if can[permissions.TASKS]:
        data["task_counts"] = my_task_counts(user)
        data["my_tasks"] = my_tasks_due(user)
    if can[permissions.CONTACTS]:
        data["contact_count"] = customer_count(user, Contact)
        data["company_count"] = customer_count(user, Company)
        data["recent_contacts"] = recent_contacts(user)
    if can[permissions.TIMELINE] and can[permissions.CONTACTS]:
        data["activity"] = recent_activity(user)
    return data
