"""Audit log entries (django-auditlog) turned into rows a person can read: who, when, which
field (its translated name), from what to what."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from auditlog.models import LogEntry
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext as _

from peyvand.core.dates import format_date, format_datetime
from peyvand.core.persian import is_persian_language, to_persian_digits
from peyvand.core.phones import format_phone

from .models import Company, Contact, Phone

# Bookkeeping columns nobody needs to read in a history.
_HIDDEN_FIELDS = {
    "id",
    "created_at",
    "updated_at",
    "created_by",
    "contact",
    "company",
    "deleted_at",
}
_MAX_VALUE_LENGTH = 200


@dataclass
class Change:
    label: str
    old: str
    new: str


@dataclass
class HistoryRow:
    actor: str
    timestamp: dt.datetime
    action: str
    subject: str  # "" for the record itself, else "Phone 0912 …"
    changes: list[Change] = field(default_factory=list)


def _parse_datetime(value: str) -> dt.datetime | None:
    try:
        parsed = dt.datetime.fromisoformat(value)
    except ValueError:
        return None
    # auditlog stores date-times as naive UTC.
    return timezone.make_aware(parsed, dt.UTC) if timezone.is_naive(parsed) else parsed


class _Names:
    """Names of users, teams and records a history mentions by id, fetched once per model."""

    def __init__(self) -> None:
        self.wanted: dict[type[models.Model], set[int]] = {}
        self.names: dict[tuple[type[models.Model], int], str] = {}

    def want(self, model: type[models.Model], raw: Any) -> None:
        if isinstance(raw, str) and raw.isdigit():
            self.wanted.setdefault(model, set()).add(int(raw))

    def load(self) -> None:
        for model, ids in self.wanted.items():
            for obj in model._base_manager.filter(pk__in=ids):
                self.names[(model, obj.pk)] = str(obj)

    def get(self, model: type[models.Model], raw: str) -> str:
        if raw.isdigit():
            return self.names.get((model, int(raw)), f"#{raw}")
        return raw


def _model_field(model: type[models.Model] | None, name: str) -> models.Field | None:
    if model is None:
        return None
    try:
        model_field = model._meta.get_field(name)
    except FieldDoesNotExist:
        return None
    # Reverse relations are not columns of the record; nothing to show for them.
    return (
        model_field if getattr(model_field, "concrete", False) or model_field.many_to_many else None
    )


def _display(model_field: models.Field | None, raw: Any, names: _Names) -> str:
    if raw is None or raw in ("None", ""):
        return "—"
    if not isinstance(raw, str):
        raw = str(raw)
    if model_field is not None:
        if model_field.is_relation and model_field.many_to_one:
            return names.get(model_field.related_model, raw)
        if model_field.choices:
            return str(dict(model_field.flatchoices).get(raw, raw))
        if isinstance(model_field, models.BooleanField):
            return _("Yes") if raw == "True" else _("No")
        if isinstance(model_field, models.DateTimeField):
            parsed = _parse_datetime(raw)
            return format_datetime(parsed) if parsed else raw
        if isinstance(model_field, models.DateField):
            try:
                return format_date(dt.date.fromisoformat(raw))
            except ValueError:
                return raw
        if model_field.model is Phone and model_field.name == "number":
            return format_phone(raw, None)
    text = raw if len(raw) <= _MAX_VALUE_LENGTH else raw[:_MAX_VALUE_LENGTH] + "…"
    return to_persian_digits(text) if is_persian_language() and text.isdigit() else text


def _action_label(action: int) -> str:
    return {0: _("created"), 1: _("changed"), 2: _("deleted")}.get(action, _("viewed"))


def present(entries: list, record: Contact | Company) -> list[HistoryRow]:
    """HistoryRows for auditlog LogEntry objects (with actor and content_type loaded)."""
    names = _Names()
    parsed = []
    for entry in entries:
        model = entry.content_type.model_class()
        changes = entry.changes if isinstance(entry.changes, dict) else {}
        if entry.action != LogEntry.Action.UPDATE:
            changes = {}
        for name, values in changes.items():
            if name in _HIDDEN_FIELDS:
                continue
            model_field = _model_field(model, name)
            is_fk = model_field is not None and model_field.is_relation and model_field.many_to_one
            if is_fk and isinstance(values, list | tuple):
                for raw in values:
                    names.want(model_field.related_model, raw)
        parsed.append((entry, model, changes))
    names.load()

    rows = []
    for entry, model, changes in parsed:
        subject = ""
        if model is not type(record):
            label = model._meta.verbose_name if model is not None else entry.content_type.model
            shown = entry.object_repr
            if model is Phone:
                shown = format_phone(shown, None)
            subject = f"{label}: {shown}"
        row = HistoryRow(
            actor=(entry.actor.get_full_name() or entry.actor.username)
            if entry.actor
            else _("System"),
            timestamp=entry.timestamp,
            action=_action_label(entry.action),
            subject=subject,
        )
        # A creation or deletion is one line (its subject says what); updates list each field.
        if entry.action != LogEntry.Action.UPDATE:
            rows.append(row)
            continue
        for name, values in changes.items():
            if name in _HIDDEN_FIELDS:
                continue
            model_field = _model_field(model, name)
            if model_field is None and model is not None:
                continue
            label = str(model_field.verbose_name) if model_field is not None else name
            if isinstance(values, dict) and values.get("type") == "m2m":
                objects = (
                    "، ".join(values.get("objects", []))
                    if is_persian_language()
                    else ", ".join(values.get("objects", []))
                )
                if values.get("operation") == "add":
                    row.changes.append(
                        Change(label, "—", _("added: %(items)s") % {"items": objects})
                    )
                else:
                    row.changes.append(
                        Change(label, _("removed: %(items)s") % {"items": objects}, "—")
                    )
                continue
            if not isinstance(values, list | tuple) or len(values) != 2:
                continue
            old, new = (_display(model_field, v, names) for v in values)
            if old == new:
                continue
            row.changes.append(Change(label, old, new))
        rows.append(row)
    return rows
