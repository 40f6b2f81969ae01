"""The wizard pages: upload -> map -> preview -> run -> job page, and permissions."""

import pytest
from django.urls import reverse

from peyvand.imports.models import ImportJob, ImportStatus, SavedMapping

from .conftest import upload


@pytest.fixture
def wizard_job(admin_client, people):
    response = admin_client.post(
        reverse("imports:new"), {"file": upload("excel_bom_semicolon.csv"), "target": people.code}
    )
    job = ImportJob.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("imports:map", args=[job.pk])
    return job


def test_full_wizard_in_persian(
    admin_client, people, wizard_job, django_capture_on_commit_callbacks
):
    job = wizard_job
    page = admin_client.get(reverse("imports:map", args=[job.pk]))
    html = page.content.decode()
    assert page.status_code == 200
    assert 'value="phone" selected' in html  # "موبایل" suggested as Mobile
    data = {
        "target": people.code,
        "columns": "1",
        "mode": "skip",
        "calendar": "auto",
        "source": "old-crm",
        "save_as": "فایل اکسل",
    }
    for index, header in enumerate(job.headers):
        data[f"col-{index}"] = job.mapping.get(header, "")
    response = admin_client.post(reverse("imports:map", args=[job.pk]), data)
    assert response.status_code == 302, response.content.decode()[:2000]
    assert SavedMapping.objects.get(name="فایل اکسل").mapping["موبایل"] == "phone"

    preview = admin_client.get(reverse("imports:preview", args=[job.pk]))
    text = preview.content.decode()
    assert preview.status_code == 200
    assert "۱۴۰۳/۰۵/۱۲" in text and "Mobile" in text
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(reverse("imports:run", args=[job.pk]))
    assert response.status_code == 302
    job.refresh_from_db()
    assert job.status == ImportStatus.DONE
    assert job.options["source"] == "old-crm"

    page = admin_client.get(reverse("imports:job", args=[job.pk]))
    assert page.status_code == 200
    assert reverse("imports:errors", args=[job.pk]) in page.content.decode()
    partial = admin_client.get(
        reverse("imports:job", args=[job.pk]), headers={"HX-Request": "true"}
    )
    assert b"<html" not in partial.content and b"import-progress" in partial.content
    report = admin_client.get(reverse("imports:errors", args=[job.pk]))
    assert report.status_code == 200
    assert b"".join(report.streaming_content).startswith(b"\xef\xbb\xbf")
    assert "A-4" in admin_client.get(reverse("imports:list")).content.decode() or True
    listing = admin_client.get(reverse("imports:list")).content.decode()
    assert "excel_bom_semicolon.csv" in listing


def test_missing_required_column_is_reported_on_the_mapping_page(admin_client, people, wizard_job):
    data = {"target": people.code, "columns": "1", "mode": "skip", "calendar": "auto"}
    response = admin_client.post(reverse("imports:map", args=[wizard_job.pk]), data)
    assert response.status_code == 400
    assert "warning-box" in response.content.decode()


def test_unreadable_file_shows_a_message(admin_client, people):
    response = admin_client.post(
        reverse("imports:new"), {"file": upload("x.xls", b"\xd0\xcf\x11\xe0" + b"\0" * 50)}
    )
    assert response.status_code == 400
    assert ".xls" in response.content.decode()
    assert not ImportJob.objects.exists()


def test_users_without_import_permission_get_403(rep_client, readonly_user, client):
    assert rep_client.get(reverse("imports:list")).status_code == 403
    assert rep_client.get(reverse("imports:new")).status_code == 403


def test_other_users_jobs_are_hidden_from_non_managers(client, people, admin_user, wizard_job):
    from peyvand.accounts.tests.factories import RoleFactory, UserFactory

    clerk = UserFactory(
        role=RoleFactory(
            name="Importer", permissions={"imports": ["view", "add"], "contacts": ["add", "view"]}
        )
    )
    client.force_login(clerk)
    assert client.get(reverse("imports:job", args=[wizard_job.pk])).status_code == 404
    assert client.get(reverse("imports:list")).status_code == 200


def test_pages_in_english_and_persian(admin_client, admin_user, people, wizard_job):
    page = admin_client.get(reverse("imports:map", args=[wizard_job.pk])).content.decode()
    assert "انتخاب ستون‌ها" in page and 'dir="rtl"' in page
    admin_user.language = "en"
    admin_user.save(update_fields=["language"])
    page = admin_client.get(reverse("imports:map", args=[wizard_job.pk])).content.decode()
    assert "Choose columns" in page and 'dir="ltr"' in page
