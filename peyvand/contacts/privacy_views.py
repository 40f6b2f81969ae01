"""Pages of the trash (deleted contacts and companies, restore) and of the right to be forgotten
(export everything about a customer, erase a customer). Thin: the work is in services,
selectors and contacts.privacy."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from peyvand.accounts import permissions
from peyvand.core.pagination import InvalidCursor

from . import privacy, selectors, services

PAGE_SIZE = 50
KINDS = ("contact", "company")


def _kind(value: str) -> str:
    if value not in KINDS:
        raise Http404
    return value


def _list_url(kind: str) -> str:
    return reverse("contacts:contact_list" if kind == "contact" else "contacts:company_list")


@permissions.permission_required(permissions.CONTACTS, permissions.DELETE)
def trash(request: HttpRequest) -> HttpResponse:
    kind = request.GET.get("kind") or "contact"
    if kind not in KINDS:
        kind = "contact"
    try:
        page = selectors.trash_list(
            request.user, kind, request.GET.get("cursor") or None, limit=PAGE_SIZE
        )
    except InvalidCursor:
        return redirect(f"{reverse('contacts:trash')}?kind={kind}")
    return render(request, "contacts/trash.html", {"page": page, "kind": kind})


@require_POST
@permissions.permission_required(permissions.CONTACTS, permissions.DELETE)
def trash_restore(request: HttpRequest, kind: str, pk: int) -> HttpResponse:
    kind = _kind(kind)
    record = selectors.trashed_record(request.user, kind, pk)
    restore = services.restore_contact if kind == "contact" else services.restore_company
    try:
        restore(record, user=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect(f"{reverse('contacts:trash')}?kind={kind}")
    if request.htmx:
        # The row disappears from the trash table; the link in the row's place says where it went.
        return render(request, "contacts/_trash_restored.html", {"record": record, "kind": kind})
    messages.success(request, _("%(name)s was restored.") % {"name": record})
    return redirect(record.get_absolute_url())


class EraseForm(forms.Form):
    confirmation = forms.CharField(
        label=gettext_lazy("Type the name to confirm"), max_length=300, strip=True
    )


@permissions.permission_required(permissions.CONTACTS, permissions.DELETE)
def erase(request: HttpRequest, kind: str, pk: int) -> HttpResponse:
    kind = _kind(kind)
    record = selectors.erasable_record(request.user, kind, pk)
    form = EraseForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            privacy.erase_customer(
                record, user=request.user, confirmation=form.cleaned_data["confirmation"]
            )
        except ValidationError as exc:
            errors = exc.message_dict.get("confirmation") if hasattr(exc, "error_dict") else None
            for message in errors or exc.messages:
                form.add_error("confirmation", message)
        else:
            messages.success(request, _("The record and its personal data were erased."))
            return redirect(_list_url(kind))
    context = {
        "record": record,
        "kind": kind,
        "form": form,
        "name": privacy.confirmation_text(record),
    }
    return render(request, "contacts/erase.html", context, status=400 if form.errors else 200)


@permissions.permission_required(permissions.CONTACTS, permissions.EXPORT)
def export(request: HttpRequest, kind: str, pk: int) -> HttpResponse:
    kind = _kind(kind)
    record = selectors.erasable_record(request.user, kind, pk)
    response = HttpResponse(privacy.export_customer(record), content_type="application/zip")
    response["Content-Disposition"] = f'attachment; filename="{privacy.export_filename(record)}"'
    return response
