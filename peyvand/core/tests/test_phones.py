import random

import phonenumbers
import pytest
from django.utils import translation

from peyvand.core.phones import (
    InvalidPhoneNumber,
    format_phone,
    normalize_phone,
    phone_kind,
    phone_search_digits,
    phone_search_variants,
)

MOBILE = "+989121269382"


def _parsed(text: str, region: str) -> str | None:
    """What phonenumbers itself makes of `text`: E.164 if valid, else None."""
    try:
        number = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


class TestNormalizePhone:
    @pytest.mark.parametrize(
        "raw",
        [
            "09121269382",
            "۰۹۱۲ ۱۲۶ ۹۳۸۲",
            "٠٩١٢١٢٦٩٣٨٢",
            "+98 912 126 9382",
            "0098 912 126 9382",
            "9121269382",
            "989121269382",
            "0912-126-9382",
            "  (0912) 126 9382  ",
            "\u200e+98 912 126 9382\u200f",
        ],
    )
    def test_iranian_mobile_in_any_typing_becomes_e164(self, raw):
        assert normalize_phone(raw) == MOBILE

    @pytest.mark.parametrize("raw", ["(021) 8888-1234", "021-88881234", "۰۲۱ ۸۸۸۸ ۱۲۳۴"])
    def test_tehran_landline_becomes_e164(self, raw):
        assert normalize_phone(raw) == "+982188881234"

    def test_foreign_number_with_country_code(self):
        assert normalize_phone("+1 650 253 0000") == "+16502530000"
        assert normalize_phone("001 650 253 0000") == "+16502530000"

    def test_region_argument_reads_national_numbers_of_that_country(self):
        assert normalize_phone("(650) 253-0000", region="US") == "+16502530000"
        assert normalize_phone("650 253 0000", region="us") == "+16502530000"

    def test_default_region_comes_from_settings(self, settings):
        settings.PHONE_DEFAULT_REGION = "US"
        assert normalize_phone("650 253 0000") == "+16502530000"

    @pytest.mark.parametrize(
        "raw",
        [
            "",
            "   ",
            "abc",
            "123",
            "0912",
            "0912 126 938",  # one digit short
            "0912 126 93822",  # one digit long
            "+98 000 000 0000",
            "0912 126 9382 ext 12",
            "1-800-FLOWERS",
            "+",
        ],
    )
    def test_invalid_numbers_are_rejected(self, raw):
        with pytest.raises(InvalidPhoneNumber):
            normalize_phone(raw)

    def test_none_is_rejected(self):
        with pytest.raises(InvalidPhoneNumber):
            normalize_phone(None)

    def test_invalid_phone_number_is_a_value_error(self):
        assert issubclass(InvalidPhoneNumber, ValueError)

    def test_error_message_is_translated(self):
        with translation.override("en"), pytest.raises(InvalidPhoneNumber) as error:
            normalize_phone("123")
        assert str(error.value) == "Enter a valid phone number."


class TestSearch:
    @pytest.mark.parametrize(
        ("typed", "digits"),
        [("۹۳۸۲", "9382"), ("0912 126", "0912126"), ("+98 (912)", "98912"), ("", ""), (None, "")],
    )
    def test_search_digits_keep_only_latin_digits(self, typed, digits):
        assert phone_search_digits(typed) == digits

    def test_iranian_mobile_is_findable_in_international_and_both_national_forms(self):
        assert phone_search_variants(MOBILE) == ["989121269382", "09121269382", "9121269382"]

    def test_landline_variants_include_the_area_code_with_trunk_zero(self):
        assert phone_search_variants("+982188881234") == [
            "982188881234",
            "02188881234",
            "2188881234",
        ]

    @pytest.mark.parametrize(
        "e164",
        ["+989121269382", "+989351234567", "+982188881234", "+985138001234", "+989901234567"],
    )
    def test_iranian_shortcut_gives_what_phonenumbers_gives(self, e164):
        import phonenumbers

        number = phonenumbers.parse(e164, None)
        national = phonenumbers.national_significant_number(number)
        with_trunk = phone_search_digits(
            phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)
        )
        assert phone_search_variants(e164) == [f"98{national}", with_trunk, national]

    def test_country_without_trunk_prefix_has_no_duplicate_variant(self):
        assert phone_search_variants("+16502530000") == ["16502530000", "6502530000"]

    def test_every_way_of_typing_a_suffix_matches_a_variant(self):
        variants = phone_search_variants(MOBILE)
        for typed in ["۹۳۸۲", "0912126", "98912126", "912 126 9382"]:
            assert any(phone_search_digits(typed) in v for v in variants)

    def test_unparseable_stored_value_is_still_findable_by_its_digits(self):
        assert phone_search_variants("12-34") == ["1234"]
        assert phone_search_variants("") == []


class TestFormatPhone:
    def test_iranian_mobile_in_national_format_with_persian_digits(self):
        assert format_phone(MOBILE) == "۰۹۱۲ ۱۲۶ ۹۳۸۲"

    def test_iranian_mobile_in_english(self):
        assert format_phone(MOBILE, "en") == "0912 126 9382"

    def test_tehran_landline(self):
        assert format_phone("+982188881234", "en") == "021 8888 1234"

    def test_foreign_number_in_international_format(self):
        assert format_phone("+16502530000", "en") == "+1 650-253-0000"
        assert format_phone("+16502530000", "fa") == "+۱ ۶۵۰-۲۵۳-۰۰۰۰"

    def test_unparseable_value_is_shown_as_is(self):
        assert format_phone("call reception", "en") == "call reception"
        assert format_phone("", "fa") == ""


class TestPhoneKind:
    def test_mobile(self):
        assert phone_kind(MOBILE) == "mobile"

    def test_landline(self):
        assert phone_kind("+982188881234") == "landline"

    def test_number_that_may_be_either_is_other(self):
        # North American numbers do not tell mobile from fixed line.
        assert phone_kind("+16502530000") == "other"

    def test_garbage_is_other(self):
        assert phone_kind("not a phone") == "other"


class TestIranianShortcut:
    """normalize_phone builds "0"/"+98" + ten digits without parsing; it must agree with
    phonenumbers' own parse on every such number, valid or not."""

    def test_agrees_with_phonenumbers_on_every_prefix(self):
        rng = random.Random(98)
        for prefix in range(1000, 10000):  # the first four digits of the national number
            national = f"{prefix}{rng.randint(0, 999999):06d}"
            for text, region in (
                (f"0{national}", "IR"),
                (f"+98{national}", "IR"),
                (f"+98{national}", "DE"),
            ):
                try:
                    ours = normalize_phone(text, region)
                except InvalidPhoneNumber:
                    ours = None
                assert ours == _parsed(text, region), text

    def test_a_leading_zero_outside_iran_is_left_to_phonenumbers(self):
        assert normalize_phone("030 1234567", "DE") == _parsed("0301234567", "DE")
