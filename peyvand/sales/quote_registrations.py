"""What quotes add to the shared registries: timeline entry kinds and audit history.
Called from SalesConfig.ready()."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _


def register() -> None:
    from auditlog.registry import auditlog

    from peyvand.timeline.registry import register_entry_kind

    from .models import Quote, QuoteLine

    template = "sales/quotes/timeline_entry.html"
    register_entry_kind("quote_created", label=_("New quote"), icon="🧾", template=template)
    register_entry_kind("quote_revised", label=_("Quote revised"), icon="📝", template=template)
    register_entry_kind("quote_sent", label=_("Quote sent"), icon="📤", template=template)
    register_entry_kind("quote_accepted", label=_("Quote accepted"), icon="🤝", template=template)
    register_entry_kind("quote_rejected", label=_("Quote rejected"), icon="🚫", template=template)
    register_entry_kind("quote_expired", label=_("Quote expired"), icon="⌛", template=template)

    auditlog.register(Quote, exclude_fields=["updated_at"])
    auditlog.register(QuoteLine)
