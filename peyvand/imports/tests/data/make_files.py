"""Writes the sample files of the import tests, each in the encoding real tools produce.

Run from this folder: ../../../../.venv/bin/python make_files.py"""

from datetime import datetime
from pathlib import Path

from openpyxl import Workbook

HERE = Path(__file__).parent

# Excel "CSV UTF-8" on a Persian-locale Windows: BOM, semicolons, CRLF; mixed digit scripts,
# Jalali dates, a bad phone, a bad date, and a duplicate of row 2 (same mobile) at row 6.
EXCEL_ROWS = [
    ["شناسه", "نام", "نام خانوادگی", "موبایل", "ایمیل", "تاریخ عضویت", "بودجه"],
    ["A-1", "علی", "رضایی", "۰۹۱۲۱۲۳۴۵۶۷", "ali@example.com", "۱۴۰۳/۰۵/۱۲", "۱۲٬۵۰۰٬۰۰۰ ریال"],
    [
        "A-2",
        "مریم",
        "احمدی",
        "0912 765 4321",
        "MARYAM@Example.com",
        "1402-12-29",
        "2,000,000 تومان",
    ],
    ["A-3", "رضا", "کریمی", "٠٩٣٥١١١٢٢٣٣", "", "2024-08-02", ""],
    ["A-4", "سارا", "بی‌تلفن", "12345", "sara@example.com", "", ""],
    ["A-5", "نیما", "تاریخ‌بد", "09121112233", "", "1403/13/40", ""],
    ["A-6", "علی", "تکراری", "+98 912 123 4567", "", "", ""],
]


def write_excel_csv() -> None:
    text = "\r\n".join(";".join(row) for row in EXCEL_ROWS) + "\r\n"
    (HERE / "excel_bom_semicolon.csv").write_bytes("\ufeff".encode() + text.encode("utf-8"))


def write_windows_1256() -> None:
    rows = [
        ["نام", "نام خانوادگی", "تلفن همراه", "ایمیل"],
        ["حسین", "محمدی", "09121230001", "hossein@example.com"],
        ["زهرا", "کاظمی", "09121230002", ""],
        ["مهدی", "نوری", "09121230003", "mahdi@example.com"],
    ]
    text = "\r\n".join(",".join(row) for row in rows) + "\r\n"
    # Windows-1256 has no Persian yeh/keheh: Windows writes the Arabic letters (ي ك) instead.
    text = text.replace("ی", "ي").replace("ک", "ك")
    (HERE / "windows_1256.csv").write_bytes(text.encode("cp1256"))


def write_xlsx() -> None:
    book = Workbook()
    sheet = book.active
    sheet.append(["First name", "Last name", "Mobile", "Email", "Joined", "Budget"])
    sheet.append(["Parisa", "Jafari", 9121239999, "parisa@example.com", datetime(2024, 3, 20), 5e6])
    sheet.append(["پرویز", "صادقی", "۰۹۱۲۱۲۳۸۸۸۸", "", "1403/01/01", 1250000.5])
    sheet.append([None, None, None, None, None, None])  # a blank row is skipped
    sheet.append(["Bad", "Email", "", "not-an-email", None, None])
    book.save(HERE / "people.xlsx")


def write_vcard() -> None:
    cards = [
        "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:فاطمه حسینی\r\nN:حسینی;فاطمه;;;\r\n"
        "TEL;TYPE=CELL:+989121110001\r\nTEL;TYPE=WORK:021-88776655\r\n"
        "EMAIL:fatemeh@example.com\r\nORG:پیوند\r\nUID:card-1\r\nEND:VCARD\r\n",
        "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Kaveh Ahmadi\r\nN:Ahmadi;Kaveh;;;\r\n"
        "TEL:09121110002\r\nUID:card-2\r\nEND:VCARD\r\n",
        "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:No Number\r\nN:Number;No;;;\r\nUID:card-3\r\n"
        "END:VCARD\r\n",
    ]
    (HERE / "contacts.vcf").write_bytes("".join(cards).encode("utf-8"))


def write_tab_and_pipe() -> None:
    rows = [["first name", "mobile"], ["Tina", "09121117777"], ["Omid", "09121118888"]]
    (HERE / "tab.tsv").write_bytes(("\n".join("\t".join(r) for r in rows) + "\n").encode())
    (HERE / "pipe.csv").write_bytes(("\n".join("|".join(r) for r in rows) + "\n").encode())


if __name__ == "__main__":
    write_excel_csv()
    write_windows_1256()
    write_xlsx()
    write_vcard()
    write_tab_and_pipe()
