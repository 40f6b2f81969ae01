"""{% load service_sla %}: the SLA panel's data and business-time durations."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.translation import gettext as _

from peyvand.core.persian import is_persian_language, to_persian_digits

register = template.Library()


@register.simple_tag
def ticket_sla_state(ticket) -> dict[str, Any]:
    """The clock of a ticket (None before it started), its metrics, breaches and calendar."""
    from peyvand.service import csat, sla

    clock = sla.ticket_sla(ticket)
    return {
        "sla": clock,
        "metrics": sla.metric_states(clock) if clock else [],
        "breaches": sla.breaches_for(ticket) if clock else [],
        "calendar": sla.calendar_for_display(clock),
        "csat": csat.latest_answer(ticket),
    }


@register.filter
def business_minutes(value: Any) -> str:
    """ "2 h 05 min" of business time (negative: "late by ..."); "" for None."""
    if value is None or value == "":
        return ""
    minutes = round(float(value))
    late = minutes < 0
    minutes = abs(minutes)
    hours, rest = divmod(minutes, 60)
    if hours:
        text = _("%(h)s h %(m)s min") % {"h": hours, "m": f"{rest:02d}"}
    else:
        text = _("%(m)s min") % {"m": rest}
    if late:
        text = _("late by %(t)s") % {"t": text}
    return to_persian_digits(text) if is_persian_language() else text


@register.filter
def seconds_to_minutes(value: Any) -> float | None:
    return None if value is None else float(value) / 60


@register.filter
def get_item(mapping: Any, key: Any) -> Any:
    """mapping[key] in a template (float keys such as 0.5 included); None when missing."""
    try:
        return mapping[key]
    except (KeyError, IndexError, TypeError):
        return None
