"""Canned-response placeholders: {{customer.first_name}}, {{ticket.reference}}, {{agent.name}}...

Rendering is a single-pass substitution over a fixed whitelist of names, never the Django
template engine: a response's text (or a customer's name) containing "{% ... %}" or
"{{ settings.SECRET_KEY }}" stays literal text. Values are plain text; whoever shows the result
escapes it as usual (a textarea, an e-mail body).

An unknown placeholder, or a known one with no value here (no customer on the ticket), is left
in the text exactly as written and reported, so the agent sees it before sending.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from peyvand.core.dates import format_date
from peyvand.core.persian import is_persian_language

PLACEHOLDER_RE = re.compile(r"\{\{\s*([A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*)\s*\}\}")

# name -> what it means (shown in the editor's help)
PLACEHOLDERS: dict[str, Any] = {
    "customer.first_name": _("Customer's first name"),
    "customer.last_name": _("Customer's last name"),
    "customer.full_name": _("Customer's full name"),
    "company.name": _("Customer's company"),
    "ticket.reference": _("Ticket reference number"),
    "ticket.subject": _("Ticket subject"),
    "agent.name": _("Your full name"),
    "agent.first_name": _("Your first name"),
    "today": _("Today's date"),
}


@dataclass
class RenderedResponse:
    text: str
    unknown: list[str] = field(default_factory=list)  # not placeholders we know
    missing: list[str] = field(default_factory=list)  # known, but no value for this ticket

    @property
    def complete(self) -> bool:
        return not self.unknown and not self.missing


def placeholders_in(text: str | None) -> list[str]:
    return list(dict.fromkeys(m.group(1) for m in PLACEHOLDER_RE.finditer(text or "")))


def unknown_placeholders(text: str | None) -> list[str]:
    return [name for name in placeholders_in(text) if name not in PLACEHOLDERS]


def render(text: str | None, values: Mapping[str, Any]) -> RenderedResponse:
    """Replace each whitelisted placeholder by its value, in one pass (values are never
    scanned again, so a value containing "{{...}}" stays as it is)."""
    unknown: dict[str, None] = {}
    missing: dict[str, None] = {}

    def substitute(match: re.Match) -> str:
        name = match.group(1)
        if name not in PLACEHOLDERS:
            unknown[name] = None
            return match.group(0)
        value = values.get(name)
        value = "" if value is None else str(value).strip()
        if not value:
            missing[name] = None
            return match.group(0)
        return value

    rendered = PLACEHOLDER_RE.sub(substitute, text or "")
    return RenderedResponse(rendered, list(unknown), list(missing))


def _person_name(person: Any) -> str:
    if person is None:
        return ""
    full = getattr(person, "get_full_name", None)
    name = full() if callable(full) else getattr(person, "full_name", "")
    return name or getattr(person, "username", "") or ""


def placeholder_values(
    *,
    customer: Any = None,
    company: Any = None,
    ticket: Any = None,
    agent: Any = None,
    language: str | None = None,
) -> dict[str, str]:
    """Values for the placeholders from the records at hand (any of them may be missing).

    Duck-typed so the service desk (a higher layer) passes its ticket without this module
    importing it: a ticket needs `reference` (or `pk`) and `subject`."""
    if company is None and customer is not None:
        company = getattr(customer, "company", None)
    reference = ""
    if ticket is not None:
        reference = str(getattr(ticket, "reference", "") or getattr(ticket, "pk", "") or "")
    return {
        "customer.first_name": getattr(customer, "first_name", "") or "",
        "customer.last_name": getattr(customer, "last_name", "") or "",
        "customer.full_name": _person_name(customer),
        "company.name": getattr(company, "name", "") or "",
        "ticket.reference": reference,
        "ticket.subject": getattr(ticket, "subject", "") or "",
        "agent.name": _person_name(agent),
        "agent.first_name": getattr(agent, "first_name", "") or "",
        "today": format_date(timezone.localdate(), language),
    }


def sample_values(agent: Any = None, language: str | None = None) -> dict[str, str]:
    """Example values for the editor's live preview."""
    values = placeholder_values(agent=agent, language=language)
    if is_persian_language(language):
        values.update(
            {
                "customer.first_name": "مریم",
                "customer.last_name": "احمدی",
                "customer.full_name": "مریم احمدی",
                "company.name": "بازرگانی آفتاب",
                "ticket.reference": "T-۱۴۰۳-۰۰۱۲",
                "ticket.subject": "مشکل در ورود به حساب",
            }
        )
    else:
        values.update(
            {
                "customer.first_name": "Maryam",
                "customer.last_name": "Ahmadi",
                "customer.full_name": "Maryam Ahmadi",
                "company.name": "Aftab Trading",
                "ticket.reference": "T-1403-0012",
                "ticket.subject": "Cannot sign in",
            }
        )
    return values
