"""/api/v1/interactions: a customer's timeline; notes, calls, emails, meetings and SMS.

Same permissions as the pages: timeline.view to read, .add to log, .change to attach a
recording, .delete to delete; entries follow the visibility of their contact or company."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from ninja import Field, File, Router, Schema, Status
from ninja.errors import HttpError
from ninja.files import UploadedFile
from pydantic import ConfigDict

from peyvand.accounts.permissions import (
    ADD,
    CHANGE,
    DELETE,
    TIMELINE,
    VIEW,
    declares_permission,
    require_perm,
)
from peyvand.contacts.models import Company, Contact
from peyvand.core.pagination import InvalidCursor

from . import registry, selectors, services
from .models import TimelineEntry
from .recordings import recording_response

router = Router(tags=["interactions"])


class AuthorOut(Schema):
    id: int
    name: str


class InteractionOut(Schema):
    id: int
    kind: str
    kind_label: str
    contact_id: int | None
    company_id: int | None
    occurred_at: datetime
    author: AuthorOut | None
    subject: str
    body: str
    direction: str
    duration_seconds: int | None
    outcome: str
    has_recording: bool
    recording_name: str
    recording_url: str | None
    data: dict


class InteractionPage(Schema):
    items: list[InteractionOut]
    next_cursor: str | None


class InteractionIn(Schema):
    model_config = ConfigDict(extra="forbid")

    kind: Literal["note", "call", "email", "meeting", "sms"]
    contact_id: int | None = None
    company_id: int | None = None
    occurred_at: datetime | None = Field(None, description="Defaults to now.")
    subject: str = Field("", max_length=200)
    body: str = Field("", max_length=services.BODY_MAX_CHARS)
    direction: Literal["inbound", "outbound"] | None = Field(
        None, description="Calls, emails and SMS."
    )
    duration_seconds: int | None = Field(None, ge=0, le=services.DURATION_MAX_SECONDS)
    outcome: (
        Literal["answered", "no_answer", "busy", "voicemail", "wrong_number", "callback_requested"]
        | None
    ) = Field(None, description="Calls only.")
    location: str = Field("", max_length=200, description="Meetings only.")


def _out(entry: TimelineEntry) -> dict:
    author = entry.author
    has_recording = bool(entry.recording)
    return {
        "id": entry.pk,
        "kind": entry.kind,
        "kind_label": str(entry.kind_info.label),
        "contact_id": entry.contact_id,
        "company_id": entry.company_id,
        "occurred_at": entry.occurred_at,
        "author": {"id": author.pk, "name": str(author)} if author else None,
        "subject": entry.subject,
        "body": entry.body,
        "direction": entry.direction,
        "duration_seconds": entry.duration_seconds,
        "outcome": entry.outcome,
        "has_recording": has_recording,
        "recording_name": entry.recording_name,
        "recording_url": reverse("api:interaction_recording", kwargs={"entry_id": entry.pk})
        if has_recording
        else None,
        "data": entry.data or {},
    }


def _record(model, pk: int | None, user, field: str):
    if pk is None:
        return None
    record = model.objects.visible_to(user).filter(pk=pk).first()
    if record is None:
        label = _("No contact with this id.") if model is Contact else _("No company with this id.")
        raise ValidationError({field: [label]})
    return record


def _entry(user, entry_id: int) -> TimelineEntry:
    entry = selectors.visible_entry(user, entry_id)
    if entry is None:
        raise Http404
    return entry


@router.get("", response=InteractionPage, summary="List timeline entries, newest first")
@declares_permission(TIMELINE, VIEW)
def list_interactions(
    request,
    contact_id: int | None = None,
    company_id: int | None = None,
    kind: str = "",
    cursor: str | None = None,
    limit: int = settings.API_PAGE_SIZE,
):
    """One contact's or company's timeline (a company's includes its people), or every entry
    you may see. `kind` takes one kind or several, comma-separated (`call,email`). Page on
    with `next_cursor`."""
    user = request.user
    require_perm(user, TIMELINE, VIEW)
    kinds = [k.strip() for k in kind.split(",") if k.strip()]
    unknown = [k for k in kinds if not registry.is_registered(k)]
    if unknown:
        raise ValidationError({"kind": [_("Unknown kind of timeline entry.")]})
    contact = company = None
    if contact_id is not None:
        contact = Contact.objects.visible_to(user).filter(pk=contact_id).first()
        if contact is None:
            raise Http404
    elif company_id is not None:
        company = Company.objects.visible_to(user).filter(pk=company_id).first()
        if company is None:
            raise Http404
    try:
        page = selectors.entries_page(
            user,
            contact=contact,
            company=company,
            kinds=kinds,
            cursor=cursor,
            limit=max(1, min(limit, settings.API_MAX_PAGE_SIZE)),
        )
    except InvalidCursor as exc:
        raise HttpError(400, _("The cursor is not valid; start from the first page.")) from exc
    return {"items": [_out(e) for e in page.items], "next_cursor": page.next_cursor}


@router.post("", response={201: InteractionOut}, summary="Log a note, call, email, meeting or SMS")
@declares_permission(TIMELINE, ADD)
def create_interaction(request, payload: InteractionIn):
    """Give `contact_id`, `company_id` or both. A call needs `direction` and `outcome`; an email
    `direction` and `subject`; a meeting `subject`; a note and an SMS `body`. Attach a call
    recording afterwards with POST /interactions/{id}/recording."""
    user = request.user
    require_perm(user, TIMELINE, ADD)
    contact = _record(Contact, payload.contact_id, user, "contact_id")
    company = _record(Company, payload.company_id, user, "company_id")
    entry = services.log_interaction(
        payload.kind,
        contact=contact,
        company=company,
        author=user,
        occurred_at=payload.occurred_at,
        subject=payload.subject,
        body=payload.body,
        direction=payload.direction,
        duration_seconds=payload.duration_seconds,
        outcome=payload.outcome,
        location=payload.location,
    )
    return Status(201, _out(entry))


@router.get("/{int:entry_id}", response=InteractionOut, summary="One timeline entry")
@declares_permission(TIMELINE, VIEW)
def get_interaction(request, entry_id: int):
    require_perm(request.user, TIMELINE, VIEW)
    return _out(_entry(request.user, entry_id))


@router.delete("/{int:entry_id}", response={204: None}, summary="Delete a timeline entry")
@declares_permission(TIMELINE, DELETE)
def delete_interaction(request, entry_id: int):
    require_perm(request.user, TIMELINE, DELETE)
    services.delete_entry(_entry(request.user, entry_id))
    return Status(204, None)


@router.post(
    "/{int:entry_id}/recording",
    response=InteractionOut,
    summary="Attach a call recording (multipart, field `file`)",
)
@declares_permission(TIMELINE, CHANGE)
def upload_recording(request, entry_id: int, file: File[UploadedFile]):
    """MP3, WAV, OGG, M4A or WebM, recognised by content; at most RECORDING_MAX_BYTES.
    Replaces an earlier recording of the call."""
    require_perm(request.user, TIMELINE, CHANGE)
    entry = services.attach_recording(_entry(request.user, entry_id), file)
    return _out(entry)


@router.get(
    "/{int:entry_id}/recording",
    summary="Play or download a call recording",
    url_name="interaction_recording",
)
@declares_permission(TIMELINE, VIEW)
def get_recording(request, entry_id: int) -> HttpResponse:
    require_perm(request.user, TIMELINE, VIEW)
    entry = _entry(request.user, entry_id)
    if not entry.recording:
        raise Http404
    return recording_response(entry, request.headers.get("Range", ""))
