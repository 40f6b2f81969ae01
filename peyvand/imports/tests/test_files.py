"""Reading real files: encodings, delimiters, XLSX and vCard, row by row."""

import io

import pytest

from peyvand.imports import files

from .conftest import DATA


def rows_of(name):
    binary = io.BytesIO((DATA / name).read_bytes())
    info = files.inspect(binary, name)
    return info, list(files.iter_rows(binary, info))


def test_excel_csv_with_bom_and_semicolons_is_read_with_persian_headers():
    info, rows = rows_of("excel_bom_semicolon.csv")
    assert (info.format, info.encoding, info.delimiter) == ("csv", "utf-8-sig", ";")
    assert info.headers[:3] == ["شناسه", "نام", "نام خانوادگی"]
    assert rows[0] == (
        2,
        ["A-1", "علی", "رضایی", "۰۹۱۲۱۲۳۴۵۶۷", "ali@example.com", "۱۴۰۳/۰۵/۱۲", "۱۲٬۵۰۰٬۰۰۰ ریال"],
    )
    assert [number for number, _ in rows] == [2, 3, 4, 5, 6, 7]


def test_windows_1256_csv_is_detected_and_decodes_to_persian():
    info, rows = rows_of("windows_1256.csv")
    assert (info.encoding, info.delimiter) == ("cp1256", ",")
    assert info.headers == ["نام", "نام خانوادگي", "تلفن همراه", "ايميل"]
    assert rows[0][1][:2] == ["حسين", "محمدي"]


def test_latin_1_text_is_not_mistaken_for_persian():
    with pytest.raises(files.ImportFileError):
        files.inspect(io.BytesIO("name\nJosé Müller\n".encode("latin-1")), "x.csv")


@pytest.mark.parametrize(("name", "delimiter"), [("tab.tsv", "\t"), ("pipe.csv", "|")])
def test_tab_and_pipe_delimiters_are_sniffed(name, delimiter):
    info, rows = rows_of(name)
    assert info.delimiter == delimiter
    assert rows == [(2, ["Tina", "09121117777"]), (3, ["Omid", "09121118888"])]


def test_utf8_multibyte_character_cut_by_the_sample_is_not_an_encoding_error():
    text = ("name\n" + "آ" * (files.SAMPLE_BYTES // 2 + 3) + "\n").encode()
    info = files.inspect(io.BytesIO(text), "long.csv")
    assert info.encoding == "utf-8"


def test_xlsx_cells_become_the_text_a_user_typed():
    info, rows = rows_of("people.xlsx")
    assert info.format == "xlsx"
    assert info.headers == ["First name", "Last name", "Mobile", "Email", "Joined", "Budget"]
    assert rows[0] == (
        2,
        ["Parisa", "Jafari", "9121239999", "parisa@example.com", "2024-03-20", "5000000"],
    )
    assert rows[1][1][5] == "1250000.5"
    # the blank row 4 is skipped, row numbers stay those of the sheet
    assert [number for number, _ in rows] == [2, 3, 5]


def test_vcard_cards_become_rows_with_every_phone():
    info, rows = rows_of("contacts.vcf")
    assert info.format == "vcf"
    first = dict(zip(info.headers, rows[0][1], strict=True))
    assert first["Full name"] == "فاطمه حسینی"
    assert (first["First name"], first["Last name"]) == ("فاطمه", "حسینی")
    assert (first["Phone"], first["Phone 2"]) == ("+989121110001", "021-88776655")
    assert first["Organization"] == "پیوند"
    assert [number for number, _ in rows] == [2, 3, 4]


def test_old_excel_and_empty_files_are_refused_with_a_message():
    with pytest.raises(files.ImportFileError, match="xls"):
        files.inspect(io.BytesIO(b"\xd0\xcf\x11\xe0" + b"\0" * 100), "old.xls")
    with pytest.raises(files.ImportFileError):
        files.inspect(io.BytesIO(b"   \n"), "empty.csv")


def test_rows_stream_without_reading_the_whole_file():
    class CountingReader(io.BytesIO):
        high_water = 0

        def read(self, size=-1):
            data = super().read(size)
            CountingReader.high_water = max(CountingReader.high_water, self.tell())
            return data

        def read1(self, size=-1):
            data = super().read1(size)
            CountingReader.high_water = max(CountingReader.high_water, self.tell())
            return data

    body = b"name,phone\n" + b"Ali,09121234567\n" * 200_000  # ~3 MB
    binary = CountingReader(body)
    info = files.inspect(binary, "big.csv")
    CountingReader.high_water = 0
    rows = files.iter_rows(binary, info)
    next(rows)
    assert CountingReader.high_water < 256 * 1024
