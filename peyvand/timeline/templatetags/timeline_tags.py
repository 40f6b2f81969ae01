"""Display helpers for timeline entries: `{% load timeline_tags %}`."""

from typing import Any

from django import template

from peyvand.contacts.models import LifecycleStage
from peyvand.core.persian import is_persian_language, to_persian_digits

register = template.Library()


@register.filter(is_safe=True)
def call_duration(seconds: Any) -> str:
    """245 -> "4:05", 3900 -> "1:05:00", in the active language's digits."""
    if seconds in (None, "") or not isinstance(seconds, int):
        return ""
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    text = f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"
    return to_persian_digits(text) if is_persian_language() else text


@register.filter
def stage_label(code: Any) -> str:
    try:
        return str(LifecycleStage(code).label)
    except ValueError:
        return str(code or "")
