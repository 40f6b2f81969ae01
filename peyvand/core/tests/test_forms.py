from datetime import UTC, date, datetime

import pytest
from django import forms
from django.utils import translation

from peyvand.core.forms import (
    CompanyNationalIdField,
    EconomicCodeField,
    JalaliDateField,
    NationalIdField,
    PersianEmailField,
    PersianTextField,
    PhoneNumberField,
)

ZWNJ = "\u200c"


def error_codes(field: forms.Field, value: object) -> list[str]:
    with pytest.raises(forms.ValidationError) as error:
        field.clean(value)
    return [e.code for e in error.value.error_list]


class TestPhoneNumberField:
    def test_cleans_to_e164(self):
        assert PhoneNumberField().clean("۰۹۱۲ ۱۲۶ ۹۳۸۲") == "+989121269382"

    def test_invalid_number_has_code_invalid_phone(self):
        assert error_codes(PhoneNumberField(), "12345") == ["invalid_phone"]

    @pytest.mark.parametrize(
        ("language", "message"),
        [("en", "Enter a valid phone number."), ("fa", "شمارهٔ تلفن معتبر نیست.")],
    )
    def test_message_is_translated(self, language, message):
        with translation.override(language):
            with pytest.raises(forms.ValidationError) as error:
                PhoneNumberField().clean("12345")
            assert error.value.messages == [message]

    def test_message_can_be_overridden(self):
        field = PhoneNumberField(error_messages={"invalid_phone": "Nope"})
        with pytest.raises(forms.ValidationError) as error:
            field.clean("12345")
        assert error.value.messages == ["Nope"]

    def test_region_reads_national_numbers_of_that_country(self):
        assert PhoneNumberField(region="US").clean("650 253 0000") == "+16502530000"

    def test_empty_allowed_when_not_required(self):
        assert PhoneNumberField(required=False).clean("  ") == ""

    def test_empty_is_required_by_default(self):
        assert error_codes(PhoneNumberField(), "") == ["required"]

    def test_widget_is_a_left_to_right_phone_input(self):
        attrs = PhoneNumberField().widget.attrs
        assert attrs["inputmode"] == "tel"
        assert attrs["dir"] == "ltr"


class TestIdentifierFields:
    def test_national_id_cleans_to_ten_latin_digits(self):
        assert NationalIdField().clean("۰۴۹۹-۳۷۰۸۹۹") == "0499370899"

    def test_national_id_with_bad_checksum(self):
        assert error_codes(NationalIdField(), "1234567890") == ["invalid_national_id"]

    def test_company_national_id(self):
        assert CompanyNationalIdField().clean("۱۰۳۸۰۲۸۴۷۹۰") == "10380284790"
        codes = error_codes(CompanyNationalIdField(), "10380284791")
        assert codes == ["invalid_company_national_id"]

    def test_economic_code(self):
        assert EconomicCodeField().clean("4111 1111 1348") == "411111111348"
        assert error_codes(EconomicCodeField(), "123") == ["invalid_economic_code"]

    @pytest.mark.parametrize(
        "field_class", [NationalIdField, CompanyNationalIdField, EconomicCodeField]
    )
    def test_empty_allowed_when_not_required(self, field_class):
        assert field_class(required=False).clean("") == ""

    @pytest.mark.parametrize(
        ("language", "message"),
        [("en", "Enter a valid 10-digit national ID."), ("fa", "کد ملی ۱۰ رقمی معتبر وارد کنید.")],
    )
    def test_messages_are_translated(self, language, message):
        with translation.override(language):
            with pytest.raises(forms.ValidationError) as error:
                NationalIdField().clean("1234567890")
            assert error.value.messages == [message]

    def test_widget_is_numeric_and_left_to_right(self):
        attrs = NationalIdField().widget.attrs
        assert attrs["inputmode"] == "numeric"
        assert attrs["dir"] == "ltr"


class DateForm(forms.Form):
    day = JalaliDateField(required=False)


class TestJalaliDateField:
    @pytest.mark.parametrize("typed", ["1403/05/12", "۱۴۰۳/۵/۱۲", "2024-08-02"])
    def test_cleans_to_a_date(self, typed):
        assert JalaliDateField().clean(typed) == date(2024, 8, 2)

    def test_invalid_date_has_code_invalid_date(self):
        assert error_codes(JalaliDateField(), "1403/13/01") == ["invalid_date"]

    def test_empty_is_none_when_not_required(self):
        assert JalaliDateField(required=False).clean("") is None

    def test_empty_is_required_by_default(self):
        assert error_codes(JalaliDateField(), "") == ["required"]

    def test_date_objects_pass_through(self):
        assert JalaliDateField().clean(date(2024, 8, 2)) == date(2024, 8, 2)

    def test_aware_datetime_becomes_its_local_date(self):
        assert JalaliDateField().clean(datetime(2024, 8, 1, 21, 0, tzinfo=UTC)) == date(2024, 8, 2)

    def test_persian_edit_form_shows_jalali(self):
        with translation.override("fa"):
            html = str(DateForm(initial={"day": date(2024, 8, 2)})["day"])
        assert 'value="۱۴۰۳/۰۵/۱۲"' in html

    def test_english_edit_form_shows_iso(self):
        with translation.override("en"):
            html = str(DateForm(initial={"day": date(2024, 8, 2)})["day"])
        assert 'value="2024-08-02"' in html

    def test_placeholder_follows_the_language_at_render_time(self):
        form = DateForm()
        with translation.override("fa"):
            assert 'placeholder="۱۴۰۳/۰۱/۳۱"' in str(form["day"])
        with translation.override("en"):
            assert 'placeholder="2024-04-19"' in str(form["day"])

    def test_widget_is_numeric_and_left_to_right(self):
        html = str(DateForm()["day"])
        assert 'inputmode="numeric"' in html
        assert 'dir="ltr"' in html

    def test_explicit_placeholder_wins(self):
        class Form(forms.Form):
            day = JalaliDateField(widget=forms.TextInput(attrs={"placeholder": "when?"}))

        assert 'placeholder="when?"' in str(Form()["day"])

    def test_rejected_input_is_shown_back_as_typed(self):
        form = DateForm(data={"day": "1403/13/01"})
        assert not form.is_valid()
        assert 'value="1403/13/01"' in str(form["day"])

    def test_unchanged_jalali_input_is_not_a_change(self):
        form = DateForm(data={"day": "۱۴۰۳/۰۵/۱۲"}, initial={"day": date(2024, 8, 2)})
        assert not form.has_changed()


class TestPersianTextField:
    def test_normalises_arabic_letters_and_spaces(self):
        assert PersianTextField().clean("  علي   كريمي ") == "علی کریمی"

    def test_keeps_meaningful_zwnj(self):
        assert PersianTextField().clean(f"می{ZWNJ}{ZWNJ}خواهم") == f"می{ZWNJ}خواهم"

    def test_max_length_applies_to_the_normalised_text(self):
        assert PersianTextField(max_length=7).clean("علی      رضا\u200f") == "علی رضا"

    def test_invisible_only_input_counts_as_empty(self):
        assert error_codes(PersianTextField(), "\u200f\u200b ") == ["required"]
        assert PersianTextField(required=False).clean("\u200f") == ""

    def test_textarea_keeps_line_breaks(self):
        field = PersianTextField(widget=forms.Textarea)
        assert field.clean("خط   اول\r\nخط دوم") == "خط اول\nخط دوم"

    def test_single_line_input_collapses_line_breaks(self):
        assert PersianTextField().clean("خط اول\nخط دوم") == "خط اول خط دوم"


class TestPersianEmailField:
    def test_strips_and_lower_cases(self):
        assert PersianEmailField().clean("  Ali.Rezaei@Example.COM ") == "ali.rezaei@example.com"

    def test_converts_persian_digits(self):
        assert PersianEmailField().clean("ali۱۴۰۳@example.com") == "ali1403@example.com"

    def test_removes_invisible_direction_marks(self):
        assert PersianEmailField().clean("\u200eali@example.com\u200f") == "ali@example.com"

    def test_invalid_address_uses_django_validation(self):
        assert error_codes(PersianEmailField(), "not an email") == ["invalid"]

    def test_empty_allowed_when_not_required(self):
        assert PersianEmailField(required=False).clean("") == ""
