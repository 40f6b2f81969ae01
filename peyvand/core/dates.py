"""Dates: Jalali (Solar Hijri) in Persian, ISO in English; parsing accepts both calendars."""

import re
from datetime import date, datetime, time

import jdatetime
from django.utils import timezone
from django.utils.translation import gettext

from peyvand.core.persian import (
    INVISIBLE_RE,
    is_persian_language,
    to_latin_digits,
    to_persian_digits,
)

JALALI_MONTHS = (
    "فروردین",
    "اردیبهشت",
    "خرداد",
    "تیر",
    "مرداد",
    "شهریور",
    "مهر",
    "آبان",
    "آذر",
    "دی",
    "بهمن",
    "اسفند",
)
GREGORIAN_MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)

_DATE_RE = re.compile(r"(\d{4})[/\-.](\d{1,2})[/\-.](\d{1,2})")
_DATETIME_RE = re.compile(
    r"(?P<date>\d{4}[/\-.]\d{1,2}[/\-.]\d{1,2})(?:(?:\s+|T)(?P<hour>\d{1,2}):(?P<minute>\d{2}))?"
)
# Years in this range are Solar Hijri: 1200-1599 SH is 1821-2221 CE, far from any Gregorian
# year a CRM stores.
_JALALI_YEARS = range(1200, 1600)


class InvalidDate(ValueError):
    pass


def _invalid() -> InvalidDate:
    return InvalidDate(
        gettext("Enter a valid date, such as 1403/05/12 (Solar Hijri) or 2024-08-02.")
    )


def _local_date(value: date | datetime) -> date:
    if isinstance(value, datetime):
        if timezone.is_aware(value):
            value = timezone.localtime(value)
        return value.date()
    return value


def format_date(value: date | datetime | None, language: str | None = None) -> str:
    """ "۱۴۰۳/۰۵/۱۲" (Jalali, Persian digits) in fa, "2024-08-02" otherwise; None -> ""."""
    if value is None:
        return ""
    day = _local_date(value)
    if is_persian_language(language):
        jday = jdatetime.date.fromgregorian(date=day)
        return to_persian_digits(f"{jday.year:04d}/{jday.month:02d}/{jday.day:02d}")
    return day.isoformat()


def format_datetime(value: date | datetime | None, language: str | None = None) -> str:
    """ "۱۴۰۳/۰۵/۱۲ ۱۴:۳۰" in fa, "2024-08-02 14:30" otherwise, in local time."""
    if value is None:
        return ""
    if not isinstance(value, datetime):
        return format_date(value, language)
    if timezone.is_aware(value):
        value = timezone.localtime(value)
    clock = f"{value.hour:02d}:{value.minute:02d}"
    if is_persian_language(language):
        clock = to_persian_digits(clock)
    return f"{format_date(value, language)} {clock}"


def format_month(year: int, month: int, language: str | None = None) -> str:
    """A month heading in the language's own calendar.

    In fa ``year``/``month`` are Jalali ("مرداد ۱۴۰۳"); otherwise Gregorian ("August 2024").
    """
    if not 1 <= month <= 12:
        raise ValueError(f"month must be 1..12, not {month}")
    if is_persian_language(language):
        return f"{JALALI_MONTHS[month - 1]} {to_persian_digits(str(year))}"
    return f"{GREGORIAN_MONTHS[month - 1]} {year}"


def jalali_month_bounds(jyear: int, jmonth: int) -> tuple[date, date]:
    """Gregorian [first day, first day of the next month) of a Jalali month, for range filters."""
    if not 1 <= jmonth <= 12:
        raise ValueError(f"month must be 1..12, not {jmonth}")
    start = jdatetime.date(jyear, jmonth, 1)
    end = jdatetime.date(jyear + 1, 1, 1) if jmonth == 12 else jdatetime.date(jyear, jmonth + 1, 1)
    return start.togregorian(), end.togregorian()


def _clean(text: str) -> str:
    return INVISIBLE_RE.sub("", to_latin_digits(str(text or ""))).strip()


def _to_date(year: int, month: int, day: int) -> date:
    try:
        if year in _JALALI_YEARS:
            return jdatetime.date(year, month, day).togregorian()
        if year >= 1600:
            return date(year, month, day)
    except ValueError as exc:
        raise _invalid() from exc
    raise _invalid()


def parse_date(text: str) -> date:
    """Parse "1403/05/12", "۱۴۰۳-۰۵-۱۲" (Jalali) or "2024-08-02" (Gregorian) to a date."""
    match = _DATE_RE.fullmatch(_clean(text))
    if not match:
        raise _invalid()
    return _to_date(*(int(part) for part in match.groups()))


def parse_datetime(text: str) -> datetime:
    """A date as in `parse_date` plus optional " HH:MM"; aware, in the current time zone."""
    match = _DATETIME_RE.fullmatch(_clean(text))
    if not match:
        raise _invalid()
    day = parse_date(match["date"])
    hour, minute = int(match["hour"] or 0), int(match["minute"] or 0)
    if hour > 23 or minute > 59:
        raise _invalid()
    return timezone.make_aware(datetime.combine(day, time(hour, minute)))
