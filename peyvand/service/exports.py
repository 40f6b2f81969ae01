"""The ticket list as an exportable list (discovered by peyvand.exports)."""

from __future__ import annotations

from types import SimpleNamespace

from django.http import QueryDict
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from . import selectors
from .models.tickets import TICKETS


def ticket_rows(user, params: QueryDict):
    from .views import _filters

    filters = _filters(SimpleNamespace(GET=params))
    return selectors.ticket_list(user, filters).order_by(*selectors.LIST_ORDER)


LIST_EXPORTS = {
    "tickets": {
        "module": TICKETS,
        "label": _("Tickets"),
        "list_url": "service:tickets",
        "rows": ticket_rows,
        "columns": [
            ("number", pgettext_lazy("export column", "Number"), "int"),
            ("subject", pgettext_lazy("export column", "Subject"), "text"),
            (
                "contact",
                pgettext_lazy("export column", "Contact"),
                "name",
                ("contact__first_name", "contact__last_name"),
            ),
            ("company__name", pgettext_lazy("export column", "Company"), "text"),
            ("requester_name", pgettext_lazy("export column", "Requester"), "text"),
            ("requester_email", pgettext_lazy("export column", "Email"), "text"),
            ("requester_phone", pgettext_lazy("export column", "Phone"), "phone"),
            ("channel", pgettext_lazy("export column", "Channel"), "choice"),
            ("priority", pgettext_lazy("export column", "Priority"), "choice"),
            ("status", pgettext_lazy("export column", "Status"), "choice"),
            ("category__name", pgettext_lazy("export column", "Category"), "text"),
            ("team__name", pgettext_lazy("export column", "Team"), "text"),
            ("assignee", pgettext_lazy("export column", "Assignee"), "person"),
            ("created_at", pgettext_lazy("export column", "Created"), "datetime"),
            ("first_responded_at", pgettext_lazy("export column", "First response"), "datetime"),
            ("resolved_at", pgettext_lazy("export column", "Resolved"), "datetime"),
        ],
    },
}
