"""Panels of the customer 360 page.

Apps above contacts (timeline, tasks, later deals, tickets, loyalty) add their own panel to the
contact and company pages here, in their AppConfig.ready(), instead of editing contacts' views."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from django.http import HttpRequest


@dataclass(frozen=True)
class Panel:
    key: str
    title: str
    template: str
    # (request, record) -> template context for the panel; record is a Contact or a Company.
    context: Callable[[HttpRequest, object], dict]
    order: int = 100
    kinds: tuple[str, ...] = ("contact", "company")
    # "main" (wide column, e.g. the timeline) or "side" (narrow column, e.g. tasks).
    column: str = "main"
    permission: tuple[str, str] | None = None
    extra: dict = field(default_factory=dict)


_PANELS: dict[str, Panel] = {}


def register_panel(panel: Panel) -> None:
    _PANELS[panel.key] = panel


def panels_for(kind: str, user) -> list[Panel]:
    from peyvand.accounts.permissions import has_perm

    return sorted(
        (
            p
            for p in _PANELS.values()
            if kind in p.kinds and (p.permission is None or has_perm(user, *p.permission))
        ),
        key=lambda p: p.order,
    )
