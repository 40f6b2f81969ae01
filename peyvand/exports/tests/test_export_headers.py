"""The header row of a list export is in the user's language: every column of a Persian user's
file is a Persian heading (the "export column" entries of each app's catalogue)."""

import csv
import io
import re

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from peyvand.accounts.tests.factories import RoleFactory, UserFactory
from peyvand.contacts.tests.factories import ContactFactory
from peyvand.exports.services import BOM

pytestmark = pytest.mark.django_db

LATIN = re.compile(r"[A-Za-z]")
CONTACT_COLUMNS = [
    "شناسه",
    "نام",
    "نام خانوادگی",
    "تلفن",
    "ایمیل",
    "عنوان شغلی",
    "کد ملی",
    "مرحلهٔ مشتری",
    "منبع",
    "استان",
    "شهر",
    "مسئول",
    "تیم",
    "آخرین ارتباط",
    "ایجاد",
]


def _header(response) -> list[str]:
    assert response.status_code == 200
    body = b"".join(response.streaming_content).decode("utf-8")
    assert body.startswith(BOM)
    return next(csv.reader(io.StringIO(body[1:])))


def _url(code: str, fmt: str) -> str:
    return f"{reverse('exports:list_export', args=[code])}?format={fmt}"


def test_a_persian_contacts_export_has_a_persian_header_row(client):
    marketer = UserFactory(username="marketer", role=RoleFactory(name="Marketer"))
    assert marketer.language == "fa"
    ContactFactory(first_name="مریم", last_name="احمدی")
    client.force_login(marketer)

    assert _header(client.get(_url("contacts", "csv"))) == CONTACT_COLUMNS
    xlsx = client.get(_url("contacts", "xlsx"))
    assert xlsx.status_code == 200
    workbook = load_workbook(io.BytesIO(b"".join(xlsx.streaming_content)))
    assert list(next(workbook.active.values)) == CONTACT_COLUMNS


@pytest.mark.parametrize("code", ["contacts", "companies", "leads", "deals", "orders", "tickets"])
def test_no_list_export_has_an_english_column_for_a_persian_user(admin_client, code):
    header = _header(admin_client.get(_url(code, "csv")))
    assert header
    assert [h for h in header if LATIN.search(h)] == []
