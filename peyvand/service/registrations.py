"""What the service desk adds to the shared registries: timeline kinds, the search kind and the
"Tickets" panel of the customer 360 page."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _


def register() -> None:
    from peyvand.contacts.panels import Panel, register_panel
    from peyvand.search.registry import register_indexer, register_kind
    from peyvand.timeline.registry import register_entry_kind

    from . import search_index
    from .models import TICKETS

    template = "service/timeline_entry.html"
    register_entry_kind("ticket_opened", label=_("Ticket opened"), icon="🎫", template=template)
    register_entry_kind(
        "ticket_reply", label=_("Ticket reply"), icon="💬", template=template, interaction=True
    )
    register_entry_kind(
        "ticket_customer_message", label=_("Customer wrote"), icon="📨", template=template
    )
    register_entry_kind("ticket_status", label=_("Ticket status"), icon="🔁", template=template)

    register_kind("ticket", module=TICKETS, label=_("Ticket"))
    register_indexer(
        "ticket", queryset=search_index.tickets_to_index, document=search_index.ticket_document
    )

    register_panel(
        Panel(
            key="tickets",
            title=_("Tickets"),
            template="service/contact_panel.html",
            context=_contact_panel_context,
            order=55,
            kinds=("contact", "company"),
            column="side",
            permission=(TICKETS, "view"),
        )
    )


def _contact_panel_context(request, record) -> dict:
    from peyvand.contacts.models import Contact

    from . import selectors

    field = "contact" if isinstance(record, Contact) else "company"
    return selectors.customer_tickets(request.user, **{field: record})
