"""Template helpers, installed as a builtin (no {% load %} needed).

Display filters never raise on empty or unexpected values: a page should not 500 because a
field is blank. The exception is `money`, which refuses floats so such bugs surface in tests.
"""

from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from django import template
from django.http import HttpRequest

from peyvand.core.dates import format_date, format_datetime
from peyvand.core.money import format_money, group_digits
from peyvand.core.persian import is_persian_language, to_persian_digits
from peyvand.core.phones import format_phone

register = template.Library()


@register.filter(is_safe=True)
def jdate(value: Any) -> Any:
    if value in (None, ""):
        return ""
    return format_date(value) if isinstance(value, date) else value


@register.filter(name="jdatetime", is_safe=True)
def jdatetime_filter(value: Any) -> Any:
    if value in (None, ""):
        return ""
    return format_datetime(value) if isinstance(value, date) else value


@register.filter(is_safe=True)
def digits(value: Any) -> str:
    """Persian digits when the active language is fa; `is_safe` as no markup is added."""
    if value is None:
        return ""
    return to_persian_digits(str(value)) if is_persian_language() else str(value)


@register.filter(is_safe=True)
def phone(value: Any) -> str:
    if not value:
        return ""
    return format_phone(str(value), "fa" if is_persian_language() else "en")


@register.filter(is_safe=True)
def money(value: Any, currency: str = "IRR") -> str:
    """{{ amount|money:"IRT" }}; strings such as "12500" are read as Decimal."""
    if value in (None, ""):
        return ""
    if isinstance(value, str):
        try:
            value = Decimal(value)
        except InvalidOperation:
            return value
    return format_money(value, currency or "IRR")


@register.filter(is_safe=True)
def intcomma_local(value: Any) -> Any:
    if value in (None, ""):
        return ""
    if isinstance(value, bool) or not isinstance(value, int | Decimal):
        try:
            value = Decimal(str(value))
        except InvalidOperation:
            return value
    return group_digits(value)


@register.simple_tag
def query_replace(request: HttpRequest, **changes: Any) -> str:
    """The current query string (without "?") with ``changes`` applied.

    ``{% query_replace request page=2 %}`` -> "q=ali&page=2"; a None or "" value drops the key.
    Use as ``href="?{% query_replace request page=2 %}"``.
    """
    query = request.GET.copy()
    for key, value in changes.items():
        if value is None or value == "":
            query.pop(key, None)
        else:
            query[key] = str(value)
    return query.urlencode()
