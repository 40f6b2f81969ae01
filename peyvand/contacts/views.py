"""Contact and company pages. Thin: permissions, forms and templates; the work is in services
and selectors. People and companies share every view through a `RecordKind`."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from peyvand.accounts.permissions import (
    ADD,
    CHANGE,
    CONTACTS,
    DELETE,
    VIEW,
    declares_permission,
    require_perm,
)
from peyvand.core.dates import format_date
from peyvand.core.pagination import InvalidCursor

from . import history, selectors, services
from .forms import ListFilterForm, MergeForm, RecordEditor
from .models import Company, Contact, MergeRecord
from .panels import panels_for

PAGE_SIZE = 50


@dataclass(frozen=True)
class RecordKind:
    code: str
    model: type
    list_selector: Callable
    detail_selector: Callable
    visible: Callable
    create: Callable
    update: Callable
    merge: Callable
    soft_delete: Callable
    list_template: str
    table_template: str
    detail_template: str
    form_template: str

    def url(self, name: str, *args: Any) -> str:
        return reverse(f"contacts:{self.code}_{name}", args=args)


CONTACT = RecordKind(
    "contact",
    Contact,
    selectors.contact_list,
    selectors.contact_360,
    selectors.visible_contact,
    services.create_contact,
    services.update_contact,
    services.merge_contacts,
    services.soft_delete_contact,
    "contacts/contact_list.html",
    "contacts/_contact_table.html",
    "contacts/contact_detail.html",
    "contacts/contact_form.html",
)
COMPANY = RecordKind(
    "company",
    Company,
    selectors.company_list,
    selectors.company_360,
    selectors.visible_company,
    services.create_company,
    services.update_company,
    services.merge_companies,
    services.soft_delete_company,
    "contacts/company_list.html",
    "contacts/_company_table.html",
    "contacts/company_detail.html",
    "contacts/company_form.html",
)


def _require(request: HttpRequest, *actions: str) -> None:
    for action in actions:
        require_perm(request.user, CONTACTS, action)


# --- Lists ------------------------------------------------------------------------------------


def _list(request: HttpRequest, kind: RecordKind) -> HttpResponse:
    _require(request, VIEW)
    form = ListFilterForm(request.GET or None)
    try:
        page = kind.list_selector(
            request.user,
            form.filters(),
            form.sort_key(),
            request.GET.get("cursor") or None,
            limit=PAGE_SIZE,
        )
    except InvalidCursor:
        query = request.GET.copy()
        query.pop("cursor", None)
        return redirect(f"{request.path}?{query.urlencode()}")
    context = {"form": form, "page": page, "kind": kind.code}
    if request.htmx and request.htmx.target == "results":
        return render(request, kind.table_template, context)
    return render(request, kind.list_template, context)


@login_required
@declares_permission(CONTACTS, VIEW)
def contact_list(request: HttpRequest) -> HttpResponse:
    return _list(request, CONTACT)


@login_required
@declares_permission(CONTACTS, VIEW)
def company_list(request: HttpRequest) -> HttpResponse:
    return _list(request, COMPANY)


# --- 360 pages --------------------------------------------------------------------------------


def _panels(request: HttpRequest, kind: str, record) -> dict[str, list[dict]]:
    columns: dict[str, list[dict]] = {"main": [], "side": []}
    for panel in panels_for(kind, request.user):
        columns.setdefault(panel.column, []).append(
            {"panel": panel, "context": panel.context(request, record)}
        )
    return columns


def _history_context(record, cursor: str | None) -> dict[str, Any]:
    page = selectors.record_history(record, cursor=cursor)
    return {"history": history.present(page.items, record), "history_page": page}


def _detail(request: HttpRequest, kind: RecordKind, pk: int) -> HttpResponse:
    _require(request, VIEW)
    try:
        record = kind.detail_selector(request.user, pk)
    except Http404:
        survivor_id = selectors.merged_survivor_id(request.user, kind.model, pk)
        if survivor_id:
            return redirect(kind.url("detail", survivor_id))
        raise
    columns = _panels(request, kind.code, record)
    context = {
        "record": record,
        kind.code: record,
        "kind": kind.code,
        "main_panels": columns["main"],
        "side_panels": columns["side"],
        "last_merge": selectors.last_merge(kind.code, record.pk),
        "history_url": kind.url("history", record.pk),
        **_history_context(record, None),
    }
    return render(request, kind.detail_template, context)


@login_required
@declares_permission(CONTACTS, VIEW)
def contact_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _detail(request, CONTACT, pk)


@login_required
@declares_permission(CONTACTS, VIEW)
def company_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _detail(request, COMPANY, pk)


def _history(request: HttpRequest, kind: RecordKind, pk: int) -> HttpResponse:
    _require(request, VIEW)
    record = kind.visible(request.user, pk)
    try:
        context = _history_context(record, request.GET.get("cursor") or None)
    except InvalidCursor:
        return HttpResponse(_("This link is out of date; reload the page."), status=400)
    context.update({"record": record, "history_url": kind.url("history", pk)})
    return render(request, "contacts/_history_rows.html", context)


@login_required
@declares_permission(CONTACTS, VIEW)
def contact_history(request: HttpRequest, pk: int) -> HttpResponse:
    return _history(request, CONTACT, pk)


@login_required
@declares_permission(CONTACTS, VIEW)
def company_history(request: HttpRequest, pk: int) -> HttpResponse:
    return _history(request, COMPANY, pk)


# --- Create and edit --------------------------------------------------------------------------


def _duplicates(request: HttpRequest, kind: RecordKind, editor: RecordEditor, record) -> list[dict]:
    matches = services.find_duplicates(
        **editor.duplicate_probe(), exclude_id=record.pk if record else None, kind=kind.code
    )
    if not matches:
        return []
    visible = set(
        kind.model.objects.visible_to(request.user)
        .filter(pk__in=[m.record.pk for m in matches])
        .values_list("pk", flat=True)
    )
    return [{"match": m, "visible": m.record.pk in visible} for m in matches]


def _prefill(request: HttpRequest, kind: RecordKind) -> dict[str, Any]:
    """A new person from a company page starts with that company filled in."""
    company_id = services.parse_id(request.GET.get("company", ""))
    if kind.code != "contact" or company_id is None:
        return {}
    company = Company.objects.visible_to(request.user).filter(pk=company_id).only("name").first()
    return {"memberships": [{"company": company.name}]} if company else {}


def _edit(request: HttpRequest, kind: RecordKind, record=None) -> HttpResponse:
    user = request.user
    data = request.POST if request.method == "POST" else None
    editor = RecordEditor(
        kind.code,
        user=user,
        data=data,
        record=record,
        prefill=_prefill(request, kind) if record is None else None,
    )
    duplicates: list[dict] = []
    can_merge = all(action in _actions(user) for action in (CHANGE, DELETE))
    if data is not None and editor.is_valid():
        payload = editor.to_input()
        merge_into = services.parse_id(request.POST.get("merge_into", ""))
        if merge_into is not None and record is None and can_merge:
            target = kind.visible(user, merge_into)
            try:
                with transaction.atomic():
                    created = kind.create(user=user, data=payload)
                    kind.merge(target, created, user=user)
            except ValidationError as exc:
                editor.add_service_errors(_error_dict(exc))
            else:
                messages.success(
                    request, _("The details were merged into %(name)s.") % {"name": target}
                )
                return redirect(kind.url("detail", target.pk))
        else:
            if not editor.form.cleaned_data.get("create_anyway"):
                duplicates = _duplicates(request, kind, editor, record)
            if not duplicates:
                try:
                    if record is None:
                        saved = kind.create(user=user, data=payload)
                    else:
                        saved = kind.update(record, user=user, data=payload)
                except ValidationError as exc:
                    editor.add_service_errors(_error_dict(exc))
                else:
                    messages.success(request, _("Saved."))
                    return redirect(kind.url("detail", saved.pk))
    context = {
        "editor": editor,
        "form": editor.form,
        "formsets": editor.formsets,
        "record": record,
        "kind": kind.code,
        "duplicates": duplicates,
        "can_merge": can_merge,
        "company_names": _company_names(request) if kind.code == "contact" else [],
    }
    return render(request, kind.form_template, context)


def _actions(user) -> set[str]:
    from peyvand.accounts.permissions import ACTIONS, has_perm

    return {action for action in ACTIONS if has_perm(user, CONTACTS, action)}


def _error_dict(exc: ValidationError) -> dict[str, list[str]]:
    if hasattr(exc, "error_dict"):
        return exc.message_dict
    return {"__all__": exc.messages}


def _company_names(request: HttpRequest) -> list[str]:
    """Suggestions for the company box: recently active companies the user can see."""
    return list(
        Company.objects.visible_to(request.user)
        .order_by("-updated_at", "-id")
        .values_list("name", flat=True)[:200]
    )


@login_required
@declares_permission(CONTACTS, ADD)
def contact_create(request: HttpRequest) -> HttpResponse:
    _require(request, ADD)
    return _edit(request, CONTACT)


@login_required
@declares_permission(CONTACTS, CHANGE)
def contact_edit(request: HttpRequest, pk: int) -> HttpResponse:
    _require(request, CHANGE)
    return _edit(request, CONTACT, selectors.contact_360(request.user, pk))


@login_required
@declares_permission(CONTACTS, ADD)
def company_create(request: HttpRequest) -> HttpResponse:
    _require(request, ADD)
    return _edit(request, COMPANY)


@login_required
@declares_permission(CONTACTS, CHANGE)
def company_edit(request: HttpRequest, pk: int) -> HttpResponse:
    _require(request, CHANGE)
    return _edit(request, COMPANY, selectors.company_360(request.user, pk))


# --- Delete -----------------------------------------------------------------------------------


def _delete(request: HttpRequest, kind: RecordKind, pk: int) -> HttpResponse:
    _require(request, DELETE)
    record = kind.visible(request.user, pk)
    kind.soft_delete(record, user=request.user)
    messages.success(request, _("%(name)s was deleted.") % {"name": record})
    return redirect(kind.url("list"))


@login_required
@require_POST
@declares_permission(CONTACTS, DELETE)
def contact_delete(request: HttpRequest, pk: int) -> HttpResponse:
    return _delete(request, CONTACT, pk)


@login_required
@require_POST
@declares_permission(CONTACTS, DELETE)
def company_delete(request: HttpRequest, pk: int) -> HttpResponse:
    return _delete(request, COMPANY, pk)


# --- Merge ------------------------------------------------------------------------------------


def _display_value(record, name: str) -> str:
    model_field = type(record)._meta.get_field(name)
    value = getattr(record, name)
    if value in (None, ""):
        return "—"
    if model_field.choices:
        return str(getattr(record, f"get_{name}_display")())
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    if isinstance(value, dt.date):
        return format_date(value)
    return value


def _merge(request: HttpRequest, kind: RecordKind, pk: int) -> HttpResponse:
    _require(request, CHANGE, DELETE)
    user = request.user
    survivor = kind.visible(user, pk)
    raw = (request.POST.get("duplicate") or request.GET.get("duplicate") or "").strip()
    if not raw:
        phones = list(survivor.phones.values_list("number", flat=True))
        emails = list(survivor.emails.values_list("address", flat=True))
        matches = services.find_duplicates(
            phones=phones,
            emails=emails,
            national_id=survivor.national_id or None,
            exclude_id=survivor.pk,
            kind=kind.code,
        )
        visible = set(
            kind.model.objects.visible_to(user)
            .filter(pk__in=[m.record.pk for m in matches])
            .values_list("pk", flat=True)
        )
        return render(
            request,
            "contacts/merge_pick.html",
            {
                "record": survivor,
                "kind": kind.code,
                "suggestions": [m for m in matches if m.record.pk in visible],
            },
        )
    duplicate_id = services.parse_id(raw)
    if duplicate_id is None:
        raise Http404
    duplicate = kind.visible(user, duplicate_id)
    if duplicate.pk == survivor.pk:
        messages.error(request, _("A record cannot be merged into itself."))
        return redirect(kind.url("merge", survivor.pk))
    field_names = services.MERGE_FIELDS[kind.code]
    form = MergeForm(
        request.POST if request.method == "POST" else None,
        survivor=survivor,
        duplicate=duplicate,
        field_names=field_names,
    )
    if request.method == "POST" and form.is_valid():
        try:
            kind.merge(survivor, duplicate, user=user, field_choices=form.field_choices())
        except ValidationError as exc:
            for messages_ in _error_dict(exc).values():
                for message in messages_:
                    messages.error(request, message)
        else:
            messages.success(
                request,
                _("%(duplicate)s was merged into %(survivor)s. You can undo this below.")
                % {"duplicate": duplicate, "survivor": survivor},
            )
            return redirect(kind.url("detail", survivor.pk))
    rows = [
        {
            "field": form[name],
            "label": model_field.verbose_name,
            "survivor": _display_value(survivor, name),
            "duplicate": _display_value(duplicate, name),
        }
        for name, model_field, _s, _d in form.rows
    ]
    counts = {
        "phones": duplicate.phones.count(),
        "emails": duplicate.emails.count(),
        "addresses": duplicate.addresses.count(),
    }
    return render(
        request,
        "contacts/merge.html",
        {
            "record": survivor,
            "survivor": survivor,
            "duplicate": duplicate,
            "form": form,
            "rows": rows,
            "kind": kind.code,
            "counts": counts,
        },
    )


@login_required
@declares_permission(CONTACTS, CHANGE)
@declares_permission(CONTACTS, DELETE)
def contact_merge(request: HttpRequest, pk: int) -> HttpResponse:
    return _merge(request, CONTACT, pk)


@login_required
@declares_permission(CONTACTS, CHANGE)
@declares_permission(CONTACTS, DELETE)
def company_merge(request: HttpRequest, pk: int) -> HttpResponse:
    return _merge(request, COMPANY, pk)


@login_required
@require_POST
@declares_permission(CONTACTS, CHANGE)
@declares_permission(CONTACTS, DELETE)
def merge_undo(request: HttpRequest, merge_id: int) -> HttpResponse:
    _require(request, CHANGE, DELETE)
    record = get_object_or_404(MergeRecord, pk=merge_id)
    kind = CONTACT if record.kind == "contact" else COMPANY
    survivor = kind.visible(request.user, record.survivor_id)
    try:
        merged = services.undo_merge(record, user=request.user)
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
        return redirect(kind.url("detail", survivor.pk))
    messages.success(
        request, _("The merge was undone; %(name)s is a separate record again.") % {"name": merged}
    )
    return redirect(kind.url("detail", survivor.pk))
