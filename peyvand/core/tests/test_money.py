from decimal import Decimal

import pytest
from django.utils import translation

from peyvand.core.money import format_money, group_digits, rial_to_toman, toman_to_rial


class TestFormatMoney:
    def test_rial_in_persian(self):
        assert format_money(Decimal("12500000"), "IRR", "fa") == "۱۲٬۵۰۰٬۰۰۰ ریال"

    def test_rial_in_english(self):
        assert format_money(Decimal("12500000"), "IRR", "en") == "12,500,000 IRR"

    def test_toman(self):
        assert format_money(Decimal("1250000"), "IRT", "fa") == "۱٬۲۵۰٬۰۰۰ تومان"
        assert format_money(Decimal("1250000"), "IRT", "en") == "1,250,000 Toman"

    def test_rial_is_the_default_currency(self):
        assert format_money(Decimal(1000), language="en") == "1,000 IRR"

    def test_other_currencies_have_two_decimals_and_the_code(self):
        assert format_money(Decimal("1234.5"), "USD", "en") == "1,234.50 USD"
        assert format_money(Decimal("1234.5"), "eur", "fa") == "۱٬۲۳۴٫۵۰ EUR"

    def test_rial_and_toman_are_whole_numbers(self):
        assert format_money(Decimal("999.5"), "IRR", "en") == "1,000 IRR"
        assert format_money(Decimal("1234.4"), "IRT", "en") == "1,234 Toman"

    def test_int_is_accepted(self):
        assert format_money(12500000, "IRR", "en") == "12,500,000 IRR"

    def test_negative_amounts(self):
        assert format_money(Decimal(-5000), "IRR", "en") == "-5,000 IRR"

    def test_amount_rounding_to_zero_has_no_minus_sign(self):
        assert format_money(Decimal("-0.4"), "IRR", "en") == "0 IRR"

    def test_none_is_empty(self):
        assert format_money(None) == ""

    def test_follows_the_active_language(self):
        with translation.override("fa"):
            assert format_money(Decimal(1000)) == "۱٬۰۰۰ ریال"
        with translation.override("en"):
            assert format_money(Decimal(1000)) == "1,000 IRR"

    @pytest.mark.parametrize("amount", [12.5, 0.0, True])
    def test_float_and_bool_are_refused(self, amount):
        with pytest.raises(TypeError):
            format_money(amount)

    def test_string_is_refused(self):
        with pytest.raises(TypeError):
            format_money("1000")

    def test_nan_is_refused(self):
        with pytest.raises(ValueError):
            format_money(Decimal("NaN"))


class TestConversions:
    def test_rial_to_toman_is_exact(self):
        assert rial_to_toman(Decimal(12345)) == Decimal("1234.5")
        assert rial_to_toman(Decimal("12500000")) == Decimal(1250000)

    def test_toman_to_rial(self):
        assert toman_to_rial(Decimal("1234.5")) == Decimal(12345)

    def test_float_is_refused(self):
        with pytest.raises(TypeError):
            rial_to_toman(1234.5)


class TestGroupDigits:
    def test_persian_uses_arabic_separators_and_persian_digits(self):
        assert group_digits(Decimal("1234567.5"), "fa") == "۱٬۲۳۴٬۵۶۷٫۵"

    def test_english(self):
        assert group_digits(1234567, "en") == "1,234,567"

    def test_exponent_form_is_expanded(self):
        assert group_digits(Decimal("1E+3"), "en") == "1,000"
