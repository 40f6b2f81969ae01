"""{% load leads %}: labels for codes stored in timeline entries and explanations."""

from django import template
from django.utils.translation import gettext as _

from peyvand.leads.models import Channel, LeadStatus, ScoringAttribute, ScoringOperator
from peyvand.leads.models import close_reason_label as _reason_label

register = template.Library()


@register.filter
def channel_label(code: str) -> str:
    return str(dict(Channel.choices).get(code, code or ""))


@register.filter
def status_label(code: str) -> str:
    return str(dict(LeadStatus.choices).get(code, code or ""))


@register.filter
def reason_label(code: str) -> str:
    return _reason_label(code) if code else ""


@register.filter
def attribute_label(code: str) -> str:
    return str(dict(ScoringAttribute.choices).get(code, code or ""))


@register.filter
def operator_label(code: str) -> str:
    return str(dict(ScoringOperator.choices).get(code, code or ""))


@register.filter
def waiting_time(value) -> str:
    """A duration as "3 days 2 h", "2 h 5 min" or "12 min", with local digits."""
    from peyvand.core.persian import is_persian_language, to_persian_digits

    if value is None:
        return ""
    minutes = int(value.total_seconds() // 60)
    days, rest = divmod(minutes, 24 * 60)
    hours, mins = divmod(rest, 60)
    if days:
        text = _("%(days)d d %(hours)d h") % {"days": days, "hours": hours}
    elif hours:
        text = _("%(hours)d h %(minutes)d min") % {"hours": hours, "minutes": mins}
    else:
        text = _("%(minutes)d min") % {"minutes": mins}
    return to_persian_digits(text) if is_persian_language() else text


@register.filter
def percent(value) -> str:
    from peyvand.core.persian import is_persian_language, to_persian_digits

    if value is None:
        return "—"
    return f"{to_persian_digits(str(value))}٪" if is_persian_language() else f"{value}%"
