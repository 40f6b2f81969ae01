"""Kinds of timeline entries: the one extension point of the timeline.

Every app that puts something on a customer's timeline registers its kind here in its
AppConfig.ready() and then calls `peyvand.timeline.services.record_entry(kind=...)`:

    register_entry_kind("deal_won", label=_("Deal won"), icon="🏆",
                        template="deals/timeline_entry.html")

Apps never edit the timeline app to add a kind."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.functional import Promise

DEFAULT_TEMPLATE = "timeline/entries/default.html"


@dataclass(frozen=True)
class EntryKind:
    code: str
    label: str | Promise
    icon: str
    # Renders the entry's content in the list; gets `entry` in its context.
    template: str = DEFAULT_TEMPLATE
    # Counts as contacting the customer: moves last_contacted_at of the contact/company.
    interaction: bool = False


_KINDS: dict[str, EntryKind] = {}


def register_entry_kind(
    code: str,
    *,
    label: str | Promise,
    icon: str,
    template: str | None = None,
    interaction: bool = False,
) -> EntryKind:
    """Register (or re-register, e.g. on a test's app reload) an entry kind."""
    if not code or len(code) > 40 or not code.replace("_", "").isalnum():
        raise ValueError(f"invalid timeline entry kind code {code!r}")
    kind = EntryKind(code, label, icon, template or DEFAULT_TEMPLATE, interaction)
    _KINDS[code] = kind
    return kind


def is_registered(code: str) -> bool:
    return code in _KINDS


def get_entry_kind(code: str) -> EntryKind:
    """The registered kind; raises KeyError for an unknown code."""
    return _KINDS[code]


def entry_kind_or_fallback(code: str) -> EntryKind:
    """For display: an entry whose app was switched off still renders, with its raw code."""
    return _KINDS.get(code) or EntryKind(code, code, "•")


def entry_kinds() -> list[EntryKind]:
    return list(_KINDS.values())


def interaction_kinds() -> list[str]:
    return [kind.code for kind in _KINDS.values() if kind.interaction]
