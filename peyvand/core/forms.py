"""Form fields shared by every form, API schema and importer, so all validate the same way."""

from datetime import date, datetime
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from peyvand.core.dates import InvalidDate, format_date, parse_date
from peyvand.core.national_ids import (
    InvalidNationalId,
    normalize_company_national_id,
    normalize_economic_code,
    normalize_national_id,
)
from peyvand.core.persian import INVISIBLE_RE, is_persian_language, normalize_text, to_latin_digits
from peyvand.core.phones import InvalidPhoneNumber, normalize_phone

# Digit-only inputs stay left-to-right inside RTL pages and open the numeric keypad on phones.
_NUMERIC_ATTRS = {"inputmode": "numeric", "dir": "ltr"}


class PhoneNumberField(forms.CharField):
    """Cleans to E.164 ("+989121269382")."""

    default_error_messages = {"invalid_phone": _("Enter a valid phone number.")}

    def __init__(self, *, region: str | None = None, **kwargs: Any) -> None:
        self.region = region
        super().__init__(**kwargs)

    def widget_attrs(self, widget: forms.Widget) -> dict[str, Any]:
        return {**super().widget_attrs(widget), "inputmode": "tel", "dir": "ltr"}

    def to_python(self, value: Any) -> str:
        value = super().to_python(value)
        if value in self.empty_values:
            return value
        try:
            return normalize_phone(value, self.region)
        except InvalidPhoneNumber as exc:
            raise forms.ValidationError(
                self.error_messages["invalid_phone"], code="invalid_phone"
            ) from exc


class _IdentifierField(forms.CharField):
    normalize = staticmethod(normalize_national_id)
    error_code = "invalid_national_id"

    def widget_attrs(self, widget: forms.Widget) -> dict[str, Any]:
        return {**super().widget_attrs(widget), **_NUMERIC_ATTRS}

    def to_python(self, value: Any) -> str:
        value = super().to_python(value)
        if value in self.empty_values:
            return value
        try:
            return self.normalize(value)
        except InvalidNationalId as exc:
            raise forms.ValidationError(
                self.error_messages[self.error_code], code=self.error_code
            ) from exc


class NationalIdField(_IdentifierField):
    """کد ملی: cleans to 10 Latin digits."""

    default_error_messages = {"invalid_national_id": _("Enter a valid 10-digit national ID.")}


class CompanyNationalIdField(_IdentifierField):
    """شناسه ملی اشخاص حقوقی: cleans to 11 Latin digits."""

    normalize = staticmethod(normalize_company_national_id)
    error_code = "invalid_company_national_id"
    default_error_messages = {
        "invalid_company_national_id": _("Enter a valid 11-digit company national ID.")
    }


class EconomicCodeField(_IdentifierField):
    """کد اقتصادی: cleans to 12 Latin digits."""

    normalize = staticmethod(normalize_economic_code)
    error_code = "invalid_economic_code"
    default_error_messages = {"invalid_economic_code": _("Enter a valid 12-digit economic code.")}


def _date_placeholder() -> str:
    return "۱۴۰۳/۰۱/۳۱" if is_persian_language() else "2024-04-19"


class JalaliDateInput(forms.TextInput):
    """Shows dates in the active language's calendar; the placeholder follows the language."""

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__({**_NUMERIC_ATTRS, "autocomplete": "off", **(attrs or {})})

    def format_value(self, value: Any) -> str | None:
        if isinstance(value, date):
            return format_date(value)
        return super().format_value(value)

    def get_context(self, name: str, value: Any, attrs: dict[str, Any] | None) -> dict[str, Any]:
        context = super().get_context(name, value, attrs)
        # Decided per render: the same form instance class serves both languages.
        context["widget"]["attrs"].setdefault("placeholder", _date_placeholder())
        return context


class JalaliDateField(forms.CharField):
    """Accepts Jalali or Gregorian input in any digit script; cleans to `datetime.date`."""

    widget = JalaliDateInput
    default_error_messages = {
        "invalid_date": _("Enter a valid date, such as 1403/05/12 (Solar Hijri) or 2024-08-02.")
    }

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("empty_value", None)
        super().__init__(**kwargs)

    def prepare_value(self, value: Any) -> Any:
        if isinstance(value, date):
            return format_date(value)
        return value

    def to_python(self, value: Any) -> date | None:
        if isinstance(value, datetime):
            return (timezone.localtime(value) if timezone.is_aware(value) else value).date()
        if isinstance(value, date):
            return value
        value = super().to_python(value)
        if value in self.empty_values:
            return self.empty_value
        try:
            return parse_date(value)
        except InvalidDate as exc:
            raise forms.ValidationError(
                self.error_messages["invalid_date"], code="invalid_date"
            ) from exc


class PersianTextField(forms.CharField):
    """Stores text via `normalize_text`; line breaks survive when the widget is a Textarea."""

    def __init__(self, *, multiline: bool | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.multiline = isinstance(self.widget, forms.Textarea) if multiline is None else multiline

    def to_python(self, value: Any) -> str:
        value = super().to_python(value)
        if value in self.empty_values:
            return value
        value = normalize_text(value, multiline=self.multiline)
        return value if value else self.empty_value


class PersianEmailField(forms.EmailField):
    """Lower-cases and converts Persian digits before Django's e-mail validation."""

    def to_python(self, value: Any) -> str:
        value = super().to_python(value)
        if value in self.empty_values:
            return value
        return to_latin_digits(INVISIBLE_RE.sub("", value)).strip().lower()
