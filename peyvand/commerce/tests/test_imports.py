from decimal import Decimal

import pytest
from django.utils import timezone

from peyvand.commerce import services, signals
from peyvand.commerce.models import Order, OrderLine
from peyvand.timeline.models import TimelineEntry

from .factories import ContactFactory, ProductFactory

D = Decimal
pytestmark = pytest.mark.django_db


def _row(**extra):
    return {
        "external_id": "WC-1001",
        "customer_name": "مریم احمدی",
        "status": "paid",
        "ordered_at": "1403/05/12 10:30",
        "lines": [{"sku": "MUG-1", "quantity": 2, "unit_price": "150000"}],
        **extra,
    }


def test_reimport_updates_and_never_duplicates(admin_user):
    ProductFactory(sku="MUG-1", tax_rate=D("10"))
    first, created = services.import_order(
        user=None, data=_row(), source="shop", external_id="WC-1001"
    )
    assert created and first.total == D("330000")
    again, created = services.import_order(
        user=None, data=_row(), source="shop", external_id="WC-1001"
    )
    assert not created and again.pk == first.pk
    changed, created = services.import_order(
        user=None,
        data=_row(lines=[{"sku": "MUG-1", "quantity": 3, "unit_price": "150000"}]),
        source="shop",
        external_id="WC-1001",
    )
    assert not created and changed.pk == first.pk and changed.total == D("495000")
    assert Order.objects.count() == 1 and OrderLine.objects.count() == 1


def test_identical_reimport_sends_no_change_signal(admin_user):
    ProductFactory(sku="MUG-1")
    services.import_order(user=None, data=_row(), source="shop", external_id="WC-1001")
    changes = []
    signals.order_changed.connect(
        lambda **kw: changes.append(kw["changes"]), dispatch_uid="t", weak=False
    )
    try:
        services.import_order(user=None, data=_row(), source="shop", external_id="WC-1001")
    finally:
        signals.order_changed.disconnect(dispatch_uid="t")
    assert changes == []


def test_same_external_id_from_another_source_is_another_order():
    ProductFactory(sku="MUG-1")
    services.import_order(user=None, data=_row(), source="shop", external_id="WC-1001")
    services.import_order(user=None, data=_row(), source="accounting", external_id="WC-1001")
    assert Order.objects.count() == 2


def test_import_takes_the_source_status_and_jalali_date():
    ProductFactory(sku="MUG-1")
    order, _ = services.import_order(user=None, data=_row(), source="shop", external_id="WC-1001")
    assert order.status == "paid" and order.paid_at is not None
    assert timezone.localtime(order.ordered_at).date().isoformat() == "2024-08-02"


def test_status_change_on_reimport_goes_on_the_timeline():
    ProductFactory(sku="MUG-1")
    contact = ContactFactory()
    services.import_order(
        user=None, data=_row(contact=contact.pk), source="shop", external_id="WC-1001"
    )
    services.import_order(
        user=None,
        data=_row(contact=contact.pk, status="refunded"),
        source="shop",
        external_id="WC-1001",
    )
    kinds = list(TimelineEntry.objects.filter(contact=contact).values_list("kind", flat=True))
    assert sorted(kinds) == ["order", "order_status"]


def test_batch_import_reports_bad_rows_and_keeps_good_ones():
    ProductFactory(sku="MUG-1")
    result = services.import_orders(
        user=None,
        source="shop",
        rows=[
            _row(external_id="A"),
            _row(external_id="B", lines=[{"sku": "NOPE", "quantity": 1}]),
            _row(external_id=""),
            _row(external_id="A"),
        ],
    )
    assert len(result.created) == 1 and result.updated == result.created
    assert set(result.errors) == {1, 2}
    assert "lines.0.sku" in result.errors[1] and "external_id" in result.errors[2]
    assert Order.objects.count() == 1
