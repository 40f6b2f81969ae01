"""Extension points of the ticket page for the rest of the service desk (SLA, knowledge base).

`register_side_panel("service/sla_panel.html")` adds a template to the side column of every
ticket page; it renders with the page's context (`ticket`, `request`, `can_change`, `PERMS`...).
Templates that do not exist (an app switched off) are skipped."""

from __future__ import annotations

from django.template import TemplateDoesNotExist
from django.template.loader import get_template

# Known panels of the other service-desk parts; each is skipped until its template exists.
_SIDE_PANELS: list[str] = ["service/sla_panel.html", "service/ticket_resources_panel.html"]


def register_side_panel(template: str) -> None:
    if template not in _SIDE_PANELS:
        _SIDE_PANELS.append(template)


def side_panel_templates() -> list[str]:
    found = []
    for name in _SIDE_PANELS:
        try:
            get_template(name)
        except TemplateDoesNotExist:
            continue
        found.append(name)
    return found
