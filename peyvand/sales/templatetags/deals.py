from __future__ import annotations

from django import template
from django.utils.translation import ngettext

from peyvand.core.persian import is_persian_language, to_persian_digits

register = template.Library()


@register.filter
def duration_text(seconds: int | None) -> str:
    """Time spent in a stage, to the most useful unit: "3 days 4 hours", "25 minutes"."""
    if seconds is None:
        return ""
    seconds = int(seconds)
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes = rest // 60
    parts = []
    if days:
        parts.append(ngettext("%(n)d day", "%(n)d days", days) % {"n": days})
    if hours and days < 7:
        parts.append(ngettext("%(n)d hour", "%(n)d hours", hours) % {"n": hours})
    if not days and not hours:
        parts.append(ngettext("%(n)d minute", "%(n)d minutes", minutes) % {"n": minutes})
    text = " ".join(parts)
    return to_persian_digits(text) if is_persian_language() else text
