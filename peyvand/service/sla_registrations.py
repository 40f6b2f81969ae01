"""What service levels add at start-up: signal receivers that run the SLA clock and send
satisfaction surveys, the timeline kind of a survey answer, audit history of the settings."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _


def register() -> None:
    from auditlog.registry import auditlog

    from peyvand.timeline.registry import register_entry_kind

    from . import csat, sla
    from .models import BusinessCalendar, Holiday, SlaPolicy

    sla.connect()
    csat.connect()
    register_entry_kind(
        "csat_answered",
        label=_("Satisfaction survey"),
        icon="⭐",
        template="service/csat/timeline_entry.html",
    )
    auditlog.register(BusinessCalendar)
    auditlog.register(Holiday)
    auditlog.register(SlaPolicy)
