"""/api/v1/tasks: tasks and reminders, with the same permissions as the pages
(tasks.view / add / change / delete) and the same visibility (assignee's sharing, or creator)."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema, Status
from ninja.errors import HttpError
from pydantic import ConfigDict

from peyvand.accounts.models import User
from peyvand.accounts.permissions import (
    ADD,
    CHANGE,
    DELETE,
    TASKS,
    VIEW,
    declares_permission,
    require_perm,
)
from peyvand.contacts.models import Company, Contact
from peyvand.core.pagination import InvalidCursor

from . import selectors, services
from .models import Task

router = Router(tags=["tasks"])

Priority = Literal["low", "normal", "high"]


class PersonOut(Schema):
    id: int
    name: str


class RecordOut(Schema):
    id: int
    name: str


class TaskOut(Schema):
    id: int
    title: str
    description: str
    due_at: datetime | None
    remind_at: datetime | None
    reminded_at: datetime | None
    priority: str
    done: bool
    done_at: datetime | None
    overdue: bool
    assignee: PersonOut | None
    created_by_id: int | None
    contact: RecordOut | None
    company: RecordOut | None
    created_at: datetime
    updated_at: datetime


class TaskPage(Schema):
    items: list[TaskOut]
    next_cursor: str | None


class TaskIn(Schema):
    model_config = ConfigDict(extra="forbid")

    title: str = Field(..., min_length=1, max_length=200)
    description: str = Field("", max_length=services.DESCRIPTION_MAX_CHARS)
    due_at: datetime | None = None
    remind_at: datetime | None = Field(None, description="When to remind the assignee.")
    priority: Priority = "normal"
    assignee_id: int | None = Field(None, description="Defaults to you.")
    contact_id: int | None = None
    company_id: int | None = None


class TaskPatch(Schema):
    model_config = ConfigDict(extra="forbid")

    title: str | None = Field(None, min_length=1, max_length=200)
    description: str | None = Field(None, max_length=services.DESCRIPTION_MAX_CHARS)
    due_at: datetime | None = None
    remind_at: datetime | None = None
    priority: Priority | None = None
    assignee_id: int | None = None
    contact_id: int | None = None
    company_id: int | None = None
    done: bool | None = Field(None, description="true marks the task done, false reopens it.")


def _person(user: User | None) -> dict | None:
    return {"id": user.pk, "name": user.get_full_name() or user.username} if user else None


def _out(task: Task) -> dict:
    return {
        "id": task.pk,
        "title": task.title,
        "description": task.description,
        "due_at": task.due_at,
        "remind_at": task.remind_at,
        "reminded_at": task.reminded_at,
        "priority": task.priority,
        "done": task.is_done,
        "done_at": task.done_at,
        "overdue": task.is_overdue(),
        "assignee": _person(task.assignee),
        "created_by_id": task.created_by_id,
        "contact": {"id": task.contact.pk, "name": task.contact.full_name}
        if task.contact
        else None,
        "company": {"id": task.company.pk, "name": task.company.name} if task.company else None,
        "created_at": task.created_at,
        "updated_at": task.updated_at,
    }


def _task(user, task_id: int) -> Task:
    task = selectors.visible_task(user, task_id)
    if task is None:
        raise Http404
    return task


def _lookup(field: str, pk: int | None, user):
    """The related object for `<field>_id`; a 422 naming the field when there is none."""
    if pk is None:
        return None
    if field == "assignee":
        found = User.objects.filter(pk=pk, is_active=True).first()
        message = _("No active user with this id.")
    else:
        model = Contact if field == "contact" else Company
        found = model.objects.visible_to(user).filter(pk=pk).first()
        message = (
            _("No contact with this id.") if model is Contact else _("No company with this id.")
        )
    if found is None:
        raise ValidationError({f"{field}_id": [message]})
    return found


def _rename_errors(exc: ValidationError) -> ValidationError:
    """Service errors name model fields ("contact"); the API's fields are "contact_id"."""
    renamed = {
        f"{field}_id" if field in ("assignee", "contact", "company") else field: messages
        for field, messages in exc.message_dict.items()
    }
    return ValidationError(renamed)


@router.get("", response=TaskPage, summary="List tasks by due date")
@declares_permission(TASKS, VIEW)
def list_tasks(
    request,
    assignee: str | None = None,
    contact_id: int | None = None,
    company_id: int | None = None,
    status: Literal["open", "done", "all"] = "open",
    overdue: bool = False,
    cursor: str | None = None,
    limit: int = settings.API_PAGE_SIZE,
):
    """`assignee` is `me` or a user id. Tasks without a due date come last; page on with
    `next_cursor`."""
    user = request.user
    require_perm(user, TASKS, VIEW)
    assignee_id = None
    if assignee == "me":
        assignee_id = user.pk
    elif assignee:
        if not assignee.isdigit():
            raise ValidationError({"assignee": [_("Use “me” or a user id.")]})
        assignee_id = int(assignee)
    try:
        page = selectors.tasks_page(
            user,
            assignee_id=assignee_id,
            contact_id=contact_id,
            company_id=company_id,
            done={"open": False, "done": True, "all": None}[status],
            overdue=overdue,
            cursor=cursor,
            limit=max(1, min(limit, settings.API_MAX_PAGE_SIZE)),
        )
    except InvalidCursor as exc:
        raise HttpError(400, _("The cursor is not valid; start from the first page.")) from exc
    return {"items": [_out(t) for t in page.items], "next_cursor": page.next_cursor}


@router.post("", response={201: TaskOut}, summary="Create a task")
@declares_permission(TASKS, ADD)
def create_task(request, payload: TaskIn):
    user = request.user
    require_perm(user, TASKS, ADD)
    related = {
        "assignee": _lookup("assignee", payload.assignee_id, user),
        "contact": _lookup("contact", payload.contact_id, user),
        "company": _lookup("company", payload.company_id, user),
    }
    try:
        task = services.create_task(
            user=user,
            title=payload.title,
            description=payload.description,
            due_at=payload.due_at,
            remind_at=payload.remind_at,
            priority=payload.priority,
            **related,
        )
    except ValidationError as exc:
        raise _rename_errors(exc) from exc
    return Status(201, _out(_task(user, task.pk)))


@router.get("/{int:task_id}", response=TaskOut, summary="One task")
@declares_permission(TASKS, VIEW)
def get_task(request, task_id: int):
    require_perm(request.user, TASKS, VIEW)
    return _out(_task(request.user, task_id))


@router.patch("/{int:task_id}", response=TaskOut, summary="Change a task, or mark it done")
@declares_permission(TASKS, CHANGE)
def patch_task(request, task_id: int, payload: TaskPatch):
    """Send only the fields to change; `null` clears due_at, remind_at, contact_id and
    company_id, and assigns the task to you for assignee_id. `done: true|false` completes or
    reopens the task."""
    user = request.user
    require_perm(user, TASKS, CHANGE)
    task = _task(user, task_id)
    data = payload.model_dump(exclude_unset=True)
    done = data.pop("done", None)
    for field in ("title", "priority", "description"):
        if field in data and data[field] is None:
            raise ValidationError({field: [_("This field cannot be empty.")]})
    changes = {}
    for field in ("assignee", "contact", "company"):
        if f"{field}_id" in data:
            changes[field] = _lookup(field, data.pop(f"{field}_id"), user)
    changes.update(data)
    try:
        with transaction.atomic():
            if changes:
                services.update_task(task, user=user, **changes)
            if done is not None:
                services.set_done(task, done, user=user)
    except ValidationError as exc:
        raise _rename_errors(exc) from exc
    return _out(_task(user, task_id))


@router.delete("/{int:task_id}", response={204: None}, summary="Delete a task")
@declares_permission(TASKS, DELETE)
def delete_task(request, task_id: int):
    require_perm(request.user, TASKS, DELETE)
    services.delete_task(_task(request.user, task_id), user=request.user)
    return Status(204, None)
