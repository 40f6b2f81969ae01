"""Orders from a file: one row per line grouped by order id, or one row per order with its
total; customers found by national ID, phone or e-mail; Jalali dates and Persian amounts;
bad rows reported, re-imports idempotent, undo."""

from decimal import Decimal

import pytest
from django.utils import timezone, translation

from peyvand.commerce.import_target import ORDERS_NEW_CUSTOMERS_TARGET, ORDERS_TARGET
from peyvand.commerce.models import Order, OrderSource, OrderStatus
from peyvand.commerce.tests.factories import ContactFactory, ProductFactory
from peyvand.contacts.models import Contact
from peyvand.contacts.tests.factories import PhoneFactory
from peyvand.imports import registry
from peyvand.leads.tests.import_helpers import run_import, undo

pytestmark = pytest.mark.django_db


@pytest.fixture
def customers():
    maryam = ContactFactory(national_id="0013542419")
    hamid = ContactFactory()
    PhoneFactory(contact=hamid, number="+989121000002")
    ProductFactory(sku="P-1", unit_price=Decimal("150000"), tax_rate=Decimal("10"))
    return maryam, hamid


LINES = """شناسه سفارش,تاریخ سفارش,کد ملی,موبایل,کد کالا,شرح کالا,تعداد,قیمت واحد,وضعیت
S-100,۱۴۰۳/۰۵/۱۲,۰۰۱۳۵۴۲۴۱۹,,P-1,,۲,"۱۲۰٬۰۰۰",پرداخت شده
S-100,۱۴۰۳/۰۵/۱۲,۰۰۱۳۵۴۲۴۱۹,,,نصب و راه‌اندازی,1,"50,000 ریال",پرداخت شده
S-101,2024-08-02,,0912 100 0002,P-1,,1,,تایید شده
S-102,1403/13/01,,09121000002,P-1,,1,100000,
S-103,1403/05/20,,09129999999,P-1,,1,100000,
S-104,1403/05/20,,09121000002,,,,,
"""


def test_lines_grouped_into_orders_with_jalali_dates_and_persian_amounts(admin_user, customers):
    maryam, hamid = customers
    with translation.override("fa"):
        result = run_import(ORDERS_TARGET, LINES, user=admin_user)
    assert sorted(result.errors) == [5, 6, 7]
    assert "ordered_at" in result.errors[5]
    assert result.errors[6]["customer_phone"][0].startswith("هیچ مخاطبی")
    assert result.errors[7]["__all__"]
    assert result.actions() == {2: "created", 3: "created", 4: "created"}

    first = Order.objects.get(contact=maryam)
    assert first.source == OrderSource.IMPORT and first.external_id == "old-system:S-100"
    assert first.status == OrderStatus.PAID
    assert timezone.localtime(first.ordered_at).date().isoformat() == "2024-08-02"
    lines = list(first.lines.order_by("position"))
    assert [(line.sku, line.quantity, line.unit_price) for line in lines] == [
        ("P-1", Decimal("2.000"), Decimal("120000.00")),
        ("", Decimal("1.000"), Decimal("50000.00")),
    ]
    assert first.subtotal == Decimal("290000")
    second = Order.objects.get(contact=hamid)
    assert second.lines.get().unit_price == Decimal("150000")  # the product's price
    assert second.status == OrderStatus.CONFIRMED


def test_reimporting_the_file_changes_nothing(admin_user, customers):
    run_import(ORDERS_TARGET, LINES, user=admin_user)
    again = run_import(ORDERS_TARGET, LINES, user=admin_user, job_id=2)
    assert Order.objects.count() == 2
    assert set(again.actions().values()) == {"skipped"}
    overwrite = run_import(ORDERS_TARGET, LINES, user=admin_user, job_id=3, mode=registry.OVERWRITE)
    assert Order.objects.count() == 2
    assert set(overwrite.actions().values()) == {"updated"}
    assert Order.objects.get(external_id="old-system:S-100").lines.count() == 2


def test_an_order_split_over_two_batches_keeps_all_its_lines(admin_user, customers):
    result = run_import(ORDERS_TARGET, LINES, user=admin_user, batch_size=1)
    order = Order.objects.get(external_id="old-system:S-100")
    assert order.lines.count() == 2
    assert result.ids() == sorted(Order.objects.values_list("pk", flat=True))


TOTALS = """شماره فاکتور,تاریخ,موبایل,نام مشتری,مبلغ کل
F-9,1403/01/15,09121000002,حمید,"۲٬۵۰۰٬۰۰۰ تومان"
F-10,1403/01/16,09123334444,رضا محمدی,1200000
"""


def test_order_totals_and_customers_added_when_missing(admin_user, customers):
    _maryam, hamid = customers
    result = run_import(ORDERS_TARGET, TOTALS, user=admin_user)
    assert sorted(result.errors) == [3]  # an unknown customer is an error here...
    order = Order.objects.get(number="F-9")
    assert order.contact == hamid
    assert order.total == Decimal("25000000")  # toman x 10, tax included
    assert order.tax == 0

    result = run_import(
        ORDERS_NEW_CUSTOMERS_TARGET, TOTALS, user=admin_user, source="shop", job_id=2
    )
    assert not result.errors  # ...and a new contact in the "add missing customers" variant
    reza = Contact.objects.get(last_name="محمدی")
    assert Order.objects.get(number="F-10").contact == reza
    # F-9 exists (same number, entered before): skipped in SKIP mode, not copied.
    assert result.actions() == {2: "skipped", 3: "created"}


def test_undo_deletes_created_orders_and_restores_updated_ones(admin_user, customers):
    first = run_import(ORDERS_TARGET, LINES, user=admin_user)
    changed = LINES.replace(',"۱۲۰٬۰۰۰",پرداخت شده', ',"۱۳۰٬۰۰۰",پرداخت شده')
    second = run_import(ORDERS_TARGET, changed, user=admin_user, job_id=2, mode=registry.OVERWRITE)
    order = Order.objects.get(external_id="old-system:S-100")
    assert order.lines.order_by("position").first().unit_price == Decimal("130000")
    assert undo(ORDERS_TARGET, second) == []
    assert order.lines.order_by("position").first().unit_price == Decimal("120000")
    assert undo(ORDERS_TARGET, first) == []
    assert not Order.objects.exists()


def test_through_the_import_engine_in_batches_of_one_row_then_undo(
    customers, settings, django_capture_on_commit_callbacks
):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from peyvand.accounts.tests.factories import UserFactory
    from peyvand.imports import services as imports
    from peyvand.imports.models import ImportStatus

    settings.IMPORTS_BATCH_SIZE = 1
    boss = UserFactory(is_superuser=True)
    job = imports.create_job(
        boss, SimpleUploadedFile("orders.csv", LINES.encode()), target="orders"
    )
    assert job.mapping["کد کالا"] == "sku" and job.mapping["قیمت واحد"] == "unit_price"
    job = imports.set_mapping(
        job, boss, target="orders", mapping=job.mapping, options={"source": "shop-1"}
    )
    with django_capture_on_commit_callbacks(execute=True):
        imports.start(job, boss)
    job.refresh_from_db()
    assert job.status == ImportStatus.DONE, job.message
    assert (job.created_count, job.failed_count) == (3, 3)
    order = Order.objects.get(external_id="shop-1:S-100")
    assert order.lines.count() == 2  # its two rows came in two batches
    imports.undo(job, boss)
    assert not Order.objects.exists()
