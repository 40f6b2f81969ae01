"""The import contract: what a module implements so its records can be imported.

The imports app is a low-level framework (it depends on core and accounts only). Each module
registers its targets from its AppConfig.ready():

    from peyvand.imports.registry import register_target
    register_target(ContactTarget())

The engine (imports.services) reads the file, maps columns to `ImportTarget.fields`, calls
`clean_row` for every row (no writes; also used for the preview), and hands the clean rows to
`write_batch` in batches, each inside ONE transaction that also records what was done (for undo)
and the checkpoint. `write_batch` must therefore never commit on its own and must not swallow
database errors (let them raise; the engine rolls the batch back).

See .notes/imports-ready.md for a worked example.
"""

from __future__ import annotations

import contextvars
import re
from collections.abc import Callable, Iterable, Sequence
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from peyvand.core.persian import INVISIBLE_RE, search_key, to_latin_digits

# --- Field kinds -------------------------------------------------------------------------------
# Each kind cleans exactly like the matching core.forms field.
TEXT = "text"  # PersianTextField (one line)
MULTILINE = "multiline"  # PersianTextField, line breaks kept
PHONE = "phone"  # PhoneNumberField -> E.164 str
EMAIL = "email"  # PersianEmailField -> lower-case str
NATIONAL_ID = "national_id"  # NationalIdField (person, 10 digits) -> str
COMPANY_NATIONAL_ID = "company_national_id"  # CompanyNationalIdField (11 digits) -> str
ECONOMIC_CODE = "economic_code"  # EconomicCodeField -> str
DATE = "date"  # JalaliDateField semantics (Jalali or Gregorian, any digits) -> date
MONEY = "money"  # "12,500,000", "۱۲٬۵۰۰٬۰۰۰ ریال"; "... تومان" is x10 -> Decimal (IRR)
INTEGER = "integer"  # -> int
DECIMAL = "decimal"  # -> Decimal
BOOLEAN = "boolean"  # بله/خیر, yes/no, 1/0, true/false -> bool
CHOICE = "choice"  # one of ImportField.choices (matched by value or label, Persian-folded) -> value
EXTERNAL_ID = "external_id"  # the record's id in the source system -> stripped str
KINDS = (
    TEXT,
    MULTILINE,
    PHONE,
    EMAIL,
    NATIONAL_ID,
    COMPANY_NATIONAL_ID,
    ECONOMIC_CODE,
    DATE,
    MONEY,
    INTEGER,
    DECIMAL,
    BOOLEAN,
    CHOICE,
    EXTERNAL_ID,
)

# --- Duplicate modes ---------------------------------------------------------------------------
SKIP = "skip"  # a row matching an existing record is skipped
FILL = "fill"  # update only the fields that are empty on the existing record
OVERWRITE = "overwrite"  # every non-empty imported value replaces the stored one
CREATE = "create"  # create anyway (an external id match is still honoured: re-imports never
#                    duplicate a record already imported from the same source)
DUPLICATE_MODES: list[tuple[str, Any]] = [
    (SKIP, _("Skip rows that match an existing record")),
    (FILL, _("Fill in only the empty fields of the existing record")),
    (OVERWRITE, _("Overwrite the existing record with the file's values")),
    (CREATE, _("Create a new record anyway")),
]

# --- Row outcomes ------------------------------------------------------------------------------
CREATED = "created"
UPDATED = "updated"
SKIPPED = "skipped"
ERROR = "error"
ACTIONS = (CREATED, UPDATED, SKIPPED, ERROR)

# Date calendars (a job option): "auto" reads 4-digit years as Jalali when 1200-1599, otherwise
# Gregorian (core.dates); the explicit choices also decide two-digit years ("03/05/12").
AUTO, JALALI, GREGORIAN = "auto", "jalali", "gregorian"
CALENDARS: list[tuple[str, Any]] = [
    (AUTO, _("Detect (Solar Hijri or Gregorian)")),
    (JALALI, _("Solar Hijri (Jalali)")),
    (GREGORIAN, _("Gregorian")),
]


@dataclass(frozen=True)
class ImportField:
    name: str  # the key in CleanRow.values / ImportRow.values
    label: Any  # translatable (gettext_lazy)
    kind: str = TEXT
    required: bool = False
    # Header spellings for auto-mapping, Persian and English; compared after Persian/case
    # folding (core.persian.search_key), so "ایميل" matches "ایمیل". The name and label are
    # always aliases too.
    aliases: tuple[str, ...] = ()
    help: Any = ""  # shown next to the field on the mapping page
    # CHOICE kind: (stored value, label) pairs; a cell matches a value or a label.
    choices: tuple[tuple[str, Any], ...] = ()
    # MONEY kind: amounts without a unit are in this currency ("IRR" or "IRT" = Toman).
    currency: str = "IRR"
    max_length: int | None = None

    def header_keys(self) -> set[str]:
        keys = {search_key(self.name.replace("_", " ")), search_key(str(self.label))}
        keys.update(search_key(alias) for alias in self.aliases)
        keys.discard("")
        return keys


def external_id_field(**overrides: Any) -> ImportField:
    """The standard "external id" column; include it in a target's fields to get idempotent
    re-imports (stored in ExternalReference per (target, source, external id))."""
    options: dict[str, Any] = {
        "name": "external_id",
        "label": _("External ID"),
        "kind": EXTERNAL_ID,
        "aliases": (
            "id",
            "external id",
            "external_id",
            "record id",
            "source id",
            "code",
            "شناسه",
            "شناسه خارجی",
            "شناسه سیستم قبلی",
            "کد",
            "ردیف",
        ),
        "help": _("The record's id in the old system; importing it again updates, not copies."),
        "max_length": 200,  # ExternalReference.external_id
    }
    options.update(overrides)
    return ImportField(**options)


@dataclass
class CleanRow:
    """What clean_row returns: cleaned values (Python types: str, date, Decimal, bool, int),
    errors per field name ("__all__" for the row), warnings per field name (kept, but shown)."""

    values: dict[str, Any] = field(default_factory=dict)
    errors: dict[str, list[str]] = field(default_factory=dict)
    warnings: dict[str, list[str]] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.errors

    def add_error(self, name: str, message: str) -> None:
        self.errors.setdefault(name, []).append(str(message))

    def add_warning(self, name: str, message: str) -> None:
        self.warnings.setdefault(name, []).append(str(message))


@dataclass
class ImportRow:
    """One clean row handed to write_batch."""

    number: int  # the row's number in the file as a spreadsheet shows it (header = row 1)
    values: dict[str, Any]  # CleanRow.values; empty cells are absent or "" / None
    warnings: dict[str, list[str]] = field(default_factory=dict)

    @property
    def external_id(self) -> str:
        return str(self.values.get("external_id") or "")


@dataclass
class RowOutcome:
    """What write_batch did with one row (exactly one outcome per row, same order)."""

    number: int
    action: str  # CREATED / UPDATED / SKIPPED / ERROR
    object_id: int | None = None
    # UPDATED: field -> value before the import (JSON-able: use `snapshot`), for undo.
    previous: dict[str, Any] = field(default_factory=dict)
    errors: dict[str, list[str]] = field(default_factory=dict)  # ERROR: why
    message: str = ""  # e.g. "Same as row 5", "Matched by phone", shown in the report
    # Other records the row brought into being, by kind ({"companies": [ids]} for the company
    # column of a contact): the engine keeps them with the row and undo hands them back to
    # `undo_related`.
    created_related: dict[str, list[int]] = field(default_factory=dict)


@dataclass(frozen=True)
class JobContext:
    user: Any  # accounts.User running the import (owner of created records by default)
    source: str  # external-id namespace, e.g. "old-crm" (job option; API: the caller's)
    mode: str = SKIP
    calendar: str = AUTO
    job_id: int | None = None  # None for the JSON bulk API
    language: str = "fa"


class ImportTarget:
    """Subclass and register an instance. Override write_batch, undo, blockers; clean_row has a
    default that cleans every field by its kind (call super() and add cross-field rules)."""

    code: str = ""  # unique, URL-safe: "contacts", "companies", "leads"
    label: Any = ""
    module: str = ""  # accounts.permissions module: import needs ADD (+ CHANGE for fill/overwrite)
    fields: Sequence[ImportField] = ()
    # Field names tried in this order to find an existing record: ("external_id", "national_id",
    # "phone", "email"). Documentation for users and a hint for duplicate grouping in the batch.
    match_keys: Sequence[str] = ()
    # Shown on the mapping page: what a file for this target should look like.
    description: Any = ""
    # True when clean_row reads nothing from the database (nor the context's user): big files
    # of the target are then cleaned in worker processes.
    pure_cleaning: bool = False

    # -- cleaning (no writes) ------------------------------------------------------------------
    def clean_row(self, values: dict[str, str]) -> CleanRow:
        """`values`: field name -> raw cell text (only mapped fields). No database writes; reads
        (e.g. looking up an owner by e-mail) are fine."""
        return clean_fields(self.fields, values)

    def prepare(self, row: CleanRow) -> None:
        """Optional work on a clean row that needs no database, done where rows are cleaned
        (in the cleaning processes for big files of a `pure_cleaning` target) so that the
        job's own process, which writes, has less to do; write_batch must not depend on it
        (rows of the bulk API are not prepared)."""

    # -- writing (inside the engine's transaction) ---------------------------------------------
    def write_batch(
        self, rows: list[ImportRow], *, job_context: JobContext, mode: str
    ) -> list[RowOutcome]:
        """Create/update the records of `rows`, matching duplicates both within `rows` (see
        `duplicates_in_batch`) and against the database (external id via `find_external`, then
        the match keys). Record external ids with `remember_external`. Return one RowOutcome per
        row in order. Per-row problems found here (e.g. a unique clash) are ERROR outcomes; a
        database error may also simply raise (the whole batch is rolled back and the job fails)."""
        raise NotImplementedError

    # -- undo ----------------------------------------------------------------------------------
    def blockers(self, ids: Sequence[int]) -> list[str]:
        """Human-readable reasons the created records `ids` cannot be removed (newer records
        depend on them: "3 deals were created for these contacts"). [] = undo allowed."""
        return []

    def undo(self, created_ids: Sequence[int], restored: dict[int, dict[str, Any]]) -> None:
        """Delete the created records and put back `restored` = {object_id: previous values}
        (as stored from RowOutcome.previous; `restore_fields` does the usual case). Runs in a
        transaction; the engine removes the ExternalReferences of created ids itself."""
        raise NotImplementedError

    # -- optional ------------------------------------------------------------------------------
    def undo_related(self, related: dict[str, list[int]]) -> None:
        """Remove the records RowOutcome.created_related named ({kind: ids}), after `undo`
        and in the same transaction; keep any that something else uses by now."""

    def object_url(self, object_id: int) -> str | None:
        """Link to an imported record on the job page and error report, if it has a page."""
        return None

    def field(self, name: str) -> ImportField | None:
        return next((f for f in self.fields if f.name == name), None)


class RecordByRecordTarget(ImportTarget):
    """A target that writes each row through its module's own services (routing, scoring,
    timeline...), one savepoint per row so a bad row never half-writes. Subclasses set `model`
    and `duplicate_message` and implement `write_row`."""

    model: Any = None
    duplicate_message: Any = _("Same record as row %(row)d.")

    def write_row(
        self, row: ImportRow, existing: Any, context: JobContext, mode: str
    ) -> RowOutcome:
        """Create or update the record of one row; `existing` is the record imported earlier
        from the same source (matched by external id), else None."""
        raise NotImplementedError

    def row_guard(self) -> AbstractContextManager:
        """Wraps each row's write, e.g. to silence live-only side effects of historic data."""
        return nullcontext()

    def write_batch(
        self, rows: list[ImportRow], *, job_context: JobContext, mode: str
    ) -> list[RowOutcome]:
        source = job_context.source
        known = find_external(self.code, source, [r.external_id for r in rows]) if source else {}
        records = self.model._base_manager.in_bulk(list(known.values()))
        earlier = duplicates_in_batch(rows, self.match_keys)
        outcomes: list[RowOutcome] = []
        remembered: dict[str, int] = {}
        for row in rows:
            if row.number in earlier:
                message = self.duplicate_message % {"row": earlier[row.number]}
                outcomes.append(RowOutcome(row.number, SKIPPED, message=message))
                continue
            try:
                with transaction.atomic(), self.row_guard():
                    existing = records.get(known.get(row.external_id))
                    outcome = self.write_row(row, existing, job_context, mode)
            except ValidationError as exc:
                errors = (
                    exc.message_dict if hasattr(exc, "error_dict") else {"__all__": exc.messages}
                )
                outcome = RowOutcome(row.number, ERROR, errors=errors)
            if row.external_id and outcome.object_id and outcome.action != ERROR:
                remembered[row.external_id] = outcome.object_id
            outcomes.append(outcome)
        if source:
            remember_external(self.code, source, remembered)
        return outcomes


def referenced_by(model: Any, ids: Sequence[int], *, own: Sequence[str] = ()) -> list[str]:
    """Undo blockers: rows of other tables that still point at the imported records `ids`
    (relations named in `own` are the records' own parts, deleted with them). Found through the
    model's reverse relations, so no target needs to know the apps built on it."""
    reasons: list[str] = []
    ids = list(ids)
    for relation in model._meta.related_objects:
        if relation.get_accessor_name() in own or relation.name in own:
            continue
        related = relation.related_model
        if relation.many_to_many:
            through = relation.through
            column = next(
                (
                    f.name
                    for f in through._meta.fields
                    if getattr(f, "related_model", None) is model
                ),
                None,
            )
            if column is None:
                continue
            count = through._base_manager.filter(**{f"{column}__in": ids}).count()
        else:
            count = related._base_manager.filter(**{f"{relation.field.name}__in": ids}).count()
        if count:
            reasons.append(
                gettext("%(count)d %(records)s refer to the imported records.")
                % {"count": count, "records": related._meta.verbose_name_plural}
            )
    return reasons


# --- Registry ----------------------------------------------------------------------------------
_TARGETS: dict[str, ImportTarget] = {}


def register_target(target: ImportTarget) -> ImportTarget:
    if not target.code or not re.fullmatch(r"[a-z0-9_-]{1,40}", target.code):
        raise ValueError(f"Import target code must be [a-z0-9_-]{{1,40}}, not {target.code!r}")
    _TARGETS[target.code] = target
    return target


def unregister_target(code: str) -> None:
    """For tests."""
    _TARGETS.pop(code, None)


def get_target(code: str) -> ImportTarget:
    """Raises KeyError for an unknown code."""
    return _TARGETS[code]


def targets() -> list[ImportTarget]:
    return list(_TARGETS.values())


def targets_for(user) -> list[ImportTarget]:
    from peyvand.accounts.permissions import ADD, has_perm

    return [t for t in _TARGETS.values() if has_perm(user, t.module, ADD)]


# --- Cleaning helpers --------------------------------------------------------------------------
# The engine sets the running job's context here while it cleans rows, so field cleaning can
# honour the job's date calendar without changing the clean_row signature.
_CONTEXT: contextvars.ContextVar[JobContext | None] = contextvars.ContextVar(
    "import_context", default=None
)


def current_context() -> JobContext | None:
    return _CONTEXT.get()


def using_context(context: JobContext | None) -> contextvars.Token:
    return _CONTEXT.set(context)


def reset_context(token: contextvars.Token) -> None:
    _CONTEXT.reset(token)


_TRUE = {"1", "true", "yes", "y", "بله", "بلی", "آری", "اره", "آره", "درست", "دارد", "✓", "x"}
_FALSE = {"0", "false", "no", "n", "خیر", "نه", "نادرست", "ندارد", "-"}
_MONEY_UNITS = {
    "ریال": "IRR",
    "rial": "IRR",
    "rials": "IRR",
    "irr": "IRR",
    "تومان": "IRT",
    "toman": "IRT",
    "tomans": "IRT",
    "irt": "IRT",
}
_NEUTRALISED = {"'=", "'+", "'-", "'@"}
_NUMBER_RE = re.compile(r"[+-]?\d+(?:\.\d+)?")
_SHORT_DATE_RE = re.compile(r"(\d{2})[/\-.](\d{1,2})[/\-.](\d{1,2})")
_DAY_FIRST_RE = re.compile(r"(\d{1,2})[/\-.](\d{1,2})[/\-.](\d{4})")


_FORM_FIELDS: dict[tuple[str, int | None], forms.Field] = {}


def _form_field(spec: ImportField) -> forms.Field:
    # Form fields hold no per-value state, so one per (kind, max length) serves every cell.
    key = (spec.kind, spec.max_length)
    if key not in _FORM_FIELDS:
        _FORM_FIELDS[key] = _new_form_field(spec)
    return _FORM_FIELDS[key]


def _new_form_field(spec: ImportField) -> forms.Field:
    from peyvand.core import forms as core_forms

    kwargs: dict[str, Any] = {"required": False}
    if spec.max_length:
        kwargs["max_length"] = spec.max_length
    factory: Callable[..., forms.Field] = {
        TEXT: core_forms.PersianTextField,
        MULTILINE: lambda **kw: core_forms.PersianTextField(multiline=True, **kw),
        PHONE: core_forms.PhoneNumberField,
        EMAIL: core_forms.PersianEmailField,
        NATIONAL_ID: core_forms.NationalIdField,
        COMPANY_NATIONAL_ID: core_forms.CompanyNationalIdField,
        ECONOMIC_CODE: core_forms.EconomicCodeField,
        DATE: core_forms.JalaliDateField,
        EXTERNAL_ID: core_forms.PersianTextField,
    }[spec.kind]
    return factory(**kwargs)


def _number_text(raw: str) -> str:
    text = to_latin_digits(INVISIBLE_RE.sub("", raw)).strip()
    # Thousands separators (, ٬ ' and spaces) go; the Arabic decimal separator becomes ".".
    return re.sub(r"[,\u066c'\s_]", "", text.replace("\u066b", "."))


def _clean_money(spec: ImportField, raw: str) -> Decimal:
    text = to_latin_digits(raw).strip().casefold()
    currency = spec.currency
    for word, code in _MONEY_UNITS.items():
        if text.endswith(word):
            text, currency = text[: -len(word)], code
            break
    number = _number_text(text)
    if not _NUMBER_RE.fullmatch(number):
        raise forms.ValidationError(gettext("Enter an amount, such as 12,500,000."))
    amount = Decimal(number)
    return amount * 10 if currency == "IRT" else amount


def _clean_date(raw: str) -> date:
    from peyvand.core.dates import InvalidDate, parse_date

    text = to_latin_digits(INVISIBLE_RE.sub("", raw)).strip().split(" ")[0].split("T")[0]
    context = current_context()
    calendar = context.calendar if context else AUTO
    short = _SHORT_DATE_RE.fullmatch(text)
    if short and calendar in (JALALI, GREGORIAN):
        century = 1400 if calendar == JALALI else 2000
        year = int(short[1])
        if calendar == JALALI and year > 50:
            century = 1300
        text = f"{century + year}/{short[2]}/{short[3]}"
    day_first = _DAY_FIRST_RE.fullmatch(text)
    if day_first:  # Excel's 02/08/2024 (day/month/year)
        text = f"{day_first[3]}/{day_first[2]}/{day_first[1]}"
    try:
        return parse_date(text)
    except InvalidDate as exc:
        raise forms.ValidationError(str(exc)) from exc


def clean_value(spec: ImportField, raw: str) -> Any:
    """Clean one cell by the field's kind; raises django.forms.ValidationError. Empty -> None."""
    text = "" if raw is None else str(raw)
    if not INVISIBLE_RE.sub("", text).strip():
        return None
    if text[:2] in _NEUTRALISED:
        # Our own exports write "'+98912…" so spreadsheets do not run it as a formula.
        text = text[1:]
    if spec.kind == MONEY:
        return _clean_money(spec, text)
    if spec.kind in (INTEGER, DECIMAL):
        number = _number_text(text)
        if not _NUMBER_RE.fullmatch(number):
            raise forms.ValidationError(gettext("Enter a number."))
        if spec.kind == DECIMAL:
            try:
                return Decimal(number)
            except InvalidOperation as exc:
                raise forms.ValidationError(gettext("Enter a number.")) from exc
        if "." in number and Decimal(number) != int(Decimal(number)):
            raise forms.ValidationError(gettext("Enter a whole number."))
        return int(Decimal(number))
    if spec.kind == BOOLEAN:
        key = search_key(text) or text.strip()
        if key in _TRUE:
            return True
        if key in _FALSE:
            return False
        raise forms.ValidationError(gettext("Enter yes or no (بله / خیر)."))
    if spec.kind == CHOICE:
        key = search_key(text)
        for value, label in spec.choices:
            if key in (search_key(str(value)), search_key(str(label))):
                return value
        allowed = "، ".join(str(label) for _, label in spec.choices)
        raise forms.ValidationError(gettext("Choose one of: %(choices)s.") % {"choices": allowed})
    if spec.kind == DATE:
        return _clean_date(text)
    return _form_field(spec).clean(text) or None


def clean_fields(
    fields: Iterable[ImportField], values: dict[str, str], row: CleanRow | None = None
) -> CleanRow:
    """Clean every field present in `values` by its kind and check required fields."""
    row = row or CleanRow()
    for spec in fields:
        raw = values.get(spec.name, "")
        try:
            value = clean_value(spec, raw)
        except forms.ValidationError as exc:
            for message in exc.messages:
                row.add_error(spec.name, message)
            continue
        if value is None:
            if spec.required:
                row.add_error(spec.name, gettext("This value is required."))
            continue
        row.values[spec.name] = value
    return row


# --- Write helpers -----------------------------------------------------------------------------
def duplicates_in_batch(rows: Sequence[ImportRow], keys: Sequence[str]) -> dict[int, int]:
    """{row number: number of the earlier row in `rows` it duplicates} by any of `keys` (equal,
    non-empty cleaned values). Rows not in the dict are the first of their kind."""
    seen: dict[tuple[str, Any], int] = {}
    duplicates: dict[int, int] = {}
    for row in rows:
        first = None
        pairs = [(key, row.values.get(key)) for key in keys if row.values.get(key)]
        for pair in pairs:
            if pair in seen:
                first = seen[pair]
                break
        if first is not None:
            duplicates[row.number] = first
        for pair in pairs:
            seen.setdefault(pair, first if first is not None else row.number)
    return duplicates


def snapshot(value: Any) -> Any:
    """A model value made JSON-able for RowOutcome.previous (dates/decimals as ISO strings)."""
    if isinstance(value, date | Decimal):
        return value.isoformat() if isinstance(value, date) else str(value)
    if hasattr(value, "pk"):
        return value.pk
    return value


def changed_fields(obj: Any, values: dict[str, Any], mode: str) -> dict[str, Any]:
    """Apply `values` to model instance `obj` per mode (FILL: only empty fields; OVERWRITE:
    every non-empty value) and return {field: previous snapshot} of what changed."""
    previous: dict[str, Any] = {}
    for name, value in values.items():
        if value in (None, ""):
            continue
        current = getattr(obj, name)
        if mode == FILL and current not in (None, ""):
            continue
        if current != value:
            previous[name] = snapshot(current)
            setattr(obj, name, value)
    return previous


def restore_fields(obj: Any, previous: dict[str, Any]) -> None:
    """Put back snapshot values on a model instance (not saved)."""
    for name, value in previous.items():
        model_field = obj._meta.get_field(name)
        attname = model_field.attname
        setattr(obj, attname, None if value is None else model_field.to_python(value))


def find_external(target: str, source: str, external_ids: Iterable[str]) -> dict[str, int]:
    """{external id: object id} already imported for (target, source)."""
    from .models import ExternalReference

    ids = sorted({str(i) for i in external_ids if i})
    if not ids:
        return {}
    found: dict[str, int] = {}
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        found.update(
            ExternalReference.objects.filter(
                target=target, source=source, external_id__in=chunk
            ).values_list("external_id", "object_id")
        )
    return found


def remember_external(target: str, source: str, pairs: dict[str, int]) -> None:
    """Record {external id: object id} for (target, source); re-pointing existing ones."""
    from .models import ExternalReference

    pairs = {str(k): v for k, v in pairs.items() if k}
    if not pairs:
        return
    existing = find_external(target, source, pairs)
    for external_id, object_id in pairs.items():
        if external_id in existing and existing[external_id] != object_id:
            ExternalReference.objects.filter(
                target=target, source=source, external_id=external_id
            ).update(object_id=object_id)
    ExternalReference.objects.bulk_create(
        [
            ExternalReference(
                target=target, source=source, external_id=external_id, object_id=object_id
            )
            for external_id, object_id in pairs.items()
            if external_id not in existing
        ]
    )


def forget_external(target: str, object_ids: Iterable[int]) -> None:
    from .models import ExternalReference

    ids = list(object_ids)
    for start in range(0, len(ids), 500):
        ExternalReference.objects.filter(
            target=target, object_id__in=ids[start : start + 500]
        ).delete()
