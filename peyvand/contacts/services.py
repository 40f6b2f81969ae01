"""Every write to contacts and companies goes through here.

Input is normalised at the door (phones to E.164, e-mails lower-cased, Persian text via
`normalize_text`, national IDs checked), each write is one transaction, and the acting user is
recorded in the audit log. Pages, the API, importers and commands all call these functions."""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, fields
from typing import Any

from auditlog.context import auditlog_value, set_actor
from django.contrib.auth import get_user_model
from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.core.validators import URLValidator, validate_email
from django.db import models, transaction
from django.db.models import Q, UniqueConstraint
from django.utils import timezone
from django.utils.translation import gettext as _

from peyvand.accounts.models import Team
from peyvand.core.dates import InvalidDate, parse_date
from peyvand.core.national_ids import (
    InvalidNationalId,
    normalize_company_national_id,
    normalize_economic_code,
    normalize_national_id,
)
from peyvand.core.persian import INVISIBLE_RE, normalize_text, to_latin_digits
from peyvand.core.phones import InvalidPhoneNumber, normalize_phone

from . import signals
from .models import (
    Address,
    Company,
    Contact,
    Email,
    LifecycleStage,
    Membership,
    MergeRecord,
    Phone,
    SourceChannel,
    Tag,
)

CustomerRecord = Contact | Company

MAX_PHONES = 20
MAX_EMAILS = 20
MAX_ADDRESSES = 20
MAX_TAGS = 30
MAX_MEMBERSHIPS = 50
# The largest database id (64-bit); bigger numbers are rejected before they reach a query.
MAX_ID = 2**63 - 1
TAG_SEPARATORS = re.compile(r"[,،؛;]")
_POSTAL_SEPARATORS = re.compile(r"[\s\-]")


class _Unset:
    """Marks an input field the caller did not send (a PATCH leaves it unchanged)."""

    _instance = None

    def __new__(cls):
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __bool__(self) -> bool:
        return False

    def __repr__(self) -> str:
        return "UNSET"


UNSET: Any = _Unset()


# --- Input ------------------------------------------------------------------------------------


@dataclass
class PhoneInput:
    number: str
    kind: str = Phone.Kind.MOBILE
    is_primary: bool = False
    id: int | None = None


@dataclass
class EmailInput:
    address: str
    kind: str = Email.Kind.WORK
    is_primary: bool = False
    id: int | None = None


@dataclass
class AddressInput:
    province: str = ""
    city: str = ""
    postal_code: str = ""
    line: str = ""
    kind: str = Address.Kind.WORK
    is_primary: bool = False
    id: int | None = None


@dataclass
class MembershipInput:
    company: Company | int
    title: str = ""
    is_primary: bool = False


class _Input:
    def provided(self) -> dict[str, Any]:
        """The fields the caller set, for partial updates."""
        return {
            f.name: getattr(self, f.name)
            for f in fields(self)
            if getattr(self, f.name) is not UNSET
        }


@dataclass
class ContactInput(_Input):
    """What a person record is made of. Fields left UNSET are not changed by an update.

    phones/emails/addresses/memberships accept the *Input dataclasses, dicts, or tuples such as
    ("09121234567", "mobile", True) and (company, "CEO"); tags accept names or one
    comma-separated string (the Persian comma "،" too)."""

    first_name: Any = UNSET
    last_name: Any = UNSET
    first_name_latin: Any = UNSET
    last_name_latin: Any = UNSET
    gender: Any = UNSET
    national_id: Any = UNSET
    birthday: Any = UNSET
    job_title: Any = UNSET
    phones: Any = UNSET
    emails: Any = UNSET
    addresses: Any = UNSET
    tags: Any = UNSET
    source: Any = UNSET
    lifecycle_stage: Any = UNSET
    owner: Any = UNSET
    team: Any = UNSET
    consent_email: Any = UNSET
    consent_sms: Any = UNSET
    consent_call: Any = UNSET
    notes: Any = UNSET
    memberships: Any = UNSET


@dataclass
class CompanyInput(_Input):
    name: Any = UNSET
    name_latin: Any = UNSET
    national_id: Any = UNSET
    economic_code: Any = UNSET
    industry: Any = UNSET
    website: Any = UNSET
    employee_count: Any = UNSET
    phones: Any = UNSET
    emails: Any = UNSET
    addresses: Any = UNSET
    tags: Any = UNSET
    source: Any = UNSET
    lifecycle_stage: Any = UNSET
    owner: Any = UNSET
    team: Any = UNSET
    notes: Any = UNSET


# --- Normalisation ----------------------------------------------------------------------------


class _Errors:
    """Collects every problem in the input, so the caller gets all of them at once."""

    def __init__(self) -> None:
        self.errors: dict[str, list[str]] = {}

    def add(self, key: str, message: str) -> None:
        self.errors.setdefault(key, []).append(message)

    def raise_if_any(self) -> None:
        if self.errors:
            raise ValidationError(self.errors)


def _text(
    errors: _Errors,
    key: str,
    value: Any,
    *,
    max_length: int,
    required: bool = False,
    multiline: bool = False,
) -> str:
    if value is None:
        value = ""
    if not isinstance(value, str):
        errors.add(key, _("Enter text."))
        return ""
    text = normalize_text(value, multiline=multiline)
    if required and not text:
        errors.add(key, _("This field is required."))
    elif len(text) > max_length:
        errors.add(
            key,
            _("Use at most %(max)d characters (this has %(length)d).")
            % {"max": max_length, "length": len(text)},
        )
    return text


@functools.cache
def _values_of(choices: type[models.Choices]) -> frozenset:
    return frozenset(choices.values)


def _choice(
    errors: _Errors, key: str, value: Any, choices: type[models.Choices], *, blank: bool = True
) -> str:
    if value in (None, ""):
        if not blank:
            errors.add(key, _("This field is required."))
        return ""
    if value not in _values_of(choices):
        errors.add(key, _("Choose one of the listed options."))
        return ""
    return value


def _bool(errors: _Errors, key: str, value: Any) -> bool:
    if not isinstance(value, bool):
        errors.add(key, _("Enter true or false."))
        return False
    return value


def parse_id(value: Any) -> int | None:
    """A database id from an int or a digit string, or None when it cannot be one."""
    if isinstance(value, bool):
        return None
    if isinstance(value, str):
        value = value.strip()
        if not (value.isascii() and value.isdigit() and len(value) <= 19):
            return None
        value = int(value)
    if isinstance(value, int) and 0 < value <= MAX_ID:
        return value
    return None


def _pk_of(value: Any) -> int | None:
    if isinstance(value, models.Model):
        return value.pk
    return parse_id(value)


def _owner(errors: _Errors, value: Any):
    if value in (None, ""):
        return None
    pk = _pk_of(value)
    user = get_user_model().objects.filter(pk=pk, is_active=True).first() if pk else None
    if user is None:
        errors.add("owner", _("Choose an active user."))
    return user


def _team(errors: _Errors, value: Any) -> Team | None:
    if value in (None, ""):
        return None
    pk = _pk_of(value)
    team = Team.objects.filter(pk=pk).first() if pk else None
    if team is None:
        errors.add("team", _("Choose an existing team."))
    return team


def _national_id(errors: _Errors, key: str, value: Any, normalizer) -> str:
    if value in (None, ""):
        return ""
    if not isinstance(value, str | int) or isinstance(value, bool):
        errors.add(key, _("Enter text."))
        return ""
    try:
        return normalizer(str(value))
    except InvalidNationalId as exc:
        errors.add(key, str(exc))
        return ""


def _birthday(errors: _Errors, value: Any) -> dt.date | None:
    if value in (None, ""):
        return None
    if isinstance(value, dt.datetime):
        value = value.date()
    if not isinstance(value, dt.date):
        if not isinstance(value, str):
            errors.add("birthday", _("Enter a valid date."))
            return None
        try:
            value = parse_date(value)
        except InvalidDate as exc:
            errors.add("birthday", str(exc))
            return None
    if value > timezone.localdate():
        errors.add("birthday", _("A birthday cannot be in the future."))
        return None
    return value


def normalize_email(value: str) -> str:
    """The stored form of an e-mail address: Latin digits, no invisible characters, lower case."""
    return to_latin_digits(INVISIBLE_RE.sub("", value or "")).strip().lower()


@functools.cache
def _field_names(cls) -> frozenset[str]:
    return frozenset(f.name for f in fields(cls))


def _coerce(item: Any, cls, first_field: str):
    if isinstance(item, cls):
        return item
    if isinstance(item, dict):
        allowed = _field_names(cls)
        return cls(**{k: v for k, v in item.items() if k in allowed})
    if isinstance(item, list | tuple):
        return cls(*item)
    return cls(**{first_field: item})


def _as_list(errors: _Errors, key: str, value: Any, limit: int) -> list:
    if value is None:
        return []
    if not isinstance(value, list | tuple):
        errors.add(key, _("Enter a list."))
        return []
    if len(value) > limit:
        errors.add(key, _("At most %(limit)d items are allowed.") % {"limit": limit})
        return []
    return list(value)


def _one_primary(items: list) -> None:
    """Exactly one item is primary: the first one flagged, else the first one."""
    if not items:
        return
    chosen = next((i for i in items if i.is_primary), items[0])
    for item in items:
        item.is_primary = item is chosen


def _phones(errors: _Errors, value: Any) -> list[PhoneInput]:
    result: dict[str, PhoneInput] = {}
    for index, raw in enumerate(_as_list(errors, "phones", value, MAX_PHONES)):
        key = f"phones.{index}"
        try:
            item = _coerce(raw, PhoneInput, "number")
        except TypeError:
            errors.add(key, _("Enter a phone number."))
            continue
        if not isinstance(item.number, str) or not item.number.strip():
            errors.add(f"{key}.number", _("Enter a valid phone number."))
            continue
        try:
            number = normalize_phone(item.number)
        except InvalidPhoneNumber:
            errors.add(f"{key}.number", _("Enter a valid phone number."))
            continue
        kind = _choice(errors, f"{key}.kind", item.kind or Phone.Kind.MOBILE, Phone.Kind)
        primary = _bool(errors, f"{key}.is_primary", item.is_primary)
        if number in result:  # the same number typed twice
            result[number].is_primary |= primary
            continue
        result[number] = PhoneInput(number, kind or Phone.Kind.MOBILE, primary, _pk_of(item.id))
    items = list(result.values())
    _one_primary(items)
    return items


def _emails(errors: _Errors, value: Any) -> list[EmailInput]:
    result: dict[str, EmailInput] = {}
    for index, raw in enumerate(_as_list(errors, "emails", value, MAX_EMAILS)):
        key = f"emails.{index}"
        try:
            item = _coerce(raw, EmailInput, "address")
        except TypeError:
            errors.add(key, _("Enter a valid email address."))
            continue
        address = normalize_email(item.address) if isinstance(item.address, str) else ""
        try:
            validate_email(address)
        except ValidationError:
            errors.add(f"{key}.address", _("Enter a valid email address."))
            continue
        kind = _choice(errors, f"{key}.kind", item.kind or Email.Kind.WORK, Email.Kind)
        primary = _bool(errors, f"{key}.is_primary", item.is_primary)
        if address in result:
            result[address].is_primary |= primary
            continue
        result[address] = EmailInput(address, kind or Email.Kind.WORK, primary, _pk_of(item.id))
    items = list(result.values())
    _one_primary(items)
    return items


def _postal_code(errors: _Errors, key: str, value: Any) -> str:
    if value in (None, ""):
        return ""
    if not isinstance(value, str | int) or isinstance(value, bool):
        errors.add(key, _("Enter a valid 10-digit postal code."))
        return ""
    code = _POSTAL_SEPARATORS.sub("", to_latin_digits(INVISIBLE_RE.sub("", str(value))))
    if not (len(code) == 10 and code.isascii() and code.isdigit()):
        errors.add(key, _("Enter a valid 10-digit postal code."))
        return ""
    return code


def _addresses(errors: _Errors, value: Any) -> list[AddressInput]:
    items: list[AddressInput] = []
    seen: set[tuple] = set()
    for index, raw in enumerate(_as_list(errors, "addresses", value, MAX_ADDRESSES)):
        key = f"addresses.{index}"
        try:
            item = _coerce(raw, AddressInput, "line")
        except TypeError:
            errors.add(key, _("Enter a valid address."))
            continue
        clean = AddressInput(
            province=_text(errors, f"{key}.province", item.province, max_length=60),
            city=_text(errors, f"{key}.city", item.city, max_length=60),
            postal_code=_postal_code(errors, f"{key}.postal_code", item.postal_code),
            line=_text(errors, f"{key}.line", item.line, max_length=300),
            kind=_choice(errors, f"{key}.kind", item.kind or Address.Kind.WORK, Address.Kind)
            or Address.Kind.WORK,
            is_primary=_bool(errors, f"{key}.is_primary", item.is_primary),
            id=_pk_of(item.id),
        )
        natural = (clean.province, clean.city, clean.line, clean.postal_code)
        if not any(natural) or natural in seen:
            continue
        seen.add(natural)
        items.append(clean)
    _one_primary(items)
    return items


def split_tags(value: Any) -> list[str]:
    """Tag names from a list or a comma-separated string, normalised and de-duplicated."""
    if value in (None, ""):
        return []
    parts = TAG_SEPARATORS.split(value) if isinstance(value, str) else list(value)
    names = (normalize_text(p) for p in parts if isinstance(p, str))
    return list(dict.fromkeys(n for n in names if n))


def _tags(errors: _Errors, value: Any) -> list[str]:
    if value is not None and not isinstance(value, str | list | tuple):
        errors.add("tags", _("Enter a list of tags."))
        return []
    if isinstance(value, list | tuple) and not all(isinstance(v, str) for v in value):
        errors.add("tags", _("Enter a list of tags."))
        return []
    names = split_tags(value)
    if len(names) > MAX_TAGS:
        errors.add("tags", _("At most %(limit)d items are allowed.") % {"limit": MAX_TAGS})
    for name in names:
        if len(name) > Tag._meta.get_field("name").max_length:
            errors.add("tags", _("A tag can have at most 60 characters."))
            break
    return names


def _memberships(errors: _Errors, value: Any, user) -> list[MembershipInput]:
    raw_items = _as_list(errors, "memberships", value, MAX_MEMBERSHIPS)
    coerced: list[tuple[int, MembershipInput]] = []
    for index, raw in enumerate(raw_items):
        try:
            coerced.append((index, _coerce(raw, MembershipInput, "company")))
        except TypeError:
            errors.add(f"memberships.{index}", _("Choose a company."))
    wanted = {_pk_of(item.company) for _i, item in coerced} - {None}
    companies = Company.objects.alive()
    if user is not None:
        companies = Company.objects.visible_to(user)
    found = {c.pk: c for c in companies.filter(pk__in=wanted)} if wanted else {}
    items: dict[int, MembershipInput] = {}
    for index, item in coerced:
        key = f"memberships.{index}"
        company = found.get(_pk_of(item.company))
        if company is None:
            errors.add(f"{key}.company", _("Choose an existing company."))
            continue
        title = _text(errors, f"{key}.title", item.title, max_length=120)
        primary = _bool(errors, f"{key}.is_primary", item.is_primary)
        if company.pk not in items:
            items[company.pk] = MembershipInput(company, title, primary)
    result = list(items.values())
    _one_primary(result)
    return result


@dataclass
class _Clean:
    values: dict[str, Any] = field(default_factory=dict)
    phones: list[PhoneInput] | None = None
    emails: list[EmailInput] | None = None
    addresses: list[AddressInput] | None = None
    tags: list[str] | None = None
    memberships: list[MembershipInput] | None = None


def _clean_common(errors: _Errors, data: dict[str, Any], clean: _Clean, user) -> None:
    values = clean.values
    if "source" in data:
        values["source"] = _choice(errors, "source", data["source"], SourceChannel)
    if "lifecycle_stage" in data:
        values["lifecycle_stage"] = _choice(
            errors, "lifecycle_stage", data["lifecycle_stage"], LifecycleStage, blank=False
        )
    if "owner" in data:
        values["owner"] = _owner(errors, data["owner"])
    if "team" in data:
        values["team"] = _team(errors, data["team"])
    if "notes" in data:
        values["notes"] = _text(errors, "notes", data["notes"], max_length=10_000, multiline=True)
    if "phones" in data:
        clean.phones = _phones(errors, data["phones"])
    if "emails" in data:
        clean.emails = _emails(errors, data["emails"])
    if "addresses" in data:
        clean.addresses = _addresses(errors, data["addresses"])
    if "tags" in data:
        clean.tags = _tags(errors, data["tags"])


def clean_contact_input(data: ContactInput, *, user=None, creating: bool = False) -> _Clean:
    """Normalise and validate; raises ValidationError({field: [messages]}) listing every error."""
    provided = data.provided()
    errors = _Errors()
    clean = _Clean()
    values = clean.values
    for name in ("first_name", "last_name", "first_name_latin", "last_name_latin", "job_title"):
        if name in provided or (creating and name == "last_name"):
            max_length = Contact._meta.get_field(name).max_length
            values[name] = _text(
                errors,
                name,
                provided.get(name, ""),
                max_length=max_length,
                required=name == "last_name",
            )
    if "gender" in provided:
        values["gender"] = _choice(errors, "gender", provided["gender"], Contact.Gender)
    if "national_id" in provided:
        values["national_id"] = _national_id(
            errors, "national_id", provided["national_id"], normalize_national_id
        )
    if "birthday" in provided:
        values["birthday"] = _birthday(errors, provided["birthday"])
    for name in ("consent_email", "consent_sms", "consent_call"):
        if name in provided:
            values[name] = _bool(errors, name, provided[name])
    _clean_common(errors, provided, clean, user)
    if "memberships" in provided:
        clean.memberships = _memberships(errors, provided["memberships"], user)
    errors.raise_if_any()
    return clean


def clean_company_input(data: CompanyInput, *, user=None, creating: bool = False) -> _Clean:
    provided = data.provided()
    errors = _Errors()
    clean = _Clean()
    values = clean.values
    for name in ("name", "name_latin", "industry"):
        if name in provided or (creating and name == "name"):
            values[name] = _text(
                errors,
                name,
                provided.get(name, ""),
                max_length=Company._meta.get_field(name).max_length,
                required=name == "name",
            )
    if "national_id" in provided:
        values["national_id"] = _national_id(
            errors, "national_id", provided["national_id"], normalize_company_national_id
        )
    if "economic_code" in provided:
        values["economic_code"] = _national_id(
            errors, "economic_code", provided["economic_code"], normalize_economic_code
        )
    if "website" in provided:
        values["website"] = _website(errors, provided["website"])
    if "employee_count" in provided:
        count = provided["employee_count"]
        if count in (None, ""):
            values["employee_count"] = None
        elif isinstance(count, bool) or not isinstance(count, int) or not 0 <= count < 10**9:
            errors.add("employee_count", _("Enter a whole number, zero or more."))
        else:
            values["employee_count"] = count
    _clean_common(errors, provided, clean, user)
    errors.raise_if_any()
    return clean


def _website(errors: _Errors, value: Any) -> str:
    if value in (None, ""):
        return ""
    if not isinstance(value, str):
        errors.add("website", _("Enter a valid web address."))
        return ""
    url = value.strip()
    if url and "://" not in url:
        url = "https://" + url
    try:
        URLValidator(schemes=["http", "https"])(url)
    except ValidationError:
        errors.add("website", _("Enter a valid web address."))
        return ""
    if len(url) > Company._meta.get_field("website").max_length:
        errors.add("website", _("Enter a valid web address."))
        return ""
    return url


# --- Audit actor ------------------------------------------------------------------------------


@contextlib.contextmanager
def acting_as(user) -> Iterator[None]:
    """Record `user` as the actor of audit log entries written inside the block.

    AuditlogMiddleware knows the user of a signed-in page, but not of an API call with a token,
    a management command or a background job, so every service names its actor here."""
    if user is None or not getattr(user, "is_authenticated", False):
        yield
        return
    try:
        current = auditlog_value.get()
    except LookupError:
        current = None
    extra = current or {}
    try:
        with set_actor(user, extra.get("remote_addr"), extra.get("remote_port")):
            yield
    finally:
        # set_actor leaves its own value behind; put back the request's (middleware) context.
        if current is not None:
            auditlog_value.set(current)


# --- Writes: contacts and companies -----------------------------------------------------------


def _owner_kw(record: CustomerRecord) -> dict[str, CustomerRecord]:
    return {"contact": record} if isinstance(record, Contact) else {"company": record}


def _sync_rows(
    model: type[models.Model],
    record: CustomerRecord,
    items: list,
    *,
    natural_key: tuple[str, ...],
    values: tuple[str, ...],
) -> None:
    """Make `record`'s rows of `model` equal `items`, keeping rows that did not change.

    Rows are matched by their natural key (a phone's number), then by id; each change is saved
    one row at a time so the audit log sees it."""
    existing = list(model.objects.filter(**_owner_kw(record)).order_by("id"))
    by_key = {tuple(getattr(r, f) for f in natural_key): r for r in existing}
    by_id = {r.pk: r for r in existing}
    matched: dict[int, Any] = {}
    unmatched = []
    for item in items:
        row = by_key.get(tuple(getattr(item, f) for f in natural_key))
        if row is None or row.pk in matched:
            unmatched.append(item)
        else:
            matched[row.pk] = item
    creates = []
    for item in unmatched:
        row = by_id.get(item.id) if item.id else None
        if row is not None and row.pk not in matched:
            matched[row.pk] = item
        else:
            creates.append(item)
    for row in existing:
        if row.pk not in matched:
            row.delete()
    for row in existing:
        item = matched.get(row.pk)
        if item is None:
            continue
        changed = [f for f in natural_key + values if getattr(row, f) != getattr(item, f)]
        if changed:
            for f in changed:
                setattr(row, f, getattr(item, f))
            row.save(update_fields=changed)
    for item in creates:
        model.objects.create(
            **_owner_kw(record), **{f: getattr(item, f) for f in natural_key + values}
        )


def _sync_memberships(contact: Contact, items: list[MembershipInput]) -> None:
    existing = {m.company_id: m for m in Membership.objects.filter(contact=contact)}
    wanted = {item.company.pk: item for item in items}
    for company_id, row in existing.items():
        if company_id not in wanted:
            row.delete()
    for company_id, item in wanted.items():
        row = existing.get(company_id)
        if row is None:
            Membership.objects.create(
                contact=contact, company=item.company, title=item.title, is_primary=item.is_primary
            )
        elif (row.title, row.is_primary) != (item.title, item.is_primary):
            row.title, row.is_primary = item.title, item.is_primary
            row.save(update_fields=["title", "is_primary"])


def get_or_create_tags(names: Iterable[str]) -> list[Tag]:
    names = list(dict.fromkeys(normalize_text(n) for n in names if normalize_text(n)))
    if not names:
        return []
    existing = {t.name: t for t in Tag.objects.filter(name__in=names)}
    for name in names:
        if name not in existing:
            existing[name], _created = Tag.objects.get_or_create(name=name)
    return [existing[n] for n in names]


def _apply_denormalised(record: CustomerRecord, clean: _Clean) -> None:
    if clean.phones is not None:
        record.primary_phone = next((p.number for p in clean.phones if p.is_primary), "")
    if clean.emails is not None:
        record.primary_email = next((e.address for e in clean.emails if e.is_primary), "")
    if clean.addresses is not None:
        primary = next((a for a in clean.addresses if a.is_primary), None)
        record.province = primary.province if primary else ""
        record.city = primary.city if primary else ""


def _write_children(record: CustomerRecord, clean: _Clean) -> None:
    if clean.phones is not None:
        _sync_rows(
            Phone, record, clean.phones, natural_key=("number",), values=("kind", "is_primary")
        )
    if clean.emails is not None:
        _sync_rows(
            Email, record, clean.emails, natural_key=("address",), values=("kind", "is_primary")
        )
    if clean.addresses is not None:
        _sync_rows(
            Address,
            record,
            clean.addresses,
            natural_key=("province", "city", "line", "postal_code"),
            values=("kind", "is_primary"),
        )
    if clean.tags is not None:
        record.tags.set(get_or_create_tags(clean.tags))
    if clean.memberships is not None and isinstance(record, Contact):
        _sync_memberships(record, clean.memberships)


def _create(model, clean: _Clean, user) -> CustomerRecord:
    record = model(**clean.values)
    if "owner" not in clean.values:
        record.owner = user if getattr(user, "is_authenticated", False) else None
    if "team" not in clean.values:
        record.team_id = getattr(user, "team_id", None)
    record.created_by = user if getattr(user, "is_authenticated", False) else None
    _apply_denormalised(record, clean)
    record.save()
    _write_children(record, clean)
    return record


# Written by their own services (interactions, merge, trash) while an edit form may be open.
_MAINTAINED_ELSEWHERE = frozenset(
    {"last_contacted_at", "merged_into", "deleted_at", "created_at", "created_by"}
)


def _update(record: CustomerRecord, clean: _Clean, user) -> CustomerRecord:
    old_stage = record.lifecycle_stage
    for name, value in clean.values.items():
        setattr(record, name, value)
    _apply_denormalised(record, clean)
    record.save(
        update_fields=[
            field.name
            for field in record._meta.concrete_fields
            if not field.primary_key and field.name not in _MAINTAINED_ELSEWHERE
        ]
    )
    _write_children(record, clean)
    if record.lifecycle_stage != old_stage:
        signals.stage_changed.send(
            sender=type(record),
            record=record,
            old_stage=old_stage,
            new_stage=record.lifecycle_stage,
            user=user,
        )
    return record


def create_contact(*, user, data: ContactInput) -> Contact:
    clean = clean_contact_input(data, user=user, creating=True)
    with acting_as(user), transaction.atomic():
        contact = _create(Contact, clean, user)
        reindex(contact)
    return contact


def update_contact(contact: Contact, *, user, data: ContactInput) -> Contact:
    """Change the fields set in `data`; lists given (phones, tags...) replace the old ones."""
    clean = clean_contact_input(data, user=user)
    with acting_as(user), transaction.atomic():
        _update(contact, clean, user)
        reindex(contact)
    return contact


def create_company(*, user, data: CompanyInput) -> Company:
    clean = clean_company_input(data, user=user, creating=True)
    with acting_as(user), transaction.atomic():
        company = _create(Company, clean, user)
        reindex(company)
    return company


def update_company(company: Company, *, user, data: CompanyInput) -> Company:
    clean = clean_company_input(data, user=user)
    with acting_as(user), transaction.atomic():
        _update(company, clean, user)
        reindex(company)
    return company


def change_stage(record: CustomerRecord, stage: str, *, user) -> CustomerRecord:
    if stage not in LifecycleStage.values:
        raise ValidationError({"lifecycle_stage": [_("Choose one of the listed options.")]})
    old_stage = record.lifecycle_stage
    if stage == old_stage:
        return record
    with acting_as(user), transaction.atomic():
        record.lifecycle_stage = stage
        record.save(update_fields=["lifecycle_stage", "updated_at"])
        signals.stage_changed.send(
            sender=type(record), record=record, old_stage=old_stage, new_stage=stage, user=user
        )
    return record


def _soft_delete(record: CustomerRecord, user) -> CustomerRecord:
    if record.deleted_at is not None:
        return record
    with acting_as(user), transaction.atomic():
        record.deleted_at = timezone.now()
        record.deleted_by = user if getattr(user, "pk", None) else None
        record.save(update_fields=["deleted_at", "deleted_by", "updated_at"])
        unindex(record)
    return record


def _restore(record: CustomerRecord, user) -> CustomerRecord:
    if record.deleted_at is None:
        return record
    if record.erased_at is not None or record.merged_into_id is not None:
        # An erased record has nothing left to bring back; a merged one lives on in its survivor.
        raise ValidationError(_("This record cannot be restored."))
    with acting_as(user), transaction.atomic():
        record.deleted_at = None
        record.deleted_by = None
        record.save(update_fields=["deleted_at", "deleted_by", "updated_at"])
        reindex(record)
    return record


def soft_delete_contact(contact: Contact, *, user) -> Contact:
    return _soft_delete(contact, user)


def restore_contact(contact: Contact, *, user) -> Contact:
    return _restore(contact, user)


def soft_delete_company(company: Company, *, user) -> Company:
    return _soft_delete(company, user)


def restore_company(company: Company, *, user) -> Company:
    return _restore(company, user)


# --- Search index -----------------------------------------------------------------------------


def kind_of(record: CustomerRecord) -> str:
    return "contact" if isinstance(record, Contact) else "company"


def reindex(record: CustomerRecord) -> None:
    """Write the record's search entry (or remove it when the record is merged or deleted)."""
    from peyvand.search.services import index_document

    from . import search_index

    if record.merged_into_id is not None or record.deleted_at is not None:
        unindex(record)
        return
    if isinstance(record, Contact):
        fresh = Contact._base_manager.prefetch_related(*search_index.CONTACT_PREFETCH).get(
            pk=record.pk
        )
        document = search_index.contact_document(fresh)
    else:
        fresh = Company._base_manager.prefetch_related(*search_index.COMPANY_PREFETCH).get(
            pk=record.pk
        )
        document = search_index.company_document(fresh)
    index_document(kind_of(record), record.pk, document)


def unindex(record: CustomerRecord) -> None:
    from peyvand.search.services import remove_document

    remove_document(kind_of(record), record.pk)


# --- Duplicates -------------------------------------------------------------------------------


@dataclass
class DuplicateMatch:
    record: CustomerRecord
    # Codes: "phone", "email", "national_id".
    reasons: list[str]

    @property
    def reason_labels(self) -> list[str]:
        labels = {
            "phone": _("Same phone number"),
            "email": _("Same email"),
            "national_id": _("Same national ID"),
        }
        return [labels[r] for r in self.reasons]


def _lenient(values: Iterable[Any], normalizer) -> list[str]:
    result = []
    for value in values or ():
        if not isinstance(value, str) or not value.strip():
            continue
        try:
            result.append(normalizer(value))
        except (InvalidPhoneNumber, InvalidNationalId, ValueError):
            continue
    return list(dict.fromkeys(result))


def find_duplicates(
    *,
    phones: Iterable[str] = (),
    emails: Iterable[str] = (),
    national_id: str | None = None,
    exclude_id: int | None = None,
    kind: str = "contact",
) -> list[DuplicateMatch]:
    """Alive records sharing a normalised phone, e-mail or national ID with the input.

    Every lookup uses an index (Phone.number, Email.address, national_id); invalid input values
    are ignored here (validation reports them)."""
    model = Contact if kind == "contact" else Company
    fk = "contact" if kind == "contact" else "company"
    id_normalizer = normalize_national_id if kind == "contact" else normalize_company_national_id
    phone_list = _lenient(phones, normalize_phone)
    email_list = list(
        dict.fromkeys(normalize_email(e) for e in emails or () if isinstance(e, str) and e.strip())
    )
    ids = _lenient([national_id] if national_id else [], id_normalizer)
    alive = {
        f"{fk}__isnull": False,
        f"{fk}__merged_into__isnull": True,
        f"{fk}__deleted_at__isnull": True,
    }
    reasons: dict[int, list[str]] = {}
    if phone_list:
        for pk in Phone.objects.filter(number__in=phone_list, **alive).values_list(
            f"{fk}_id", flat=True
        ):
            reasons.setdefault(pk, []).append("phone")
    if email_list:
        for pk in Email.objects.filter(address__in=email_list, **alive).values_list(
            f"{fk}_id", flat=True
        ):
            reasons.setdefault(pk, []).append("email")
    if ids:
        for pk in model.objects.alive().filter(national_id__in=ids).values_list("pk", flat=True):
            reasons.setdefault(pk, []).append("national_id")
    reasons.pop(exclude_id, None)
    reasons.pop(None, None)
    if not reasons:
        return []
    records = model.objects.alive().select_related("owner").in_bulk(list(reasons))
    order = {"national_id": 0, "phone": 1, "email": 2}
    return [
        DuplicateMatch(records[pk], sorted(set(r), key=order.__getitem__))
        for pk, r in sorted(reasons.items())
        if pk in records
    ]


# --- Merge ------------------------------------------------------------------------------------

# Fields a merge may take from the duplicate; anything else (ids, timestamps, denormalised
# columns) is the survivor's own or recomputed.
MERGE_FIELDS = {
    "contact": [
        "first_name",
        "last_name",
        "first_name_latin",
        "last_name_latin",
        "gender",
        "national_id",
        "birthday",
        "job_title",
        "lifecycle_stage",
        "source",
        "owner",
        "team",
        "consent_email",
        "consent_sms",
        "consent_call",
        "notes",
    ],
    "company": [
        "name",
        "name_latin",
        "national_id",
        "economic_code",
        "industry",
        "website",
        "employee_count",
        "lifecycle_stage",
        "source",
        "owner",
        "team",
        "notes",
    ],
}
# Filled from the duplicate only when a user chooses to; a default value is not "empty".
_NEVER_AUTOFILL = {"lifecycle_stage", "consent_email", "consent_sms", "consent_call"}


def _is_empty(value: Any) -> bool:
    return value is None or value == ""


def _json_value(value: Any) -> Any:
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    return value


def _model_label(model: type[models.Model]) -> str:
    return model._meta.label_lower


def _unique_groups(
    model: type[models.Model], fk: models.Field
) -> list[tuple[list[str], Q | None, bool]]:
    """The unique constraints of `model` that include `fk`: (the other fields, condition,
    nulls_distinct). A row moved onto the survivor must not break any of them."""
    groups: list[tuple[list[str], Q | None, bool]] = []
    if fk.unique:
        groups.append(([], None, True))
    for together in model._meta.unique_together:
        if fk.name in together:
            groups.append(([f for f in together if f != fk.name], None, True))
    for constraint in model._meta.constraints:
        if (
            isinstance(constraint, UniqueConstraint)
            and constraint.fields
            and fk.name in constraint.fields
        ):
            others = [f for f in constraint.fields if f != fk.name]
            groups.append((others, constraint.condition, constraint.nulls_distinct is not False))
    return groups


def _conflicts(manager, fk: models.Field, source, target, ids: list[int]) -> set[int]:
    """Ids among `ids` (rows of `source`) that cannot move to `target` without a duplicate."""
    blocked: set[int] = set()
    for others, condition, nulls_distinct in _unique_groups(manager.model, fk):
        target_rows = manager.filter(**{fk.name: target})
        candidates = manager.filter(pk__in=ids)
        if condition is not None:
            target_rows = target_rows.filter(condition)
            candidates = candidates.filter(condition)
        if not others:
            if target_rows.exists():
                blocked.update(candidates.values_list("pk", flat=True))
            continue
        taken = set(target_rows.values_list(*others))
        for pk, *values in candidates.values_list("pk", *others):
            if nulls_distinct and any(v is None for v in values):
                continue
            if tuple(values) in taken:
                blocked.add(pk)
            else:
                taken.add(tuple(values))
    return blocked


def _relations(model: type[models.Model]) -> list[tuple[type[models.Model], models.Field]]:
    """(related model, its field pointing at `model`) for every relation to `model`.

    Found through the model's meta, so a module added later (deals, tickets) with a foreign key
    to Contact is merged without changes here."""
    result = []
    for rel in model._meta.related_objects:
        if rel.many_to_many:
            through = rel.through
            # An explicit "through" model has its own foreign key, listed as a relation itself.
            if not through._meta.auto_created:
                continue
            fk_name = rel.field.m2m_reverse_field_name()
            result.append((through, through._meta.get_field(fk_name)))
        else:
            result.append((rel.related_model, rel.field))
    return result


def _has_primary_flag(model: type[models.Model]) -> bool:
    try:
        return isinstance(model._meta.get_field("is_primary"), models.BooleanField)
    except FieldDoesNotExist:
        return False


def _move_related(source, target) -> tuple[list, list, list]:
    """Point every row referring to `source` at `target`. Returns (moved, skipped, demoted)."""
    moved, skipped, demoted = [], [], []
    for related_model, fk in _relations(type(source)):
        manager = related_model._base_manager
        ids = list(manager.filter(**{fk.name: source}).values_list("pk", flat=True))
        if not ids:
            continue
        blocked = _conflicts(manager, fk, source, target, ids)
        move_ids = [pk for pk in ids if pk not in blocked]
        label = _model_label(related_model)
        if blocked:
            skipped.append([label, fk.name, sorted(blocked)])
        if not move_ids:
            continue
        if (
            _has_primary_flag(related_model)
            and manager.filter(**{fk.name: target, "is_primary": True}).exists()
        ):
            lowered = list(
                manager.filter(pk__in=move_ids, is_primary=True).values_list("pk", flat=True)
            )
            if lowered:
                manager.filter(pk__in=lowered).update(is_primary=False)
                demoted.append([label, lowered])
        manager.filter(pk__in=move_ids).update(**{fk.name: target})
        moved.append([label, fk.name, move_ids])
    return moved, skipped, demoted


def _refresh_denormalised(record: CustomerRecord) -> None:
    owner = _owner_kw(record)
    record.primary_phone = (
        Phone.objects.filter(**owner)
        .order_by("-is_primary", "id")
        .values_list("number", flat=True)
        .first()
        or ""
    )
    record.primary_email = (
        Email.objects.filter(**owner)
        .order_by("-is_primary", "id")
        .values_list("address", flat=True)
        .first()
        or ""
    )
    province_city = (
        Address.objects.filter(**owner)
        .order_by("-is_primary", "id")
        .values_list("province", "city")
        .first()
    )
    record.province, record.city = province_city or ("", "")


def _validate_merge(model, kind: str, survivor, duplicate, field_choices: dict | None) -> dict:
    if not isinstance(survivor, model) or not isinstance(duplicate, model):
        raise ValidationError(_("Only records of the same kind can be merged."))
    if survivor.pk == duplicate.pk:
        raise ValidationError({"duplicate_id": [_("A record cannot be merged into itself.")]})
    for record, key in ((survivor, "survivor"), (duplicate, "duplicate_id")):
        if record.merged_into_id is not None or record.deleted_at is not None:
            raise ValidationError({key: [_("This record was already merged or deleted.")]})
    choices = dict(field_choices or {})
    errors = _Errors()
    for name, choice in choices.items():
        if name not in MERGE_FIELDS[kind]:
            errors.add(f"field_choices.{name}", _("This field cannot be chosen in a merge."))
        elif choice not in ("survivor", "duplicate"):
            errors.add(f"field_choices.{name}", _("Choose one of the listed options."))
    errors.raise_if_any()
    return choices


def _merge(model, kind: str, survivor, duplicate, user, field_choices) -> MergeRecord:
    choices = _validate_merge(model, kind, survivor, duplicate, field_choices)
    with acting_as(user), transaction.atomic():
        locked = model._base_manager.select_for_update().in_bulk([survivor.pk, duplicate.pk])
        survivor, duplicate = locked[survivor.pk], locked[duplicate.pk]
        _validate_merge(model, kind, survivor, duplicate, choices)

        overwritten: dict[str, Any] = {}
        for name in MERGE_FIELDS[kind]:
            field_ = model._meta.get_field(name)
            mine, theirs = getattr(survivor, field_.attname), getattr(duplicate, field_.attname)
            choice = choices.get(name)
            take = choice == "duplicate" or (
                choice is None
                and name not in _NEVER_AUTOFILL
                and _is_empty(mine)
                and not _is_empty(theirs)
            )
            if take and mine != theirs:
                overwritten[name] = _json_value(mine)
                setattr(survivor, field_.attname, theirs)
        if duplicate.last_contacted_at and (
            survivor.last_contacted_at is None
            or duplicate.last_contacted_at > survivor.last_contacted_at
        ):
            overwritten["last_contacted_at"] = _json_value(survivor.last_contacted_at)
            survivor.last_contacted_at = duplicate.last_contacted_at

        moved, skipped, demoted = _move_related(duplicate, survivor)

        survivor_tags = set(survivor.tags.values_list("pk", flat=True))
        tags_added = sorted(set(duplicate.tags.values_list("pk", flat=True)) - survivor_tags)
        if tags_added:
            survivor.tags.add(*tags_added)

        _refresh_denormalised(survivor)
        survivor.save()
        _refresh_denormalised(duplicate)
        duplicate.merged_into = survivor
        duplicate.save()

        record = MergeRecord.objects.create(
            kind=kind,
            survivor_id=survivor.pk,
            merged_id=duplicate.pk,
            overwritten=overwritten,
            moved=moved,
            skipped=skipped,
            demoted=demoted,
            tags_added=tags_added,
            merged_by=user if getattr(user, "is_authenticated", False) else None,
        )
        unindex(duplicate)
        reindex(survivor)
        signals.records_merged.send(
            sender=model, survivor=survivor, merged=duplicate, merge_record=record, user=user
        )
    return record


def merge_contacts(
    survivor: Contact, duplicate: Contact, *, user, field_choices: dict | None = None
) -> MergeRecord:
    """Fold `duplicate` into `survivor`: every row pointing at the duplicate (phones, timeline,
    tasks, memberships, any later module's rows) moves to the survivor, tags are united, and
    empty survivor fields are filled from the duplicate unless `field_choices`
    ({field: "survivor" | "duplicate"}) says otherwise. The duplicate is kept with
    merged_into=survivor so `undo_merge` can put everything back."""
    return _merge(Contact, "contact", survivor, duplicate, user, field_choices)


def merge_companies(
    survivor: Company, duplicate: Company, *, user, field_choices: dict | None = None
) -> MergeRecord:
    return _merge(Company, "company", survivor, duplicate, user, field_choices)


def undo_merge(merge_record: MergeRecord, *, user) -> CustomerRecord:
    """Put back what `merge_record` moved and overwrote; returns the restored duplicate."""
    model = Contact if merge_record.kind == "contact" else Company
    with acting_as(user), transaction.atomic():
        merge_record = MergeRecord.objects.select_for_update().get(pk=merge_record.pk)
        if merge_record.undone_at is not None:
            raise ValidationError(_("This merge was already undone."))
        records = model._base_manager.select_for_update().in_bulk(
            [merge_record.survivor_id, merge_record.merged_id]
        )
        survivor = records.get(merge_record.survivor_id)
        merged = records.get(merge_record.merged_id)
        if survivor is None or merged is None or merged.merged_into_id != survivor.pk:
            raise ValidationError(_("This merge can no longer be undone."))

        relations = {(_model_label(m), f.name): (m, f) for m, f in _relations(model)}
        for label, fk_name, ids in merge_record.moved:
            related_model, fk = relations.get((label, fk_name), (None, None))
            if related_model is None:  # the module was removed since
                continue
            manager = related_model._base_manager
            still_here = list(
                manager.filter(pk__in=ids, **{fk_name: survivor}).values_list("pk", flat=True)
            )
            blocked = _conflicts(manager, fk, survivor, merged, still_here)
            manager.filter(pk__in=[pk for pk in still_here if pk not in blocked]).update(
                **{fk_name: merged}
            )
        for label, ids in merge_record.demoted:
            related = next((m for m, _f in relations.values() if _model_label(m) == label), None)
            if related is not None:
                related._base_manager.filter(pk__in=ids).update(is_primary=True)
        if merge_record.tags_added:
            survivor.tags.remove(*merge_record.tags_added)

        for name, old in merge_record.overwritten.items():
            field_ = model._meta.get_field(name)
            setattr(survivor, field_.attname, None if old is None else field_.to_python(old))
        _refresh_denormalised(survivor)
        survivor.save()
        merged.merged_into = None
        _refresh_denormalised(merged)
        merged.save()

        merge_record.undone_at = timezone.now()
        merge_record.save(update_fields=["undone_at"])
        reindex(survivor)
        reindex(merged)
        signals.merge_undone.send(
            sender=model, survivor=survivor, merged=merged, merge_record=merge_record, user=user
        )
    return merged
