"""Reading timelines: one keyset-paginated query per page, newest first."""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import Q, QuerySet

from peyvand.contacts.models import Company, Contact, Membership
from peyvand.core.pagination import KeysetPage, paginate_keyset

from .models import TimelineEntry

ORDER = ("-occurred_at", "-id")
MAX_LIMIT = 200
# Columns the list shows; the rest (source, created_at) are never read by a list.
LIST_FIELDS = (
    "id",
    "kind",
    "contact_id",
    "company_id",
    "occurred_at",
    "subject",
    "body",
    "direction",
    "duration_seconds",
    "outcome",
    "recording",
    "recording_name",
    "recording_content_type",
    "data",
    "author__id",
    "author__username",
    "author__first_name",
    "author__last_name",
)


def entries_for(record: Contact | Company, user) -> QuerySet[TimelineEntry]:
    """Entries on a record's timeline that `user` may see.

    A company's timeline also holds the interactions with its people, so the company page shows
    every conversation with that customer."""
    entries = TimelineEntry.objects.visible_to(user)
    if isinstance(record, Contact):
        return entries.filter(contact=record)
    people = Membership.objects.filter(company=record).values("contact_id")
    return entries.filter(Q(company=record) | Q(contact_id__in=people))


def timeline_for(
    record: Contact | Company,
    user,
    *,
    kinds: Iterable[str] | None = None,
    cursor: str | None = None,
    limit: int = 30,
) -> KeysetPage:
    """One page of the record's timeline. Raises core.pagination.InvalidCursor."""
    entries = entries_for(record, user)
    kinds = [k for k in (kinds or ()) if k]
    if kinds:
        entries = entries.filter(kind__in=kinds)
    entries = entries.select_related("author").only(*LIST_FIELDS)
    return paginate_keyset(entries, order=ORDER, cursor=cursor, limit=min(limit, MAX_LIMIT))


def visible_entry(user, pk: int) -> TimelineEntry | None:
    return (
        TimelineEntry.objects.visible_to(user)
        .select_related("author", "contact", "company")
        .filter(pk=pk)
        .first()
    )


def entries_page(
    user,
    *,
    contact: Contact | None = None,
    company: Company | None = None,
    kinds: Iterable[str] | None = None,
    cursor: str | None = None,
    limit: int = 50,
) -> KeysetPage:
    """The API's list: one record's timeline, or every entry the user may see."""
    if contact is not None:
        entries = entries_for(contact, user)
    elif company is not None:
        entries = entries_for(company, user)
    else:
        entries = TimelineEntry.objects.visible_to(user)
    kinds = [k for k in (kinds or ()) if k]
    if kinds:
        entries = entries.filter(kind__in=kinds)
    entries = entries.select_related("author").only(*LIST_FIELDS)
    return paginate_keyset(entries, order=ORDER, cursor=cursor, limit=min(limit, MAX_LIMIT))
