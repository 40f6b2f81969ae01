"""What leads add to the shared registries: timeline kinds, the search kind, a contact panel."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _


def register() -> None:
    from peyvand.contacts.panels import Panel, register_panel
    from peyvand.search.registry import register_indexer, register_kind
    from peyvand.timeline.registry import register_entry_kind

    from . import search_index
    from .models import LEADS

    template = "leads/timeline_entry.html"
    register_entry_kind("lead_created", label=_("New lead"), icon="✨", template=template)
    register_entry_kind("inquiry", label=_("Inquiry"), icon="📥", template=template)
    register_entry_kind("lead_status", label=_("Lead status"), icon="🔁", template=template)
    register_entry_kind("lead_converted", label=_("Lead converted"), icon="✅", template=template)

    register_kind("lead", module=LEADS, label=_("Lead"))
    register_indexer(
        "lead", queryset=search_index.leads_to_index, document=search_index.lead_document
    )

    register_panel(
        Panel(
            key="leads",
            title=_("Leads"),
            template="leads/contact_panel.html",
            context=_contact_panel_context,
            order=60,
            kinds=("contact", "company"),
            column="side",
            permission=(LEADS, "view"),
        )
    )


def _contact_panel_context(request, record) -> dict:
    from peyvand.contacts.models import Contact

    from .models import Lead

    field = "contact" if isinstance(record, Contact) else "company"
    leads = (
        Lead.objects.visible_to(request.user)
        .filter(**{field: record})
        .only("id", "first_name", "last_name", "company_name", "status", "channel", "created_at")
        .order_by("-created_at", "-id")[:10]
    )
    return {"leads": list(leads)}
