"""Business-time arithmetic on the default Iranian week: Saturday–Wednesday 08:00–17:00,
Thursday 08:00–13:00, Friday closed. The week of 2026-11-14 (Saturday) to 2026-11-20 (Friday)."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from peyvand.service.business_hours import (
    IRAN_WEEKLY_HOURS,
    InvalidHours,
    Schedule,
    add_business_minutes,
    business_minutes_between,
    business_seconds_between,
    format_intervals,
    next_open,
    parse_intervals,
)

TEHRAN = ZoneInfo("Asia/Tehran")
UTC = dt.UTC


def at(day: int, hour: int, minute: int = 0, month: int = 11, year: int = 2026) -> dt.datetime:
    return dt.datetime(year, month, day, hour, minute, tzinfo=TEHRAN)


@pytest.fixture
def iran() -> Schedule:
    return Schedule("Asia/Tehran", IRAN_WEEKLY_HOURS)


def test_minutes_within_the_same_day(iran):
    assert add_business_minutes(iran, at(14, 9), 60) == at(14, 10)


def test_deadline_that_uses_up_the_day_falls_at_closing_time_not_next_morning(iran):
    assert add_business_minutes(iran, at(14, 16), 60) == at(14, 17)


def test_overnight_carries_to_next_morning(iran):
    # 16:30 Saturday + 2h = 30 min Saturday + 90 min Sunday
    assert add_business_minutes(iran, at(14, 16, 30), 120) == at(15, 9, 30)


def test_start_before_opening_counts_from_opening(iran):
    assert add_business_minutes(iran, at(14, 6), 30) == at(14, 8, 30)


def test_thursday_is_a_half_day_and_friday_is_closed(iran):
    # Thursday 12:00 + 3h: 1h Thursday (until 13:00), Friday closed, 2h Saturday.
    assert add_business_minutes(iran, at(19, 12), 180) == at(21, 10)


def test_request_on_friday_starts_counting_on_saturday(iran):
    assert add_business_minutes(iran, at(20, 11), 8 * 60) == at(21, 16)


def test_holiday_is_skipped(iran):
    schedule = Schedule("Asia/Tehran", IRAN_WEEKLY_HOURS, frozenset({dt.date(2026, 11, 15)}))
    # Saturday 16:00 + 2h: 1h Saturday, Sunday is a holiday, 1h Monday.
    assert add_business_minutes(schedule, at(14, 16), 120) == at(16, 9)
    assert business_minutes_between(schedule, at(14, 16), at(16, 9)) == 120


def test_holidays_next_to_the_weekend(iran):
    # Thursday holiday + Friday: Wednesday 16:00 + 2h lands Saturday 09:00.
    schedule = Schedule("Asia/Tehran", IRAN_WEEKLY_HOURS, frozenset({dt.date(2026, 11, 19)}))
    assert add_business_minutes(schedule, at(18, 16), 120) == at(21, 9)


def test_several_intervals_a_day_skip_the_lunch_break():
    schedule = Schedule("Asia/Tehran", {d: [(480, 720), (780, 1020)] for d in range(7)})
    assert add_business_minutes(schedule, at(14, 11), 120) == at(14, 14)
    assert business_minutes_between(schedule, at(14, 11), at(14, 14)) == 120


def test_between_counts_only_open_time(iran):
    # Wednesday 16:00 -> Saturday 09:00 = 1h Wed + 5h Thu + 0 Fri + 1h Sat.
    assert business_minutes_between(iran, at(18, 16), at(21, 9)) == 7 * 60
    assert business_minutes_between(iran, at(21, 9), at(18, 16)) == 0
    assert business_minutes_between(iran, at(20, 0), at(20, 23)) == 0


def test_add_and_between_are_inverse(iran):
    start = at(17, 15, 17)
    for minutes in (1, 59, 100, 541, 900, 3000, 10_000):
        end = add_business_minutes(iran, start, minutes)
        assert business_minutes_between(iran, start, end) == minutes


def test_add_is_additive(iran):
    start = at(16, 12)
    assert add_business_minutes(iran, add_business_minutes(iran, start, 400), 300) == (
        add_business_minutes(iran, start, 700)
    )


def test_start_in_another_zone_gives_the_same_moment(iran):
    start_utc = at(14, 9).astimezone(UTC)
    assert add_business_minutes(iran, start_utc, 60) == at(14, 10)
    assert business_seconds_between(iran, start_utc, at(14, 9, 1)) == 60


def test_zero_minutes_is_the_start_itself(iran):
    assert add_business_minutes(iran, at(20, 3), 0) == at(20, 3)


def test_naive_datetimes_and_negative_minutes_are_refused(iran):
    with pytest.raises(ValueError):
        add_business_minutes(iran, dt.datetime(2026, 11, 14, 9), 10)
    with pytest.raises(ValueError):
        add_business_minutes(iran, at(14, 9), -1)


def test_a_calendar_without_hours_cannot_give_a_deadline():
    with pytest.raises(InvalidHours):
        add_business_minutes(Schedule("Asia/Tehran", {}), at(14, 9), 10)
    assert business_minutes_between(Schedule("Asia/Tehran", {}), at(14, 9), at(15, 9)) == 0


def test_other_time_zone_with_daylight_saving():
    # Europe/Berlin switched to summer time on 2026-03-29 at 02:00; a 24-hour desk's Sunday
    # is 23 hours long.
    schedule = Schedule("Europe/Berlin", {d: [(0, 1440)] for d in range(7)})
    berlin = ZoneInfo("Europe/Berlin")
    day = dt.datetime(2026, 3, 29, tzinfo=berlin)
    assert business_minutes_between(schedule, day, day + dt.timedelta(days=1)) == 23 * 60


def test_tehran_has_no_daylight_saving_any_more(iran):
    # Before 2022 Iran moved clocks on 1 Farvardin; now 21 March is an ordinary day.
    assert at(20, 12, month=3).utcoffset() == at(22, 12, month=3).utcoffset()


def test_next_open_and_is_open(iran):
    assert next_open(iran, at(19, 14)) == at(21, 8)
    assert next_open(iran, at(14, 10)) == at(14, 10)
    assert iran.is_open(at(14, 10)) and not iran.is_open(at(19, 13))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("08:00-17:00", [(480, 1020)]),
        ("۰۸:۰۰ تا ۱۲:۰۰، ۱۳:۰۰ تا ۱۷:۰۰", [(480, 720), (780, 1020)]),
        ("13-17, 8-12", [(480, 720), (780, 1020)]),
        ("00:00-24:00", [(0, 1440)]),
        ("", []),
    ],
)
def test_parse_intervals(text, expected):
    assert parse_intervals(text) == expected


@pytest.mark.parametrize(
    "text", ["8-", "17:00-08:00", "08:00-12:00, 11:00-13:00", "25:00-26:00", "x"]
)
def test_parse_intervals_rejects_bad_input(text):
    with pytest.raises(InvalidHours):
        parse_intervals(text)


def test_format_intervals_round_trips():
    assert format_intervals(parse_intervals("8-12, 13:30-17")) == "08:00-12:00, 13:30-17:00"


def test_unknown_time_zone_is_refused():
    with pytest.raises(InvalidHours):
        Schedule("Mars/Olympus", IRAN_WEEKLY_HOURS)
