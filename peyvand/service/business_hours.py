"""Business-time arithmetic: deadlines that only run while the service desk is open.

A `Schedule` is the pure, database-free form of a business calendar: a time zone, working
intervals per weekday (several a day allowed, e.g. a lunch break) and holiday dates.
`BusinessCalendar.schedule()` builds one; every function here also accepts the calendar itself.

Working intervals are wall-clock times in the calendar's zone, turned into absolute instants day
by day, so a zone with daylight saving gets the right length of each day. (Asia/Tehran has had no
DST since 2022, but older dates and other zones still do.) All arithmetic is done in seconds on
aware datetimes; callers may pass datetimes in any zone."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Protocol
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from peyvand.core.persian import to_latin_digits

MINUTES_PER_DAY = 24 * 60
# How far the arithmetic searches for an open hour before deciding the calendar has none: a
# calendar closed for more than ten years is misconfigured, not busy.
MAX_SEARCH_DAYS = 3660

# Python's weekday numbers (Monday = 0) in the order of the Iranian week (Saturday first).
IRANIAN_WEEK = (5, 6, 0, 1, 2, 3, 4)

Interval = tuple[int, int]  # minutes from local midnight: [start, end), 0 <= start < end <= 1440

# Iran: Saturday–Wednesday 08:00–17:00, Thursday 08:00–13:00, Friday closed.
IRAN_WEEKLY_HOURS: dict[int, list[Interval]] = {
    5: [(480, 1020)],
    6: [(480, 1020)],
    0: [(480, 1020)],
    1: [(480, 1020)],
    2: [(480, 1020)],
    3: [(480, 780)],
    4: [],
}


class InvalidHours(ValueError):
    """Weekly hours that cannot be understood; the message says why (English, for logs)."""


@dataclass(frozen=True)
class Schedule:
    time_zone: str = "Asia/Tehran"
    weekly: dict[int, tuple[Interval, ...]] = field(default_factory=dict)
    holidays: frozenset[dt.date] = frozenset()

    def __post_init__(self) -> None:
        zone(self.time_zone)  # raises InvalidHours for an unknown zone
        weekly = {day: tuple(check_intervals(self.weekly.get(day, ()))) for day in range(7)}
        object.__setattr__(self, "weekly", weekly)
        object.__setattr__(self, "holidays", frozenset(self.holidays))

    @property
    def tz(self) -> ZoneInfo:
        return zone(self.time_zone)

    @property
    def has_hours(self) -> bool:
        return any(self.weekly.values())

    def schedule(self) -> Schedule:
        return self

    def is_working_day(self, day: dt.date) -> bool:
        return bool(self.weekly[day.weekday()]) and day not in self.holidays

    def day_intervals(self, day: dt.date) -> list[tuple[dt.datetime, dt.datetime]]:
        """The open intervals of one local day, in UTC: Python subtracts datetimes of the same
        zone by wall clock, which is wrong across a daylight-saving change."""
        if day in self.holidays:
            return []
        tz = self.tz
        return [
            (_at(day, start, tz).astimezone(dt.UTC), _at(day, end, tz).astimezone(dt.UTC))
            for start, end in self.weekly[day.weekday()]
        ]

    def is_open(self, moment: dt.datetime) -> bool:
        moment = _aware(moment)
        local = moment.astimezone(self.tz)
        return any(s <= moment < e for s, e in self.day_intervals(local.date()))


class HasSchedule(Protocol):
    def schedule(self) -> Schedule: ...


def zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, TypeError) as exc:
        raise InvalidHours(f"unknown time zone {name!r}") from exc


def _aware(moment: dt.datetime) -> dt.datetime:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError("business-time arithmetic needs aware datetimes")
    return moment


def _at(day: dt.date, minutes: int, tz: ZoneInfo) -> dt.datetime:
    if minutes >= MINUTES_PER_DAY:
        return dt.datetime.combine(day + dt.timedelta(days=1), dt.time(), tzinfo=tz)
    return dt.datetime.combine(day, dt.time(minutes // 60, minutes % 60), tzinfo=tz)


def check_intervals(intervals: Iterable[Iterable[int]]) -> list[Interval]:
    """Sorted, validated intervals; raises InvalidHours for overlaps or out-of-day times."""
    result = sorted((int(start), int(end)) for start, end in intervals)
    previous_end = -1
    for start, end in result:
        if not 0 <= start < end <= MINUTES_PER_DAY:
            raise InvalidHours(f"interval {start}-{end} is not within one day")
        if start < previous_end:
            raise InvalidHours("intervals overlap")
        previous_end = end
    return result


_CLOCK_RE = re.compile(r"(\d{1,2})(?::(\d{2}))?")
_RANGE_SPLIT_RE = re.compile(r"\s*[-–—تا]+\s*")


def _clock(text: str) -> int:
    match = _CLOCK_RE.fullmatch(text.strip())
    if not match:
        raise InvalidHours(f"not a time: {text!r}")
    hour, minute = int(match[1]), int(match[2] or 0)
    if minute > 59 or hour > 24 or (hour == 24 and minute):
        raise InvalidHours(f"not a time: {text!r}")
    return hour * 60 + minute


def parse_intervals(text: str) -> list[Interval]:
    """ "08:00-12:00, 13:00-17:00" (Persian digits and "تا" accepted; empty = closed)."""
    text = to_latin_digits(text or "").replace("،", ",").strip()
    if not text:
        return []
    intervals = []
    for part in filter(None, (p.strip() for p in re.split(r"[,;\n]", text))):
        pieces = [p for p in _RANGE_SPLIT_RE.split(part) if p]
        if len(pieces) != 2:
            raise InvalidHours(f"not a time range: {part!r}")
        intervals.append((_clock(pieces[0]), _clock(pieces[1])))
    return check_intervals(intervals)


def format_clock(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def format_intervals(intervals: Iterable[Interval]) -> str:
    return ", ".join(f"{format_clock(s)}-{format_clock(e)}" for s, e in intervals)


def _schedule(calendar: Schedule | HasSchedule) -> Schedule:
    return calendar if isinstance(calendar, Schedule) else calendar.schedule()


def _open_intervals(
    schedule: Schedule, start: dt.datetime
) -> Iterator[tuple[dt.datetime, dt.datetime]]:
    """Open intervals ending after `start`, in time order, clipped to begin no earlier than it.

    Starts one local day early: an interval of yesterday may run past midnight in UTC terms."""
    if not schedule.has_hours:
        raise InvalidHours("the calendar has no working hours")
    day = start.astimezone(schedule.tz).date() - dt.timedelta(days=1)
    for _ in range(MAX_SEARCH_DAYS):
        for open_at, close_at in schedule.day_intervals(day):
            if close_at > start:
                yield max(open_at, start), close_at
        day += dt.timedelta(days=1)
    raise InvalidHours(f"no working hours within {MAX_SEARCH_DAYS} days")


def add_business_minutes(
    calendar: Schedule | HasSchedule, start: dt.datetime, minutes: float
) -> dt.datetime:
    """The moment `minutes` of business time after `start` (in the calendar's zone).

    A deadline that uses up an interval exactly falls at its closing time (17:00), not at the next
    opening. Zero minutes is `start` itself."""
    start = _aware(start)
    if minutes < 0:
        raise ValueError("minutes must not be negative")
    remaining = dt.timedelta(minutes=minutes)
    schedule = _schedule(calendar)
    if not remaining:
        return start.astimezone(schedule.tz)
    for open_at, close_at in _open_intervals(schedule, start.astimezone(dt.UTC)):
        available = close_at - open_at
        if remaining <= available:
            return (open_at + remaining).astimezone(schedule.tz)
        remaining -= available
    raise AssertionError("unreachable")  # _open_intervals raises when it runs out


def business_seconds_between(
    calendar: Schedule | HasSchedule, start: dt.datetime, end: dt.datetime
) -> int:
    """Business seconds in [start, end); 0 when end <= start. Whole seconds (rounded down)."""
    start, end = _aware(start).astimezone(dt.UTC), _aware(end).astimezone(dt.UTC)
    if end <= start:
        return 0
    schedule = _schedule(calendar)
    if not schedule.has_hours:
        return 0
    total = dt.timedelta()
    day = start.astimezone(schedule.tz).date() - dt.timedelta(days=1)
    last = end.astimezone(schedule.tz).date()
    while day <= last:
        for open_at, close_at in schedule.day_intervals(day):
            lo, hi = max(open_at, start), min(close_at, end)
            if hi > lo:
                total += hi - lo
        day += dt.timedelta(days=1)
    return int(total.total_seconds())


def business_minutes_between(
    calendar: Schedule | HasSchedule, start: dt.datetime, end: dt.datetime
) -> float:
    """Business minutes in [start, end): closed hours, Fridays and holidays do not count."""
    return business_seconds_between(calendar, start, end) / 60


def next_open(calendar: Schedule | HasSchedule, moment: dt.datetime) -> dt.datetime:
    """`moment` itself if the desk is open then, else when it next opens."""
    schedule = _schedule(calendar)
    for open_at, _close in _open_intervals(schedule, _aware(moment).astimezone(dt.UTC)):
        return open_at.astimezone(schedule.tz)
    raise AssertionError("unreachable")
