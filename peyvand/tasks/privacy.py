"""Tasks about a customer, for export and erasure (contacts.privacy).

Erasure keeps the task (assignee, due date, status: workload reports count it) and replaces its
title and description, which often name the person."""

from __future__ import annotations

from django.utils.translation import gettext as _

from peyvand.contacts.privacy import Erasure, ExportPart, register_eraser, register_exporter, rows

from .models import Task


def export_tasks(record) -> ExportPart:
    field = "company" if record._meta.model_name == "company" else "contact"
    tasks = Task.objects.filter(**{field: record}).order_by("created_at", "id")
    return ExportPart(rows(tasks, "id", "title", "description", "priority", "due_at", "done_at"))


def erase_tasks(erasure: Erasure) -> None:
    tasks = Task.objects.filter(erasure.owner_q())
    for title, description in tasks.values_list("title", "description"):
        erasure.add_strings(title, description)
    erasure.forget_queryset(tasks)
    tasks.update(title=_("Task about an erased customer"), description="")


def register() -> None:
    register_exporter("tasks", export_tasks, order=20)
    register_eraser("tasks", erase_tasks)
