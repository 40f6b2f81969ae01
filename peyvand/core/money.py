"""Money: Decimal only (floats lose rials), formatted per language."""

from decimal import ROUND_HALF_UP, Decimal

from peyvand.core.persian import is_persian_language, to_persian_digits

# Rial and Toman have no minor unit in practice.
_WHOLE_CURRENCIES = {"IRR", "IRT"}
_NAMES = {
    "IRR": ("ریال", "IRR"),
    "IRT": ("تومان", "Toman"),
}
_PERSIAN_SEPARATORS = str.maketrans({",": "\u066c", ".": "\u066b"})  # Arabic thousands/decimal


def _to_decimal(amount: Decimal | int) -> Decimal:
    if isinstance(amount, bool) or not isinstance(amount, Decimal | int):
        raise TypeError(f"Money must be Decimal or int, not {type(amount).__name__}.")
    value = Decimal(amount)
    if not value.is_finite():
        raise ValueError("Money must be a finite amount.")
    return value


def group_digits(value: Decimal | int, language: str | None = None) -> str:
    """Thousands separators; Persian digits and separators (۱۲٬۵۰۰٫۵) in fa."""
    if isinstance(value, Decimal) and value.is_finite() and value.as_tuple().exponent > 0:
        value = value.quantize(Decimal(1))  # "1E+3" -> "1000"
    text = f"{value:,}"
    if is_persian_language(language):
        return to_persian_digits(text.translate(_PERSIAN_SEPARATORS))
    return text


def format_money(
    amount: Decimal | int | None, currency: str = "IRR", language: str | None = None
) -> str:
    """ "۱۲٬۵۰۰٬۰۰۰ ریال" in fa, "12,500,000 IRR" in en; None -> ""."""
    if amount is None:
        return ""
    value = _to_decimal(amount)
    code = (currency or "IRR").upper()
    places = Decimal(1) if code in _WHOLE_CURRENCIES else Decimal("0.01")
    value = value.quantize(places, rounding=ROUND_HALF_UP)
    if value.is_zero():
        value = abs(value)  # no "-0" after rounding
    fa = is_persian_language(language)
    name = _NAMES.get(code, (code, code))[0 if fa else 1]
    return f"{group_digits(value, 'fa' if fa else 'en')} {name}"


def rial_to_toman(amount: Decimal) -> Decimal:
    """Exact: 12,345 rials are 1,234.5 toman."""
    return _to_decimal(amount) / 10


def toman_to_rial(amount: Decimal) -> Decimal:
    return _to_decimal(amount) * 10
