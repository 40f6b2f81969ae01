"""The engine with the modules' real targets (skipped while a target is not registered)."""

import pytest

from peyvand.imports import registry
from peyvand.imports.models import ImportStatus

from .conftest import mapped_job


def _target(code):
    try:
        return registry.get_target(code)
    except KeyError:
        pytest.skip(f"no {code} import target registered")


def test_excel_csv_into_contacts_then_undo(admin_user, run_job):
    from peyvand.contacts.models import Contact
    from peyvand.imports import services

    contacts = _target("contacts")
    job = mapped_job(admin_user, contacts, "excel_bom_semicolon.csv", source="old-crm")
    assert "phone" in job.mapping.values() or "mobile" in job.mapping.values()
    job = run_job(job, admin_user)
    assert job.status == ImportStatus.DONE, job.message
    assert job.created_count >= 3
    assert job.failed_count >= 1  # the row with the phone "12345"
    assert Contact.objects.filter(first_name="علی", last_name="رضایی").exists()
    again = run_job(
        mapped_job(admin_user, contacts, "excel_bom_semicolon.csv", source="old-crm"), admin_user
    )
    assert again.created_count == 0
    services.undo(again, admin_user) if again.can_undo else None
    services.undo(job, admin_user)
    assert not Contact.objects.filter(first_name="علی", last_name="رضایی").exists()


def test_undo_of_a_contacts_import_removes_the_companies_its_company_column_created(
    admin_user, run_job
):
    from peyvand.contacts.models import Company, Contact
    from peyvand.imports import services

    contacts = _target("contacts")
    Company.objects.create(name="شرکت موجود")
    content = (
        "نام,نام خانوادگی,موبایل,شرکت\n"
        "علی,رضایی,09121234567,شرکت تازه\n"
        "سارا,کریمی,09121234568,شرکت موجود\n"
    ).encode()
    job = run_job(mapped_job(admin_user, contacts, "people.csv", content=content), admin_user)
    assert job.created_count == 2, job.message
    assert Company.objects.filter(name="شرکت تازه").exists()
    services.undo(job, admin_user)
    assert not Contact.objects.exists()
    assert list(Company.objects.values_list("name", flat=True)) == ["شرکت موجود"]
