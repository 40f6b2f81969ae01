"""Import targets for contacts and companies (issue 6), plugged into peyvand.imports.

Cleaning a row is pure Python: the cells go through the same `clean_contact_input` /
`clean_company_input` that `create_contact` / `create_company` (and so every form and the API)
use, minus the parts that need the database (owner, team, company lookup), which the batch
writer resolves once per batch.

`write_batch` is set-based so that a batch of a few thousand rows costs a fixed number of
queries: one lookup per match key (external id, national ID, phone, e-mail; for companies also
economic code and name), one bulk insert per table (records, phones, e-mails, addresses,
memberships, tags, search entries, external references) and one bulk update per changed field
set. Imported records get no per-row audit-log entries (bulk writes send no signals); the
import job itself is the record of what happened and is what undo works from.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from peyvand.accounts import permissions
from peyvand.core.bulk import insert_instances, insert_rows, one_of
from peyvand.core.persian import normalize_text
from peyvand.imports import registry as imp
from peyvand.imports.registry import (
    CHOICE,
    CREATE,
    CREATED,
    ERROR,
    OVERWRITE,
    SKIP,
    SKIPPED,
    UPDATED,
    ImportField,
    ImportRow,
    ImportTarget,
    JobContext,
    RowOutcome,
)
from peyvand.search.services import SearchDocument, build_terms

from . import search_index
from .models import (
    Address,
    Company,
    Contact,
    Email,
    LifecycleStage,
    Membership,
    Phone,
    SourceChannel,
    Tag,
)
from .services import (
    CompanyInput,
    ContactInput,
    clean_company_input,
    clean_contact_input,
)

_CELL_SEPARATORS = re.compile(r"[,،؛;|\n]")
_lazy = gettext_lazy


def _choices(*groups) -> tuple[tuple[str, Any], ...]:
    """Model choices plus extra (value, spelling) pairs, so both languages' words match."""
    pairs: list[tuple[str, Any]] = []
    for group in groups:
        pairs.extend(group)
    return tuple(pairs)


GENDER_CHOICES = _choices(
    Contact.Gender.choices,
    [("female", "زن"), ("female", "خانم"), ("female", "f"), ("female", "Female")],
    [("male", "مرد"), ("male", "آقا"), ("male", "m"), ("male", "Male")],
)
STAGE_CHOICES = _choices(
    LifecycleStage.choices,
    [
        ("lead", "سرنخ"),
        ("prospect", "مشتری بالقوه"),
        ("customer", "مشتری"),
        ("loyal", "مشتری وفادار"),
        ("churned", "ازدست‌رفته"),
    ],
)
SOURCE_CHOICES = _choices(
    SourceChannel.choices,
    [
        ("website", "وب‌سایت"),
        ("phone", "تماس تلفنی"),
        ("instagram", "اینستاگرام"),
        ("telegram", "تلگرام"),
        ("whatsapp", "واتس‌اپ"),
        ("linkedin", "لینکدین"),
        ("event", "رویداد"),
        ("email", "ایمیل"),
        ("referral", "معرفی"),
        ("campaign", "کمپین"),
        ("import", "ورود از فایل"),
        ("walk_in", "مراجعه حضوری"),
        ("other", "سایر"),
    ],
)


def _f(name: str, label, *aliases: str, **kwargs: Any) -> ImportField:
    return ImportField(name=name, label=label, aliases=aliases, **kwargs)


# Multi-value cells (phones, e-mails, tags) are TEXT for the mapping page; clean_row splits them.
_ADDRESS_FIELDS = [
    _f("province", _lazy("province"), "استان", "province", "state"),
    _f("city", _lazy("city"), "شهر", "city", "town"),
    _f("address", _lazy("address"), "نشانی", "آدرس", "address", "street", "address line"),
    _f("postal_code", _lazy("postal code"), "کد پستی", "کدپستی", "postal code", "zip", "postcode"),
]
_COMMON_TAIL = [
    _f("tags", _lazy("tags"), "برچسب", "برچسب‌ها", "برچسبها", "tags", "tag", "labels"),
    _f(
        "lifecycle_stage",
        _lazy("lifecycle stage"),
        "مرحله",
        "وضعیت",
        "stage",
        "status",
        kind=CHOICE,
        choices=STAGE_CHOICES,
    ),
    _f(
        "source",
        _lazy("source channel"),
        "منبع",
        "کانال",
        "source",
        kind=CHOICE,
        choices=SOURCE_CHOICES,
    ),
    _f(
        "notes",
        _lazy("notes"),
        "یادداشت",
        "توضیحات",
        "notes",
        "description",
        "comment",
        kind=imp.MULTILINE,
    ),
    imp.external_id_field(),
]

CONTACT_FIELDS: list[ImportField] = [
    _f("first_name", _lazy("first name"), "نام", "first name", "firstname", "given name"),
    _f(
        "last_name",
        _lazy("last name"),
        "نام خانوادگی",
        "فامیل",
        "فامیلی",
        "last name",
        "surname",
        "family name",
    ),
    _f(
        "full_name",
        _lazy("full name"),
        "نام و نام خانوادگی",
        "نام کامل",
        "full name",
        "name",
        "contact name",
    ),
    _f(
        "first_name_latin",
        _lazy("first name (Latin)"),
        "نام لاتین",
        "first name latin",
        "latin first name",
    ),
    _f(
        "last_name_latin",
        _lazy("last name (Latin)"),
        "نام خانوادگی لاتین",
        "last name latin",
        "latin last name",
    ),
    _f("gender", _lazy("gender"), "جنسیت", "gender", "sex", kind=CHOICE, choices=GENDER_CHOICES),
    _f(
        "mobile",
        _lazy("mobile"),
        "موبایل",
        "همراه",
        "تلفن همراه",
        "شماره موبایل",
        "شماره همراه",
        "mobile",
        "cell",
        "mobile phone",
    ),
    _f(
        "phone",
        _lazy("phone"),
        "تلفن",
        "تلفن ثابت",
        "شماره تلفن",
        "تلفن محل کار",
        "phone",
        "telephone",
        "tel",
        "work phone",
    ),
    _f("email", _lazy("email"), "ایمیل", "رایانامه", "پست الکترونیک", "email", "e-mail", "mail"),
    _f(
        "national_id",
        _lazy("national ID"),
        "کد ملی",
        "کدملی",
        "شماره ملی",
        "national id",
        "national code",
        "melli code",
    ),
    _f(
        "birthday",
        _lazy("birthday"),
        "تاریخ تولد",
        "تولد",
        "birthday",
        "birth date",
        "date of birth",
        "dob",
        kind=imp.DATE,
    ),
    *_ADDRESS_FIELDS,
    _f(
        "company",
        _lazy("company"),
        "شرکت",
        "نام شرکت",
        "سازمان",
        "company",
        "organization",
        "organisation",
        "employer",
    ),
    _f(
        "job_title",
        _lazy("job title"),
        "سمت",
        "عنوان شغلی",
        "شغل",
        "job title",
        "title",
        "position",
        "role",
    ),
    *_COMMON_TAIL,
]

COMPANY_FIELDS: list[ImportField] = [
    _f(
        "name",
        _lazy("name"),
        "نام شرکت",
        "شرکت",
        "نام",
        "company",
        "company name",
        "organization",
        "name",
    ),
    _f("name_latin", _lazy("Latin name"), "نام لاتین", "latin name", "english name"),
    _f(
        "national_id",
        _lazy("company national ID"),
        "شناسه ملی",
        "شناسه ملی شرکت",
        "company national id",
        "national id",
    ),
    _f(
        "economic_code", _lazy("economic code"), "کد اقتصادی", "economic code", "tax id", "tax code"
    ),
    _f("industry", _lazy("industry"), "صنعت", "حوزه فعالیت", "industry", "sector"),
    _f("website", _lazy("website"), "وب‌سایت", "وبسایت", "سایت", "website", "web", "url"),
    _f(
        "employee_count",
        _lazy("employees"),
        "تعداد کارکنان",
        "کارکنان",
        "employees",
        "employee count",
        "staff",
        kind=imp.INTEGER,
    ),
    _f("phone", _lazy("phone"), "تلفن", "شماره تلفن", "phone", "telephone", "tel"),
    _f("email", _lazy("email"), "ایمیل", "رایانامه", "email", "e-mail"),
    *_ADDRESS_FIELDS,
    *_COMMON_TAIL,
]

_FIELD_BY_NAME = {f.name: f for f in CONTACT_FIELDS + COMPANY_FIELDS}


# --- Cleaning ----------------------------------------------------------------------------------


def _cells(raw: Any) -> list[str]:
    """A multi-value cell ("0912..., 0935...") as its non-empty parts."""
    if raw is None:
        return []
    return [part for part in (p.strip() for p in _CELL_SEPARATORS.split(str(raw))) if part]


def _present(raw: Any) -> bool:
    return raw is not None and bool(str(raw).strip())


def _clean_choice_and_dates(fields: Sequence[ImportField], values: dict, row: imp.CleanRow):
    """CHOICE / DATE / INTEGER cells via the framework's kind cleaning (job calendar aware)."""
    out: dict[str, Any] = {}
    for spec in fields:
        if spec.kind in (CHOICE, imp.DATE, imp.INTEGER) and _present(values.get(spec.name)):
            try:
                out[spec.name] = imp.clean_value(spec, values[spec.name])
            except Exception as exc:  # forms.ValidationError
                for message in getattr(exc, "messages", [str(exc)]):
                    row.add_error(spec.name, message)
    return out


def _map_service_errors(
    row: imp.CleanRow, error: ValidationError, list_columns: dict[str, list[str]]
) -> None:
    """Service keys ("phones.1.number") back to the file's columns ("phone")."""
    for key, messages in error.message_dict.items():
        prefix, _dot, rest = key.partition(".")
        column = key
        if prefix in list_columns:
            index = rest.partition(".")[0]
            columns = list_columns[prefix]
            column = (
                columns[int(index)]
                if index.isdigit() and int(index) < len(columns)
                else (columns[0] if columns else prefix)
            )
        elif prefix == "addresses":
            column = rest.partition(".")[2] or "address"
            column = {"line": "address"}.get(column, column)
        for message in messages:
            row.add_error(column, message)


def _split_full_name(full: str) -> tuple[str, str]:
    parts = normalize_text(full).split(" ", 1)
    return (parts[0], parts[1]) if len(parts) == 2 else ("", parts[0])


def _address_cells(values: dict) -> list[dict]:
    address = {
        "province": values.get("province") or "",
        "city": values.get("city") or "",
        "line": values.get("address") or "",
        "postal_code": values.get("postal_code") or "",
    }
    return [address] if any(_present(v) for v in address.values()) else []


def _phones_and_columns(values: dict, columns: Sequence[tuple[str, str]]):
    phones, owners = [], []
    for column, kind in columns:
        for number in _cells(values.get(column)):
            phones.append({"number": number, "kind": kind})
            owners.append(column)
    return phones, owners


def clean_contact_row(values: dict[str, str]) -> imp.CleanRow:
    row = imp.CleanRow()
    typed = _clean_choice_and_dates(CONTACT_FIELDS, values, row)
    first, last = values.get("first_name"), values.get("last_name")
    if not _present(last) and _present(values.get("full_name")):
        split_first, last = _split_full_name(values["full_name"])
        first = first if _present(first) else split_first
    phones, phone_columns = _phones_and_columns(
        values, [("mobile", Phone.Kind.MOBILE), ("phone", Phone.Kind.WORK)]
    )
    emails = _cells(values.get("email"))
    data = ContactInput(
        first_name=first or "",
        last_name=last or "",
        first_name_latin=values.get("first_name_latin") or "",
        last_name_latin=values.get("last_name_latin") or "",
        national_id=values.get("national_id") or "",
        job_title=values.get("job_title") or "",
        phones=phones,
        emails=emails,
        addresses=_address_cells(values),
        tags=values.get("tags") or "",
        notes=values.get("notes") or "",
    )
    if "birthday" in typed:
        data.birthday = typed["birthday"]
    for name in ("gender", "lifecycle_stage", "source"):
        if name in typed:
            setattr(data, name, typed[name])
    try:
        # owner/team/memberships are left out: they are the only parts that read the database.
        clean = clean_contact_input(data, creating=True)
    except ValidationError as exc:
        _map_service_errors(row, exc, {"phones": phone_columns, "emails": ["email"] * len(emails)})
        return row
    company = _text_cell(row, values, "company", 200)
    external_id = _text_cell(row, values, "external_id", 200)
    _check_email_length(row, clean)
    if row.errors:
        return row
    out = {k: v for k, v in clean.values.items() if v not in ("", None)}
    # Consent flags keep the model defaults unless a column says otherwise (none yet).
    for name in ("consent_email", "consent_sms", "consent_call"):
        out.pop(name, None)
    out.update(_children_values(clean))
    if company:
        out["company"] = company
    if external_id:
        out["external_id"] = external_id
    row.values = out
    return row


def _text_cell(row: imp.CleanRow, values: dict, name: str, max_length: int) -> str:
    text = normalize_text(values.get(name) or "")
    if len(text) > max_length:
        row.add_error(
            name,
            _("Use at most %(max)d characters (this has %(length)d).")
            % {"max": max_length, "length": len(text)},
        )
        return ""
    return text


def _check_email_length(row: imp.CleanRow, clean) -> None:
    # validate_email allows 320 characters, the column 254: a longer one would fail the batch.
    limit = Email._meta.get_field("address").max_length
    if any(len(e.address) > limit for e in clean.emails or ()):
        row.add_error("email", _("Enter a valid email address."))


def _children_values(clean) -> dict[str, Any]:
    """Phones, e-mails, address and tags of a cleaned input as JSON-able lists."""
    out: dict[str, Any] = {}
    if clean.phones:
        out["phones"] = [[p.number, str(p.kind)] for p in clean.phones]
    if clean.emails:
        out["emails"] = [e.address for e in clean.emails]
    if clean.addresses:
        a = clean.addresses[0]
        out["address"] = [a.province, a.city, a.line, a.postal_code]
    if clean.tags:
        out["tags"] = list(clean.tags)
    return out


def clean_company_row(values: dict[str, str]) -> imp.CleanRow:
    row = imp.CleanRow()
    typed = _clean_choice_and_dates(COMPANY_FIELDS, values, row)
    phones, phone_columns = _phones_and_columns(values, [("phone", Phone.Kind.WORK)])
    emails = _cells(values.get("email"))
    data = CompanyInput(
        name=values.get("name") or "",
        name_latin=values.get("name_latin") or "",
        national_id=values.get("national_id") or "",
        economic_code=values.get("economic_code") or "",
        industry=values.get("industry") or "",
        website=(values.get("website") or "").strip(),
        phones=phones,
        emails=emails,
        addresses=_address_cells(values),
        tags=values.get("tags") or "",
        notes=values.get("notes") or "",
    )
    for name in ("employee_count", "lifecycle_stage", "source"):
        if name in typed:
            setattr(data, name, typed[name])
    try:
        clean = clean_company_input(data, creating=True)
    except ValidationError as exc:
        _map_service_errors(row, exc, {"phones": phone_columns, "emails": ["email"] * len(emails)})
        return row
    external_id = _text_cell(row, values, "external_id", 200)
    _check_email_length(row, clean)
    if row.errors:
        return row
    out = {k: v for k, v in clean.values.items() if v not in ("", None)}
    out.update(_children_values(clean))
    if external_id:
        out["external_id"] = external_id
    row.values = out
    return row


# --- Writing -----------------------------------------------------------------------------------

# Row values that are not model fields ("_search": see _CustomerTarget.prepare).
_CHILD_KEYS = ("phones", "emails", "address", "tags", "company", "external_id", "_search")


@dataclass(eq=False)
class _Plan:
    """What one batch will do to one record (new or existing)."""

    values: dict[str, Any]  # scalar model fields
    phones: dict[str, str] = field(default_factory=dict)  # E.164 -> kind
    emails: list[str] = field(default_factory=list)
    address: list[str] | None = None
    tags: list[str] = field(default_factory=list)
    company: str = ""
    title: str = ""
    external_ids: list[str] = field(default_factory=list)
    record: Any = None  # the model instance (new: unsaved until bulk_create)
    previous: dict[str, Any] = field(default_factory=dict)
    rows: list[int] = field(default_factory=list)  # indexes into the batch
    existing_pk: int | None = None  # set when the plan updates an existing record
    pending: list[dict] = field(default_factory=list)  # rows to apply to an existing record
    search: tuple[str, str, str] | None = None  # a new record's prepared (title, subtitle, terms)

    def absorb(self, values: dict[str, Any], mode: str) -> None:
        """Merge a later row of the same record into this plan."""
        self.search = None
        for name, value in values.items():
            if name in _CHILD_KEYS or value in ("", None):
                continue
            if mode == OVERWRITE or self.values.get(name) in ("", None):
                self.values[name] = value
        self.add_children(values)

    def add_children(self, values: dict[str, Any]) -> None:
        for number, kind in values.get("phones", ()):
            self.phones.setdefault(number, kind)
        for address in values.get("emails", ()):
            if address not in self.emails:
                self.emails.append(address)
        if values.get("address") and self.address is None:
            self.address = list(values["address"])
        for tag in values.get("tags", ()):
            if tag not in self.tags:
                self.tags.append(tag)
        if values.get("company") and not self.company:
            self.company = values["company"]
            self.title = values.get("job_title", "")
        if values.get("external_id") and values["external_id"] not in self.external_ids:
            self.external_ids.append(values["external_id"])


def _match_keys(kind: str, values: dict[str, Any]) -> list[tuple[str, str]]:
    keys: list[tuple[str, str]] = []
    if values.get("external_id"):
        keys.append(("external_id", values["external_id"]))
    if values.get("national_id"):
        keys.append(("national_id", values["national_id"]))
    if kind == "company" and values.get("economic_code"):
        keys.append(("economic_code", values["economic_code"]))
    keys.extend(("phone", number) for number, _kind in values.get("phones", ()))
    keys.extend(("email", address) for address in values.get("emails", ()))
    if kind == "company" and values.get("name"):
        keys.append(("name", values["name"]))
    return keys


_KEY_LABELS = {
    "external_id": _lazy("external ID"),
    "national_id": _lazy("national ID"),
    "economic_code": _lazy("economic code"),
    "phone": _lazy("phone"),
    "email": _lazy("email"),
    "name": _lazy("name"),
}


def _detail_url(kind: str) -> Callable[[int], str]:
    """pk -> the record's page, reversed once for a whole batch."""
    marker = 918273645
    head, tail = reverse(f"contacts:{kind}_detail", args=[marker]).split(str(marker))
    return lambda pk: f"{head}{pk}{tail}"


class _CustomerTarget(ImportTarget):
    """Shared by the contact and company targets; `kind` is "contact" or "company"."""

    kind = "contact"
    model: type[models.Model] = Contact
    module = permissions.CONTACTS
    pure_cleaning = True

    def object_url(self, object_id: int) -> str | None:
        return reverse(f"contacts:{self.kind}_detail", args=[object_id])

    # -- finding existing records: one query per key -------------------------------------------
    def _existing(self, wanted: dict[str, set[str]], source: str) -> dict[tuple[str, str], int]:
        """{(key, value): record id} of the alive records matching the batch's keys.

        No joins: each key is one indexed lookup, and the candidates' "alive" check is one more
        query by primary key (SQLite plans IN-lists over joins badly)."""
        candidates: dict[tuple[str, str], int] = {}
        fk = f"{self.kind}_id"
        # `.exclude(x="")` lets the engines use the partial indexes on national ID.
        lookups: list[tuple[str, Any]] = []
        if wanted["national_id"]:
            lookups.append(
                (
                    "national_id",
                    self.model.objects.filter(one_of("national_id", wanted["national_id"]))
                    .exclude(national_id="")
                    .values_list("national_id", "pk"),
                )
            )
        if wanted["economic_code"]:
            lookups.append(
                (
                    "economic_code",
                    self.model.objects.filter(one_of("economic_code", wanted["economic_code"]))
                    .exclude(economic_code="")
                    .values_list("economic_code", "pk"),
                )
            )
        if wanted["phone"]:
            lookups.append(
                (
                    "phone",
                    Phone.objects.filter(
                        one_of("number", wanted["phone"]), **{f"{fk}__isnull": False}
                    ).values_list("number", fk),
                )
            )
        if wanted["email"]:
            lookups.append(
                (
                    "email",
                    Email.objects.filter(
                        one_of("address", wanted["email"]), **{f"{fk}__isnull": False}
                    ).values_list("address", fk),
                )
            )
        if wanted["name"]:
            lookups.append(
                (
                    "name",
                    self.model.objects.filter(one_of("name", wanted["name"])).values_list(
                        "name", "pk"
                    ),
                )
            )
        if wanted["external_id"]:
            from peyvand.imports.models import ExternalReference

            lookups.append(
                (
                    "external_id",
                    ExternalReference.objects.filter(
                        one_of("external_id", wanted["external_id"]),
                        target=self.code,
                        source=source,
                    ).values_list("external_id", "object_id"),
                )
            )
        matches: dict[tuple[str, str], set[int]] = defaultdict(set)
        for key, query in lookups:
            for value, pk in query:
                matches[(key, value)].add(pk)
        ids = {pk for pks in matches.values() for pk in pks}
        if not ids:
            return candidates
        alive = set(
            self.model.objects.alive().filter(one_of("pk", ids)).values_list("pk", flat=True)
        )
        for key, pks in matches.items():
            live = pks & alive
            if live:
                candidates[key] = min(live)
        return candidates

    # -- the batch ------------------------------------------------------------------------------
    def write_batch(
        self, rows: list[ImportRow], *, job_context: JobContext, mode: str
    ) -> list[RowOutcome]:
        kind = self.kind
        outcomes: list[RowOutcome | None] = [None] * len(rows)
        row_keys = [_match_keys(kind, row.values) for row in rows]
        if not job_context.source:  # no namespace, no external-id matching or storing
            row_keys = [[k for k in keys if k[0] != "external_id"] for keys in row_keys]
        wanted: dict[str, set[str]] = defaultdict(set)
        for keys in row_keys:
            for key, value in keys:
                wanted[key].add(value)
        if mode == CREATE:  # only an external id identifies a record in "create anyway"
            wanted = defaultdict(set, {"external_id": wanted["external_id"]})
        existing = self._existing(wanted, job_context.source)

        new_plans: list[_Plan] = []
        update_plans: dict[int, _Plan] = {}
        # match key -> the plan it already belongs to in this batch, and that plan's first row
        seen: dict[tuple[str, str], tuple[_Plan, int]] = {}
        for index, row in enumerate(rows):
            keys = row_keys[index]
            if mode == CREATE:
                keys = [k for k in keys if k[0] == "external_id"]
            match = next(((k, existing[k]) for k in keys if k in existing), None)
            earlier = next((seen[k] for k in keys if k in seen), None)
            if match is not None and (earlier is None or earlier[0].existing_pk is None):
                (key, _value), pk = match
                if mode in (SKIP, CREATE):
                    outcomes[index] = RowOutcome(
                        row.number,
                        SKIPPED,
                        object_id=pk,
                        message=_("Matches an existing record by %(key)s.")
                        % {"key": _KEY_LABELS[key]},
                    )
                    continue
                plan = update_plans.get(pk)
                if plan is None:
                    plan = update_plans[pk] = _Plan(values={}, existing_pk=pk)
                plan.rows.append(index)
                plan.pending.append(row.values)
                plan.add_children(row.values)
            elif earlier is not None:
                plan, first_index = earlier
                if mode in (SKIP, CREATE):
                    outcomes[index] = RowOutcome(
                        row.number,
                        SKIPPED,
                        object_id=plan.existing_pk,
                        message=_("Same record as row %(row)d.")
                        % {"row": rows[first_index].number},
                    )
                    continue
                plan.rows.append(index)
                if plan.existing_pk is not None:
                    plan.pending.append(row.values)
                    plan.add_children(row.values)
                else:
                    plan.absorb(row.values, mode)
            else:
                plan = _Plan(
                    values={k: v for k, v in row.values.items() if k not in _CHILD_KEYS},
                    search=row.values.get("_search"),
                )
                plan.add_children(row.values)
                plan.rows.append(index)
                new_plans.append(plan)
            for key in keys:
                seen.setdefault(key, (plan, index))

        self._apply_updates(update_plans, mode)
        known = {value for (key, value) in existing if key == "external_id"}
        new_companies = self._write(new_plans, update_plans, job_context, known)

        for plan in new_plans:
            first_number = rows[plan.rows[0]].number
            for position, index in enumerate(plan.rows):
                outcomes[index] = RowOutcome(
                    rows[index].number,
                    CREATED if position == 0 else UPDATED,
                    object_id=plan.record.pk,
                    previous=plan.previous if position == 0 else {},
                    message=""
                    if position == 0
                    else _("Same record as row %(row)d.") % {"row": first_number},
                )
        for pk, plan in update_plans.items():
            for position, index in enumerate(plan.rows):
                changed = bool(plan.previous) and position == 0
                outcomes[index] = RowOutcome(
                    rows[index].number,
                    UPDATED if changed else SKIPPED,
                    object_id=pk,
                    previous=plan.previous if changed else {},
                    message="" if changed else _("Already up to date."),
                )
        result = [o or RowOutcome(rows[i].number, ERROR) for i, o in enumerate(outcomes)]
        if new_companies:
            # Kept with one row of the batch, so that undo removes exactly these companies.
            keeper = next(o for o in result if o.action in (CREATED, UPDATED) and o.object_id)
            keeper.created_related = {"companies": [c.pk for c in new_companies]}
        return result

    def _apply_updates(self, update_plans: dict[int, _Plan], mode: str) -> None:
        if not update_plans:
            return
        records = {r.pk: r for r in self.model.objects.filter(one_of("pk", update_plans))}
        for pk, plan in list(update_plans.items()):
            record = records.get(pk)
            if record is None:  # vanished between lookup and now
                del update_plans[pk]
                continue
            plan.record = record
            for values in plan.pending:
                scalars = {k: v for k, v in values.items() if k not in _CHILD_KEYS}
                for name, previous in imp.changed_fields(record, scalars, mode).items():
                    plan.previous.setdefault(name, previous)

    # -- bulk writes ----------------------------------------------------------------------------
    def _new_records(self, plans: list[_Plan], context: JobContext, now) -> None:
        """Each new plan's unsaved record, with its denormalised list columns as
        services._apply_denormalised sets them. Built from every column's value in order:
        Django's positional fast path skips the per-field defaults of keyword construction,
        a tenth of the writer's time at a million rows."""
        user = context.user
        user_id = user.pk if getattr(user, "is_authenticated", False) else None
        fields = self.model._meta.concrete_fields
        at = {f.attname: i for i, f in enumerate(fields)}
        blank = [None if f.primary_key else f.get_default() for f in fields]
        called = [(i, f) for i, f in enumerate(fields) if f.has_default() and callable(f.default)]
        blank[at["owner_id"]] = blank[at["created_by_id"]] = user_id
        blank[at["team_id"]] = getattr(user, "team_id", None)
        blank[at["created_at"]] = blank[at["updated_at"]] = now
        for plan in plans:
            values = blank.copy()
            for i, f in called:
                values[i] = f.get_default()
            for name, value in plan.values.items():
                values[at[name]] = value
            values[at["source"]] = values[at["source"]] or SourceChannel.IMPORT
            values[at["primary_phone"]] = next(iter(plan.phones), "")
            values[at["primary_email"]] = plan.emails[0] if plan.emails else ""
            if plan.address:
                values[at["province"]], values[at["city"]] = plan.address[0], plan.address[1]
            plan.record = self.model(*values)

    def _write(
        self,
        new_plans: list[_Plan],
        update_plans: dict[int, _Plan],
        context: JobContext,
        known: set[str],
    ) -> list[Company]:
        """Writes the batch; returns the companies created for the company column."""
        fk = f"{self.kind}_id"
        now = timezone.now()
        self._new_records(new_plans, context, now)
        companies, new_companies = self._companies(new_plans, update_plans, context)
        insert_instances(p.record for p in new_plans)

        # Children as plain rows ({column: value}), each with the record it belongs to. Children
        # of existing records: only what they do not have yet (lists are additive).
        have = self._existing_children(update_plans)
        children: dict[str, list[tuple[int, dict[str, Any]]]] = defaultdict(list)
        tags = self._tags([*new_plans, *update_plans.values()])
        for plan in [*new_plans, *update_plans.values()]:
            record = plan.record
            pk = record.pk
            mine = have.get(pk, {}) if plan.existing_pk is not None else {}
            first = not mine.get("phones")
            for number, kind in plan.phones.items():
                if number not in mine.get("phones", ()):
                    row = {fk: pk, "number": number, "kind": kind, "is_primary": first}
                    children["phones"].append((pk, row))
                    first = False
            first = not mine.get("emails")
            for address in plan.emails:
                if address not in mine.get("emails", ()):
                    row = {fk: pk, "address": address, "is_primary": first}
                    children["emails"].append((pk, row))
                    first = False
            if plan.address and tuple(plan.address) not in mine.get("addresses", ()):
                province, city, line, postal_code = plan.address
                row = {
                    fk: pk,
                    "province": province,
                    "city": city,
                    "line": line,
                    "postal_code": postal_code,
                    "is_primary": not mine.get("addresses"),
                }
                children["addresses"].append((pk, row))
            if self.kind == "contact" and plan.company:
                company = companies[plan.company]
                if company.pk not in mine.get("companies", ()):
                    row = {
                        "contact_id": pk,
                        "company_id": company.pk,
                        "title": plan.title,
                        "is_primary": not mine.get("companies"),
                    }
                    children["memberships"].append((pk, row))
            for name in plan.tags:
                tag = tags[name]
                if tag.pk not in mine.get("tags", ()):
                    children["tags"].append((pk, {fk: pk, "tag_id": tag.pk}))
            if plan.existing_pk is not None:
                # Fill the denormalised columns the existing record had empty.
                if not record.primary_phone and plan.phones:
                    plan.previous.setdefault("primary_phone", record.primary_phone)
                    record.primary_phone = next(iter(plan.phones))
                if not record.primary_email and plan.emails:
                    plan.previous.setdefault("primary_email", record.primary_email)
                    record.primary_email = plan.emails[0]
                if plan.address and not record.province and not record.city:
                    plan.previous.setdefault("province", record.province)
                    plan.previous.setdefault("city", record.city)
                    record.province, record.city = plan.address[0], plan.address[1]

        models_by_label = {
            "phones": Phone,
            "emails": Email,
            "addresses": Address,
            "memberships": Membership,
            "tags": self.model.tags.through,
        }
        for label, pairs in children.items():
            # Ids are needed only for what undo must take back from existing records.
            ids = insert_rows(
                models_by_label[label], [row for _pk, row in pairs], return_ids=bool(update_plans)
            )
            for (pk, _row), child_id in zip(pairs, ids, strict=False):
                if pk in update_plans:
                    # One key per batch and kind ("_added.phones.<first id>"): the engine merges
                    # the previous values of several batches key by key, keeping the oldest.
                    plan = update_plans[pk]
                    key = next((k for k in plan.previous if k.startswith(f"_added.{label}.")), None)
                    plan.previous.setdefault(key or f"_added.{label}.{child_id}", []).append(
                        child_id
                    )

        # Existing records: one bulk_update over the union of changed fields.
        changed = sorted(
            {
                name
                for plan in update_plans.values()
                for name in plan.previous
                if not name.startswith("_")
            }
        )
        touched = [p.record for p in update_plans.values() if p.previous]
        if changed and touched:
            for record in touched:
                record.updated_at = now
            self.model.objects.bulk_update(touched, [*changed, "updated_at"])

        self._remember_external([*new_plans, *update_plans.values()], context, known)
        self._index(new_plans, update_plans, children, tags, companies)
        self._index_companies(new_companies)
        return new_companies

    def _existing_children(self, update_plans: dict[int, _Plan]) -> dict[int, dict[str, set]]:
        if not update_plans:
            return {}
        fk = self.kind
        ids = list(update_plans)
        have: dict[int, dict[str, set]] = defaultdict(lambda: defaultdict(set))
        owner = one_of(f"{fk}_id", ids)
        for pk, number in Phone.objects.filter(owner).values_list(f"{fk}_id", "number"):
            have[pk]["phones"].add(number)
        for pk, address in Email.objects.filter(owner).values_list(f"{fk}_id", "address"):
            have[pk]["emails"].add(address)
        for pk, *natural in Address.objects.filter(owner).values_list(
            f"{fk}_id", "province", "city", "line", "postal_code"
        ):
            have[pk]["addresses"].add(tuple(natural))
        through = self.model.tags.through
        for pk, tag_id in through.objects.filter(owner).values_list(f"{fk}_id", "tag_id"):
            have[pk]["tags"].add(tag_id)
        if fk == "contact":
            for pk, company_id in Membership.objects.filter(one_of("contact_id", ids)).values_list(
                "contact_id", "company_id"
            ):
                have[pk]["companies"].add(company_id)
        return have

    def _tags(self, plans: list[_Plan]) -> dict[str, Tag]:
        names = {name for plan in plans for name in plan.tags}
        if not names:
            return {}
        tags = {t.name: t for t in Tag.objects.filter(name__in=names)}
        missing = [Tag(name=n) for n in sorted(names - set(tags))]
        if missing:
            Tag.objects.bulk_create(missing, ignore_conflicts=True)
            tags.update({t.name: t for t in Tag.objects.filter(name__in=[t.name for t in missing])})
        return tags

    def _companies(
        self, new_plans: list[_Plan], update_plans: dict[int, _Plan], context: JobContext
    ) -> tuple[dict[str, Company], list[Company]]:
        """The companies named in the company column by name, creating the missing ones (once:
        later batches find them by name); returns (all by name, the ones created)."""
        if self.kind != "contact":
            return {}, []
        plans = [*new_plans, *update_plans.values()]
        names = {plan.company for plan in plans if plan.company}
        if not names:
            return {}, []
        found: dict[str, Company] = {}
        for company in (
            Company.objects.alive().filter(name__in=names).only("id", "name").order_by("id")
        ):
            found.setdefault(company.name, company)
        missing = sorted(names - set(found))
        if missing:
            user = context.user
            authenticated = getattr(user, "is_authenticated", False)
            now = timezone.now()
            new = [
                Company(
                    name=name,
                    owner=user if authenticated else None,
                    team_id=getattr(user, "team_id", None),
                    created_by=user if authenticated else None,
                    source=SourceChannel.IMPORT,
                    created_at=now,
                    updated_at=now,
                )
                for name in missing
            ]
            insert_instances(new)
            for company in new:
                found[company.name] = company
        return found, [found[name] for name in missing]

    def _remember_external(self, plans: list[_Plan], context: JobContext, known: set[str]) -> None:
        """Store the external ids not stored yet (`known`: those the batch matched by)."""
        if not context.source:
            return
        pairs = {
            ext: plan.record.pk for plan in plans for ext in plan.external_ids if ext not in known
        }
        if not pairs:
            return
        from peyvand.imports.models import ExternalReference

        insert_rows(
            ExternalReference,
            [
                {
                    "target": self.code,
                    "source": context.source,
                    "external_id": ext,
                    "object_id": pk,
                }
                for ext, pk in pairs.items()
            ],
        )

    # -- search index ---------------------------------------------------------------------------
    def _document(self, record, *, phones, emails, tags, companies, url: str) -> SearchDocument:
        parts = {"phones": phones, "emails": emails, "tag_names": tags, "url": url}
        if self.kind == "contact":
            return search_index.contact_document_of(record, company_names=companies, **parts)
        return search_index.company_document_of(record, **parts)

    def prepare(self, row: imp.CleanRow) -> None:
        """The new record's search title, subtitle and terms, as the writer would build them
        from this row alone (used when no other row of the batch merges into it)."""
        values = row.values
        record = self.model(**{k: v for k, v in values.items() if k not in _CHILD_KEYS})
        if values.get("address"):
            record.province, record.city = values["address"][0], values["address"][1]
        document = self._document(
            record,
            phones=list(dict.fromkeys(number for number, _kind in values.get("phones", ()))),
            emails=list(dict.fromkeys(values.get("emails", ()))),
            tags=list(dict.fromkeys(values.get("tags", ()))),
            companies=[values["company"]] if values.get("company") else [],
            url="",
        )
        values["_search"] = (document.title, document.subtitle, build_terms(document))

    def _index(self, new_plans, update_plans, children, tags, companies) -> None:
        """New records are indexed from the rows just written (no reading back); records that
        an update changed are re-read with their relations and re-indexed."""
        from peyvand.search.services import add_documents, bulk_index

        names: dict[int, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
        for _pk, row in children.get("phones", ()):
            names[_pk]["phones"].append(row["number"])
        for _pk, row in children.get("emails", ()):
            names[_pk]["emails"].append(row["address"])
        tag_names = {t.pk: t.name for t in tags.values()}
        for _pk, row in children.get("tags", ()):
            names[_pk]["tags"].append(tag_names[row["tag_id"]])
        company_names = {c.pk: c.name for c in companies.values()}
        for _pk, row in children.get("memberships", ()):
            names[_pk]["companies"].append(company_names[row["company_id"]])
        pairs = []
        url_of = _detail_url(self.kind)
        for plan in new_plans:
            record = plan.record
            if plan.search is not None:  # built while cleaning: the record is its one row
                title, subtitle, terms = plan.search
                document = SearchDocument(
                    title=title,
                    subtitle=subtitle,
                    url=url_of(record.pk),
                    terms=terms,
                    owner_id=record.owner_id,
                    team_id=record.team_id,
                )
            else:
                mine = names.get(record.pk, {})
                document = self._document(
                    record,
                    phones=mine.get("phones", []),
                    emails=mine.get("emails", []),
                    tags=mine.get("tags", []),
                    companies=mine.get("companies", []),
                    url=url_of(record.pk),
                )
            pairs.append((record.pk, document))
        add_documents(self.kind, pairs)
        changed_ids = [pk for pk, plan in update_plans.items() if plan.previous]
        if changed_ids:
            prefetch = (
                search_index.CONTACT_PREFETCH
                if self.kind == "contact"
                else search_index.COMPANY_PREFETCH
            )
            document = (
                search_index.contact_document
                if self.kind == "contact"
                else search_index.company_document
            )
            fresh = self.model._base_manager.filter(pk__in=changed_ids).prefetch_related(*prefetch)
            bulk_index(self.kind, [(r.pk, document(r)) for r in fresh], batch_size=len(changed_ids))

    def _index_companies(self, companies: list[Company]) -> None:
        from peyvand.search.services import add_documents

        # Just created from the company column: no phones, e-mails or tags yet.
        url_of = _detail_url("company")
        add_documents(
            "company",
            [
                (
                    c.pk,
                    search_index.company_document_of(
                        c, phones=[], emails=[], tag_names=[], url=url_of(c.pk)
                    ),
                )
                for c in companies
            ],
        )

    # -- undo -----------------------------------------------------------------------------------
    def _references(self, model, ids: list[int]) -> list[tuple[type[models.Model], set[int]]]:
        """[(model, {ids referenced})] of the tables outside contacts pointing at `ids`."""
        own = {Phone, Email, Address, Membership, model.tags.through, model}
        found = []
        for relation in model._meta.related_objects:
            related = relation.related_model
            if related in own or relation.many_to_many or not relation.field.concrete:
                continue
            name = relation.field.name
            referenced = set(
                related._base_manager.filter(**{f"{name}__in": ids})
                .values_list(name, flat=True)
                .distinct()
            )
            if referenced:
                found.append((related, referenced))
        return found

    def blockers(self, ids: Sequence[int]) -> list[str]:
        """Records created since the import (timeline entries, leads, deals, orders, tickets...)
        that point at the imported records."""
        ids = list(ids)
        if not ids:
            return []
        reasons = []
        for related, referenced in self._references(self.model, ids):
            count = len(referenced)
            reasons.append(
                ngettext(
                    "%(count)d imported record has %(names)s added since the import.",
                    "%(count)d imported records have %(names)s added since the import.",
                    count,
                )
                % {"count": count, "names": related._meta.verbose_name_plural}
            )
        return reasons

    def undo(self, created_ids: Sequence[int], restored: dict[int, dict[str, Any]]) -> None:
        from peyvand.search.services import bulk_index, remove_documents

        created = list(created_ids)
        children = {
            "phones": Phone,
            "emails": Email,
            "addresses": Address,
            "memberships": Membership,
            "tags": self.model.tags.through,
        }
        updated = {}
        for pk, previous in restored.items():
            fields = {k: v for k, v in previous.items() if not k.startswith("_")}
            if fields:
                updated[int(pk)] = fields
            for key, ids in previous.items():
                if key.startswith("_added."):
                    children[key.split(".")[1]].objects.filter(pk__in=ids).delete()
        if created:
            self.model.objects.filter(pk__in=created).delete()
            remove_documents(self.kind, created)
        if updated:
            records = self.model.objects.in_bulk(list(updated))
            fields = sorted({name for values in updated.values() for name in values})
            for pk, values in updated.items():
                if pk in records:
                    imp.restore_fields(records[pk], values)
            if records:
                self.model.objects.bulk_update(list(records.values()), fields)
        touched = [int(pk) for pk, previous in restored.items() if previous]
        if touched:
            prefetch = (
                search_index.CONTACT_PREFETCH
                if self.kind == "contact"
                else search_index.COMPANY_PREFETCH
            )
            document = (
                search_index.contact_document
                if self.kind == "contact"
                else search_index.company_document
            )
            fresh = self.model.objects.alive().filter(pk__in=touched).prefetch_related(*prefetch)
            bulk_index(self.kind, ((r.pk, document(r)) for r in fresh))

    def undo_related(self, related: dict[str, list[int]]) -> None:
        """Companies the company column created; kept when someone linked another person or
        anything else to them since."""
        from peyvand.search.services import remove_documents

        companies = set(related.get("companies", ()))
        if not companies:
            return
        in_use = set(
            Membership.objects.filter(company_id__in=companies).values_list("company_id", flat=True)
        )
        for _model, referenced in self._references(Company, list(companies)):
            in_use |= referenced
        orphans = list(companies - in_use)
        Company.objects.filter(pk__in=orphans).delete()
        remove_documents("company", orphans)


class ContactTarget(_CustomerTarget):
    code = "contacts"
    label = _lazy("Contacts")
    kind = "contact"
    model = Contact
    fields = CONTACT_FIELDS
    match_keys = ("external_id", "national_id", "mobile", "phone", "email")
    description = _lazy(
        "One person per row. Rows are matched to existing contacts by external ID, national ID, "
        "phone or email; a company column links the person to that company (created if missing)."
    )

    def clean_row(self, values: dict[str, str]) -> imp.CleanRow:
        return clean_contact_row(values)


class CompanyTarget(_CustomerTarget):
    code = "companies"
    label = _lazy("Companies")
    kind = "company"
    model = Company
    fields = COMPANY_FIELDS
    match_keys = ("external_id", "national_id", "economic_code", "name", "phone", "email")
    description = _lazy(
        "One company per row. Rows are matched to existing companies by external ID, company "
        "national ID, economic code, exact name, phone or email."
    )

    def clean_row(self, values: dict[str, str]) -> imp.CleanRow:
        return clean_company_row(values)


def register() -> None:
    imp.register_target(ContactTarget())
    imp.register_target(CompanyTarget())
