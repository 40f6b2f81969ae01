"""REST API for contacts and companies, mounted at /api/v1/.

Schemas bound the size and shape of input; values are normalised and validated by the same
services the pages use, whose ValidationError becomes a 422 with field errors."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Annotated, Literal

from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status
from ninja.errors import HttpError

from peyvand.accounts.permissions import (
    ADD,
    CHANGE,
    CONTACTS,
    DELETE,
    EXPORT,
    VIEW,
    declares_permission,
    require_perm,
)
from peyvand.core.pagination import InvalidCursor

from . import selectors, services
from .models import Company, Contact, MergeRecord

router = Router(tags=["contacts"])

Stage = Literal["lead", "prospect", "customer", "loyal", "churned"]
Source = Literal[
    "",
    "website",
    "phone",
    "instagram",
    "telegram",
    "whatsapp",
    "linkedin",
    "event",
    "email",
    "referral",
    "campaign",
    "import",
    "api",
    "walk_in",
    "other",
]
Sort = Literal["newest", "oldest", "name", "updated"]
Tag = Annotated[str, Field(max_length=60)]
# Database ids are 64-bit: a larger number can name no record and must not reach the database.
Id = Annotated[int, Field(ge=1, le=services.MAX_ID)]
ShortText = Annotated[str, Field(max_length=300)]


# --- Input schemas ----------------------------------------------------------------------------


class PhoneIn(Schema):
    number: str = Field(max_length=40, examples=["0912 126 9382"])
    kind: Literal["mobile", "work", "home", "fax", "other"] = "mobile"
    is_primary: bool = False


class EmailIn(Schema):
    address: str = Field(max_length=254)
    kind: Literal["work", "personal", "other"] = "work"
    is_primary: bool = False


class AddressIn(Schema):
    province: str = Field("", max_length=60)
    city: str = Field("", max_length=60)
    postal_code: str = Field("", max_length=20)
    line: str = Field("", max_length=300)
    kind: Literal["home", "work", "billing", "shipping"] = "work"
    is_primary: bool = False


class MembershipIn(Schema):
    company_id: Id
    title: str = Field("", max_length=120)
    is_primary: bool = False


class _RecordFields(Schema):
    phones: list[PhoneIn] | None = Field(None, max_length=services.MAX_PHONES)
    emails: list[EmailIn] | None = Field(None, max_length=services.MAX_EMAILS)
    addresses: list[AddressIn] | None = Field(None, max_length=services.MAX_ADDRESSES)
    tags: list[Tag] | None = Field(None, max_length=services.MAX_TAGS)
    source: Source = ""
    lifecycle_stage: Stage = "lead"
    owner_id: Id | None = None
    team_id: Id | None = None
    notes: str = Field("", max_length=10_000)


class ContactIn(_RecordFields):
    """Lists (phones, emails, addresses, tags, memberships) replace the record's current ones."""

    first_name: str = Field("", max_length=100)
    last_name: str = Field(max_length=100)
    first_name_latin: str = Field("", max_length=100)
    last_name_latin: str = Field("", max_length=100)
    gender: Literal["", "female", "male"] = ""
    national_id: str = Field("", max_length=20)
    birthday: str | None = Field(
        None, max_length=20, description="Jalali (1370/05/12) or Gregorian (1991-08-03)"
    )
    job_title: str = Field("", max_length=120)
    consent_email: bool = False
    consent_sms: bool = False
    consent_call: bool = True
    memberships: list[MembershipIn] | None = Field(None, max_length=services.MAX_MEMBERSHIPS)


class ContactPatch(ContactIn):
    """Only the fields sent are changed."""

    last_name: str = Field(None, max_length=100)


class CompanyIn(_RecordFields):
    name: str = Field(max_length=200)
    name_latin: str = Field("", max_length=200)
    national_id: str = Field("", max_length=20)
    economic_code: str = Field("", max_length=20)
    industry: str = Field("", max_length=100)
    website: str = Field("", max_length=200)
    employee_count: int | None = Field(None, ge=0, lt=10**9)


class CompanyPatch(CompanyIn):
    name: str = Field(None, max_length=200)


class MergeIn(Schema):
    duplicate_id: Id
    field_choices: dict[Annotated[str, Field(max_length=40)], Literal["survivor", "duplicate"]] = (
        Field(default_factory=dict, max_length=40)
    )


class DuplicateCheckIn(Schema):
    phones: list[Annotated[str, Field(max_length=40)]] = Field(default_factory=list, max_length=20)
    emails: list[Annotated[str, Field(max_length=254)]] = Field(default_factory=list, max_length=20)
    national_id: str | None = Field(None, max_length=20)
    exclude_id: Id | None = None


class ListQuery(Schema):
    q: str = Field("", max_length=200)
    owner_id: Id | None = None
    team_id: Id | None = None
    stage: Stage | None = None
    tag: str = Field("", max_length=60)
    source: Source = ""
    province: str = Field("", max_length=60)
    sort: Sort = "newest"
    cursor: str | None = Field(None, max_length=1000)
    limit: int = Field(50, ge=1, le=200)


class ContactListQuery(ListQuery):
    company_id: Id | None = None


# --- Output schemas ---------------------------------------------------------------------------


class PhoneOut(Schema):
    id: int
    number: str
    kind: str
    is_primary: bool


class EmailOut(Schema):
    id: int
    address: str
    kind: str
    is_primary: bool


class AddressOut(Schema):
    id: int
    kind: str
    province: str
    city: str
    postal_code: str
    line: str
    is_primary: bool


class MembershipOut(Schema):
    company_id: int
    company_name: str
    title: str
    is_primary: bool

    @staticmethod
    def resolve_company_name(obj) -> str:
        return obj.company.name


class _RecordOut(Schema):
    id: int
    lifecycle_stage: str
    source: str
    owner_id: int | None
    team_id: int | None
    notes: str
    primary_phone: str
    primary_email: str
    province: str
    city: str
    last_contacted_at: dt.datetime | None
    created_at: dt.datetime
    updated_at: dt.datetime
    phones: list[PhoneOut]
    emails: list[EmailOut]
    addresses: list[AddressOut]
    tags: list[str]
    url: str

    @staticmethod
    def resolve_tags(obj) -> list[str]:
        return [tag.name for tag in obj.tags.all()]

    @staticmethod
    def resolve_url(obj) -> str:
        return obj.get_absolute_url()


class ContactOut(_RecordOut):
    first_name: str
    last_name: str
    first_name_latin: str
    last_name_latin: str
    full_name: str
    gender: str
    national_id: str
    birthday: dt.date | None
    job_title: str
    consent_email: bool
    consent_sms: bool
    consent_call: bool
    memberships: list[MembershipOut]


class CompanyOut(_RecordOut):
    name: str
    name_latin: str
    national_id: str
    economic_code: str
    industry: str
    website: str
    employee_count: int | None


class ContactListItem(Schema):
    id: int
    full_name: str
    first_name: str
    last_name: str
    primary_phone: str
    primary_email: str
    primary_company: str | None
    lifecycle_stage: str
    owner_id: int | None
    last_contacted_at: dt.datetime | None
    created_at: dt.datetime
    updated_at: dt.datetime

    @staticmethod
    def resolve_primary_company(obj) -> str | None:
        memberships = getattr(obj, "primary_memberships", [])
        return memberships[0].company.name if memberships else None


class CompanyListItem(Schema):
    id: int
    name: str
    primary_phone: str
    primary_email: str
    industry: str
    city: str
    lifecycle_stage: str
    owner_id: int | None
    last_contacted_at: dt.datetime | None
    created_at: dt.datetime
    updated_at: dt.datetime


class ContactPage(Schema):
    items: list[ContactListItem]
    next_cursor: str | None


class CompanyPage(Schema):
    items: list[CompanyListItem]
    next_cursor: str | None


class DuplicateOut(Schema):
    id: int
    name: str
    url: str
    reasons: list[str]


class DuplicatesOut(Schema):
    items: list[DuplicateOut]
    # Matches the caller may not see (another team's records): counted, never shown.
    hidden: int


class MergeOut(Schema):
    merge_id: int
    survivor_id: int
    merged_id: int
    overwritten: dict
    moved: list
    skipped: list


# --- Helpers ----------------------------------------------------------------------------------

# Service error keys that the API spells differently.
_API_KEYS = {"owner": "owner_id", "team": "team_id"}


def _rename_errors(exc: ValidationError) -> ValidationError:
    if not hasattr(exc, "error_dict"):
        return exc
    renamed: dict[str, list[str]] = {}
    for key, messages in exc.message_dict.items():
        key = _API_KEYS.get(key, key)
        if key.startswith("memberships.") and key.endswith(".company"):
            key += "_id"
        renamed[key] = messages
    return ValidationError(renamed)


def _call(fn: Callable, *args, **kwargs):
    try:
        return fn(*args, **kwargs)
    except ValidationError as exc:
        raise _rename_errors(exc) from exc


def _input_values(payload: Schema) -> dict:
    data = payload.dict(exclude_unset=True)
    if "owner_id" in data:
        data["owner"] = data.pop("owner_id")
    if "team_id" in data:
        data["team"] = data.pop("team_id")
    for key in ("phones", "emails", "addresses", "tags", "memberships"):
        if key in data and data[key] is None:
            data[key] = []
    if "memberships" in data:
        data["memberships"] = [
            services.MembershipInput(
                m["company_id"], m.get("title", ""), m.get("is_primary", False)
            )
            for m in data["memberships"]
        ]
    return data


def _contact_input(payload: Schema) -> services.ContactInput:
    return services.ContactInput(**_input_values(payload))


def _company_input(payload: Schema) -> services.CompanyInput:
    return services.CompanyInput(**_input_values(payload))


def _filters(query: ListQuery) -> selectors.ListFilters:
    return selectors.ListFilters(
        owner_id=query.owner_id,
        team_id=query.team_id,
        stage=query.stage or "",
        tag=query.tag,
        source=query.source,
        province=query.province,
        company_id=getattr(query, "company_id", None),
        q=query.q,
    )


def _page(selector: Callable, request: HttpRequest, query: ListQuery) -> dict:
    require_perm(request.user, CONTACTS, VIEW)
    try:
        page = selector(
            request.user, _filters(query), query.sort, query.cursor or None, query.limit
        )
    except InvalidCursor as exc:
        raise HttpError(400, _("The cursor is invalid; start again from the first page.")) from exc
    return {"items": page.items, "next_cursor": page.next_cursor}


def _contact(pk: int) -> Contact:
    # Re-read after a write with everything the response shows; the writer may have handed the
    # record to a team it cannot see, so no visibility filter here.
    return selectors.contact_360_queryset().get(pk=pk)


def _company(pk: int) -> Company:
    return selectors.company_360_queryset().get(pk=pk)


def _duplicates(request: HttpRequest, payload: DuplicateCheckIn, kind: str) -> dict:
    require_perm(request.user, CONTACTS, VIEW)
    model = Contact if kind == "contact" else Company
    matches = services.find_duplicates(
        phones=payload.phones,
        emails=payload.emails,
        national_id=payload.national_id,
        exclude_id=payload.exclude_id,
        kind=kind,
    )
    visible = set(
        model.objects.visible_to(request.user)
        .filter(pk__in=[m.record.pk for m in matches])
        .values_list("pk", flat=True)
    )
    items = [
        {
            "id": m.record.pk,
            "name": str(m.record),
            "url": m.record.get_absolute_url(),
            "reasons": m.reasons,
        }
        for m in matches
        if m.record.pk in visible
    ]
    return {"items": items, "hidden": len(matches) - len(items)}


def _merge_out(record: MergeRecord) -> dict:
    return {
        "merge_id": record.pk,
        "survivor_id": record.survivor_id,
        "merged_id": record.merged_id,
        "overwritten": record.overwritten,
        "moved": record.moved,
        "skipped": record.skipped,
    }


# --- Contacts ---------------------------------------------------------------------------------


@router.get("contacts", response=ContactPage, summary="List contacts")
@declares_permission(CONTACTS, VIEW)
def list_contacts(request: HttpRequest, query: Query[ContactListQuery]):
    return _page(selectors.contact_list, request, query)


@router.post("contacts", response={201: ContactOut}, summary="Create a contact")
@declares_permission(CONTACTS, ADD)
def create_contact(request: HttpRequest, payload: ContactIn):
    require_perm(request.user, CONTACTS, ADD)
    contact = _call(services.create_contact, user=request.user, data=_contact_input(payload))
    return Status(201, _contact(contact.pk))


@router.post("contacts/duplicates", response=DuplicatesOut, summary="Find possible duplicates")
@declares_permission(CONTACTS, VIEW)
def contact_duplicates(request: HttpRequest, payload: DuplicateCheckIn):
    return _duplicates(request, payload, "contact")


@router.get("contacts/{id}", response=ContactOut, summary="Get a contact")
@declares_permission(CONTACTS, VIEW)
def get_contact(request: HttpRequest, id: Id):
    require_perm(request.user, CONTACTS, VIEW)
    return selectors.contact_360(request.user, id)


@router.patch("contacts/{id}", response=ContactOut, summary="Change a contact")
@declares_permission(CONTACTS, CHANGE)
def patch_contact(request: HttpRequest, id: Id, payload: ContactPatch):
    require_perm(request.user, CONTACTS, CHANGE)
    contact = selectors.visible_contact(request.user, id)
    _call(services.update_contact, contact, user=request.user, data=_contact_input(payload))
    return _contact(contact.pk)


@router.delete("contacts/{id}", response={204: None}, summary="Delete a contact")
@declares_permission(CONTACTS, DELETE)
def delete_contact(request: HttpRequest, id: Id):
    require_perm(request.user, CONTACTS, DELETE)
    services.soft_delete_contact(selectors.visible_contact(request.user, id), user=request.user)
    return Status(204, None)


@router.post(
    "contacts/{id}/merge", response=MergeOut, summary="Merge a duplicate into this contact"
)
@declares_permission(CONTACTS, CHANGE)
@declares_permission(CONTACTS, DELETE)
def merge_contact(request: HttpRequest, id: Id, payload: MergeIn):
    require_perm(request.user, CONTACTS, CHANGE)
    require_perm(request.user, CONTACTS, DELETE)
    survivor = selectors.visible_contact(request.user, id)
    duplicate = selectors.visible_contact(request.user, payload.duplicate_id)
    record = _call(
        services.merge_contacts,
        survivor,
        duplicate,
        user=request.user,
        field_choices=payload.field_choices,
    )
    return _merge_out(record)


# --- Companies --------------------------------------------------------------------------------


@router.get("companies", response=CompanyPage, summary="List companies")
@declares_permission(CONTACTS, VIEW)
def list_companies(request: HttpRequest, query: Query[ListQuery]):
    return _page(selectors.company_list, request, query)


@router.post("companies", response={201: CompanyOut}, summary="Create a company")
@declares_permission(CONTACTS, ADD)
def create_company(request: HttpRequest, payload: CompanyIn):
    require_perm(request.user, CONTACTS, ADD)
    company = _call(services.create_company, user=request.user, data=_company_input(payload))
    return Status(201, _company(company.pk))


@router.post(
    "companies/duplicates", response=DuplicatesOut, summary="Find possible duplicate companies"
)
@declares_permission(CONTACTS, VIEW)
def company_duplicates(request: HttpRequest, payload: DuplicateCheckIn):
    return _duplicates(request, payload, "company")


@router.get("companies/{id}", response=CompanyOut, summary="Get a company")
@declares_permission(CONTACTS, VIEW)
def get_company(request: HttpRequest, id: Id):
    require_perm(request.user, CONTACTS, VIEW)
    selectors.visible_company(request.user, id)
    return _company(id)


@router.patch("companies/{id}", response=CompanyOut, summary="Change a company")
@declares_permission(CONTACTS, CHANGE)
def patch_company(request: HttpRequest, id: Id, payload: CompanyPatch):
    require_perm(request.user, CONTACTS, CHANGE)
    company = selectors.visible_company(request.user, id)
    _call(services.update_company, company, user=request.user, data=_company_input(payload))
    return _company(company.pk)


@router.delete("companies/{id}", response={204: None}, summary="Delete a company")
@declares_permission(CONTACTS, DELETE)
def delete_company(request: HttpRequest, id: Id):
    require_perm(request.user, CONTACTS, DELETE)
    services.soft_delete_company(selectors.visible_company(request.user, id), user=request.user)
    return Status(204, None)


@router.post(
    "companies/{id}/merge", response=MergeOut, summary="Merge a duplicate into this company"
)
@declares_permission(CONTACTS, CHANGE)
@declares_permission(CONTACTS, DELETE)
def merge_company(request: HttpRequest, id: Id, payload: MergeIn):
    require_perm(request.user, CONTACTS, CHANGE)
    require_perm(request.user, CONTACTS, DELETE)
    survivor = selectors.visible_company(request.user, id)
    duplicate = selectors.visible_company(request.user, payload.duplicate_id)
    record = _call(
        services.merge_companies,
        survivor,
        duplicate,
        user=request.user,
        field_choices=payload.field_choices,
    )
    return _merge_out(record)


# --- Merges -----------------------------------------------------------------------------------


@router.post("merges/{id}/undo", response={204: None}, summary="Undo a merge")
@declares_permission(CONTACTS, CHANGE)
@declares_permission(CONTACTS, DELETE)
def undo_merge(request: HttpRequest, id: Id):
    require_perm(request.user, CONTACTS, CHANGE)
    require_perm(request.user, CONTACTS, DELETE)
    record = MergeRecord.objects.filter(pk=id).first()
    if record is None:
        raise HttpError(404, _("Not found."))
    if record.kind == "contact":
        selectors.visible_contact(request.user, record.survivor_id)
    else:
        selectors.visible_company(request.user, record.survivor_id)
    _call(services.undo_merge, record, user=request.user)
    return Status(204, None)


# --- Trash and the right to be forgotten -------------------------------------------------------

Kind = Literal["contact", "company"]


class TrashItem(Schema):
    id: int
    name: str
    deleted_at: dt.datetime
    deleted_by: str | None

    @staticmethod
    def resolve_name(obj) -> str:
        return str(obj)

    @staticmethod
    def resolve_deleted_by(obj) -> str | None:
        user = obj.deleted_by
        return (user.get_full_name() or user.username) if user else None


class TrashPage(Schema):
    items: list[TrashItem]
    next_cursor: str | None


class TrashQuery(Schema):
    kind: Kind = "contact"
    cursor: str = Field("", max_length=500)
    limit: int = Field(50, ge=1, le=200)


class EraseIn(Schema):
    # The record's name, typed again: an erasure cannot be undone.
    confirmation: str = Field(..., max_length=300)


@router.get("trash", response=TrashPage, summary="List deleted contacts or companies")
@declares_permission(CONTACTS, DELETE)
def list_trash(request: HttpRequest, query: Query[TrashQuery]):
    require_perm(request.user, CONTACTS, DELETE)
    try:
        page = selectors.trash_list(request.user, query.kind, query.cursor or None, query.limit)
    except InvalidCursor as exc:
        raise HttpError(400, _("The cursor is invalid; start again from the first page.")) from exc
    return {"items": page.items, "next_cursor": page.next_cursor}


@router.post("trash/{kind}/{id}/restore", response={204: None}, summary="Restore from the trash")
@declares_permission(CONTACTS, DELETE)
def restore_from_trash(request: HttpRequest, kind: Kind, id: Id):
    require_perm(request.user, CONTACTS, DELETE)
    record = selectors.trashed_record(request.user, kind, id)
    restore = services.restore_contact if kind == "contact" else services.restore_company
    _call(restore, record, user=request.user)
    return Status(204, None)


def _export(request: HttpRequest, kind: str, id: int) -> HttpResponse:
    from . import privacy

    require_perm(request.user, CONTACTS, EXPORT)
    record = selectors.erasable_record(request.user, kind, id)
    response = HttpResponse(privacy.export_customer(record), content_type="application/zip")
    response["Content-Disposition"] = f'attachment; filename="{privacy.export_filename(record)}"'
    return response


def _erase(request: HttpRequest, kind: str, id: int, payload: EraseIn):
    from . import privacy

    require_perm(request.user, CONTACTS, DELETE)
    record = selectors.erasable_record(request.user, kind, id)
    _call(privacy.erase_customer, record, user=request.user, confirmation=payload.confirmation)
    return Status(204, None)


@router.get("contacts/{id}/export", summary="Export everything about a contact (ZIP)")
@declares_permission(CONTACTS, EXPORT)
def export_contact(request: HttpRequest, id: Id):
    return _export(request, "contact", id)


@router.get("companies/{id}/export", summary="Export everything about a company (ZIP)")
@declares_permission(CONTACTS, EXPORT)
def export_company(request: HttpRequest, id: Id):
    return _export(request, "company", id)


@router.post("contacts/{id}/erase", response={204: None}, summary="Erase a contact's personal data")
@declares_permission(CONTACTS, DELETE)
def erase_contact(request: HttpRequest, id: Id, payload: EraseIn):
    return _erase(request, "contact", id, payload)


@router.post("companies/{id}/erase", response={204: None}, summary="Erase a company's data")
@declares_permission(CONTACTS, DELETE)
def erase_company(request: HttpRequest, id: Id, payload: EraseIn):
    return _erase(request, "company", id, payload)
