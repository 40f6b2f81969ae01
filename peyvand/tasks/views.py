"""My day, the task pages and the tasks panel of the 360 page: thin views over services."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from peyvand.accounts.permissions import (
    ADD,
    CHANGE,
    DELETE,
    TASKS,
    VIEW,
    declares_permission,
    has_perm,
    require_perm,
)
from peyvand.contacts.models import Company, Contact
from peyvand.core.pagination import InvalidCursor

from . import selectors, services
from .forms import PanelTaskForm, TaskForm
from .models import Task

RECORD_MODELS: dict[str, type[Contact] | type[Company]] = {"contact": Contact, "company": Company}
PANEL_LIMIT = 10


def _next_url(request: HttpRequest, fallback: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return fallback


def _task(request: HttpRequest, pk: int) -> Task:
    task = selectors.visible_task(request.user, pk)
    if task is None:
        raise Http404
    return task


def _apply_service_errors(form, exc: ValidationError) -> None:
    for field, errors in exc.message_dict.items():
        target = field if field in form.fields and field != NON_FIELD_ERRORS else None
        for message in errors:
            form.add_error(target, message)


@login_required
@declares_permission(TASKS, VIEW)
def my_day(request: HttpRequest) -> HttpResponse:
    require_perm(request.user, TASKS, VIEW)
    scope = request.GET.get("scope")
    scope = scope if scope in selectors.SCOPES else selectors.SCOPE_MINE
    done = request.GET.get("done") == "1"
    try:
        page = selectors.my_day(
            request.user, scope=scope, done=done, cursor=request.GET.get("cursor")
        )
    except InvalidCursor:
        return redirect("tasks:my_day")
    form = TaskForm(user=request.user) if has_perm(request.user, TASKS, ADD) else None
    return render(
        request,
        "tasks/my_day.html",
        {"page": page, "scope": scope, "done": done, "form": form, "scopes": _scope_labels()},
    )


def _scope_labels() -> list[tuple[str, str]]:
    return [
        (selectors.SCOPE_MINE, _("Mine")),
        (selectors.SCOPE_TEAM, _("My team")),
        (selectors.SCOPE_CREATED, _("Created by me")),
    ]


def _linked(user, params) -> list[Contact | Company]:
    """The records a new task will be about, named on the form (ids come from the 360 page)."""
    linked = []
    for name, model in RECORD_MODELS.items():
        pk = params.get(name, "")
        if pk.isdigit():
            record = model.objects.visible_to(user).filter(pk=pk).first()
            if record is not None:
                linked.append(record)
    return linked


@login_required
@declares_permission(TASKS, ADD)
def create(request: HttpRequest) -> HttpResponse:
    require_perm(request.user, TASKS, ADD)
    if request.method != "POST":
        initial = {k: request.GET[k] for k in RECORD_MODELS if request.GET.get(k, "").isdigit()}
        form = TaskForm(user=request.user, initial=initial)
        context = {
            "form": form,
            "next": _next_url(request, ""),
            "linked": _linked(request.user, request.GET),
        }
        return render(request, "tasks/task_form.html", context)
    form = TaskForm(request.POST, user=request.user)
    if form.is_valid():
        try:
            task = services.create_task(user=request.user, **form.service_kwargs())
        except ValidationError as exc:
            _apply_service_errors(form, exc)
        else:
            messages.success(request, _("The task was added."))
            return redirect(_next_url(request, task.get_absolute_url()))
    context = {
        "form": form,
        "next": _next_url(request, ""),
        "linked": _linked(request.user, request.POST),
    }
    return render(request, "tasks/task_form.html", context, status=422)


@login_required
@declares_permission(TASKS, VIEW)
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    require_perm(request.user, TASKS, VIEW)
    return render(request, "tasks/detail.html", {"task": _task(request, pk)})


@login_required
@declares_permission(TASKS, CHANGE)
def edit(request: HttpRequest, pk: int) -> HttpResponse:
    require_perm(request.user, TASKS, CHANGE)
    task = _task(request, pk)
    if request.method != "POST":
        return render(
            request,
            "tasks/task_form.html",
            {"form": TaskForm.for_task(task, user=request.user), "task": task},
        )
    form = TaskForm.for_task(task, user=request.user, data=request.POST)
    if form.is_valid():
        changes = form.service_kwargs()
        # An unchanged link is not re-checked (the record may have been merged since).
        for name in ("contact", "company"):
            record = changes[name]
            if (record.pk if record else None) == getattr(task, f"{name}_id"):
                del changes[name]
        try:
            services.update_task(task, user=request.user, **changes)
        except ValidationError as exc:
            _apply_service_errors(form, exc)
        else:
            messages.success(request, _("The task was saved."))
            return redirect(task.get_absolute_url())
    return render(request, "tasks/task_form.html", {"form": form, "task": task}, status=422)


@require_POST
@login_required
@declares_permission(TASKS, CHANGE)
def toggle(request: HttpRequest, pk: int) -> HttpResponse:
    """Done / not done. htmx gets the task's row (or the 360 panel) back."""
    require_perm(request.user, TASKS, CHANGE)
    task = _task(request, pk)
    services.set_done(task, request.POST.get("done") == "1", user=request.user)
    if not request.htmx:
        return redirect(_next_url(request, task.get_absolute_url()))
    record_kind = request.POST.get("panel", "")
    if record_kind in RECORD_MODELS:
        record = task.contact if record_kind == "contact" else task.company
        if record is not None:
            return render(request, "tasks/panel.html", panel_context(request, record))
    return render(request, "tasks/_task_row.html", {"task": task, "show_record": True})


@require_POST
@login_required
@declares_permission(TASKS, DELETE)
def delete(request: HttpRequest, pk: int) -> HttpResponse:
    require_perm(request.user, TASKS, DELETE)
    task = _task(request, pk)
    services.delete_task(task, user=request.user)
    messages.success(request, _("The task was deleted."))
    return redirect(_next_url(request, reverse("tasks:my_day")))


# --- The 360 page panel ---------------------------------------------------------------------


def panel_context(request: HttpRequest, record: Contact | Company, *, form=None) -> dict:
    user = request.user
    tasks = selectors.open_tasks_for(record, user, limit=PANEL_LIMIT + 1)
    can_add = has_perm(user, TASKS, ADD)
    return {
        "record": record,
        "record_kind": "contact" if isinstance(record, Contact) else "company",
        "next_step": selectors.next_step_for(record, user),
        "open_tasks": tasks[:PANEL_LIMIT],
        "more_tasks": len(tasks) > PANEL_LIMIT,
        "can_add": can_add,
        "can_change": has_perm(user, TASKS, CHANGE),
        "task_form": form or (PanelTaskForm(user=user) if can_add else None),
    }


@login_required
@declares_permission(TASKS, VIEW)
@declares_permission(TASKS, ADD, to_write=True)
def panel(request: HttpRequest, record_kind: str, pk: int) -> HttpResponse:
    """GET: the panel. POST: add a task about the record and answer with the panel."""
    require_perm(request.user, TASKS, VIEW)
    model = RECORD_MODELS.get(record_kind)
    if model is None:
        raise Http404
    record = get_object_or_404(model.objects.visible_to(request.user), pk=pk)
    if request.method != "POST":
        return render(request, "tasks/panel.html", panel_context(request, record))
    require_perm(request.user, TASKS, ADD)
    form = PanelTaskForm(request.POST, user=request.user)
    if form.is_valid():
        try:
            services.create_task(
                user=request.user, **{record_kind: record}, **form.service_kwargs()
            )
        except ValidationError as exc:
            _apply_service_errors(form, exc)
        else:
            if not request.htmx:
                return redirect(record.get_absolute_url())
            return render(request, "tasks/panel.html", panel_context(request, record))
    return render(
        request, "tasks/panel.html", panel_context(request, record, form=form), status=422
    )
