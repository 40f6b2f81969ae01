"""Reading uploaded files row by row: CSV (any delimiter, UTF-8 or Windows-1256), XLSX, vCard.

Everything streams: a file of a million rows is never held in memory. A reader yields
(row number, cells) where the row number is what a spreadsheet shows (the header is row 1), so
error messages point at the line the user sees.
"""

from __future__ import annotations

import codecs
import csv
import io
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time
from decimal import Decimal
from pathlib import PurePath
from typing import IO, Any

from django.utils.translation import gettext as _

CSV, XLSX, VCARD = "csv", "xlsx", "vcf"
FORMATS = (CSV, XLSX, VCARD)
DELIMITERS = (",", ";", "\t", "|", "،")
SAMPLE_BYTES = 64 * 1024
csv.field_size_limit(1024 * 1024)

# The columns a vCard becomes (multiple phones and e-mails get numbered columns).
VCARD_HEADERS = [
    "Full name",
    "First name",
    "Last name",
    "Phone",
    "Phone 2",
    "Phone 3",
    "Email",
    "Email 2",
    "Organization",
    "Title",
    "Address",
    "City",
    "Birthday",
    "Note",
    "UID",
]


class ImportFileError(ValueError):
    """The file as a whole cannot be read (the message is translated, for the user)."""


@dataclass
class FileInfo:
    format: str
    encoding: str = ""
    delimiter: str = ""
    headers: list[str] = field(default_factory=list)


def detect_format(name: str, head: bytes) -> str:
    suffix = PurePath(name or "").suffix.lower()
    if head.startswith(b"PK\x03\x04"):
        if suffix in ("", ".xlsx", ".xlsm"):
            return XLSX
        raise ImportFileError(_("This kind of file cannot be imported; use CSV, XLSX or vCard."))
    if suffix in (".xls",) or head.startswith(b"\xd0\xcf\x11\xe0"):
        raise ImportFileError(
            _("Old Excel files (.xls) cannot be read; save the sheet as .xlsx or CSV UTF-8.")
        )
    if suffix in (".vcf", ".vcard") or b"BEGIN:VCARD" in head[:2048].upper():
        return VCARD
    return CSV


def _arabic_script_share(text: str) -> float:
    letters = [ch for ch in text if ord(ch) > 127 and unicodedata.category(ch)[0] in "LN"]
    if not letters:
        return 0.0
    arabic = sum(1 for ch in letters if "\u0600" <= ch <= "\u06ff" or "\ufb50" <= ch <= "\ufeff")
    return arabic / len(letters)


def detect_encoding(sample: bytes, *, complete: bool) -> str:
    """utf-8-sig / utf-16 (by BOM) / utf-8 / cp1256 (Excel's "CSV" on Persian Windows).

    `sample` is the first bytes of the file; when it is not the whole file, a multi-byte
    character cut at its end is not a decoding error."""
    if sample.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if sample.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    decoder = codecs.getincrementaldecoder("utf-8")("strict")
    try:
        decoder.decode(sample, final=complete)
        return "utf-8"
    except UnicodeDecodeError:
        pass
    text = sample.decode("cp1256", errors="replace")
    # Windows-1256 decodes any byte; accept it only when the non-ASCII letters are Persian/Arabic.
    if _arabic_script_share(text) >= 0.8:
        return "cp1256"
    raise ImportFileError(
        _("The file's text encoding is not recognised; save it as “CSV UTF-8” and try again.")
    )


def detect_delimiter(text: str) -> str:
    lines = [line for line in text.splitlines() if line.strip()][:20]
    if not lines:
        return ","
    try:
        dialect = csv.Sniffer().sniff("\n".join(lines), delimiters="".join(DELIMITERS))
        if dialect.delimiter in DELIMITERS and dialect.delimiter in lines[0]:
            return dialect.delimiter
    except csv.Error:
        pass
    # The header line decides: the candidate it contains most often.
    counts = {d: lines[0].count(d) for d in DELIMITERS}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ","


def _text_stream(binary: IO[bytes], encoding: str) -> IO[str]:
    return io.TextIOWrapper(binary, encoding=encoding, errors="strict", newline="")


def _clean_header(value: Any, index: int) -> str:
    text = cell_text(value).replace("\ufeff", "").strip()
    return text or _("Column %(number)d") % {"number": index + 1}


def unique_headers(values: list[Any]) -> list[str]:
    """Header texts, blanks named "Column N", repeats numbered, so each maps separately."""
    headers: list[str] = []
    for index, value in enumerate(values):
        text = _clean_header(value, index)
        name, n = text, 2
        while name in headers:
            name, n = f"{text} ({n})", n + 1
        headers.append(name)
    while headers and headers[-1].startswith(_("Column %(number)d") % {"number": len(headers)}):
        headers.pop()  # trailing empty columns (Excel's stray separators)
    return headers


def cell_text(value: Any) -> str:
    """An XLSX cell as the text a user typed (09121234567 stays digits, dates are ISO)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, datetime):
        if value.time() == time(0, 0):
            return value.date().isoformat()
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float):
        if value.is_integer():
            return str(int(value))
        return format(Decimal(repr(value)), "f")
    return str(value)


# --- inspection --------------------------------------------------------------------------------
def inspect(binary: IO[bytes], name: str) -> FileInfo:
    """Format, encoding, delimiter and header row of a file (binary stream at position 0)."""
    head = binary.read(SAMPLE_BYTES)
    complete = len(head) < SAMPLE_BYTES
    binary.seek(0)
    if not head.strip():
        raise ImportFileError(_("The file is empty."))
    file_format = detect_format(name, head)
    if file_format == XLSX:
        info = FileInfo(XLSX)
        for _number, cells in _xlsx_rows(binary, with_header=True):
            info.headers = unique_headers(cells)
            break
    elif file_format == VCARD:
        info = FileInfo(VCARD, encoding=detect_encoding(head, complete=complete))
        info.headers = list(VCARD_HEADERS)
    else:
        encoding = detect_encoding(head, complete=complete)
        sample = head.decode(encoding, errors="ignore")
        info = FileInfo(CSV, encoding=encoding, delimiter=detect_delimiter(sample))
        for _number, cells in _csv_rows(binary, info, with_header=True):
            info.headers = unique_headers(cells)
            break
    binary.seek(0)
    if not info.headers:
        raise ImportFileError(_("The file has no header row."))
    return info


# --- rows --------------------------------------------------------------------------------------
def iter_rows(binary: IO[bytes], info: FileInfo) -> Iterator[tuple[int, list[str] | None]]:
    """(row number, cells) for every non-blank data row, the header row excluded; cells is None
    for a row that cannot be read at all (a damaged vCard entry)."""
    readers = {CSV: _csv_rows, XLSX: _xlsx_rows, VCARD: _vcard_rows}
    for number, cells in readers[info.format](binary, info):
        if cells is None or "".join(cells).strip():
            yield number, cells


def count_rows(binary: IO[bytes], info: FileInfo) -> int:
    return sum(1 for _ in iter_rows(binary, info))


def _csv_rows(
    binary: IO[bytes], info: FileInfo, *, with_header: bool = False
) -> Iterator[tuple[int, list[str]]]:
    stream = _text_stream(binary, info.encoding or "utf-8")
    reader = csv.reader(stream, delimiter=info.delimiter or ",")
    try:
        first = True
        number = 0
        for cells in reader:
            number += 1
            if first:
                first = False
                if with_header:
                    yield number, cells
                    return
                continue
            yield number, cells
    except UnicodeDecodeError as exc:
        raise ImportFileError(
            _("Row %(number)d is not readable text; save the file as “CSV UTF-8”.")
            % {"number": number + 1}
        ) from exc
    except csv.Error as exc:
        raise ImportFileError(
            _("Row %(number)d is not valid CSV.") % {"number": number + 1}
        ) from exc
    finally:
        stream.detach()


def _xlsx_rows(
    binary: IO[bytes], info: FileInfo | None = None, *, with_header: bool = False
) -> Iterator[tuple[int, list[str]]]:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(binary, read_only=True, data_only=True)
    except Exception as exc:  # zipfile/openpyxl raise many kinds for a damaged file
        raise ImportFileError(_("The Excel file cannot be opened; is it damaged?")) from exc
    try:
        sheet = workbook.worksheets[0]
        for number, values in enumerate(sheet.iter_rows(values_only=True), start=1):
            cells = [cell_text(value) for value in values]
            if number == 1:
                if with_header:
                    yield number, cells
                    return
                continue
            yield number, cells
    finally:
        workbook.close()


def _vcard_blocks(stream: IO[str]) -> Iterator[str]:
    block: list[str] = []
    for line in stream:
        upper = line.strip().upper()
        if upper == "BEGIN:VCARD":
            block = [line]
        elif block:
            block.append(line)
            if upper == "END:VCARD":
                yield "".join(block)
                block = []


def _vcard_values(card: Any, name: str) -> list[Any]:
    return [item.value for item in card.contents.get(name, [])]


def vcard_cells(card: Any) -> list[str]:
    full_name = next(iter(_vcard_values(card, "fn")), "")
    first = last = ""
    names = _vcard_values(card, "n")
    if names:
        first, last = str(names[0].given or ""), str(names[0].family or "")
    phones = [str(v) for v in _vcard_values(card, "tel")][:3]
    emails = [str(v) for v in _vcard_values(card, "email")][:2]
    org = next(iter(_vcard_values(card, "org")), "")
    if isinstance(org, list):
        org = " - ".join(str(part) for part in org if part)
    address = city = ""
    addresses = _vcard_values(card, "adr")
    if addresses:
        adr = addresses[0]
        address = " ".join(str(p) for p in (adr.street, adr.extended) if p).strip()
        city = str(adr.city or "")
    row = [
        str(full_name),
        first,
        last,
        *[*phones, "", "", ""][:3],
        *[*emails, "", ""][:2],
        str(org),
        str(next(iter(_vcard_values(card, "title")), "")),
        address,
        city,
        str(next(iter(_vcard_values(card, "bday")), "")),
        str(next(iter(_vcard_values(card, "note")), "")),
        str(next(iter(_vcard_values(card, "uid")), "")),
    ]
    return [
        " ".join(cell.split()) if index != 13 else cell.strip() for index, cell in enumerate(row)
    ]


def _vcard_rows(binary: IO[bytes], info: FileInfo) -> Iterator[tuple[int, list[str] | None]]:
    import vobject

    stream = _text_stream(binary, info.encoding or "utf-8")
    number = 1  # the header row is virtual: card 1 is row 2, as in the error report
    try:
        for block in _vcard_blocks(stream):
            number += 1
            try:
                card = vobject.readOne(block, allowQP=True)
            except Exception:  # vobject raises ParseError and plain errors on bad cards
                yield number, None  # the engine reports it as an unreadable row
                continue
            yield number, vcard_cells(card)
    except UnicodeDecodeError as exc:
        raise ImportFileError(_("The vCard file is not readable text (UTF-8).")) from exc
    finally:
        stream.detach()


def read_all(
    raw: bytes, name: str = "file.csv"
) -> tuple[FileInfo, Iterator[tuple[int, list[str]]]]:
    """For small in-memory uploads (e.g. the leads event import): info and its rows."""
    binary = io.BytesIO(raw)
    info = inspect(binary, name)
    return info, iter_rows(binary, info)
