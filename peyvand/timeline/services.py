"""Writing to customer timelines.

`record_entry` is the one way anything (this app's pages and API, tasks, later deals, orders,
tickets, surveys, loyalty) puts an entry on a contact's or company's timeline. The `log_*`
functions are the interactions people log by hand."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Max, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from peyvand.contacts.models import Company, Contact
from peyvand.core.persian import normalize_text
from peyvand.core.uploads import save_upload

from . import registry
from .models import CallOutcome, Direction, TimelineEntry
from .recordings import clean_recording_name, validate_recording

BODY_MAX_CHARS = 20_000
DURATION_MAX_SECONDS = 24 * 60 * 60
# Kinds people log by hand (pages and API); the rest are written by the system.
LOGGABLE_KINDS = ("note", "call", "email", "meeting", "sms")
# Extra model fields record_entry accepts as **fields.
_EXTRA_FIELDS = frozenset({"direction", "duration_seconds", "outcome"})
# Clock differences between a phone and the server must not reject "just now".
_FUTURE_TOLERANCE = dt.timedelta(minutes=5)


def _aware(value: dt.datetime | None) -> dt.datetime:
    if value is None:
        return timezone.now()
    return timezone.make_aware(value) if timezone.is_naive(value) else value


def _build_entry(
    *,
    kind: str,
    contact: Contact | None,
    company: Company | None,
    author,
    occurred_at: dt.datetime | None,
    subject: str,
    body: str,
    source: Any,
    data: dict | None,
    fields: dict[str, Any],
) -> TimelineEntry:
    unknown = set(fields) - _EXTRA_FIELDS
    if unknown:
        raise TypeError(f"record_entry() got unexpected fields: {', '.join(sorted(unknown))}")
    errors: dict[str, list[str]] = {}
    if not registry.is_registered(kind):
        errors["kind"] = [_("Unknown kind of timeline entry.")]
    # A record that is not a customer yet (a lead) may be the only anchor; its entries get the
    # contact when it becomes one.
    if contact is None and company is None and source is None:
        errors[NON_FIELD_ERRORS] = [_("A timeline entry needs a contact or a company.")]
    body = normalize_text(body, multiline=True)
    if len(body) > BODY_MAX_CHARS:
        errors["body"] = [
            _("The text is too long; at most %(max)s characters.") % {"max": BODY_MAX_CHARS}
        ]
    if errors:
        raise ValidationError(errors)
    entry = TimelineEntry(
        kind=kind,
        contact=contact,
        company=company,
        author=author,
        occurred_at=_aware(occurred_at),
        subject=normalize_text(subject),
        body=body,
        data=data or {},
        **fields,
    )
    if source is not None:
        entry.source_type = ContentType.objects.get_for_model(source)
        entry.source_id = source.pk
    # Checks lengths and choices; relations were given as loaded objects.
    entry.clean_fields(
        exclude=["contact", "company", "author", "source_type", "recording", "data", "kind"]
    )
    return entry


def mark_contacted(record: Contact | Company, when: dt.datetime) -> bool:
    """Move `record.last_contacted_at` to `when` if that is later; never backwards.

    One conditional UPDATE, so concurrent interactions cannot overwrite a newer value with an
    older one. A future time (a planned meeting) is not a contact yet and is ignored."""
    if when is None or when > timezone.now() + _FUTURE_TOLERANCE:
        return False
    updated = (
        type(record)
        .objects.filter(pk=record.pk)
        .filter(Q(last_contacted_at__isnull=True) | Q(last_contacted_at__lt=when))
        .update(last_contacted_at=when)
    )
    if updated:
        record.last_contacted_at = when
    return bool(updated)


def _save(entry: TimelineEntry) -> TimelineEntry:
    entry.save()
    if entry.kind_info.interaction:
        for record in (entry.contact, entry.company):
            if record is not None:
                mark_contacted(record, entry.occurred_at)
    return entry


def record_entry(
    *,
    kind: str,
    contact: Contact | None = None,
    company: Company | None = None,
    author=None,
    occurred_at: dt.datetime | None = None,
    subject: str = "",
    body: str = "",
    source: Any = None,
    data: dict | None = None,
    **fields: Any,
) -> TimelineEntry:
    """Put an entry on the timeline of `contact` and/or `company`.

    `kind` must be registered (see registry.py). `fields` may set direction, duration_seconds
    and outcome. An interaction kind moves last_contacted_at forward. Raises ValidationError."""
    entry = _build_entry(
        kind=kind,
        contact=contact,
        company=company,
        author=author,
        occurred_at=occurred_at,
        subject=subject,
        body=body,
        source=source,
        data=data,
        fields=fields,
    )
    with transaction.atomic():
        return _save(entry)


# --- Interactions logged by people ---------------------------------------------------------


def _check_time(errors: dict, occurred_at: dt.datetime | None) -> None:
    if occurred_at is not None and _aware(occurred_at) > timezone.now() + _FUTURE_TOLERANCE:
        errors["occurred_at"] = [
            _("This time is in the future; log an interaction after it happens.")
        ]


def _check_direction(errors: dict, direction: str | None) -> None:
    if direction not in Direction.values:
        errors["direction"] = [_("Choose inbound or outbound.")]


def _raise(errors: dict) -> None:
    if errors:
        raise ValidationError(errors)


def add_note(
    *,
    contact: Contact | None = None,
    company: Company | None = None,
    author,
    body: str,
    occurred_at: dt.datetime | None = None,
    source: Any = None,
) -> TimelineEntry:
    errors: dict = {}
    if not normalize_text(body, multiline=True):
        errors["body"] = [_("Write the note.")]
    _check_time(errors, occurred_at)
    _raise(errors)
    return record_entry(
        kind="note",
        contact=contact,
        company=company,
        author=author,
        occurred_at=occurred_at,
        source=source,
        body=body,
    )


def log_call(
    *,
    contact: Contact | None = None,
    company: Company | None = None,
    author,
    direction: str,
    duration_seconds: int | None,
    outcome: str,
    body: str = "",
    occurred_at: dt.datetime | None = None,
    source: Any = None,
    recording: UploadedFile | None = None,
) -> TimelineEntry:
    """Log a phone call, optionally with its recording (checked by content, stored under a
    random name; the uploaded name is kept for display only)."""
    errors: dict = {}
    _check_direction(errors, direction)
    if outcome not in CallOutcome.values:
        errors["outcome"] = [_("Choose how the call went.")]
    if duration_seconds is not None and not 0 <= duration_seconds <= DURATION_MAX_SECONDS:
        errors["duration_seconds"] = [_("Enter a duration between 0 and 24 hours.")]
    _check_time(errors, occurred_at)
    audio = None
    if recording is not None:
        try:
            audio = validate_recording(recording)
        except ValidationError as exc:
            errors.update(exc.message_dict)
    _raise(errors)
    entry = _build_entry(
        kind="call",
        contact=contact,
        company=company,
        author=author,
        occurred_at=occurred_at,
        subject="",
        body=body,
        source=source,
        data=None,
        fields={"direction": direction, "duration_seconds": duration_seconds, "outcome": outcome},
    )
    if recording is None:
        with transaction.atomic():
            return _save(entry)
    return _save_with_recording(entry, recording, audio, create=True)


def _save_with_recording(entry: TimelineEntry, upload: UploadedFile, audio, *, create: bool):
    old_name = entry.recording.name if not create else ""
    # The stored name comes from upload_to (random); only the detected extension is ours.
    # A full disk or unreachable bucket: a translated error, no file and no entry (the entry is
    # written only after its file).
    save_upload(entry.recording, f"recording{audio.extension}", upload, field="recording")
    entry.recording_name = clean_recording_name(upload.name)
    entry.recording_content_type = audio.content_type
    stored = entry.recording.name
    try:
        with transaction.atomic():
            if create:
                _save(entry)
            else:
                entry.save(update_fields=["recording", "recording_name", "recording_content_type"])
            if old_name and old_name != stored:
                storage = entry.recording.storage
                transaction.on_commit(lambda: storage.delete(old_name))
    except Exception:
        # A failed write must not leave an orphan file behind.
        entry.recording.storage.delete(stored)
        raise
    return entry


def attach_recording(entry: TimelineEntry, upload: UploadedFile) -> TimelineEntry:
    """Add or replace the recording of a logged call."""
    if entry.kind != "call":
        raise ValidationError({"recording": [_("Only a call can have a recording.")]})
    audio = validate_recording(upload)
    return _save_with_recording(entry, upload, audio, create=False)


def log_email(
    *,
    contact: Contact | None = None,
    company: Company | None = None,
    author,
    direction: str,
    subject: str,
    body: str = "",
    occurred_at: dt.datetime | None = None,
    source: Any = None,
) -> TimelineEntry:
    errors: dict = {}
    _check_direction(errors, direction)
    if not normalize_text(subject):
        errors["subject"] = [_("Enter the email's subject.")]
    _check_time(errors, occurred_at)
    _raise(errors)
    return record_entry(
        kind="email",
        contact=contact,
        company=company,
        author=author,
        occurred_at=occurred_at,
        source=source,
        subject=subject,
        body=body,
        direction=direction,
    )


def log_meeting(
    *,
    contact: Contact | None = None,
    company: Company | None = None,
    author,
    subject: str,
    body: str = "",
    occurred_at: dt.datetime | None = None,
    source: Any = None,
    duration_seconds: int | None = None,
    location: str = "",
) -> TimelineEntry:
    """Meetings may be logged ahead of time; they count as contact only once they happened."""
    errors: dict = {}
    if not normalize_text(subject):
        errors["subject"] = [_("Enter what the meeting was about.")]
    if duration_seconds is not None and not 0 <= duration_seconds <= DURATION_MAX_SECONDS:
        errors["duration_seconds"] = [_("Enter a duration between 0 and 24 hours.")]
    location = normalize_text(location)[:200]
    _raise(errors)
    return record_entry(
        kind="meeting",
        contact=contact,
        company=company,
        author=author,
        occurred_at=occurred_at,
        source=source,
        subject=subject,
        body=body,
        duration_seconds=duration_seconds,
        data={"location": location} if location else None,
    )


def log_sms(
    *,
    contact: Contact | None = None,
    company: Company | None = None,
    author,
    direction: str,
    body: str,
    occurred_at: dt.datetime | None = None,
    source: Any = None,
) -> TimelineEntry:
    errors: dict = {}
    _check_direction(errors, direction)
    if not normalize_text(body, multiline=True):
        errors["body"] = [_("Write the message text.")]
    _check_time(errors, occurred_at)
    _raise(errors)
    return record_entry(
        kind="sms",
        contact=contact,
        company=company,
        author=author,
        occurred_at=occurred_at,
        source=source,
        body=body,
        direction=direction,
    )


def log_interaction(
    kind: str,
    *,
    contact: Contact | None = None,
    company: Company | None = None,
    author,
    occurred_at: dt.datetime | None = None,
    subject: str = "",
    body: str = "",
    direction: str | None = None,
    duration_seconds: int | None = None,
    outcome: str | None = None,
    location: str = "",
    recording: UploadedFile | None = None,
    source: Any = None,
) -> TimelineEntry:
    """One entry point for pages and API: dispatches a hand-logged interaction by kind.
    `source` is the record the interaction is about (e.g. a lead, which may be its only anchor)."""
    common = {
        "contact": contact,
        "company": company,
        "author": author,
        "occurred_at": occurred_at,
        "source": source,
    }
    if kind == "note":
        return add_note(body=body, **common)
    if kind == "call":
        return log_call(
            direction=direction or "",
            duration_seconds=duration_seconds,
            outcome=outcome or "",
            body=body,
            recording=recording,
            **common,
        )
    if kind == "email":
        return log_email(direction=direction or "", subject=subject, body=body, **common)
    if kind == "meeting":
        return log_meeting(
            subject=subject,
            body=body,
            duration_seconds=duration_seconds,
            location=location,
            **common,
        )
    if kind == "sms":
        return log_sms(direction=direction or "", body=body, **common)
    raise ValidationError({"kind": [_("Unknown kind of timeline entry.")]})


@transaction.atomic
def delete_entry(entry: TimelineEntry) -> None:
    """Delete an entry and its recording; last_contacted_at is derived again if this entry was
    the latest contact."""
    records = [r for r in (entry.contact, entry.company) if r is not None]
    was_interaction = entry.kind_info.interaction
    recording = entry.recording.name
    storage = entry.recording.storage
    occurred_at = entry.occurred_at
    entry.delete()
    if recording:
        transaction.on_commit(lambda: storage.delete(recording))
    if was_interaction:
        for record in records:
            if record.last_contacted_at is None or record.last_contacted_at == occurred_at:
                _derive_last_contacted(record)


def _derive_last_contacted(record: Contact | Company) -> None:
    field = "contact" if isinstance(record, Contact) else "company"
    latest = TimelineEntry.objects.filter(
        **{field: record},
        kind__in=registry.interaction_kinds(),
        occurred_at__lte=timezone.now() + _FUTURE_TOLERANCE,
    ).aggregate(latest=Max("occurred_at"))["latest"]
    type(record).objects.filter(pk=record.pk).update(last_contacted_at=latest)
    record.last_contacted_at = latest


def remove_entries(*, kind: str, source: Any) -> int:
    """Delete the entries of `kind` that `source` wrote, e.g. "task_done" when a task is
    reopened. For kinds that are not interactions (last_contacted_at is not touched)."""
    if registry.is_registered(kind) and registry.get_entry_kind(kind).interaction:
        raise ValueError("remove_entries() is for kinds that are not interactions")
    deleted, _rows = TimelineEntry.objects.filter(
        kind=kind,
        source_type=ContentType.objects.get_for_model(source),
        source_id=source.pk,
    ).delete()
    return deleted
