import itertools
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone, translation

from peyvand.core.dates import (
    InvalidDate,
    format_date,
    format_datetime,
    format_month,
    jalali_month_bounds,
    parse_date,
    parse_datetime,
)

TEHRAN = ZoneInfo("Asia/Tehran")
# 12 Mordad 1403 is 2 August 2024.
DAY = date(2024, 8, 2)


@pytest.fixture(autouse=True)
def _tehran():
    with timezone.override(TEHRAN):
        yield


class TestFormatDate:
    def test_persian_is_jalali_with_persian_digits(self):
        assert format_date(DAY, "fa") == "۱۴۰۳/۰۵/۱۲"

    def test_english_is_iso(self):
        assert format_date(DAY, "en") == "2024-08-02"

    def test_defaults_to_the_active_language(self):
        with translation.override("fa"):
            assert format_date(DAY) == "۱۴۰۳/۰۵/۱۲"
        with translation.override("en"):
            assert format_date(DAY) == "2024-08-02"

    def test_nowruz_is_the_first_of_farvardin(self):
        assert format_date(date(2024, 3, 20), "fa") == "۱۴۰۳/۰۱/۰۱"

    def test_aware_datetime_is_converted_to_local_time_first(self):
        # 21:00 UTC on 1 August is 00:30 on 2 August in Tehran (UTC+3:30).
        moment = datetime(2024, 8, 1, 21, 0, tzinfo=UTC)
        assert format_date(moment, "en") == "2024-08-02"
        assert format_date(moment, "fa") == "۱۴۰۳/۰۵/۱۲"

    def test_naive_datetime_is_taken_as_is(self):
        assert format_date(datetime(2024, 8, 2, 23, 59), "en") == "2024-08-02"

    def test_none_is_empty(self):
        assert format_date(None, "fa") == ""


class TestFormatDatetime:
    def test_persian(self):
        moment = datetime(2024, 8, 2, 14, 30, tzinfo=TEHRAN)
        assert format_datetime(moment, "fa") == "۱۴۰۳/۰۵/۱۲ ۱۴:۳۰"

    def test_english(self):
        moment = datetime(2024, 8, 2, 14, 30, tzinfo=TEHRAN)
        assert format_datetime(moment, "en") == "2024-08-02 14:30"

    def test_utc_is_shown_in_local_time(self):
        moment = datetime(2024, 8, 2, 11, 0, tzinfo=UTC)
        assert format_datetime(moment, "en") == "2024-08-02 14:30"

    def test_follows_the_current_time_zone(self):
        moment = datetime(2024, 8, 2, 11, 0, tzinfo=UTC)
        with timezone.override(ZoneInfo("Europe/London")):
            assert format_datetime(moment, "en") == "2024-08-02 12:00"

    def test_plain_date_is_formatted_as_a_date(self):
        assert format_datetime(DAY, "en") == "2024-08-02"

    def test_none_is_empty(self):
        assert format_datetime(None) == ""


class TestMonths:
    def test_persian_month_heading_is_jalali(self):
        assert format_month(1403, 5, "fa") == "مرداد ۱۴۰۳"
        assert format_month(1403, 1, "fa") == "فروردین ۱۴۰۳"
        assert format_month(1403, 12, "fa") == "اسفند ۱۴۰۳"

    def test_english_month_heading_is_gregorian(self):
        assert format_month(2024, 8, "en") == "August 2024"

    def test_month_out_of_range_is_an_error(self):
        with pytest.raises(ValueError):
            format_month(1403, 13, "fa")

    def test_mordad_bounds(self):
        assert jalali_month_bounds(1403, 5) == (date(2024, 7, 22), date(2024, 8, 22))

    def test_esfand_of_a_leap_year_ends_at_nowruz(self):
        # 1403 is a leap year: Esfand has 30 days and 1404 starts on 21 March 2025.
        assert jalali_month_bounds(1403, 12) == (date(2025, 2, 19), date(2025, 3, 21))

    def test_bounds_tile_the_year(self):
        bounds = [jalali_month_bounds(1403, month) for month in range(1, 13)]
        assert all(a[1] == b[0] for a, b in itertools.pairwise(bounds))
        assert sum((end - start).days for start, end in bounds) == 366


class TestParseDate:
    @pytest.mark.parametrize(
        "text",
        [
            "1403/05/12",
            "۱۴۰۳-۰۵-۱۲",
            "۱۴۰۳/۵/۱۲",
            "١٤٠٣/٠٥/١٢",
            "1403.5.12",
            "  1403/05/12  ",
            "\u200e1403/05/12",
        ],
    )
    def test_jalali_in_any_digit_script(self, text):
        assert parse_date(text) == DAY

    @pytest.mark.parametrize("text", ["2024-08-02", "2024/08/02", "2024/8/2", "۲۰۲۴-۰۸-۰۲"])
    def test_gregorian_from_year_1600(self, text):
        assert parse_date(text) == DAY

    def test_last_day_of_a_jalali_leap_year(self):
        assert parse_date("1403/12/30") == date(2025, 3, 20)

    @pytest.mark.parametrize(
        "text",
        [
            "",
            "garbage",
            "1403/13/01",  # no 13th month
            "1403/00/10",
            "1404/12/30",  # 1404 is not a leap year
            "1403/07/31",  # the second half of the Jalali year has 30-day months
            "2024-02-30",
            "1100/01/01",  # neither a plausible Jalali nor Gregorian year
            "03/05/12",
            "12/05/1403",
            "1403/05/12 10:00",
        ],
    )
    def test_garbage_and_impossible_dates_are_rejected(self, text):
        with pytest.raises(InvalidDate):
            parse_date(text)

    def test_error_is_a_translated_value_error(self):
        assert issubclass(InvalidDate, ValueError)
        with translation.override("en"), pytest.raises(InvalidDate) as error:
            parse_date("1403/13/01")
        assert "1403/05/12" in str(error.value)

    @pytest.mark.parametrize("day", [date(2024, 3, 20), date(2025, 3, 20), DAY, date(2026, 1, 1)])
    def test_round_trips_with_format_date(self, day):
        assert parse_date(format_date(day, "fa")) == day
        assert parse_date(format_date(day, "en")) == day


class TestParseDatetime:
    def test_jalali_date_and_time_is_aware_in_the_current_time_zone(self):
        moment = parse_datetime("۱۴۰۳/۰۵/۱۲ ۱۴:۳۰")
        assert moment == datetime(2024, 8, 2, 14, 30, tzinfo=TEHRAN)
        assert timezone.is_aware(moment)

    def test_gregorian_with_t_separator(self):
        assert parse_datetime("2024-08-02T09:05") == datetime(2024, 8, 2, 9, 5, tzinfo=TEHRAN)

    def test_without_time_is_midnight(self):
        assert parse_datetime("1403/05/12") == datetime(2024, 8, 2, 0, 0, tzinfo=TEHRAN)

    def test_single_digit_hour(self):
        assert parse_datetime("1403/05/12 9:30") == datetime(2024, 8, 2, 9, 30, tzinfo=TEHRAN)

    def test_round_trips_with_format_datetime(self):
        moment = datetime(2024, 8, 2, 14, 30, tzinfo=TEHRAN)
        assert parse_datetime(format_datetime(moment, "fa")) == moment

    @pytest.mark.parametrize(
        "text", ["1403/05/12 24:00", "1403/05/12 10:60", "1403/05/12 10", "1403/13/12 10:00", "x"]
    )
    def test_bad_time_or_date_is_rejected(self, text):
        with pytest.raises(InvalidDate):
            parse_datetime(text)
