"""Phone numbers: stored as E.164, searched by digits, shown in the local convention."""

import re

import phonenumbers
from django.conf import settings
from django.utils.translation import gettext

from peyvand.core.persian import (
    INVISIBLE_RE,
    is_persian_language,
    to_latin_digits,
    to_persian_digits,
)

_SEPARATORS = re.compile(r"[\s\-().\u200c/]")
_DIALABLE = re.compile(r"\+?\d+")
_NON_DIGITS = re.compile(r"\D")


class InvalidPhoneNumber(ValueError):
    pass


def _default_region() -> str:
    return getattr(settings, "PHONE_DEFAULT_REGION", "IR") or "IR"


def _invalid() -> InvalidPhoneNumber:
    return InvalidPhoneNumber(gettext("Enter a valid phone number."))


def normalize_phone(raw: str, region: str | None = None) -> str:
    """Parse what a user typed (any digit script, spaces, 00 prefix) into E.164.

    Numbers without a country code are read in ``region`` (default
    ``settings.PHONE_DEFAULT_REGION``).
    """
    text = _SEPARATORS.sub("", INVISIBLE_RE.sub("", to_latin_digits(raw or "")))
    if text.startswith("00"):
        text = "+" + text[2:]
    # Letters (vanity numbers, "ext.") are rejected rather than guessed at.
    if not _DIALABLE.fullmatch(text):
        raise _invalid()
    region = (region or _default_region()).upper()
    number = _iranian(text, region)
    if number is None:
        try:
            number = phonenumbers.parse(text, region)
        except phonenumbers.NumberParseException as exc:
            raise _invalid() from exc
    if not phonenumbers.is_valid_number(number):
        raise _invalid()
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


_IRANIAN_NATIONAL = re.compile(r"(?:\+98|0)([1-9]\d{9})")


def _iranian(text: str, region: str) -> phonenumbers.PhoneNumber | None:
    """The number that `phonenumbers.parse` would read from "+98" or (region IR) "0" and ten
    digits, built directly: parsing is most of the cost of cleaning a phone in an import of a
    million rows, and almost all of them have one of these two forms. Other forms: None."""
    match = _IRANIAN_NATIONAL.fullmatch(text)
    if match is None or (text[0] == "0" and region != "IR"):
        return None
    return phonenumbers.PhoneNumber(country_code=98, national_number=int(match.group(1)))


def phone_search_digits(value: str | None) -> str:
    """Only the (Latin) digits of a query, for matching against `phone_search_variants`."""
    return _NON_DIGITS.sub("", to_latin_digits(value or ""))


def _parse_e164(e164: str) -> phonenumbers.PhoneNumber | None:
    try:
        return phonenumbers.parse(e164, None)
    except phonenumbers.NumberParseException:
        return None


def phone_search_variants(e164: str) -> list[str]:
    """Digit strings under which a stored phone must be findable.

    ["989121269382", "09121269382", "9121269382"] for +989121269382; a value that does not
    parse (legacy data) is still findable by its own digits.
    """
    if len(e164) == 13 and e164.startswith("+98") and e164[1:].isdigit():
        # Every Iranian number: a 10-digit national number, trunk prefix 0. Most stored numbers
        # are Iranian and indexing runs this per phone; parsing is the slow part of it.
        national = e164[3:]
        return [e164[1:], "0" + national, national]
    number = _parse_e164(e164)
    if number is None:
        digits = phone_search_digits(e164)
        return [digits] if digits else []
    national = phonenumbers.national_significant_number(number)
    # The national format carries the trunk prefix ("0" in Iran) where the country uses one.
    with_trunk = phone_search_digits(
        phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)
    )
    variants = [f"{number.country_code}{national}", with_trunk, national]
    return list(dict.fromkeys(v for v in variants if v))


def format_phone(e164: str, language: str | None = "fa") -> str:
    """Iranian numbers in national format ("0912 126 9382"), others international.

    Persian digits when ``language`` is "fa" (None: the active language). Unparseable values
    are shown as they are.
    """
    number = _parse_e164(e164) if e164 else None
    if number is None:
        text = e164 or ""
    elif phonenumbers.region_code_for_number(number) == "IR":
        text = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)
    else:
        text = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)
    return to_persian_digits(text) if is_persian_language(language) else text


def phone_kind(e164: str) -> str:
    """ "mobile", "landline" or "other" (VoIP, toll-free, and numbers that may be either)."""
    number = _parse_e164(e164)
    if number is None:
        return "other"
    kind = phonenumbers.number_type(number)
    if kind == phonenumbers.PhoneNumberType.MOBILE:
        return "mobile"
    if kind == phonenumbers.PhoneNumberType.FIXED_LINE:
        return "landline"
    return "other"
