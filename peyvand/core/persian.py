"""Persian text handling: the one place that decides how user text is stored and searched.

Storage (`normalize_text`) is conservative: it only removes what is invisible or inconsistent
between keyboards. Search (`search_key`, `search_query_tokens`) folds further so that the
spellings people actually type find each other.
"""

import re
import unicodedata
from functools import lru_cache

from django.conf import settings
from django.utils.translation import get_language

ZWNJ = "\u200c"

# Arabic keyboards (and text pasted from Arabic sources) produce these instead of Persian letters.
_ARABIC_TO_PERSIAN = str.maketrans(
    {
        "\u064a": "\u06cc",  # ARABIC YEH -> FARSI YEH
        "\u0649": "\u06cc",  # ALEF MAKSURA -> FARSI YEH
        "\u0643": "\u06a9",  # ARABIC KAF -> KEHEH
        "\u06be": "\u0647",  # HEH DOACHASHMEE (Urdu/Windows layouts) -> HEH
    }
)

# Fold Latin-invisible differences only for search; storage keeps the user's spelling.
_SEARCH_FOLD = str.maketrans(
    {
        "\u0623": "\u0627",  # ALEF WITH HAMZA ABOVE -> ALEF
        "\u0625": "\u0627",  # ALEF WITH HAMZA BELOW -> ALEF
        "\u0671": "\u0627",  # ALEF WASLA -> ALEF
        "\u0622": "\u0627",  # ALEF WITH MADDA -> ALEF ("آرش" and "ارش" are typed for each other)
        "\u0626": "\u06cc",  # YEH WITH HAMZA -> YEH ("پائیز" / "پاییز")
        "\u0624": "\u0648",  # WAW WITH HAMZA -> WAW
        "\u06c0": "\u0647",  # HEH WITH YEH ABOVE -> HEH ("خانۀ" finds "خانه")
        "\u0629": "\u0647",  # TEH MARBUTA -> HEH
        "\u0654": None,  # HAMZA ABOVE left after heh ("خانهٔ")
    }
)

_PERSIAN_DIGITS = "\u06f0\u06f1\u06f2\u06f3\u06f4\u06f5\u06f6\u06f7\u06f8\u06f9"
_ARABIC_DIGITS = "\u0660\u0661\u0662\u0663\u0664\u0665\u0666\u0667\u0668\u0669"
_TO_LATIN = str.maketrans(_PERSIAN_DIGITS + _ARABIC_DIGITS, "0123456789" * 2)
_TO_PERSIAN = str.maketrans("0123456789" + _ARABIC_DIGITS, _PERSIAN_DIGITS * 2)

# Arabic presentation forms (from PDFs and old software) are compatibility variants of letters.
_PRESENTATION_FORMS = re.compile("[\ufb50-\ufdff\ufe70-\ufefe]+")
# Invisible characters that can disguise content (bidi overrides, zero-width space, BOM...).
INVISIBLE_RE = re.compile("[\u00ad\u061c\u200b\u200e\u200f\u202a-\u202e\u2060\u2066-\u2069\ufeff]")
# Harakat and other marks; U+0654 (hamza above, the ezafe in "خانهٔ") is orthographic, keep it.
_DIACRITICS = re.compile("[\u064b-\u0653\u0655-\u065f\u0670\u0640]")
_ZWNJ_RUN = re.compile(ZWNJ + "{2,}")
# A ZWNJ only means something between two letters.
_STRAY_ZWNJ = re.compile(rf"(?<![\w\u0654]){ZWNJ}|{ZWNJ}(?!\w)")
_WHITESPACE = re.compile(r"\s+")
_HORIZONTAL_SPACE = re.compile(r"[^\S\n]+")
_BLANK_LINES = re.compile(r"\n{3,}")
# Kept in search tokens because they are part of e-mails, phones and usernames.
_SEARCH_KEEP = frozenset("@.+_-")


def normalize_text(value: str | None, *, multiline: bool = False) -> str:
    """Canonical form of user text for storage.

    With ``multiline=True`` (notes, descriptions) line breaks survive; at most one blank line
    is kept between paragraphs.
    """
    if not value:
        return ""
    text = unicodedata.normalize("NFC", str(value))
    text = _PRESENTATION_FORMS.sub(lambda m: unicodedata.normalize("NFKC", m.group()), text)
    text = text.translate(_ARABIC_TO_PERSIAN)
    text = INVISIBLE_RE.sub("", text)
    text = _DIACRITICS.sub("", text)
    text = _ZWNJ_RUN.sub(ZWNJ, text)
    text = _STRAY_ZWNJ.sub("", text)
    if not multiline:
        return _WHITESPACE.sub(" ", text).strip()
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    lines = [_HORIZONTAL_SPACE.sub(" ", line).strip() for line in text.split("\n")]
    return _BLANK_LINES.sub("\n\n", "\n".join(lines)).strip()


def to_latin_digits(value: str) -> str:
    """Persian (۰-۹) and Arabic-Indic (٠-٩) digits to ASCII 0-9."""
    return str(value).translate(_TO_LATIN)


def to_persian_digits(value: str) -> str:
    """ASCII and Arabic-Indic digits to Persian (۰-۹)."""
    return str(value).translate(_TO_PERSIAN)


def is_persian_language(language: str | None = None) -> bool:
    """Whether ``language`` (default: the active language) is Persian ("fa", "fa-ir")."""
    code = language or get_language() or settings.LANGUAGE_CODE
    return code.lower().replace("_", "-").split("-")[0] == "fa"


def _separates_words(ch: str) -> bool:
    return unicodedata.category(ch)[0] in "PS" and ch not in _SEARCH_KEEP


# Punctuation and symbols separate words (ZWNJ is a format character and stays): one table for
# the Basic Multilingual Plane, where text is; a regex pass for the rare characters above it.
_SEPARATORS_TO_SPACE = {cp: " " for cp in range(0x10000) if _separates_words(chr(cp))}
_ASTRAL = re.compile("[\U00010000-\U0010ffff]")


def _astral_separator(match: re.Match) -> str:
    return " " if _separates_words(match.group()) else match.group()


def _search_words(value: str | None) -> list[str]:
    text = normalize_text(value).translate(_SEARCH_FOLD)
    text = to_latin_digits(text.casefold()).translate(_SEPARATORS_TO_SPACE)
    text = _ASTRAL.sub(_astral_separator, text)
    words = []
    for raw in text.split():
        # Sentence dots and dashes at word edges never belong to an e-mail or phone.
        word = raw.strip(".-").strip(ZWNJ)
        if any(ch.isalnum() for ch in word):
            words.append(word)
    return words


# Written joined, with ZWNJ or with a space: "می‌خواهم", "میخواهم", "می خواهم".
_DETACHED_PREFIXES = frozenset({"\u0645\u06cc", "\u0646\u0645\u06cc"})  # می، نمی
_DETACHED_SUFFIXES = frozenset(
    {"\u0647\u0627", "\u0647\u0627\u06cc", "\u0647\u0627\u06cc\u06cc"}
)  # ها، های، هایی


def _joined_affixes(words: list[str]) -> list[tuple[int, str]]:
    """(index, joined word) for each word glued to the next by a detached prefix or suffix."""
    joined = []
    for index in range(len(words) - 1):
        first, second = words[index], words[index + 1]
        if first in _DETACHED_PREFIXES or second in _DETACHED_SUFFIXES:
            joined.append((index, first + second))
    return joined


# Pure and called for every name, city and company of every record indexed: imports and index
# rebuilds repeat the same few thousand words millions of times.
@lru_cache(maxsize=65536)
def search_key(value: str | None) -> str:
    """Space-separated unique tokens to store in a search index.

    A word written with ZWNJ is indexed both joined and split ("می‌خواهم" ->
    "میخواهم می خواهم") so any spelling of the query finds it.
    """
    tokens: dict[str, None] = {}
    words = _search_words(value)
    for word in words:
        if ZWNJ in word:
            tokens[word.replace(ZWNJ, "")] = None
            tokens.update(dict.fromkeys(part for part in word.split(ZWNJ) if part))
        else:
            tokens[word] = None
    tokens.update(dict.fromkeys(word for _, word in _joined_affixes(words)))
    return " ".join(tokens)


def search_query_tokens(value: str | None) -> list[str]:
    """Tokens of a search query; ZWNJ words and detached "می"/"ها" are joined (the index holds
    the joined form of each)."""
    words = [word.replace(ZWNJ, "") for word in _search_words(value)]
    for index, word in reversed(_joined_affixes(words)):
        if index + 1 < len(words) and words[index] + words[index + 1] == word:
            words[index : index + 2] = [word]
    return list(dict.fromkeys(words))
