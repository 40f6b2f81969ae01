"""The timeline panel of the customer 360 page (htmx fragments) and recording playback."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import urlencode
from django.views.decorators.http import require_GET, require_POST

from peyvand.accounts.permissions import (
    ADD,
    DELETE,
    TIMELINE,
    VIEW,
    declares_permission,
    has_perm,
    require_perm,
)
from peyvand.contacts.models import Company, Contact
from peyvand.core.pagination import InvalidCursor

from . import registry, selectors, services
from .forms import FORMS, InteractionForm
from .recordings import recording_response

RECORD_MODELS: dict[str, type[Contact] | type[Company]] = {"contact": Contact, "company": Company}
PAGE_SIZE = 30


def _record(request: HttpRequest, record_kind: str, pk: int) -> Contact | Company:
    model = RECORD_MODELS.get(record_kind)
    if model is None:
        raise Http404
    return get_object_or_404(model.objects.visible_to(request.user), pk=pk)


def _kind_of(record: Contact | Company) -> str:
    return "contact" if isinstance(record, Contact) else "company"


def _kinds_filter(request: HttpRequest) -> list[str]:
    return [k for k in request.GET.getlist("kind") if registry.is_registered(k)][:10]


def _entries_context(record, user, *, kinds: list[str], cursor: str | None) -> dict:
    page = selectors.timeline_for(record, user, kinds=kinds, cursor=cursor, limit=PAGE_SIZE)
    more_query = (
        urlencode({"cursor": page.next_cursor, "kind": kinds}, doseq=True) if page.has_next else ""
    )
    return {
        "record": record,
        "record_kind": _kind_of(record),
        "page": page,
        "kinds": kinds,
        "more_query": more_query,
        "can_delete": has_perm(user, TIMELINE, DELETE),
    }


def panel_context(
    request: HttpRequest,
    record: Contact | Company,
    *,
    form: InteractionForm | None = None,
    tab: str | None = None,
    kinds: list[str] | None = None,
) -> dict:
    """Everything timeline/panel.html needs; also the 360 page's panel context."""
    user = request.user
    kinds = kinds or []
    context = _entries_context(record, user, kinds=kinds, cursor=None)
    context.update(_composer_context(record, user, form=form, tab=tab))
    context["kind_filters"] = [
        registry.get_entry_kind(code)
        for code in (*services.LOGGABLE_KINDS, "stage_change", "task_done")
        if registry.is_registered(code)
    ]
    return context


def _composer_context(record, user, *, form: InteractionForm | None, tab: str | None) -> dict:
    if form is not None:
        tab = form.kind
    if tab not in FORMS:
        tab = "note"
    return {
        "record": record,
        "record_kind": _kind_of(record),
        "can_add": has_perm(user, TIMELINE, ADD),
        "tabs": [registry.get_entry_kind(kind) for kind in FORMS],
        "active_tab": tab,
        "form": form or FORMS[tab](),
    }


@require_GET
@login_required
@declares_permission(TIMELINE, VIEW)
def panel(request: HttpRequest, record_kind: str, pk: int) -> HttpResponse:
    """The panel as an htmx fragment (kind filter), or a page of its own without htmx."""
    require_perm(request.user, TIMELINE, VIEW)
    record = _record(request, record_kind, pk)
    context = panel_context(
        request, record, tab=request.GET.get("tab"), kinds=_kinds_filter(request)
    )
    template = "timeline/panel.html" if request.htmx else "timeline/record_page.html"
    return render(request, template, context)


@require_GET
@login_required
@declares_permission(TIMELINE, VIEW)
def entries(request: HttpRequest, record_kind: str, pk: int) -> HttpResponse:
    """The next page of entries, replacing the "more" item of the list."""
    require_perm(request.user, TIMELINE, VIEW)
    record = _record(request, record_kind, pk)
    try:
        context = _entries_context(
            record, request.user, kinds=_kinds_filter(request), cursor=request.GET.get("cursor")
        )
    except InvalidCursor:
        return HttpResponse(status=400)
    return render(request, "timeline/_entries.html", context)


@require_GET
@login_required
@declares_permission(TIMELINE, ADD)
def composer(request: HttpRequest, record_kind: str, pk: int) -> HttpResponse:
    """The tabs and the form for one kind of interaction."""
    require_perm(request.user, TIMELINE, ADD)
    record = _record(request, record_kind, pk)
    context = _composer_context(record, request.user, form=None, tab=request.GET.get("tab"))
    return render(request, "timeline/_composer.html", context)


def _apply_service_errors(form: InteractionForm, exc: ValidationError) -> None:
    for field, messages in exc.message_dict.items():
        target = field if field in form.fields else None
        if field == NON_FIELD_ERRORS:
            target = None
        for message in messages:
            form.add_error(target, message)


@require_POST
@login_required
@declares_permission(TIMELINE, ADD)
def add(request: HttpRequest, record_kind: str, pk: int, entry_kind: str) -> HttpResponse:
    require_perm(request.user, TIMELINE, ADD)
    record = _record(request, record_kind, pk)
    form_class = FORMS.get(entry_kind)
    if form_class is None:
        raise Http404
    form = form_class(request.POST, request.FILES)
    if form.is_valid():
        try:
            services.log_interaction(
                entry_kind, author=request.user, **{record_kind: record}, **form.service_kwargs()
            )
        except ValidationError as exc:
            _apply_service_errors(form, exc)
        else:
            if not request.htmx:
                return redirect(record.get_absolute_url())
            # A fresh form of the same kind, so logging several calls in a row is quick.
            return render(
                request, "timeline/panel.html", panel_context(request, record, tab=entry_kind)
            )
    template = "timeline/panel.html" if request.htmx else "timeline/record_page.html"
    return render(request, template, panel_context(request, record, form=form), status=422)


@require_GET
@login_required
@declares_permission(TIMELINE, VIEW)
def recording(request: HttpRequest, pk: int) -> HttpResponse:
    require_perm(request.user, TIMELINE, VIEW)
    entry = selectors.visible_entry(request.user, pk)
    if entry is None or not entry.recording:
        raise Http404
    return recording_response(entry, request.headers.get("Range", ""))


@require_POST
@login_required
@declares_permission(TIMELINE, DELETE)
def delete(request: HttpRequest, pk: int) -> HttpResponse:
    require_perm(request.user, TIMELINE, DELETE)
    entry = selectors.visible_entry(request.user, pk)
    if entry is None:
        raise Http404
    record = entry.contact or entry.company
    services.delete_entry(entry)
    if request.htmx:
        return HttpResponse("")
    return redirect(record.get_absolute_url())
