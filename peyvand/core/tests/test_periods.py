from datetime import date

import pytest

from peyvand.core.periods import (
    GREGORIAN,
    JALALI,
    MONTH,
    QUARTER,
    YEAR,
    InvalidPeriod,
    Period,
    calendar_for_language,
)


class TestJalaliBoundaries:
    def test_mehr_1404_is_23_september_to_22_october_2025(self):
        mehr = Period.parse("1404-07")
        assert (mehr.start, mehr.end) == (date(2025, 9, 23), date(2025, 10, 22))
        assert mehr.days == 30 and mehr.calendar == JALALI and mehr.kind == MONTH

    def test_first_six_months_have_31_days(self):
        assert [Period.of(JALALI, MONTH, 1404, m).days for m in range(1, 13)] == [31] * 6 + [
            30
        ] * 5 + [29]

    def test_esfand_has_30_days_in_a_leap_year(self):
        # 1403 is a leap year: 30 Esfand 1403 is 20 March 2025, Nowruz 1404 is the 21st.
        esfand = Period.parse("1403-12")
        assert (esfand.start, esfand.end, esfand.days) == (
            date(2025, 2, 19),
            date(2025, 3, 20),
            30,
        )
        assert esfand.next() == Period.parse("1404-01")
        assert esfand.next().start == date(2025, 3, 21)

    def test_esfand_has_29_days_in_a_common_year(self):
        esfand = Period.parse("1404-12")
        assert (esfand.start, esfand.end, esfand.days) == (date(2026, 2, 20), date(2026, 3, 20), 29)

    def test_quarters_are_three_jalali_months(self):
        q3 = Period.parse("1404-Q3")
        assert (q3.start, q3.end) == (date(2025, 9, 23), date(2025, 12, 21))
        assert [m.code for m in q3.months()] == ["1404-07", "1404-08", "1404-09"]
        q4 = Period.parse("1403-Q4")
        assert q4.end == date(2025, 3, 20)  # ends on 30 Esfand of the leap year
        assert q4.days == 30 + 30 + 30

    def test_a_jalali_year_runs_nowruz_to_nowruz(self):
        year = Period.parse("1403")
        assert (year.start, year.end, year.days) == (date(2024, 3, 20), date(2025, 3, 20), 366)
        assert Period.parse("1404").days == 365
        assert len(year.months()) == 12

    def test_containing_a_day(self):
        # 1 Farvardin 1404 is 21 March 2025.
        assert Period.containing(date(2025, 3, 21), MONTH, JALALI).code == "1404-01"
        assert Period.containing(date(2025, 3, 20), QUARTER, JALALI).code == "1403-Q4"
        assert Period.containing(date(2025, 3, 20), YEAR, JALALI).code == "1403"
        assert date(2025, 3, 20) in Period.parse("1403-12")
        assert date(2025, 3, 21) not in Period.parse("1403-12")


class TestGregorian:
    def test_gregorian_month_and_quarter(self):
        october = Period.parse("2025-10")
        assert (october.start, october.end, october.calendar) == (
            date(2025, 10, 1),
            date(2025, 10, 31),
            GREGORIAN,
        )
        q1 = Period.parse("2024-Q1")
        assert (q1.start, q1.end) == (date(2024, 1, 1), date(2024, 3, 31))
        assert Period.parse("2024-02").days == 29 and Period.parse("2025-02").days == 28

    def test_december_rolls_into_the_next_year(self):
        assert Period.parse("2025-12").next().code == "2026-01"
        assert Period.parse("2026-01").previous().code == "2025-12"
        assert Period.parse("2025-Q4").end == date(2025, 12, 31)

    def test_shift(self):
        assert Period.parse("1404-02").shift(-3).code == "1403-11"
        assert Period.parse("1404-Q4").shift(2).code == "1405-Q2"
        assert Period.parse("2025").shift(0).code == "2025"


class TestParsing:
    @pytest.mark.parametrize(
        "text, code",
        [
            ("1404-07", "1404-07"),
            ("۱۴۰۴-۰۷", "1404-07"),
            ("1404/7", "1404-07"),
            ("1404-q3", "1404-Q3"),
            ("۱۴۰۴-Q۳", "1404-Q3"),
            (" 1404 ", "1404"),
            ("2025-10", "2025-10"),
            ("2025Q4", "2025-Q4"),
        ],
    )
    def test_accepted_codes(self, text, code):
        assert Period.parse(text).code == code

    @pytest.mark.parametrize(
        "text", ["", "1404-13", "1404-00", "1404-Q5", "1404-Q0", "hello", "0999-01", "14-07", None]
    )
    def test_rejected_codes(self, text):
        with pytest.raises(InvalidPeriod):
            Period.parse(text)

    def test_round_trip_from_stored_bounds(self):
        period = Period.parse("1403-Q4")
        assert Period.from_stored(JALALI, QUARTER, period.start, period.end) == period

    def test_stored_bounds_that_are_not_one_period_are_rejected(self):
        period = Period.parse("1404-07")
        with pytest.raises(InvalidPeriod):
            Period.from_stored(JALALI, MONTH, period.start, date(2025, 10, 31))
        with pytest.raises(InvalidPeriod):
            Period.from_stored("lunar", MONTH, period.start, period.end)


class TestLabels:
    def test_persian_labels(self):
        assert Period.parse("1404-07").label("fa") == "مهر ۱۴۰۴"
        assert Period.parse("1404-Q3").label("fa") == "سه\u200cماهه سوم ۱۴۰۴"
        assert Period.parse("1404").label("fa") == "سال ۱۴۰۴"

    def test_english_labels(self):
        assert Period.parse("2025-10").label("en") == "October 2025"
        assert Period.parse("2025-Q4").label("en") == "Q4 2025"
        assert Period.parse("2025").label("en") == "2025"

    def test_language_chooses_the_calendar(self):
        assert calendar_for_language("fa") == JALALI
        assert calendar_for_language("en") == GREGORIAN
        today = date(2025, 10, 5)
        assert Period.current(MONTH, language="fa", today=today).code == "1404-07"
        assert Period.current(QUARTER, language="en", today=today).code == "2025-Q4"


def test_elapsed_fraction():
    month = Period.parse("2025-10")
    assert month.elapsed_fraction(date(2025, 9, 1)) == 0.0
    assert month.elapsed_fraction(date(2025, 10, 31)) == 1.0
    assert month.elapsed_fraction(date(2025, 10, 1)) == pytest.approx(1 / 31)
