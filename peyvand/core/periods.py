"""Reporting periods: a month, quarter or year of the Jalali or the Gregorian calendar.

Persian users plan in Jalali periods ("مهر ۱۴۰۴", "سه‌ماهه سوم ۱۴۰۴"), English users in Gregorian
ones ("October 2025", "Q4 2025"). A period is stored as (calendar, kind, start, end) so a target
or a commission statement means exactly the same days whoever reads it later.

Codes: "1404-07" (month), "1404-Q3" (quarter), "1404" (year); years 1200-1599 are Jalali,
1600 and later Gregorian ("2025-10", "2025-Q4", "2025"). Persian digits are accepted.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

import jdatetime
from django.utils import timezone
from django.utils.translation import gettext

from peyvand.core.dates import GREGORIAN_MONTHS, JALALI_MONTHS
from peyvand.core.persian import (
    INVISIBLE_RE,
    is_persian_language,
    to_latin_digits,
    to_persian_digits,
)

JALALI = "jalali"
GREGORIAN = "gregorian"
CALENDARS = (JALALI, GREGORIAN)

MONTH = "month"
QUARTER = "quarter"
YEAR = "year"
KINDS = (MONTH, QUARTER, YEAR)

_JALALI_YEARS = range(1200, 1600)
_GREGORIAN_YEARS = range(1600, 3000)
_CODE_RE = re.compile(
    r"(?P<year>\d{4})(?:[-/.\s]*(?:(?P<q>[qQ])(?P<quarter>\d)|(?P<month>\d{1,2})))?"
)
_PERSIAN_ORDINALS = ("اول", "دوم", "سوم", "چهارم")


class InvalidPeriod(ValueError):
    pass


def _invalid(text: str = "") -> InvalidPeriod:
    return InvalidPeriod(
        gettext(
            "Enter a period such as 1404-07 (a month), 1404-Q3 (a quarter) or 1404 (a year); "
            "Gregorian periods look like 2025-10, 2025-Q4 or 2025."
        )
    )


def calendar_for_language(language: str | None = None) -> str:
    """Persian users plan in the Jalali calendar, everyone else in the Gregorian one."""
    return JALALI if is_persian_language(language) else GREGORIAN


def _first_day(calendar: str, year: int, month: int) -> date:
    """Gregorian date of the first day of (year, month) in ``calendar``; month may be 13."""
    if month == 13:
        year, month = year + 1, 1
    if calendar == JALALI:
        return jdatetime.date(year, month, 1).togregorian()
    return date(year, month, 1)


def _year_month(calendar: str, day: date) -> tuple[int, int]:
    if calendar == JALALI:
        jday = jdatetime.date.fromgregorian(date=day)
        return jday.year, jday.month
    return day.year, day.month


@dataclass(frozen=True, order=True)
class Period:
    """A calendar period; ``start`` and ``end`` are Gregorian dates, both inclusive."""

    start: date
    end: date
    calendar: str
    kind: str
    year: int
    # Month 1-12, quarter 1-4, or 1 for a year.
    number: int

    # --- construction ---------------------------------------------------------------------

    @classmethod
    def of(cls, calendar: str, kind: str, year: int, number: int = 1) -> Period:
        if calendar not in CALENDARS or kind not in KINDS:
            raise _invalid()
        years = _JALALI_YEARS if calendar == JALALI else _GREGORIAN_YEARS
        limit = {MONTH: 12, QUARTER: 4, YEAR: 1}[kind]
        if year not in years or not 1 <= number <= limit:
            raise _invalid()
        first_month = {MONTH: number, QUARTER: 3 * number - 2, YEAR: 1}[kind]
        months = {MONTH: 1, QUARTER: 3, YEAR: 12}[kind]
        start = _first_day(calendar, year, first_month)
        end = _first_day(calendar, year, first_month + months) - timedelta(days=1)
        return cls(start, end, calendar, kind, year, number)

    @classmethod
    def parse(cls, text: str) -> Period:
        """ "1404-07", "۱۴۰۴-Q۳", "1404", "2025-10", "2025-Q4", "2025"."""
        cleaned = INVISIBLE_RE.sub("", to_latin_digits(str(text or ""))).strip()
        match = _CODE_RE.fullmatch(cleaned)
        if not match:
            raise _invalid(text)
        year = int(match["year"])
        calendar = JALALI if year in _JALALI_YEARS else GREGORIAN
        if match["quarter"]:
            return cls.of(calendar, QUARTER, year, int(match["quarter"]))
        if match["month"]:
            return cls.of(calendar, MONTH, year, int(match["month"]))
        return cls.of(calendar, YEAR, year)

    @classmethod
    def containing(cls, day: date, kind: str = MONTH, calendar: str = JALALI) -> Period:
        year, month = _year_month(calendar, day)
        number = {MONTH: month, QUARTER: (month - 1) // 3 + 1, YEAR: 1}.get(kind)
        if number is None:
            raise _invalid()
        return cls.of(calendar, kind, year, number)

    @classmethod
    def current(
        cls, kind: str = MONTH, *, language: str | None = None, today: date | None = None
    ) -> Period:
        """The period of ``kind`` containing today, in the language's calendar."""
        return cls.containing(today or timezone.localdate(), kind, calendar_for_language(language))

    @classmethod
    def from_stored(cls, calendar: str, kind: str, start: date, end: date) -> Period:
        """Rebuild a period saved as (calendar, kind, start, end); rejects bounds that are not
        exactly one period (a hand-edited row must not silently mean other days)."""
        if calendar not in CALENDARS or kind not in KINDS:
            raise _invalid()
        period = cls.containing(start, kind, calendar)
        if period.start != start or period.end != end:
            raise _invalid()
        return period

    # --- arithmetic -----------------------------------------------------------------------

    @property
    def stop(self) -> date:
        """The day after the period (half-open ranges: ``start <= d < stop``)."""
        return self.end + timedelta(days=1)

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def __contains__(self, day: date) -> bool:
        return self.start <= day <= self.end

    def next(self) -> Period:
        return Period.containing(self.stop, self.kind, self.calendar)

    def previous(self) -> Period:
        return Period.containing(self.start - timedelta(days=1), self.kind, self.calendar)

    def shift(self, steps: int) -> Period:
        period = self
        for _ in range(abs(steps)):
            period = period.next() if steps > 0 else period.previous()
        return period

    def months(self) -> list[Period]:
        """The months of this period, in order."""
        result = [Period.containing(self.start, MONTH, self.calendar)]
        while result[-1].end < self.end:
            result.append(result[-1].next())
        return result

    def elapsed_fraction(self, today: date | None = None) -> float:
        """How much of the period has passed by the end of ``today`` (0.0-1.0)."""
        today = today or timezone.localdate()
        if today < self.start:
            return 0.0
        if today >= self.end:
            return 1.0
        return ((today - self.start).days + 1) / self.days

    # --- presentation ---------------------------------------------------------------------

    @property
    def code(self) -> str:
        """The parseable code: "1404-07", "1404-Q3", "1404"."""
        if self.kind == MONTH:
            return f"{self.year:04d}-{self.number:02d}"
        if self.kind == QUARTER:
            return f"{self.year:04d}-Q{self.number}"
        return f"{self.year:04d}"

    def label(self, language: str | None = None) -> str:
        """ "مهر ۱۴۰۴", "سه‌ماهه سوم ۱۴۰۴", "سال ۱۴۰۴" in fa; "October 2025", "Q4 2025", "2025"
        in en. A Gregorian period shown to a Persian reader keeps its Gregorian month names."""
        fa = is_persian_language(language)
        year = to_persian_digits(str(self.year)) if fa else str(self.year)
        if self.kind == MONTH:
            names = JALALI_MONTHS if self.calendar == JALALI else GREGORIAN_MONTHS
            return f"{names[self.number - 1]} {year}"
        if self.kind == QUARTER:
            if fa:
                return f"سه\u200cماهه {_PERSIAN_ORDINALS[self.number - 1]} {year}"
            return f"Q{self.number} {year}"
        return f"سال {year}" if fa else year

    def __str__(self) -> str:
        return self.code
