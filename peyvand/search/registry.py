"""What can be searched: each app registers its record kinds here, in its AppConfig.ready().

    from peyvand.accounts.permissions import CONTACTS
    from peyvand.search.registry import register_indexer, register_kind

    register_kind("contact", module=CONTACTS, label=_("Contact"))
    register_indexer(
        "contact",
        queryset=lambda: Contact.objects.prefetch_related("phones", "emails", "tags"),
        document=contact_search_document,  # Contact -> services.SearchDocument
    )

`register_kind` decides who may find a kind: a user sees its entries only with VIEW permission
on `module`, and then only the records that module's sharing rule lets them see (the entry's
owner_id/team_id, copied from the record). `register_indexer` is only needed for
`rebuild_index()` / `manage.py rebuild_search_index`; day-to-day the owning app keeps the index
current by calling `services.index_document` / `remove_document` from its own services.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.db.models import QuerySet

if TYPE_CHECKING:
    from .services import SearchDocument


@dataclass(frozen=True)
class SearchKind:
    kind: str
    module: str
    label: Any  # a (lazy) translated string: "Contact" / "مخاطب"


@dataclass(frozen=True)
class SearchIndexer:
    kind: str
    queryset: Callable[[], QuerySet]
    document: Callable[[Any], SearchDocument]


_KINDS: dict[str, SearchKind] = {}
_INDEXERS: dict[str, SearchIndexer] = {}


def register_kind(kind: str, *, module: str, label: Any) -> SearchKind:
    """Make `kind` searchable by users with VIEW permission on `module` (again: replace it)."""
    if not kind or len(kind) > 30:
        raise ValueError("A search kind is a short non-empty code (at most 30 characters).")
    entry = SearchKind(kind, module, label)
    _KINDS[kind] = entry
    return entry


def register_indexer(
    kind: str,
    *,
    queryset: Callable[[], QuerySet],
    document: Callable[[Any], SearchDocument],
) -> SearchIndexer:
    """How `rebuild_index` finds every record of `kind` and turns one into a SearchDocument.

    The queryset should prefetch what `document` reads (phones, emails, tags...)."""
    indexer = SearchIndexer(kind, queryset, document)
    _INDEXERS[kind] = indexer
    return indexer


def kinds() -> list[SearchKind]:
    return list(_KINDS.values())


def get_kind(kind: str) -> SearchKind | None:
    return _KINDS.get(kind)


def indexers() -> list[SearchIndexer]:
    return list(_INDEXERS.values())


def get_indexer(kind: str) -> SearchIndexer | None:
    return _INDEXERS.get(kind)
