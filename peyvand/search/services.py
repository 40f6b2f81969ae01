"""Writing the global search index: one `SearchEntry` row per searchable record.

Apps describe a record as a `SearchDocument` and keep the index current from their own
services, inside the same transaction as the change:

    from peyvand.search.services import SearchDocument, index_document, remove_document

    index_document("contact", contact.pk, SearchDocument(
        title=contact.full_name,
        subtitle=company_name,
        url=contact.get_absolute_url(),
        texts=[contact.first_name, contact.last_name, *tag_names],
        phones=[p.number for p in phones],          # E.164
        emails=[e.address for e in emails],
        identifiers=[contact.national_id],          # national ID, economic code...
        owner_id=contact.owner_id,
        team_id=contact.team_id,
    ))
    remove_document("contact", contact.pk)

Imports and demo data use `bulk_index(kind, ((pk, doc), ...))`; `rebuild_index()` (and
`manage.py rebuild_search_index`) regenerates kinds registered with `registry.register_indexer`.

`terms` holds space-separated tokens that both database engines index verbatim (SQLite FTS5 via
triggers, PostgreSQL GIN over array_to_tsvector), so what `build_terms` emits is exactly what a
query can find; see selectors.search for the matching side.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from itertools import islice

from django.db import connection, transaction
from django.utils import timezone

from peyvand.core.bulk import insert_rows
from peyvand.core.persian import search_key, to_latin_digits
from peyvand.core.phones import phone_search_digits, phone_search_variants

from . import registry
from .models import SearchEntry

# Longer tokens are cut: nobody types 200 characters to find something, and PostgreSQL rejects
# lexemes over 2 KB.
MAX_TOKEN_LENGTH = 200
# A phone's digits reversed, behind this marker, turn "ends with 9382" into a prefix search.
REVERSED_PHONE_PREFIX = "r"

_UPSERT_FIELDS = ["title", "subtitle", "url", "terms", "owner_id", "team_id", "updated_at"]
_HAS_LETTERS = re.compile(r"[^\W\d_]")
_LOCAL_PART_SEPARATORS = re.compile(r"[._+\-]")


@dataclass
class SearchDocument:
    """How one record is shown in results and what finds it."""

    title: str
    subtitle: str = ""
    url: str = ""
    texts: list[str] = field(default_factory=list)  # names, tags, city... (any script/spelling)
    phones: list[str] = field(default_factory=list)  # E.164 ("+989121269382")
    emails: list[str] = field(default_factory=list)
    identifiers: list[str] = field(default_factory=list)  # national IDs, economic codes
    owner_id: int | None = None
    team_id: int | None = None
    # Already built from the fields above elsewhere (import cleaning processes); "" = build.
    terms: str = ""


def reversed_phone_token(digits: str) -> str:
    return REVERSED_PHONE_PREFIX + digits[::-1]


def _phone_tokens(e164: str) -> list[str]:
    variants = phone_search_variants(e164)
    if not variants:
        return []
    international = max(variants, key=len)
    if e164.startswith("+"):
        variants.append("00" + international)  # dialled from abroad: 0098...
    # The international digits reversed hold every suffix a user could type.
    return [*variants, reversed_phone_token(international)]


def _email_tokens(address: str) -> list[str]:
    address = to_latin_digits(address or "").strip().casefold()
    if "@" not in address:
        return search_key(address).split()
    local, _, domain = address.rpartition("@")
    # "ali.rezaei" also finds by "rezaei": the words of the local part are tokens of their own.
    return [address, local, domain, *search_key(_LOCAL_PART_SEPARATORS.sub(" ", local)).split()]


def _identifier_tokens(value: str) -> list[str]:
    text = to_latin_digits(value or "")
    if _HAS_LETTERS.search(text):
        return search_key(text).split()
    digits = phone_search_digits(text)  # "001-234567-8" is found as 0012345678
    return [digits] if digits else []


def build_terms(doc: SearchDocument) -> str:
    """The `terms` value for a document: unique tokens, the title's first.

    Ranking treats an early match as a better one, so the title's words lead."""
    if doc.terms:
        return doc.terms
    tokens: dict[str, None] = {}

    def add(values: Iterable[str]) -> None:
        for token in values:
            token = token.strip()[:MAX_TOKEN_LENGTH]
            if token:
                tokens[token] = None

    add(search_key(doc.title).split())
    for text in doc.texts:
        add(search_key(text).split())
    for phone in doc.phones:
        add(_phone_tokens(phone))
    for email in doc.emails:
        add(_email_tokens(email))
    for identifier in doc.identifiers:
        add(_identifier_tokens(identifier))
    add(search_key(doc.subtitle).split())
    return " ".join(tokens)


def _entry_values(kind: str, object_id: int, doc: SearchDocument, now) -> dict:
    """The stored columns of one record's entry."""
    return {
        "kind": kind,
        "object_id": object_id,
        "title": (doc.title or "")[:300],
        "subtitle": (doc.subtitle or "")[:300],
        "url": (doc.url or "")[:300],
        "terms": build_terms(doc),
        "owner_id": doc.owner_id,
        "team_id": doc.team_id,
        "updated_at": now,
    }


def _entry(kind: str, object_id: int, doc: SearchDocument) -> SearchEntry:
    return SearchEntry(**_entry_values(kind, object_id, doc, timezone.now()))


def _upsert(entries: list[SearchEntry]) -> None:
    # One INSERT .. ON CONFLICT DO UPDATE per batch; the SQLite triggers keep FTS5 in step.
    SearchEntry.objects.bulk_create(
        entries,
        update_conflicts=True,
        unique_fields=["kind", "object_id"],
        update_fields=_UPSERT_FIELDS,
    )


def index_document(kind: str, object_id: int, doc: SearchDocument) -> None:
    """Add or replace the entry of one record (one query)."""
    _upsert([_entry(kind, object_id, doc)])


def remove_document(kind: str, object_id: int) -> None:
    SearchEntry.objects.filter(kind=kind, object_id=object_id).delete()


def remove_documents(kind: str, object_ids: Iterable[int]) -> int:
    ids = list(object_ids)
    if not ids:
        return 0
    deleted, _ = SearchEntry.objects.filter(kind=kind, object_id__in=ids).delete()
    return deleted


def _batches(items: Iterable, size: int) -> Iterator[list]:
    iterator = iter(items)
    while batch := list(islice(iterator, size)):
        yield batch


def bulk_index(
    kind: str, pairs: Iterable[tuple[int, SearchDocument]], batch_size: int = 2000
) -> int:
    """Index many records fast (imports, demo data, rebuilds); returns how many were written.

    Each batch is one upsert statement in its own transaction, so a million records never
    hold one giant transaction open."""
    count = 0
    for batch in _batches(pairs, batch_size):
        # The same record twice in a batch would make the upsert touch one row twice.
        entries = {object_id: _entry(kind, object_id, doc) for object_id, doc in batch}
        with transaction.atomic():
            _upsert(list(entries.values()))
        count += len(entries)
    return count


def add_documents(kind: str, pairs: Iterable[tuple[int, SearchDocument]]) -> int:
    """Index records created just now, in the caller's transaction: a plain insert (COPY on
    PostgreSQL) instead of an upsert, as nothing can be indexed yet under a brand-new id."""
    now = timezone.now()
    rows = [_entry_values(kind, object_id, doc, now) for object_id, doc in pairs]
    insert_rows(SearchEntry, rows)
    return len(rows)


def optimize_index() -> None:
    """Merge FTS5 segments after large writes (SQLite); PostgreSQL's GIN needs nothing."""
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("INSERT INTO search_fts(search_fts) VALUES ('optimize')")


def rebuild_index(kinds: Iterable[str] | None = None, *, batch_size: int = 2000) -> dict[str, int]:
    """Re-index every record of the registered indexers (all, or `kinds`).

    Entries of records that no longer exist are removed. Returns {kind: records indexed}."""
    wanted = set(kinds) if kinds is not None else None
    unknown = (wanted or set()) - {indexer.kind for indexer in registry.indexers()}
    if unknown:
        raise ValueError(f"No search indexer registered for: {', '.join(sorted(unknown))}")
    counts: dict[str, int] = {}
    for indexer in registry.indexers():
        if wanted is not None and indexer.kind not in wanted:
            continue
        started = timezone.now()
        records = indexer.queryset().iterator(chunk_size=batch_size)
        pairs = ((record.pk, indexer.document(record)) for record in records)
        counts[indexer.kind] = bulk_index(indexer.kind, pairs, batch_size=batch_size)
        # Everything still current was rewritten just now; older entries are gone records.
        SearchEntry.objects.filter(kind=indexer.kind, updated_at__lt=started).delete()
    optimize_index()
    return counts
