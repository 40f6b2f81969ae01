"""Reading tasks: "My day", a record's next step and open tasks, the API's list."""

from __future__ import annotations

import datetime as dt

from django.db.models import DateTimeField, Q, QuerySet, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from peyvand.contacts.models import Company, Contact
from peyvand.core.pagination import KeysetPage, paginate_keyset

from .models import Task

# Tasks without a due date sort after every dated one; keyset pagination needs a non-null key.
NO_DUE_DATE = dt.datetime(9999, 12, 31, tzinfo=dt.UTC)
DUE_ORDER = ("due_sort", "id")
DONE_ORDER = ("-done_at", "-id")
MAX_LIMIT = 200

SCOPE_MINE, SCOPE_TEAM, SCOPE_CREATED = "mine", "team", "created"
SCOPES = (SCOPE_MINE, SCOPE_TEAM, SCOPE_CREATED)

OVERDUE, TODAY, UPCOMING, NO_DATE, DONE = "overdue", "today", "upcoming", "no_date", "done"

LIST_FIELDS = (
    "id",
    "title",
    "due_at",
    "remind_at",
    "priority",
    "done_at",
    "assignee_id",
    "contact_id",
    "company_id",
    "created_by_id",
    "assignee__id",
    "assignee__username",
    "assignee__first_name",
    "assignee__last_name",
    "contact__id",
    "contact__first_name",
    "contact__last_name",
    "company__id",
    "company__name",
)


def with_due_sort(tasks: QuerySet[Task]) -> QuerySet[Task]:
    return tasks.annotate(
        due_sort=Coalesce("due_at", Value(NO_DUE_DATE, output_field=DateTimeField()))
    )


def end_of_today(now: dt.datetime) -> dt.datetime:
    local = timezone.localtime(now)
    return timezone.make_aware(
        dt.datetime.combine(local.date() + dt.timedelta(days=1), dt.time.min)
    )


def bucket_of(task: Task, now: dt.datetime, today_ends: dt.datetime) -> str:
    if task.done_at is not None:
        return DONE
    if task.due_at is None:
        return NO_DATE
    if task.due_at < now:
        return OVERDUE
    return TODAY if task.due_at < today_ends else UPCOMING


def _scoped(user, scope: str) -> QuerySet[Task]:
    tasks = Task.objects.visible_to(user)
    if scope == SCOPE_TEAM:
        teams = set(user.managed_team_ids())
        if user.team_id:
            teams.add(user.team_id)
        return tasks.filter(Q(team_id__in=sorted(teams)) | Q(assignee=user))
    if scope == SCOPE_CREATED:
        return tasks.filter(created_by=user)
    return tasks.filter(assignee=user)


def my_day(
    user,
    *,
    scope: str = SCOPE_MINE,
    done: bool = False,
    cursor: str | None = None,
    limit: int = 50,
    now: dt.datetime | None = None,
) -> KeysetPage:
    """Open tasks by due date: overdue first, then today, upcoming, and those without a date
    (each task gets `.bucket`); with done=True, finished tasks, most recent first.

    Raises core.pagination.InvalidCursor."""
    now = now or timezone.now()
    tasks = _scoped(user, scope).select_related("assignee", "contact", "company")
    tasks = tasks.only(*LIST_FIELDS)
    if done:
        page = paginate_keyset(
            tasks.filter(done_at__isnull=False),
            order=DONE_ORDER,
            cursor=cursor,
            limit=min(limit, MAX_LIMIT),
        )
    else:
        page = paginate_keyset(
            with_due_sort(tasks.open()), order=DUE_ORDER, cursor=cursor, limit=min(limit, MAX_LIMIT)
        )
    today_ends = end_of_today(now)
    for task in page.items:
        task.bucket = bucket_of(task, now, today_ends)
    return page


def _record_filter(record: Contact | Company) -> Q:
    return Q(contact=record) if isinstance(record, Contact) else Q(company=record)


def next_step_for(record: Contact | Company, user=None) -> Task | None:
    """The record's next step: its open task due soonest (undated tasks last). With `user`,
    only among the tasks that user may see."""
    tasks = Task.objects.visible_to(user) if user is not None else Task.objects.all()
    return (
        with_due_sort(tasks.open().filter(_record_filter(record)))
        .select_related("assignee")
        .order_by(*DUE_ORDER)
        .first()
    )


def open_tasks_for(record: Contact | Company, user, *, limit: int = 10) -> list[Task]:
    return list(
        with_due_sort(Task.objects.visible_to(user).open().filter(_record_filter(record)))
        .select_related("assignee", "contact", "company")
        .only(*LIST_FIELDS)
        .order_by(*DUE_ORDER)[:limit]
    )


def visible_task(user, pk: int) -> Task | None:
    return (
        Task.objects.visible_to(user)
        .select_related("assignee", "created_by", "contact", "company")
        .filter(pk=pk)
        .first()
    )


def tasks_page(
    user,
    *,
    assignee_id: int | None = None,
    contact_id: int | None = None,
    company_id: int | None = None,
    done: bool | None = None,
    overdue: bool = False,
    cursor: str | None = None,
    limit: int = 50,
    now: dt.datetime | None = None,
) -> KeysetPage:
    """The API's list, by due date (undated last). Raises InvalidCursor."""
    tasks = Task.objects.visible_to(user)
    if assignee_id is not None:
        tasks = tasks.filter(assignee_id=assignee_id)
    if contact_id is not None:
        tasks = tasks.filter(contact_id=contact_id)
    if company_id is not None:
        tasks = tasks.filter(company_id=company_id)
    if done is not None:
        tasks = tasks.filter(done_at__isnull=not done)
    if overdue:
        tasks = tasks.overdue(now or timezone.now())
    tasks = with_due_sort(tasks).select_related("assignee", "contact", "company")
    return paginate_keyset(tasks, order=DUE_ORDER, cursor=cursor, limit=min(limit, MAX_LIMIT))
