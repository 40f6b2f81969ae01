"""Cells are safe to open in a spreadsheet, CSV carries a BOM, XLSX is a real workbook."""

import io
from decimal import Decimal

from openpyxl import load_workbook

from peyvand.exports.services import (
    BOM,
    csv_chunks,
    export_rows,
    neutralise,
    write_xlsx,
)


def test_text_that_a_spreadsheet_would_run_gets_a_leading_quote():
    for dangerous in ("=1+1", "+98912", "-2+3", "@SUM(A1)", "\tx", "\rx"):
        assert neutralise(dangerous) == "'" + dangerous


def test_numbers_and_plain_text_are_left_alone():
    assert neutralise(-5) == -5
    assert neutralise(Decimal("-12.5")) == Decimal("-12.5")
    assert neutralise("علی رضایی") == "علی رضایی"
    assert neutralise("a=b") == "a=b"
    assert neutralise(None) == ""


def test_csv_starts_with_a_bom_and_keeps_persian_headers():
    body = b"".join(csv_chunks(["نام", "تلفن"], [["علی", "=HYPERLINK(1)"], [3, -4]]))
    text = body.decode("utf-8")
    assert text.startswith(BOM)
    lines = text[1:].splitlines()
    assert lines == ["نام,تلفن", "علی,'=HYPERLINK(1)", "3,-4"]


def test_xlsx_has_typed_numbers_and_neutralised_text():
    out = io.BytesIO()
    count = write_xlsx(["نام", "مبلغ"], [["=cmd|' /C calc'!A0", Decimal("1250000")]], out)
    assert count == 1
    sheet = load_workbook(io.BytesIO(out.getvalue())).active
    rows = list(sheet.values)
    assert rows[0] == ("نام", "مبلغ")
    assert rows[1][0] == "'=cmd|' /C calc'!A0"
    assert rows[1][1] == 1250000
    assert sheet.cell(row=2, column=1).data_type == "s"


def test_export_rows_streams_csv():
    response = export_rows(["a"], iter([["x"], ["y"]]), fmt="csv", filename="t")
    assert response.streaming
    assert response["Content-Disposition"] == 'attachment; filename="t.csv"'
    assert b"".join(response.streaming_content).decode() == BOM + "a\r\nx\r\ny\r\n"
