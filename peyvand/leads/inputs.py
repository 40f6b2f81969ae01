"""What a capture channel hands to `services.capture_lead`: validated, normalised lead details.

Every channel (web form, API, phone, e-mail, event list) builds a `LeadInput` with
`LeadInput.from_data`, so all of them accept and reject the same things."""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, fields
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from peyvand.core.forms import PersianEmailField, PersianTextField, PhoneNumberField
from peyvand.core.persian import normalize_text, to_latin_digits

# Text of Persian letters: a lead writing in Persian is routed to Persian speakers.
_PERSIAN_LETTERS = re.compile("[\u0600-\u06ff]")
MESSAGE_MAX = 5000


class LeadDataForm(forms.Form):
    """Validation shared by every channel; field names are the public names of lead fields."""

    name = PersianTextField(label=_("Full name"), max_length=200, required=False)
    first_name = PersianTextField(label=_("First name"), max_length=100, required=False)
    last_name = PersianTextField(label=_("Last name"), max_length=100, required=False)
    company = PersianTextField(label=_("Company"), max_length=200, required=False)
    job_title = PersianTextField(label=_("Job title"), max_length=120, required=False)
    company_size = forms.IntegerField(
        label=_("Company size (employees)"), min_value=0, max_value=10_000_000, required=False
    )
    phone = PhoneNumberField(label=_("Phone"), required=False)
    email = PersianEmailField(label=_("Email"), required=False)
    province = PersianTextField(label=_("Province"), max_length=60, required=False)
    city = PersianTextField(label=_("City"), max_length=60, required=False)
    language = forms.CharField(label=_("Language"), max_length=5, required=False)
    product = PersianTextField(label=_("Product or interest"), max_length=120, required=False)
    message = PersianTextField(
        label=_("Message"), max_length=MESSAGE_MAX, required=False, widget=forms.Textarea
    )
    consent = forms.BooleanField(label=_("Consent"), required=False)

    def __init__(self, *args: Any, required: tuple[str, ...] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in required:
            if name in self.fields:
                self.fields[name].required = True

    def clean_company_size(self) -> int | None:
        return self.cleaned_data.get("company_size")

    def clean_language(self) -> str:
        value = (self.cleaned_data.get("language") or "").strip().lower()[:5]
        return value if re.fullmatch(r"[a-z]{2}(-[a-z]{2})?", value) else ""

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if not self.errors and not data.get("phone") and not data.get("email"):
            raise ValidationError(
                _("Give a phone number or an email address, so we can get back to you."),
                code="no_contact_point",
            )
        return data


def _split_name(full: str) -> tuple[str, str]:
    """ "محمد علی رضایی" -> ("محمد علی", "رضایی"): the last word is the family name."""
    parts = full.split(" ")
    if len(parts) == 1:
        return "", parts[0]
    return " ".join(parts[:-1]), parts[-1]


@dataclass
class LeadInput:
    first_name: str = ""
    last_name: str = ""
    company: str = ""
    job_title: str = ""
    company_size: int | None = None
    phone: str = ""
    email: str = ""
    province: str = ""
    city: str = ""
    language: str = ""
    product: str = ""
    message: str = ""
    consent: bool = False

    @classmethod
    def from_data(cls, data: dict[str, Any], *, required: tuple[str, ...] = ()) -> LeadInput:
        """Validate raw values (strings from a form, CSV row, JSON) into a LeadInput.

        Raises ValidationError with per-field messages; a number like "۱۲۰" is read as 120."""
        raw = {key: value for key, value in data.items() if value is not None}
        if isinstance(raw.get("company_size"), str):
            raw["company_size"] = to_latin_digits(raw["company_size"]).strip()
        form = LeadDataForm(raw, required=required)
        if not form.is_valid():
            raise ValidationError({field: list(errors) for field, errors in form.errors.items()})
        return cls.from_clean(form.cleaned_data)

    @classmethod
    def from_clean(cls, cleaned: dict[str, Any]) -> LeadInput:
        first, last = cleaned.get("first_name") or "", cleaned.get("last_name") or ""
        if not (first or last) and cleaned.get("name"):
            first, last = _split_name(cleaned["name"])
        message = cleaned.get("message") or ""
        return cls(
            first_name=first,
            last_name=last,
            company=cleaned.get("company") or "",
            job_title=cleaned.get("job_title") or "",
            company_size=cleaned.get("company_size"),
            phone=cleaned.get("phone") or "",
            email=cleaned.get("email") or "",
            province=cleaned.get("province") or "",
            city=cleaned.get("city") or "",
            language=cleaned.get("language") or detect_language(first, last, message),
            product=cleaned.get("product") or "",
            message=message,
            consent=bool(cleaned.get("consent")),
        )

    def normalized(self) -> LeadInput:
        """The same values in storage form (idempotent; for inputs built by hand in code)."""
        values = asdict(self)
        for f in fields(self):
            if isinstance(values[f.name], str) and f.name not in ("phone", "email", "language"):
                values[f.name] = normalize_text(values[f.name], multiline=f.name == "message")
        if self.phone:
            from peyvand.core.phones import normalize_phone

            values["phone"] = normalize_phone(self.phone)
        values["email"] = to_latin_digits(self.email).strip().lower()
        return LeadInput(**values)

    @property
    def full_name(self) -> str:
        return " ".join(part for part in (self.first_name, self.last_name) if part)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def detect_language(*texts: str) -> str:
    joined = " ".join(t for t in texts if t)
    if not joined:
        return ""
    return "fa" if _PERSIAN_LETTERS.search(joined) else "en"
