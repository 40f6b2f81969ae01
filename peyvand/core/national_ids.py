"""Iranian identifiers: national ID (کد ملی), company national ID (شناسه ملی), economic code."""

import re

from django.utils.translation import gettext

from peyvand.core.persian import INVISIBLE_RE, to_latin_digits

_SEPARATORS = re.compile(r"[\s\-_.\u200c]")
_COMPANY_COEFFICIENTS = (29, 27, 23, 19, 17, 29, 27, 23, 19, 17)


class InvalidNationalId(ValueError):
    pass


def _clean(code: str | int | None) -> str:
    """Latin digits with separators removed; anything else is left to fail the digit check."""
    if code is None:
        return ""
    return _SEPARATORS.sub("", INVISIBLE_RE.sub("", to_latin_digits(str(code))))


def _is_digits(value: str, length: int) -> bool:
    return len(value) == length and value.isascii() and value.isdigit()


def _national_id_check_digit(first_nine: str) -> int:
    remainder = sum(int(d) * (10 - i) for i, d in enumerate(first_nine)) % 11
    return remainder if remainder < 2 else 11 - remainder


def _company_check_digit(first_ten: str) -> int:
    offset = int(first_ten[9]) + 2
    total = sum(
        (int(d) + offset) * c for d, c in zip(first_ten, _COMPANY_COEFFICIENTS, strict=True)
    )
    remainder = total % 11
    return 0 if remainder == 10 else remainder


def _clean_national_id(code: str | int | None) -> str | None:
    value = _clean(code)
    # Spreadsheets and people drop leading zeros ("0499370899" -> "499370899").
    if 8 <= len(value) < 10:
        value = value.zfill(10)
    if not _is_digits(value, 10) or len(set(value)) == 1:
        return None
    if int(value[9]) != _national_id_check_digit(value[:9]):
        return None
    return value


def is_valid_national_id(code: str) -> bool:
    return _clean_national_id(code) is not None


def normalize_national_id(code: str) -> str:
    """The clean 10-digit national ID, or `InvalidNationalId`."""
    value = _clean_national_id(code)
    if value is None:
        raise InvalidNationalId(gettext("Enter a valid 10-digit national ID."))
    return value


def _clean_company_national_id(code: str | int | None) -> str | None:
    value = _clean(code)
    if not _is_digits(value, 11) or len(set(value)) == 1:
        return None
    if int(value[10]) != _company_check_digit(value[:10]):
        return None
    return value


def is_valid_company_national_id(code: str) -> bool:
    return _clean_company_national_id(code) is not None


def normalize_company_national_id(code: str) -> str:
    """The clean 11-digit company national ID, or `InvalidNationalId`."""
    value = _clean_company_national_id(code)
    if value is None:
        raise InvalidNationalId(gettext("Enter a valid 11-digit company national ID."))
    return value


def normalize_economic_code(code: str) -> str:
    """The clean economic code, or `InvalidNationalId`.

    Since the tax administration's switch to the new codes, a company's economic code is its
    11-digit national ID and a person's is their 10-digit national code; older 12-digit codes are
    still printed on many invoices, so they are accepted too (they have no public checksum)."""
    value = _clean(code)
    if (
        (len(value) == 10 and is_valid_national_id(value))
        or (len(value) == 11 and is_valid_company_national_id(value))
        or _is_digits(value, 12)
    ):
        return value
    raise InvalidNationalId(gettext("Enter a valid economic code (10, 11 or 12 digits)."))


def generate_national_id(seed_digits: str) -> str:
    """Append the check digit to 9 digits (for factories and demo data)."""
    seed = _clean(seed_digits)
    if not _is_digits(seed, 9):
        raise ValueError("generate_national_id needs exactly 9 digits.")
    code = seed + str(_national_id_check_digit(seed))
    if len(set(code)) == 1:
        # e.g. "111111111" -> "1111111111", which validators reject as a placeholder.
        raise ValueError(f"{seed!r} produces the placeholder code {code!r}.")
    return code


def generate_company_national_id(seed_digits: str) -> str:
    """Append the check digit to 10 digits (for factories and demo data)."""
    seed = _clean(seed_digits)
    if not _is_digits(seed, 10):
        raise ValueError("generate_company_national_id needs exactly 10 digits.")
    code = seed + str(_company_check_digit(seed))
    if len(set(code)) == 1:
        raise ValueError(f"{seed!r} produces the placeholder code {code!r}.")
    return code
