"""The right to be forgotten: everything about one customer exported, or erased.

Contacts knows only its own tables. Each app above it (timeline, tasks, leads, sales, commerce,
service, portal) registers, from its own `<app>/privacy.py` loaded in AppConfig.ready(), an
exporter (what it holds about a customer) and an eraser (how it forgets it):

    register_exporter("orders", export_orders, label=_("Orders"))
    register_eraser("orders", erase_orders)

An eraser blanks the personal text of its rows but keeps what reports count (amounts, dates,
stages, SLA timings): the rows stay linked to the anonymised customer record, which keeps its id,
owner, team and stage with every personal field emptied. It calls `erasure.forget(row)` for each
row it anonymised so the audit entries about that row are redacted, and `erasure.delete_file()`
for uploaded files (removed from storage once the transaction commits).

`erase_customer` runs every eraser and then redacts the audit log in one transaction, with
django-auditlog switched off (otherwise the erasure itself would write the old values into new
audit entries), and records one audit entry saying that, when and by whom the record was erased."""

from __future__ import annotations

import contextlib
import datetime as dt
import io
import json
import re
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from auditlog.context import disable_auditlog
from auditlog.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models, transaction
from django.db.models import Q
from django.db.models.fields.files import FieldFile
from django.utils import timezone
from django.utils.translation import gettext as _

from peyvand.accounts.audit import REDACTABLE, redact_entries
from peyvand.core.persian import normalize_text
from peyvand.core.phones import phone_search_variants

from .models import Address, Company, Contact, CustomerRecord, Email, Membership, MergeRecord, Phone

REDACTED = "[erased]"


# --- Registry ---------------------------------------------------------------------------------


@dataclass
class ExportPart:
    """What one app holds about a customer: JSON-ready data and the uploaded files to include
    (archive name, file)."""

    data: Any
    files: list[tuple[str, FieldFile]] = field(default_factory=list)


@dataclass(frozen=True)
class _Hook:
    key: str
    fn: Callable
    order: int


_EXPORTERS: dict[str, _Hook] = {}
_ERASERS: dict[str, _Hook] = {}


def register_exporter(key: str, fn: Callable[[CustomerRecord], ExportPart], order: int = 100):
    """`fn(record) -> ExportPart`; `key` names its section in the export."""
    _EXPORTERS[key] = _Hook(key, fn, order)


def register_eraser(key: str, fn: Callable[[Erasure], None], order: int = 100) -> None:
    """`fn(erasure)`: blank the personal data the app holds about `erasure.records`."""
    _ERASERS[key] = _Hook(key, fn, order)


def exporters() -> list[_Hook]:
    return sorted(_EXPORTERS.values(), key=lambda h: (h.order, h.key))


def erasers() -> list[_Hook]:
    return sorted(_ERASERS.values(), key=lambda h: (h.order, h.key))


# --- Helpers for exporters and erasers --------------------------------------------------------


def rows(queryset: models.QuerySet, *fields: str) -> list[dict[str, Any]]:
    """Rows as JSON-ready dicts (dates as ISO text, decimals as text)."""
    values = queryset.values(*fields)
    return json.loads(json.dumps(list(values), cls=DjangoJSONEncoder))


@dataclass
class Erasure:
    """One erasure in progress, handed to every eraser."""

    record: CustomerRecord
    user: Any
    # The record and the duplicates merged into it (they hold the same person's older data).
    records: list[CustomerRecord]
    # Personal text found on the way; audit entries still containing any of it are redacted.
    strings: set[str] = field(default_factory=set)
    # (content type id, pk) of rows anonymised; every audit entry about them is redacted.
    forgotten: set[tuple[int, str]] = field(default_factory=set)
    files: list[tuple[Any, str]] = field(default_factory=list)

    @property
    def kind(self) -> str:
        return "contact" if isinstance(self.record, Contact) else "company"

    @property
    def contact_ids(self) -> list[int]:
        return [r.pk for r in self.records if isinstance(r, Contact)]

    @property
    def company_ids(self) -> list[int]:
        return [r.pk for r in self.records if isinstance(r, Company)]

    def owner_q(self, contact: str = "contact", company: str = "company") -> Q:
        """Q matching rows linked to the erased records through `contact` / `company` FKs."""
        if self.contact_ids:
            return Q(**{f"{contact}__in": self.contact_ids})
        return Q(**{f"{company}__in": self.company_ids})

    def add_strings(self, *values: Any) -> None:
        for value in values:
            if isinstance(value, str):
                value = value.strip()
                # Very short values ("a", "12") would match unrelated audit text.
                if len(value) >= 3:
                    self.strings.add(value)

    def forget(self, *instances: models.Model) -> None:
        for instance in instances:
            ct = ContentType.objects.get_for_model(type(instance), for_concrete_model=False)
            self.forgotten.add((ct.pk, str(instance.pk)))

    def forget_queryset(self, queryset: models.QuerySet) -> None:
        ct = ContentType.objects.get_for_model(queryset.model, for_concrete_model=False)
        self.forgotten.update((ct.pk, str(pk)) for pk in queryset.values_list("pk", flat=True))

    def delete_file(self, file: FieldFile | None) -> None:
        """Remove an uploaded file from storage once the erasure commits."""
        if file and file.name:
            self.files.append((file.storage, file.name))


# --- Export -----------------------------------------------------------------------------------


def _safe_name(name: str) -> str:
    return "".join(ch if ch.isalnum() or ch in "._-" else "_" for ch in name)[-120:]


def export_customer(record: CustomerRecord) -> bytes:
    """A ZIP: customer.json (every registered section) and files/ (recordings, attachments)."""
    kind = "contact" if isinstance(record, Contact) else "company"
    sections: dict[str, Any] = {}
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zf:
        for hook in exporters():
            part = hook.fn(record)
            sections[hook.key] = part.data
            for index, (name, file) in enumerate(part.files):
                try:
                    with file.open("rb") as src:
                        zf.writestr(f"files/{hook.key}/{index + 1}-{_safe_name(name)}", src.read())
                except (FileNotFoundError, OSError):
                    # A file missing from storage is reported, not fatal for the whole export.
                    sections.setdefault("missing_files", []).append(name)
        document = {
            "kind": kind,
            "id": record.pk,
            "exported_at": timezone.now(),
            "sections": sections,
        }
        zf.writestr(
            "customer.json",
            json.dumps(document, cls=DjangoJSONEncoder, ensure_ascii=False, indent=2),
        )
    return archive.getvalue()


def export_filename(record: CustomerRecord) -> str:
    kind = "contact" if isinstance(record, Contact) else "company"
    return f"{kind}-{record.pk}-{timezone.now():%Y%m%d}.zip"


# --- Contacts' own section --------------------------------------------------------------------


def _record_fields(record: CustomerRecord) -> dict[str, Any]:
    model = type(record)
    data = rows(model._base_manager.filter(pk=record.pk))[0]
    data["tags"] = list(record.tags.values_list("name", flat=True))
    return data


def _export_contacts(record: CustomerRecord) -> ExportPart:
    owner = {"contact": record} if isinstance(record, Contact) else {"company": record}
    memberships = Membership.objects.filter(**owner).select_related("contact", "company")
    return ExportPart(
        {
            "record": _record_fields(record),
            "phones": rows(Phone.objects.filter(**owner), "number", "kind", "is_primary"),
            "emails": rows(Email.objects.filter(**owner), "address", "kind", "is_primary"),
            "addresses": rows(
                Address.objects.filter(**owner),
                "kind",
                "province",
                "city",
                "line",
                "postal_code",
                "is_primary",
            ),
            "memberships": [
                {
                    "contact_id": m.contact_id,
                    "contact": m.contact.full_name,
                    "company_id": m.company_id,
                    "company": m.company.name,
                    "title": m.title,
                    "is_primary": m.is_primary,
                }
                for m in memberships
            ],
        }
    )


_CONTACT_BLANK = {
    "first_name": "",
    "first_name_latin": "",
    "last_name_latin": "",
    "gender": "",
    "national_id": "",
    "birthday": None,
    "job_title": "",
    "consent_email": False,
    "consent_sms": False,
    "consent_call": False,
}
_COMPANY_BLANK = {
    "name_latin": "",
    "national_id": "",
    "economic_code": "",
    "industry": "",
    "website": "",
    "employee_count": None,
}
_COMMON_BLANK = {
    "notes": "",
    "primary_phone": "",
    "primary_email": "",
    "province": "",
    "city": "",
}


def _collect_contact_strings(erasure: Erasure, record: CustomerRecord) -> None:
    owner = {"contact": record} if isinstance(record, Contact) else {"company": record}
    if isinstance(record, Contact):
        erasure.add_strings(
            record.first_name,
            record.last_name,
            record.full_name,
            record.first_name_latin,
            record.last_name_latin,
            record.full_name_latin,
            record.national_id,
            record.job_title,
        )
    else:
        erasure.add_strings(
            record.name, record.name_latin, record.national_id, record.economic_code, record.website
        )
    erasure.add_strings(record.notes, record.primary_phone, record.primary_email)
    for number in Phone.objects.filter(**owner).values_list("number", flat=True):
        erasure.add_strings(number, *phone_search_variants(number))
    erasure.add_strings(*Email.objects.filter(**owner).values_list("address", flat=True))
    for line, postal in Address.objects.filter(**owner).values_list("line", "postal_code"):
        erasure.add_strings(line, postal)


def _erase_contacts(erasure: Erasure) -> None:
    placeholder = _("Erased customer")
    for record in erasure.records:
        owner = {"contact": record} if isinstance(record, Contact) else {"company": record}
        for model in (Phone, Email, Address, Membership):
            qs = model.objects.filter(**owner)
            erasure.forget_queryset(qs)
            qs.delete()
        values = dict(_COMMON_BLANK)
        if isinstance(record, Contact):
            values.update(_CONTACT_BLANK, last_name=placeholder)
        else:
            values.update(_COMPANY_BLANK, name=placeholder)
        for name, value in values.items():
            setattr(record, name, value)
        now = timezone.now()
        record.erased_at = now
        if record.deleted_at is None:
            record.deleted_at = now
            record.deleted_by = erasure.user if getattr(erasure.user, "pk", None) else None
        record.save()
        record.tags.clear()
        erasure.forget(record)
        # A merge remembers the values it overwrote on the survivor: personal data too.
        MergeRecord.objects.filter(
            kind=erasure.kind, survivor_id__in=[r.pk for r in erasure.records]
        ).update(overwritten={})
        from .services import unindex

        unindex(record)


def _erase_outbox(erasure: Erasure) -> None:
    """Messages to the customer's addresses and numbers in the outbox: content blanked, and
    those not sent yet are not sent at all."""
    from peyvand.core.models import OutboundMessage

    addresses = [v for v in erasure.strings if "@" in v or v.startswith("+")]
    if not addresses:
        return
    match = Q()
    for value in addresses:
        match |= Q(to__icontains=value)
    messages = OutboundMessage.objects.filter(match)
    messages.filter(status=OutboundMessage.Status.PENDING).update(
        status=OutboundMessage.Status.FAILED, last_error=_("Erased customer")
    )
    messages.update(to="", subject="", body="", html="", headers={}, builder="", builder_args={})


register_exporter("customer", _export_contacts, order=0)
# First: the apps above re-index their rows after blanking them, and their search documents
# show the customer's name. Every personal value was collected into `erasure.strings` before.
register_eraser("customer", _erase_contacts, order=0)
register_eraser("outbox", _erase_outbox, order=900)


# --- Erasure ----------------------------------------------------------------------------------


def confirmation_text(record: CustomerRecord) -> str:
    """What the user must type to confirm an erasure: the record's name."""
    return record.full_name if isinstance(record, Contact) else record.name


def _folded(text: str) -> str:
    return " ".join(normalize_text(text or "").split()).casefold()


def _related_records(record: CustomerRecord) -> list[CustomerRecord]:
    """The record and, transitively, the duplicates merged into it."""
    model = type(record)
    found = [record]
    frontier = [record.pk]
    while frontier:
        merged = list(model._base_manager.filter(merged_into__in=frontier))
        merged = [m for m in merged if m.pk not in {r.pk for r in found}]
        found.extend(merged)
        frontier = [m.pk for m in merged]
    return found


def _redact_value(value: Any, pattern: re.Pattern | None) -> Any:
    if pattern is None:
        return value
    if isinstance(value, str):
        return pattern.sub(REDACTED, value)
    if isinstance(value, list):
        return [_redact_value(v, pattern) for v in value]
    if isinstance(value, dict):
        return {k: _redact_value(v, pattern) for k, v in value.items()}
    return value


def _redact_audit(erasure: Erasure) -> None:
    # Longest first, so "Ali Rezaei" is replaced whole before "Ali" could split it.
    strings = sorted(erasure.strings, key=len, reverse=True)

    def whole(entry: LogEntry) -> dict[str, Any]:
        changes = entry.changes if isinstance(entry.changes, dict) else {}
        extra = entry.additional_data if isinstance(entry.additional_data, dict) else None
        return {
            "object_repr": REDACTED,
            "serialized_data": None,
            "changes_text": "",
            "changes": {name: [REDACTED, REDACTED] for name in changes},
            # Only the ids linking a phone or membership to its record stay (no personal data).
            "additional_data": (
                {k: v for k, v in extra.items() if isinstance(v, int) or v is None}
                if extra is not None
                else None
            ),
        }

    pattern = (
        re.compile("|".join(re.escape(s) for s in strings), re.IGNORECASE) if strings else None
    )

    def partial(entry: LogEntry) -> dict[str, Any]:
        values = {}
        for name in REDACTABLE:
            old = getattr(entry, name)
            new = _redact_value(old, pattern)
            if new != old:
                values[name] = new
        return values

    about = Q(pk__in=[])
    by_type: dict[int, list[str]] = {}
    for ct_id, pk in erasure.forgotten:
        by_type.setdefault(ct_id, []).append(pk)
    for ct_id, pks in by_type.items():
        about |= Q(content_type_id=ct_id, object_pk__in=pks)
    for key, ids in (("contact_id", erasure.contact_ids), ("company_id", erasure.company_ids)):
        if ids:
            about |= Q(**{f"additional_data__{key}__in": ids})
    redacted = set()
    entries = list(LogEntry.objects.filter(about))
    redact_entries(entries, whole)
    redacted.update(e.pk for e in entries)

    if not strings:
        return
    text_match = Q(pk__in=[])
    for s in strings:
        # JSON columns may hold non-ASCII text escaped (\uXXXX) on SQLite: look for both forms.
        escaped = json.dumps(s)[1:-1]
        for column in ("object_repr", "changes_text", "changes", "serialized_data"):
            text_match |= Q(**{f"{column}__icontains": s})
            if escaped != s:
                text_match |= Q(**{f"{column}__icontains": escaped})
    candidates = LogEntry.objects.filter(text_match).exclude(pk__in=redacted)
    redact_entries(candidates.iterator(chunk_size=500), partial)


def _record_erasure(erasure: Erasure, erased_at: dt.datetime) -> None:
    """One audit entry: this record was erased, by whom and when; no personal data."""
    record = erasure.record
    LogEntry.objects.create(
        content_type=ContentType.objects.get_for_model(type(record)),
        object_pk=str(record.pk),
        object_id=record.pk,
        object_repr=REDACTED,
        action=LogEntry.Action.UPDATE,
        changes={"erased_at": ["None", erased_at.isoformat()]},
        actor=erasure.user if getattr(erasure.user, "pk", None) else None,
        additional_data={
            "erasure": True,
            "merged_records": [r.pk for r in erasure.records if r.pk != record.pk],
        },
    )


def check_confirmation(record: CustomerRecord, confirmation: str) -> None:
    if not confirmation or _folded(confirmation) != _folded(confirmation_text(record)):
        raise ValidationError(
            {"confirmation": [_("Type the record's name exactly as shown to confirm.")]}
        )


def erase_customer(record: CustomerRecord, *, user, confirmation: str) -> Erasure:
    """Erase a contact or company everywhere (all or nothing). Permission is the caller's check
    (contacts: delete); the confirmation must repeat the record's name."""
    if record.erased_at is not None:
        raise ValidationError(_("This record has already been erased."))
    if record.merged_into_id is not None:
        raise ValidationError(_("This record was merged; erase the record it was merged into."))
    check_confirmation(record, confirmation)
    return _erase(record, user)


def purge_trash(older_than_days: int, *, limit: int | None = None) -> int:
    """Erase the records that have been in the trash for more than `older_than_days` days
    (`manage.py purge_trash`). Each is its own transaction; returns how many were erased."""
    cutoff = timezone.now() - dt.timedelta(days=older_than_days)
    erased = 0
    for model in (Contact, Company):
        qs = model._base_manager.filter(
            deleted_at__lt=cutoff, erased_at__isnull=True, merged_into__isnull=True
        ).order_by("deleted_at", "pk")
        for record in qs[:limit] if limit else qs.iterator():
            _erase(record, None)
            erased += 1
    return erased


def _erase(record: CustomerRecord, user) -> Erasure:
    with transaction.atomic(), disable_auditlog():
        model = type(record)
        record = model._base_manager.select_for_update().get(pk=record.pk)
        erasure = Erasure(record=record, user=user, records=_related_records(record))
        for each in erasure.records:
            _collect_contact_strings(erasure, each)
        for hook in erasers():
            hook.fn(erasure)
        _redact_audit(erasure)
        _record_erasure(erasure, record.erased_at)
        files = list(erasure.files)

        def delete_files() -> None:
            # After the commit: a rolled-back erasure must not have lost the files.
            for storage, name in files:
                with contextlib.suppress(OSError):
                    storage.delete(name)

        transaction.on_commit(delete_files)
    return erasure
