"""Deals from a file: pipeline, stage, lost reason by name, owner by username or e-mail, customer
by phone; Persian amounts and Jalali dates; won/lost stages close the deal; bad rows reported,
re-imports idempotent by external id, undo."""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import translation

from peyvand.accounts.tests.factories import UserFactory
from peyvand.contacts.tests.factories import ContactFactory, PhoneFactory
from peyvand.imports import registry
from peyvand.leads.tests.import_helpers import run_import, undo
from peyvand.sales.import_target import TARGET
from peyvand.sales.models import Deal, DealStatus, LostReason
from peyvand.sales.tests.factories import make_pipeline

pytestmark = pytest.mark.django_db


@pytest.fixture
def setup(admin_user):
    pipeline = make_pipeline(name="فروش سازمانی")
    customer = ContactFactory()
    PhoneFactory(contact=customer, number="+989121000002")
    owner = UserFactory(username="neda", email="neda@example.com")
    LostReason.objects.get_or_create(name="قیمت بالا", defaults={"order": 1})
    return pipeline, customer, owner


FILE = """شناسه,عنوان معامله,قیف فروش,مرحله,مبلغ,واحد پول,تاریخ پیش بینی بستن,مسئول,موبایل,دلیل از دست رفتن
D-1,قرارداد پشتیبانی آرتا,فروش سازمانی,پیشنهاد,"۲۵۰٬۰۰۰٬۰۰۰",ریال,۱۴۰۳/۰۸/۳۰,neda,09121000002,
D-2,فروش لایسنس,فروش سازمانی,برنده,"۱٬۰۰۰ تومان",,2024-12-01,NEDA@example.com,۰۹۱۲۱۰۰۰۰۰۲,
D-3,مرحله نامعلوم,فروش سازمانی,ناموجود,100,,,,09121000002,
D-4,باخته,فروش سازمانی,بازنده,100,,,,09121000002,قیمت بالا
D-5,بی‌مشتری,فروش سازمانی,,100,,,,,
D-6,تاریخ بد,فروش سازمانی,,100,,۱۴۰۳/۰۲/۴۰,,09121000002,
D-1,تکراری,فروش سازمانی,,100,,,,09121000002,
"""  # noqa: E501


def test_deals_with_stages_by_name_persian_amounts_and_jalali_dates(admin_user, setup):
    pipeline, customer, owner = setup
    with translation.override("fa"):
        result = run_import(TARGET, FILE, user=admin_user)
    assert sorted(result.errors) == [4, 6, 7]
    assert result.errors[4]["stage"] == ["قیف «فروش سازمانی» مرحله‌ای با این نام ندارد."]
    assert result.errors[6]["__all__"] == ["معامله را به یک مخاطب یا شرکت وصل کنید."]
    assert "expected_close" in result.errors[7]
    assert result.actions() == {2: "created", 3: "created", 5: "created", 8: "skipped"}

    support = Deal.objects.get(title="قرارداد پشتیبانی آرتا")
    assert support.pipeline == pipeline and support.stage.name == "پیشنهاد"
    assert support.amount == Decimal("250000000") and support.currency == "IRR"
    assert support.expected_close == dt.date(2024, 11, 20)
    assert support.owner == owner and support.contact == customer
    licence = Deal.objects.get(title="فروش لایسنس")
    assert licence.status == DealStatus.WON and licence.amount == Decimal("10000")
    lost = Deal.objects.get(title="باخته")
    assert lost.status == DealStatus.LOST and lost.lost_reason.name == "قیمت بالا"


def test_reimport_is_idempotent_and_overwrite_updates(admin_user, setup):
    run_import(TARGET, FILE, user=admin_user)
    again = run_import(TARGET, FILE, user=admin_user, job_id=2)
    assert Deal.objects.count() == 3
    assert set(again.actions().values()) == {"skipped"}
    changed = FILE.replace('"۲۵۰٬۰۰۰٬۰۰۰",ریال', '"۳۰۰٬۰۰۰٬۰۰۰",ریال')
    result = run_import(TARGET, changed, user=admin_user, job_id=3, mode=registry.OVERWRITE)
    support = Deal.objects.get(title="قرارداد پشتیبانی آرتا")
    assert support.amount == Decimal("300000000")
    assert result.actions()[2] == "updated"
    assert Deal.objects.count() == 3
    assert undo(TARGET, result) == []
    support.refresh_from_db()
    assert support.amount == Decimal("250000000")


def test_undo_deletes_the_created_deals(admin_user, setup):
    result = run_import(TARGET, FILE, user=admin_user)
    assert len(result.ids()) == 3
    assert undo(TARGET, result) == []
    assert not Deal.objects.exists()


def test_through_the_import_engine_then_undo(setup, django_capture_on_commit_callbacks):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from peyvand.accounts.tests.factories import UserFactory
    from peyvand.imports import services as imports
    from peyvand.imports.models import ImportStatus

    boss = UserFactory(is_superuser=True)
    job = imports.create_job(boss, SimpleUploadedFile("deals.csv", FILE.encode()), target="deals")
    job = imports.set_mapping(job, boss, target="deals", mapping=job.mapping)
    with django_capture_on_commit_callbacks(execute=True):
        imports.start(job, boss)
    job.refresh_from_db()
    assert job.status == ImportStatus.DONE, job.message
    assert (job.created_count, job.failed_count, job.skipped_count) == (3, 3, 1)
    imports.undo(job, boss)
    assert not Deal.objects.exists()
