"""Template helpers of the quote pages and PDF: {% load quote_tags %}."""

import unicodedata

from django import template

register = template.Library()


@register.filter
def text_dir(value) -> str:
    """ "rtl" or "ltr" from the first strong letter of `value` (like dir="auto", which the PDF
    renderer lacks), so a Persian note in an English quote still reads right to left."""
    for char in str(value or ""):
        kind = unicodedata.bidirectional(char)
        if kind in ("R", "AL"):
            return "rtl"
        if kind == "L":
            return "ltr"
    return "auto"
