"""List exports reuse each list's own filters, the user's visibility and the export
permission; large lists go to a background job that leaves a file and a notification."""

import csv
import io

import pytest
from django.core.management import call_command
from django.urls import reverse
from openpyxl import load_workbook

from peyvand.accounts.models import ModuleSharing, Notification
from peyvand.accounts.permissions import SHARE_TEAM
from peyvand.accounts.tests.factories import RoleFactory, TeamFactory, UserFactory
from peyvand.contacts.tests.factories import ContactFactory
from peyvand.exports.models import ExportFile
from peyvand.exports.services import BOM

pytestmark = pytest.mark.django_db

LISTS = ["contacts", "companies", "leads", "deals", "orders", "tickets"]


def _csv(response) -> list[list[str]]:
    body = b"".join(response.streaming_content).decode("utf-8")
    assert body.startswith(BOM)
    return list(csv.reader(io.StringIO(body[1:])))


def _url(code: str, **params) -> str:
    query = "&".join(f"{k}={v}" for k, v in params.items())
    return f"{reverse('exports:list_export', args=[code])}?{query}"


@pytest.fixture
def marketer(db):
    # Marketers have contacts.view + contacts.export by default.
    return UserFactory(username="marketer", role=RoleFactory(name="Marketer"))


def test_contacts_csv_has_persian_headers_and_the_rows(client, marketer):
    ContactFactory(first_name="مریم", last_name="احمدی", primary_phone="+989121234567")
    client.force_login(marketer)
    response = client.get(_url("contacts", format="csv"))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    rows = _csv(response)
    assert rows[0][:3] == ["شناسه", "نام", "نام خانوادگی"]
    assert rows[1][1:4] == ["مریم", "احمدی", "'+989121234567"]


def test_formula_in_a_name_is_neutralised_in_the_file(client, marketer):
    ContactFactory(first_name='=HYPERLINK("http://evil")', last_name="@x")
    client.force_login(marketer)
    rows = _csv(client.get(_url("contacts", format="csv")))
    assert rows[1][1] == '\'=HYPERLINK("http://evil")'
    assert rows[1][2] == "'@x"


def test_xlsx_opens_and_has_the_rows(client, marketer):
    ContactFactory(first_name="سارا", last_name="کریمی")
    ContactFactory(first_name="رضا", last_name="نوری")
    client.force_login(marketer)
    response = client.get(_url("contacts", format="xlsx"))
    assert response.status_code == 200
    workbook = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    rows = list(workbook.active.values)
    assert len(rows) == 3
    assert {r[1] for r in rows[1:]} == {"سارا", "رضا"}
    assert isinstance(rows[1][0], int)


def test_dates_follow_the_users_language(client, marketer):
    contact = ContactFactory()
    client.force_login(marketer)
    fa = _csv(client.get(_url("contacts", format="csv")))
    created = fa[0].index("ایجاد")
    assert fa[1][created][:2] == "۱۴"  # Jalali year, Persian digits
    marketer.language = "en"
    marketer.save()
    en = _csv(client.get(_url("contacts", format="csv")))
    assert en[1][en[0].index("Created")].startswith(str(contact.created_at.year))


def test_without_export_permission_the_url_is_403_and_the_buttons_are_hidden(rep_client):
    ContactFactory()
    assert rep_client.get(_url("contacts", format="csv")).status_code == 403
    page = rep_client.get(reverse("contacts:contact_list"))
    assert page.status_code == 200
    assert reverse("exports:list_export", args=["contacts"]) not in page.content.decode()


def test_marketer_sees_the_buttons(client, marketer):
    ContactFactory()
    client.force_login(marketer)
    page = client.get(reverse("contacts:contact_list"))
    assert reverse("exports:list_export", args=["contacts"]) in page.content.decode()


def test_unknown_list_or_format_is_404(client, marketer):
    client.force_login(marketer)
    assert client.get(_url("nothing", format="csv")).status_code == 404
    assert client.get(_url("contacts", format="pdf")).status_code == 404


def test_another_teams_records_are_not_exported(client):
    ModuleSharing.objects.create(module="contacts", scope=SHARE_TEAM)
    mine, theirs = TeamFactory(name="شمال"), TeamFactory(name="جنوب")
    me = UserFactory(username="m1", team=mine, role=RoleFactory(name="Marketer"))
    other = UserFactory(username="m2", team=theirs)
    ContactFactory(first_name="دیدنی", owner=me, team=mine)
    ContactFactory(first_name="پنهان", owner=other, team=theirs)
    client.force_login(me)
    rows = _csv(client.get(_url("contacts", format="csv")))
    assert [r[1] for r in rows[1:]] == ["دیدنی"]


def test_the_lists_own_filters_are_applied(client, marketer):
    ContactFactory(first_name="مشتری", lifecycle_stage="customer")
    ContactFactory(first_name="سرنخ", lifecycle_stage="lead")
    client.force_login(marketer)
    rows = _csv(client.get(_url("contacts", format="csv", stage="customer", cursor="junk")))
    assert [r[1] for r in rows[1:]] == ["مشتری"]


def test_query_count_does_not_grow_with_rows(client, marketer, django_assert_max_num_queries):
    for _ in range(30):
        ContactFactory(owner=marketer)
    client.force_login(marketer)
    with django_assert_max_num_queries(12):
        response = client.get(_url("contacts", format="csv"))
        rows = _csv(response)
    assert len(rows) == 31


def test_large_list_is_exported_in_the_background(client, marketer, settings):
    settings.EXPORTS_SYNC_LIMIT = 2
    for _ in range(3):
        ContactFactory()
    client.force_login(marketer)
    response = client.get(_url("contacts", format="xlsx", stage=""))
    assert response.status_code == 302
    assert response["Location"] == reverse("exports:list")
    export = ExportFile.objects.get(user=marketer)
    assert export.status == ExportFile.Status.DONE
    assert export.row_count == 3
    note = Notification.objects.get(user=marketer)
    assert note.url == reverse("exports:list")
    page = client.get(reverse("exports:list"))
    assert reverse("exports:download", args=[export.pk]) in page.content.decode()
    download = client.get(reverse("exports:download", args=[export.pk]))
    assert download.status_code == 200
    workbook = load_workbook(io.BytesIO(b"".join(download.streaming_content)))
    assert len(list(workbook.active.values)) == 4


def test_someone_elses_export_file_is_not_reachable(client, marketer, settings):
    settings.EXPORTS_SYNC_LIMIT = 0
    ContactFactory()
    client.force_login(marketer)
    client.get(_url("contacts", format="csv"))
    export = ExportFile.objects.get(user=marketer)
    other = UserFactory(username="other", role=RoleFactory(name="Marketer"))
    client.force_login(other)
    assert client.get(reverse("exports:download", args=[export.pk])).status_code == 404


def test_api_export_uses_iso_dates_and_answers_202_when_large(marketer, api_for, settings):
    contact = ContactFactory()
    api = api_for(marketer)
    response = api.get("/api/v1/exports/lists/contacts", {"format": "csv"})
    assert response.status_code == 200
    rows = _csv(response)
    created = rows[0].index("ایجاد")
    assert rows[1][created].startswith(contact.created_at.date().isoformat()[:4])
    assert "T" in rows[1][created]
    settings.EXPORTS_SYNC_LIMIT = 0
    response = api.get("/api/v1/exports/lists/contacts", {"format": "csv"})
    assert response.status_code == 202
    body = response.json()
    assert body["status"] == "done"
    assert api.get(body["download_url"]).status_code == 200
    assert api.get(f"/api/v1/exports/{body['id']}").json()["rows"] == 1


def test_api_without_export_permission_is_403(rep, api_for):
    assert api_for(rep).get("/api/v1/exports/lists/contacts").status_code == 403


def test_every_list_exports_demo_data_for_an_administrator(admin_client):
    call_command("load_demo_data", "--contacts", "30")
    for code in LISTS:
        response = admin_client.get(_url(code, format="csv"))
        assert response.status_code == 200, code
        rows = _csv(response)
        assert len(rows) > 1, code
        assert all(len(r) == len(rows[0]) for r in rows), code
        xlsx = admin_client.get(_url(code, format="xlsx"))
        assert xlsx.status_code == 200, code
    # Each list's own filters: only won deals, only open leads, only urgent tickets.
    for code, param, value, label in (
        ("deals", "status", "won", None),
        ("leads", "status", "new", None),
        ("tickets", "priority", "urgent", None),
    ):
        everything = _csv(admin_client.get(_url(code, format="csv")))
        filtered = _csv(admin_client.get(_url(code, format="csv", **{param: value})))
        column = everything[0].index({"status": "وضعیت", "priority": "اولویت"}[param])
        expected = [r for r in everything[1:] if r[column] == (label or filtered[1][column])]
        assert 0 < len(filtered) - 1 < len(everything) - 1, code
        assert filtered[1:] == expected, code
