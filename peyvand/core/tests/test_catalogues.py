"""Every Persian catalogue is complete and compiled: no empty or fuzzy entry in any .po under
peyvand/, and each .mo holds exactly what its .po says (so `make messages` was run to the end).

The .po files are read directly with a small parser (multi-line strings, contexts, plural forms)."""

import ast
import gettext
import re
from dataclasses import dataclass, field
from pathlib import Path

import pytest

PEYVAND = Path(__file__).resolve().parents[2]
CATALOGUES = sorted(PEYVAND.glob("**/locale/*/LC_MESSAGES/*.po"))
KEYWORD = re.compile(r"^(msgctxt|msgid_plural|msgid|msgstr(?:\[(\d+)\])?)\s+(\".*\")$")


@dataclass
class Entry:
    line: int
    flags: list[str] = field(default_factory=list)
    msgctxt: str | None = None
    msgid: str | None = None
    msgid_plural: str | None = None
    msgstr: dict[int, str] = field(default_factory=dict)

    def __str__(self) -> str:
        context = f"[{self.msgctxt}] " if self.msgctxt is not None else ""
        return f"line {self.line}: {context}{self.msgid!r}"


def parse(path: Path) -> list[Entry]:
    entries: list[Entry] = []
    current: Entry | None = None
    target: tuple[str, int | None] | None = None  # the field continuation lines extend

    def start(number: int) -> Entry:
        entry = Entry(line=number)
        entries.append(entry)
        return entry

    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#~"):  # blank, or an obsolete entry
            target = None
            if not line:
                current = None
            continue
        if line.startswith("#"):
            if current is None or current.msgid is not None:
                current = start(number)
            if line.startswith("#,"):
                current.flags += [f.strip() for f in line[2:].split(",") if f.strip()]
            continue
        match = KEYWORD.match(line)
        if match:
            keyword, index, value = match.group(1), match.group(2), ast.literal_eval(match.group(3))
            if current is None or (keyword in ("msgctxt", "msgid") and current.msgid is not None):
                current = start(number)
            if keyword.startswith("msgstr"):
                slot = int(index) if index is not None else 0
                current.msgstr[slot] = value
                target = ("msgstr", slot)
            else:
                setattr(current, keyword, value)
                target = (keyword, None)
            continue
        assert line.startswith('"') and current and target, f"{path}:{number}: {raw!r}"
        value = ast.literal_eval(line)
        name, slot = target
        if name == "msgstr":
            current.msgstr[slot] += value
        else:
            setattr(current, name, getattr(current, name) + value)
    return [e for e in entries if e.msgid is not None]


def _name(path: Path) -> str:
    return str(path.relative_to(PEYVAND.parent))


def test_the_catalogues_are_found():
    assert len(CATALOGUES) > 10
    assert PEYVAND / "locale/fa/LC_MESSAGES/django.po" in CATALOGUES


def test_the_parser_reads_contexts_plurals_and_multiline_strings(tmp_path):
    po = tmp_path / "django.po"
    po.write_text(
        'msgid ""\nmsgstr ""\n"Language: fa\\n"\n\n'
        '#, python-format\nmsgctxt "ctx"\nmsgid ""\n"two "\n"lines"\nmsgstr ""\n"دو "\n"خط"\n\n'
        'msgid "%(n)s day"\nmsgid_plural "%(n)s days"\nmsgstr[0] "%(n)s روز"\nmsgstr[1] ""\n\n'
        '#, fuzzy\nmsgid "Old"\nmsgstr "کهنه"\n\n#~ msgid "Gone"\n#~ msgstr "رفته"\n',
        encoding="utf-8",
    )
    header, multi, plural, fuzzy = parse(po)
    assert header.msgstr == {0: "Language: fa\n"}
    assert (multi.msgctxt, multi.msgid, multi.msgstr) == ("ctx", "two lines", {0: "دو خط"})
    assert multi.flags == ["python-format"]
    assert plural.msgid_plural == "%(n)s days"
    assert plural.msgstr == {0: "%(n)s روز", 1: ""}
    assert fuzzy.flags == ["fuzzy"]


@pytest.mark.parametrize("path", CATALOGUES, ids=_name)
def test_no_empty_or_fuzzy_entry(path):
    entries = parse(path)
    assert entries and entries[0].msgid == "", "the catalogue has no header"
    empty = [str(e) for e in entries[1:] if any(s == "" for s in e.msgstr.values())]
    fuzzy = [str(e) for e in entries if "fuzzy" in e.flags]
    assert not empty, f"{_name(path)}: untranslated entries: {empty}"
    assert not fuzzy, f"{_name(path)}: fuzzy entries: {fuzzy}"


@pytest.mark.parametrize("path", CATALOGUES, ids=_name)
def test_the_compiled_catalogue_matches_the_po(path):
    mo = path.with_suffix(".mo")
    assert mo.exists(), f"{_name(mo)} is missing: run `make compilemessages`"
    with mo.open("rb") as handle:
        compiled = gettext.GNUTranslations(handle)._catalog
    stale = []
    for entry in parse(path)[1:]:
        if "fuzzy" in entry.flags:
            continue
        key = entry.msgid if entry.msgctxt is None else f"{entry.msgctxt}\x04{entry.msgid}"
        if entry.msgid_plural is None:
            found = {0: compiled.get(key)}
        else:
            found = {n: compiled.get((key, n)) for n in entry.msgstr}
        if found != entry.msgstr:
            stale.append(str(entry))
    assert not stale, f"{_name(mo)} is out of date (run `make compilemessages`): {stale[:10]}"


def test_words_with_two_meanings_are_told_apart_by_context():
    """All catalogues share one gettext domain: an English word that means two things
    ("order": a sales order or a sort position; "Home": the start page or a home phone) needs a
    context, or whichever app's catalogue wins shows its meaning everywhere."""
    from django.utils import translation
    from django.utils.translation import pgettext

    from peyvand.commerce.models import Order
    from peyvand.sales.models import Pipeline, Quote

    with translation.override("fa"):
        assert str(Order._meta.verbose_name) == "سفارش"
        assert str(Quote._meta.get_field("order").verbose_name) == "سفارش"
        assert str(Pipeline._meta.get_field("order").verbose_name) == "ترتیب"
        assert pgettext("main menu", "Home") == "خانه"
        assert pgettext("export", "What") == "موضوع خروجی"
