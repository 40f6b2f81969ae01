"""Leads from a file: every row is captured on the "import" channel (dedupe, routing, scoring),
bad rows are reported with translated messages, re-imports are idempotent by external id, and
an import can be undone."""

import pytest
from django.utils import translation

from peyvand.contacts.tests.factories import PhoneFactory
from peyvand.imports import registry
from peyvand.imports.models import ExternalReference
from peyvand.leads.import_target import TARGET
from peyvand.leads.models import Channel, Lead, LeadStatus
from peyvand.leads.tests.import_helpers import run_import, undo

pytestmark = pytest.mark.django_db

FILE = """شناسه,نام و نام خانوادگی,موبایل,ایمیل,شرکت,شهر,تعداد کارکنان,منبع
L-1,مریم کریمی,۰۹۱۲۱۰۰۰۰۰۱,,آرتا,تهران,۱۲۰,نمایشگاه الکامپ
L-2,حمید رستمی,۰۹۱۲-abc,,,شیراز,,
L-3,علی اکبری,,,,قم,,
L-4,سارا احمدی,,sara@example.com,پارس,تبریز,۱٬۵۰۰,
L-5,مریم کریمی,09121000001,,,,,
"""


def test_rows_become_import_leads_and_bad_rows_get_translated_errors(admin_user):
    with translation.override("fa"):
        result = run_import(TARGET, FILE, user=admin_user)
    assert sorted(result.errors) == [3, 4]
    assert "phone" in result.errors[3]
    assert result.errors[4]["__all__"] == [
        "شماره تلفن یا نشانی ایمیل را وارد کنید تا بتوانیم با شما تماس بگیریم."
    ]
    # Row 6 has the same phone as row 2: the same lead, not a second one.
    assert result.actions() == {2: "created", 5: "created", 6: "skipped"}
    maryam = Lead.objects.get(phone="+989121000001")
    assert (maryam.first_name, maryam.last_name, maryam.company_name, maryam.company_size) == (
        "مریم",
        "کریمی",
        "آرتا",
        120,
    )
    assert maryam.channel == Channel.IMPORT
    assert maryam.source["import"] == "old-system"
    assert maryam.source_name == "نمایشگاه الکامپ"
    assert Lead.objects.get(email="sara@example.com").company_size == 1500
    assert ExternalReference.objects.filter(target="leads", source="old-system").count() == 2


def test_importing_the_same_file_again_changes_nothing(admin_user):
    first = run_import(TARGET, FILE, user=admin_user)
    again = run_import(TARGET, FILE, user=admin_user)
    assert Lead.objects.count() == 2
    assert {n: a for n, a in again.actions().items()} == {2: "skipped", 5: "skipped", 6: "skipped"}
    assert again.ids() == [] and first.ids()


def test_overwrite_updates_the_lead_imported_before_and_undo_puts_it_back(admin_user):
    run_import(TARGET, FILE, user=admin_user)
    changed = FILE.replace(
        "L-1,مریم کریمی,۰۹۱۲۱۰۰۰۰۰۱,,آرتا", "L-1,مریم کریمی,۰۹۱۲۱۰۰۰۰۰۱,,آرتا نو"
    )
    result = run_import(TARGET, changed, user=admin_user, mode=registry.OVERWRITE, job_id=2)
    lead = Lead.objects.get(phone="+989121000001")
    assert lead.company_name == "آرتا نو"
    assert result.actions()[2] == "updated"
    assert result.restored()[lead.pk]["company_name"] == "آرتا"
    assert undo(TARGET, result) == []
    lead.refresh_from_db()
    assert lead.company_name == "آرتا"
    assert Lead.objects.count() == 2


def test_a_row_matching_an_open_lead_becomes_an_inquiry_like_any_channel(admin_user):
    run_import(TARGET, FILE, user=admin_user)
    text = "نام,تلفن همراه,پیام\r\nمریم,09121000001,دوباره تماس بگیرید\r\n"
    result = run_import(TARGET, text, user=admin_user, mode=registry.FILL, source="other")
    lead = Lead.objects.get(phone="+989121000001")
    assert result.actions() == {2: "updated"}
    assert lead.inquiries == 2
    assert result.restored()[lead.pk]["inquiries"] == 1


def test_skip_mode_leaves_existing_leads_and_contacts_alone(admin_user):
    PhoneFactory(number="+989121000009")
    run_import(TARGET, FILE, user=admin_user)
    text = "phone,name\r\n09121000001,Maryam\r\n09121000009,Known Person\r\n"
    result = run_import(TARGET, text, user=admin_user, source="other")
    assert result.actions() == {2: "skipped", 3: "skipped"}
    assert Lead.objects.get(phone="+989121000001").inquiries == 1


def test_undo_removes_created_leads_unless_someone_worked_on_them(admin_user):
    result = run_import(TARGET, FILE, user=admin_user)
    lead = Lead.objects.get(phone="+989121000001")
    Lead.objects.filter(pk=lead.pk).update(status=LeadStatus.CONTACTED)
    with translation.override("en"):
        blockers = undo(TARGET, result)
    assert blockers == ["1 imported lead has been worked on since (status or activity)."]
    Lead.objects.filter(pk=lead.pk).update(status=LeadStatus.NEW)
    assert undo(TARGET, result) == []
    assert not Lead.objects.exists()


def test_through_the_import_engine_then_undo(django_capture_on_commit_callbacks):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from peyvand.accounts.tests.factories import UserFactory
    from peyvand.imports import services as imports
    from peyvand.imports.models import ImportStatus

    boss = UserFactory(is_superuser=True)
    job = imports.create_job(boss, SimpleUploadedFile("leads.csv", FILE.encode()), target="leads")
    job = imports.set_mapping(job, boss, target="leads", mapping=job.mapping)
    with django_capture_on_commit_callbacks(execute=True):
        imports.start(job, boss)
    job.refresh_from_db()
    assert job.status == ImportStatus.DONE, job.message
    assert (job.created_count, job.failed_count, job.skipped_count) == (2, 2, 1)
    imports.undo(job, boss)
    assert not Lead.objects.exists()
