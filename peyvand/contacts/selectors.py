"""Reads for contact and company pages and the API: visibility applied in SQL, keyset pages,
only the columns a list shows, and a bounded number of queries for the 360 page."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from auditlog.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.db.models import Prefetch, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from peyvand.accounts.permissions import CONTACTS, visible_filter
from peyvand.core.pagination import KeysetPage, paginate_keyset
from peyvand.core.persian import normalize_text

from .models import Address, Company, Contact, Email, Membership, MergeRecord, Phone

CONTACT_SORTS: dict[str, list[str]] = {
    "newest": ["-created_at", "-id"],
    "oldest": ["created_at", "id"],
    "name": ["last_name", "first_name", "id"],
    "updated": ["-updated_at", "-id"],
}
COMPANY_SORTS: dict[str, list[str]] = {
    "newest": ["-created_at", "-id"],
    "oldest": ["created_at", "id"],
    "name": ["name", "id"],
    "updated": ["-updated_at", "-id"],
}
DEFAULT_SORT = "newest"
# How many search hits a list filtered by a query considers; search ranks, the list sorts.
SEARCH_LIMIT = 100

_OWNER_COLUMNS = ["owner__id", "owner__username", "owner__first_name", "owner__last_name"]
CONTACT_LIST_COLUMNS = [
    "id",
    "first_name",
    "last_name",
    "primary_phone",
    "primary_email",
    "lifecycle_stage",
    "last_contacted_at",
    "created_at",
    "updated_at",
    "owner",
    *_OWNER_COLUMNS,
]
COMPANY_LIST_COLUMNS = [
    "id",
    "name",
    "primary_phone",
    "primary_email",
    "industry",
    "city",
    "lifecycle_stage",
    "last_contacted_at",
    "created_at",
    "updated_at",
    "owner",
    *_OWNER_COLUMNS,
]


@dataclass
class ListFilters:
    owner_id: int | None = None
    team_id: int | None = None
    stage: str = ""
    tag: str = ""
    source: str = ""
    province: str = ""
    company_id: int | None = None  # contacts only: people of this company
    q: str = ""


def _search_ids(user, kind: str, q: str) -> list[int]:
    from peyvand.search.selectors import MAX_LIMIT, search

    return [
        hit.object_id for hit in search(user, q, kinds=[kind], limit=min(SEARCH_LIMIT, MAX_LIMIT))
    ]


def _filter(qs: QuerySet, user, kind: str, filters: ListFilters | None) -> QuerySet:
    if filters is None:
        return qs
    if filters.owner_id:
        qs = qs.filter(owner_id=filters.owner_id)
    if filters.team_id:
        qs = qs.filter(team_id=filters.team_id)
    if filters.stage:
        qs = qs.filter(lifecycle_stage=filters.stage)
    if filters.source:
        qs = qs.filter(source=filters.source)
    if filters.province:
        qs = qs.filter(province=normalize_text(filters.province))
    if filters.tag:
        qs = qs.filter(tags__name=normalize_text(filters.tag))
    if filters.company_id and kind == "contact":
        qs = qs.filter(memberships__company_id=filters.company_id)
    if filters.q and filters.q.strip():
        qs = qs.filter(pk__in=_search_ids(user, kind, filters.q))
    return qs


def _primary_memberships() -> Prefetch:
    return Prefetch(
        "memberships",
        queryset=Membership.objects.filter(is_primary=True)
        .select_related("company")
        .only("id", "contact_id", "title", "company__id", "company__name"),
        to_attr="primary_memberships",
    )


def contact_list(
    user,
    filters: ListFilters | None = None,
    sort: str = DEFAULT_SORT,
    cursor: str | None = None,
    limit: int = 50,
) -> KeysetPage:
    """One page of the contacts `user` may see. Raises InvalidCursor for a bad cursor.

    Two queries: the rows (with owner) and their primary companies. No COUNT."""
    order = CONTACT_SORTS.get(sort, CONTACT_SORTS[DEFAULT_SORT])
    qs = (
        Contact.objects.visible_to(user)
        .select_related("owner")
        .only(*CONTACT_LIST_COLUMNS)
        .prefetch_related(_primary_memberships())
    )
    qs = _filter(qs, user, "contact", filters)
    return paginate_keyset(qs, order=order, cursor=cursor, limit=limit)


def company_list(
    user,
    filters: ListFilters | None = None,
    sort: str = DEFAULT_SORT,
    cursor: str | None = None,
    limit: int = 50,
) -> KeysetPage:
    order = COMPANY_SORTS.get(sort, COMPANY_SORTS[DEFAULT_SORT])
    qs = Company.objects.visible_to(user).select_related("owner").only(*COMPANY_LIST_COLUMNS)
    qs = _filter(qs, user, "company", filters)
    return paginate_keyset(qs, order=order, cursor=cursor, limit=limit)


def visible_contact(user, pk: int) -> Contact:
    """The alive contact `pk` if `user` may see it, else Http404 (one query)."""
    contact = Contact.objects.visible_to(user).filter(pk=pk).first()
    if contact is None:
        raise Http404
    return contact


def visible_company(user, pk: int) -> Company:
    company = Company.objects.visible_to(user).filter(pk=pk).first()
    if company is None:
        raise Http404
    return company


def merged_survivor_id(user, model, pk: int) -> int | None:
    """Where a merged record went (if `user` could see it), so old links still lead somewhere."""
    return (
        model._base_manager.filter(visible_filter(user, CONTACTS), pk=pk, deleted_at__isnull=True)
        .values_list("merged_into_id", flat=True)
        .first()
    )


def contact_360_queryset() -> QuerySet:
    """Contacts with everything their page (or API detail) shows: six queries in all."""
    return (
        Contact.objects.alive()
        .select_related("owner", "team", "created_by")
        .prefetch_related(
            Prefetch("phones", queryset=Phone.objects.order_by("-is_primary", "id")),
            Prefetch("emails", queryset=Email.objects.order_by("-is_primary", "id")),
            Prefetch("addresses", queryset=Address.objects.order_by("-is_primary", "id")),
            "tags",
            Prefetch(
                "memberships",
                queryset=Membership.objects.filter(
                    company__merged_into__isnull=True, company__deleted_at__isnull=True
                )
                .select_related("company")
                .order_by("-is_primary", "id"),
            ),
        )
    )


def company_360_queryset() -> QuerySet:
    return (
        Company.objects.alive()
        .select_related("owner", "team", "created_by")
        .prefetch_related(
            Prefetch("phones", queryset=Phone.objects.order_by("-is_primary", "id")),
            Prefetch("emails", queryset=Email.objects.order_by("-is_primary", "id")),
            Prefetch("addresses", queryset=Address.objects.order_by("-is_primary", "id")),
            "tags",
        )
    )


def contact_360(user, pk: int) -> Contact:
    """A contact `user` may see, with everything its page shows, in a bounded number of
    queries whatever its size; Http404 otherwise."""
    contact = contact_360_queryset().filter(visible_filter(user, CONTACTS), pk=pk).first()
    if contact is None:
        raise Http404
    return contact


PEOPLE_ON_COMPANY_PAGE = 25


def company_360(user, pk: int) -> Company:
    """A company with its contact points, tags and first people (`people_preview`)."""
    company = company_360_queryset().filter(visible_filter(user, CONTACTS), pk=pk).first()
    if company is None:
        raise Http404
    people = list(
        Membership.objects.filter(company=company, contact__in=Contact.objects.visible_to(user))
        .select_related("contact")
        .only(
            "id",
            "title",
            "is_primary",
            "company_id",
            "contact__id",
            "contact__first_name",
            "contact__last_name",
            "contact__primary_phone",
            "contact__primary_email",
            "contact__lifecycle_stage",
        )
        .order_by("contact__last_name", "contact__first_name", "id")[: PEOPLE_ON_COMPANY_PAGE + 1]
    )
    company.people_preview = people[:PEOPLE_ON_COMPANY_PAGE]
    company.people_has_more = len(people) > PEOPLE_ON_COMPANY_PAGE
    return company


# How long the record page offers to undo a merge (the API can undo older ones).
UNDO_OFFER_DAYS = 30


def last_merge(kind: str, survivor_id: int) -> MergeRecord | None:
    """The latest recent merge into this record that was not undone."""
    since = timezone.now() - dt.timedelta(days=UNDO_OFFER_DAYS)
    return (
        MergeRecord.objects.filter(
            kind=kind, survivor_id=survivor_id, undone_at__isnull=True, merged_at__gte=since
        )
        .order_by("-merged_at", "-id")
        .first()
    )


# --- Audit history ----------------------------------------------------------------------------

HISTORY_PAGE_SIZE = 20


def record_history(
    record: Contact | Company, *, cursor: str | None = None, limit: int = HISTORY_PAGE_SIZE
) -> KeysetPage:
    """Audit log entries of the record and of its phones, emails, addresses and memberships,
    newest first. Raises InvalidCursor for a bad cursor."""
    fk = "contact_id" if isinstance(record, Contact) else "company_id"
    types = ContentType.objects.get_for_models(type(record), Phone, Email, Address, Membership)
    own_type = types.pop(type(record))
    condition = Q(content_type=own_type, object_id=record.pk) | Q(
        content_type__in=list(types.values()), **{f"additional_data__{fk}": record.pk}
    )
    qs = LogEntry.objects.filter(condition).select_related("actor", "content_type")
    return paginate_keyset(qs, order=["-timestamp", "-id"], cursor=cursor, limit=limit)


# --- Trash ------------------------------------------------------------------------------------

TRASH_MODELS = {"contact": Contact, "company": Company}


def _trashed(user, kind: str):
    model = TRASH_MODELS[kind]
    # Merged duplicates are deleted through their survivor, erased records are gone for good:
    # neither can come back, so neither is listed.
    return model.objects.filter(
        visible_filter(user, CONTACTS),
        deleted_at__isnull=False,
        erased_at__isnull=True,
        merged_into__isnull=True,
    )


def trash_list(user, kind: str, cursor: str | None = None, limit: int = 50) -> KeysetPage:
    """Deleted contacts or companies the user may see, most recently deleted first."""
    qs = _trashed(user, kind).select_related("deleted_by")
    return paginate_keyset(qs, order=["-deleted_at", "-id"], cursor=cursor, limit=limit)


def trashed_record(user, kind: str, pk: int) -> Contact | Company:
    """A record in the trash the user may see, else Http404."""
    record = _trashed(user, kind).filter(pk=pk).first()
    if record is None:
        raise Http404
    return record


def erasable_record(user, kind: str, pk: int) -> Contact | Company:
    """An alive or deleted (not merged, not erased) record the user may see, else Http404."""
    model = TRASH_MODELS[kind]
    record = (
        model.objects.filter(
            visible_filter(user, CONTACTS), erased_at__isnull=True, merged_into__isnull=True
        )
        .filter(pk=pk)
        .first()
    )
    if record is None:
        raise Http404
    return record
