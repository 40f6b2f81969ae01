"""Attendees of an event or seminar, from a CSV file, as leads in one step.

Each row goes through capture_lead on its own, so a bad row is reported (with its line number)
and the good rows are kept. Uploading the same list again does not count anyone twice."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from peyvand.accounts.models import User
from peyvand.core.persian import search_key
from peyvand.imports import files

from . import services
from .inputs import LeadInput
from .models import Channel

MAX_ROWS = 5000
MAX_BYTES = 2 * 1024 * 1024

# Header spellings people use (compared after Persian/case folding, so "ایميل" = "ایمیل").
HEADER_ALIASES: dict[str, tuple[str, ...]] = {
    "name": ("name", "full name", "fullname", "full_name", "نام و نام خانوادگی", "نام کامل"),
    "first_name": ("first name", "first_name", "firstname", "نام"),
    "last_name": ("last name", "last_name", "lastname", "surname", "family name", "نام خانوادگی"),
    "phone": (
        "phone",
        "mobile",
        "tel",
        "telephone",
        "phone number",
        "cell",
        "تلفن",
        "موبایل",
        "همراه",
        "شماره",
        "شماره تماس",
        "شماره موبایل",
        "تلفن همراه",
        "شماره همراه",
    ),
    "email": ("email", "e-mail", "mail", "email address", "ایمیل", "پست الکترونیک", "رایانامه"),
    "company": ("company", "organization", "organisation", "شرکت", "سازمان", "نام شرکت"),
    "city": ("city", "شهر"),
    "province": ("province", "state", "استان"),
    "job_title": ("job title", "title", "position", "role", "سمت", "عنوان شغلی"),
}
_ALIASES = {
    search_key(alias): name for name, aliases in HEADER_ALIASES.items() for alias in aliases
}


@dataclass
class RowError:
    line: int
    errors: dict[str, list[str]]

    @property
    def messages(self) -> list[str]:
        return [m for messages in self.errors.values() for m in messages]


@dataclass
class ImportReport:
    created: int = 0
    attached: int = 0
    already_imported: int = 0
    errors: list[RowError] = field(default_factory=list)

    @property
    def total(self) -> int:
        return self.created + self.attached + self.already_imported + len(self.errors)


# One CSV reader in the project: encodings (UTF-8, BOM, Windows-1256) and separators are
# detected by the import framework's file reader.
ImportFileError = files.ImportFileError


def map_headers(headers: list[str]) -> dict[int, str]:
    """Column index -> lead field, for the columns we recognise."""
    mapping: dict[int, str] = {}
    for index, header in enumerate(headers):
        name = _ALIASES.get(search_key(header))
        if name and name not in mapping.values():
            mapping[index] = name
    fields = set(mapping.values())
    # A lone "نام" column (no family-name column) holds the whole name.
    if "first_name" in fields and "last_name" not in fields and "name" not in fields:
        mapping = {i: ("name" if f == "first_name" else f) for i, f in mapping.items()}
    return mapping


def read_rows(raw: bytes) -> tuple[dict[int, str], list[tuple[int, list[str]]]]:
    if len(raw) > MAX_BYTES:
        raise ImportFileError(_("The file is too large (at most 2 MB)."))
    info, reader = files.read_all(raw, "attendees.csv")
    if info.format != files.CSV:
        raise ImportFileError(_("The file is not a valid CSV file."))
    mapping = map_headers(info.headers)
    if not set(mapping.values()) & {"phone", "email"}:
        raise ImportFileError(
            _("No phone or email column found. Name the columns, e.g. name, phone, email.")
        )
    rows: list[tuple[int, list[str]]] = []
    for line, row in reader:
        if len(rows) >= MAX_ROWS:
            raise ImportFileError(
                _("The file has more than %(max)d rows; split it into smaller files.")
                % {"max": MAX_ROWS}
            )
        rows.append((line, row or []))
    return mapping, rows


def import_event_attendees(
    raw: bytes, *, event: str, user: User, product: str = ""
) -> ImportReport:
    """Raises ImportFileError when the file as a whole cannot be read."""
    mapping, rows = read_rows(raw)
    report = ImportReport()
    for line, row in rows:
        values = {name: row[index].strip() for index, name in mapping.items() if index < len(row)}
        if product:
            values.setdefault("product", product)
        try:
            data = LeadInput.from_data(values)
        except ValidationError as exc:
            report.errors.append(RowError(line, exc.message_dict))
            continue
        identity = f"{event}|{data.phone}|{data.email}"
        key = "event:" + hashlib.sha256(identity.encode()).hexdigest()
        try:
            result = services.capture_lead(
                channel=Channel.EVENT,
                data=data,
                source={"event": event},
                user=user,
                idempotency_key=key,
                idempotency_scope="event-import",
            )
        except services.IdempotencyConflict:
            report.already_imported += 1
            continue
        except ValidationError as exc:
            errors = exc.message_dict if hasattr(exc, "error_dict") else {"__all__": exc.messages}
            report.errors.append(RowError(line, errors))
            continue
        if result.replayed:
            report.already_imported += 1
        elif result.created:
            report.created += 1
        else:
            report.attached += 1
    return report
