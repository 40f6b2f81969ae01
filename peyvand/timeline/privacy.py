"""What the timeline holds about a customer, for export and erasure (contacts.privacy).

Erasure keeps each entry (kind, time, author, direction, duration, outcome: activity reports count
them) and removes its text, its data and its call recording."""

from __future__ import annotations

from peyvand.contacts.privacy import Erasure, ExportPart, register_eraser, register_exporter, rows

from .models import TimelineEntry

FIELDS = (
    "id",
    "kind",
    "occurred_at",
    "author__username",
    "subject",
    "body",
    "direction",
    "duration_seconds",
    "outcome",
    "recording_name",
    "data",
)


def _entries(record):
    field = "company" if record._meta.model_name == "company" else "contact"
    return TimelineEntry.objects.filter(**{field: record}).order_by("occurred_at", "id")


def export_timeline(record) -> ExportPart:
    entries = _entries(record)
    files = [
        (entry.recording_name or entry.recording.name, entry.recording)
        for entry in entries.exclude(recording="")
    ]
    return ExportPart(rows(entries, *FIELDS), files)


def erase_timeline(erasure: Erasure) -> None:
    entries = TimelineEntry.objects.filter(erasure.owner_q())
    for entry in entries.exclude(recording=""):
        erasure.delete_file(entry.recording)
    for subject, body in entries.values_list("subject", "body"):
        erasure.add_strings(subject, body)
    erasure.forget_queryset(entries)
    entries.update(subject="", body="", data={}, recording="", recording_name="")


def register() -> None:
    register_exporter("timeline", export_timeline, order=10)
    register_eraser("timeline", erase_timeline)
