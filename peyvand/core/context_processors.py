from typing import Any

from django.http import HttpRequest

from peyvand.core.persian import is_persian_language


def peyvand(request: HttpRequest) -> dict[str, Any]:
    """Page direction and the language switcher's target, for the base template."""
    rtl = is_persian_language()
    return {
        "LANGUAGE_DIR": "rtl" if rtl else "ltr",
        "IS_RTL": rtl,
        "OTHER_LANGUAGE": ("en", "English") if rtl else ("fa", "فارسی"),
    }
