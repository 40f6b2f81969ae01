import pytest
from django.utils import translation

from peyvand.core.national_ids import (
    InvalidNationalId,
    generate_company_national_id,
    generate_national_id,
    is_valid_company_national_id,
    is_valid_national_id,
    normalize_company_national_id,
    normalize_economic_code,
    normalize_national_id,
)


class TestNationalId:
    # Checked by hand with s = sum(d[i] * (10 - i)), r = s % 11:
    #   0499370899: s = 266, r = 2  -> check 11 - 2 = 9
    #   0684159414: s = 227, r = 7  -> check 4
    #   1234567891: s = 210, r = 1  -> check 1 (r < 2: the check digit is r itself)
    #   0000110000: s = 6 + 5 = 11, r = 0 -> check 0
    #   1000000001: s = 10, r = 10 -> check 1
    @pytest.mark.parametrize(
        "code", ["0499370899", "0684159414", "1234567891", "0000110000", "1000000001"]
    )
    def test_known_valid_codes(self, code):
        assert is_valid_national_id(code)
        assert normalize_national_id(code) == code

    @pytest.mark.parametrize("code", ["1234567890", "0499370898", "0684159415", "0000110001"])
    def test_wrong_check_digit_is_invalid(self, code):
        assert not is_valid_national_id(code)

    @pytest.mark.parametrize("digit", "0123456789")
    def test_all_same_digit_placeholders_are_invalid(self, digit):
        # 1111111111 even passes the checksum (s = 54, r = 10 -> 1); it is still a placeholder.
        assert not is_valid_national_id(digit * 10)

    @pytest.mark.parametrize(
        "typed", ["۰۴۹۹۳۷۰۸۹۹", "٠٤٩٩٣٧٠٨٩٩", "049-937089-9", " 049 937 0899 ", "\u200f0499370899"]
    )
    def test_any_digit_script_and_separators_are_accepted(self, typed):
        assert normalize_national_id(typed) == "0499370899"

    def test_dropped_leading_zeros_are_restored(self):
        assert normalize_national_id("499370899") == "0499370899"
        assert normalize_national_id("00110000") == "0000110000"

    @pytest.mark.parametrize("code", ["", "0499370", "04993708999", "049937089x", "۰۴۹۹۳۷۰۸۹۹۱"])
    def test_wrong_length_or_non_digits_are_invalid(self, code):
        assert not is_valid_national_id(code)
        with pytest.raises(InvalidNationalId):
            normalize_national_id(code)

    def test_none_is_invalid(self):
        assert not is_valid_national_id(None)

    def test_error_is_a_translated_value_error(self):
        assert issubclass(InvalidNationalId, ValueError)
        with translation.override("en"), pytest.raises(InvalidNationalId) as error:
            normalize_national_id("1234567890")
        assert str(error.value) == "Enter a valid 10-digit national ID."


class TestGenerateNationalId:
    def test_appends_the_check_digit(self):
        assert generate_national_id("049937089") == "0499370899"
        assert generate_national_id("123456789") == "1234567891"

    def test_generated_codes_are_valid(self):
        for seed in range(100_000_000, 999_999_999, 7_654_321):
            assert is_valid_national_id(generate_national_id(str(seed)))

    def test_accepts_persian_digits(self):
        assert generate_national_id("۰۴۹۹۳۷۰۸۹") == "0499370899"

    @pytest.mark.parametrize("seed", ["12345678", "1234567890", "12345678x", ""])
    def test_seed_must_be_nine_digits(self, seed):
        with pytest.raises(ValueError):
            generate_national_id(seed)

    def test_seed_that_would_make_a_placeholder_is_refused(self):
        with pytest.raises(ValueError):
            generate_national_id("111111111")


class TestCompanyNationalId:
    # Checked by hand: d = digit[9] + 2, s = sum((digit[i] + d) * coef[i]), r = s % 11 (10 -> 0):
    #   10380284790: d = 11, s = 3432 = 11 * 312, r = 0 -> check 0
    #   10000000005: d = 2, s = 3 * 29 + 2 * 201 = 489, r = 5 -> check 5
    #   10000000010: d = 3, s = 4 * 29 + 3 * 184 + 4 * 17 = 736, r = 10 -> check 0
    @pytest.mark.parametrize("code", ["10380284790", "10000000005", "10000000010"])
    def test_known_valid_codes(self, code):
        assert is_valid_company_national_id(code)
        assert normalize_company_national_id(code) == code

    @pytest.mark.parametrize("code", ["10380284791", "10000000004", "10000000011"])
    def test_wrong_check_digit_is_invalid(self, code):
        assert not is_valid_company_national_id(code)

    def test_persian_digits_and_separators_are_accepted(self):
        assert normalize_company_national_id("۱۰۳۸-۰۲۸۴-۷۹۰") == "10380284790"

    @pytest.mark.parametrize("code", ["", "1038028479", "103802847900", "0499370899", "1" * 11])
    def test_wrong_length_and_placeholders_are_invalid(self, code):
        assert not is_valid_company_national_id(code)
        with pytest.raises(InvalidNationalId):
            normalize_company_national_id(code)

    def test_error_message_is_translated(self):
        with translation.override("en"), pytest.raises(InvalidNationalId) as error:
            normalize_company_national_id("10380284791")
        assert str(error.value) == "Enter a valid 11-digit company national ID."

    def test_generator_appends_the_check_digit(self):
        assert generate_company_national_id("1038028479") == "10380284790"
        assert generate_company_national_id("1000000001") == "10000000010"

    def test_generator_needs_ten_digits(self):
        with pytest.raises(ValueError):
            generate_company_national_id("123")


class TestEconomicCode:
    def test_twelve_digits_in_any_script_are_accepted(self):
        assert normalize_economic_code("۴۱۱۱-۱۱۱۱-۱۳۴۸") == "411111111348"
        assert normalize_economic_code("411111111348") == "411111111348"

    def test_company_national_id_and_personal_national_code_are_the_new_economic_codes(self):
        assert normalize_economic_code("10380284790") == "10380284790"
        assert normalize_economic_code("0499370899") == "0499370899"

    @pytest.mark.parametrize(
        "code", ["", "10380284791", "0499370898", "4111111113480", "41111111134x", "123456789"]
    )
    def test_other_codes_are_rejected(self, code):
        with pytest.raises(InvalidNationalId):
            normalize_economic_code(code)

    def test_error_message_is_translated(self):
        with translation.override("en"), pytest.raises(InvalidNationalId) as error:
            normalize_economic_code("123")
        assert str(error.value) == "Enter a valid economic code (10, 11 or 12 digits)."
