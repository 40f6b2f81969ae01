from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from peyvand.commerce import services, signals
from peyvand.commerce.models import CommerceSettings, Order, OrderLine, OrderStatus
from peyvand.timeline.models import TimelineEntry

from .factories import (
    ContactFactory,
    PriceListFactory,
    PriceListItemFactory,
    ProductFactory,
)

D = Decimal
pytestmark = pytest.mark.django_db


def test_record_order_computes_lines_and_totals_from_products(admin_user):
    product = ProductFactory(unit_price=D("1250000"), tax_rate=D("10"), cost_price=D("800000"))
    contact = ContactFactory()
    order = services.record_order(
        user=admin_user,
        data={
            "contact": contact.pk,
            "lines": [
                {"product": product.pk, "quantity": "2", "discount": "500000"},
                {"description": "نصب و راه‌اندازی", "quantity": 1, "unit_price": "300000"},
            ],
        },
    )
    lines = list(order.lines.order_by("position"))
    assert lines[0].description == product.name and lines[0].sku == product.sku
    assert (lines[0].subtotal, lines[0].net, lines[0].tax) == (
        D("2500000"),
        D("2000000"),
        D("200000"),
    )
    assert lines[1].tax_rate == D("10")  # the configured default VAT for free-text lines
    assert order.subtotal == D("2800000")
    assert order.discount == D("500000")
    assert order.tax == D("230000")
    assert order.total == D("2530000")
    assert order.cost_total == D("1600000")
    assert order.profit == D("700000")
    assert order.number == f"ORD-{order.pk:06d}"
    assert order.owner == admin_user and order.status == OrderStatus.DRAFT


def test_default_tax_rate_follows_commerce_settings(admin_user):
    services.save_settings(data={"default_tax_rate": "9", "default_currency": "IRR"})
    assert CommerceSettings.current().default_tax_rate == D("9")
    order = services.record_order(
        user=admin_user, data={"lines": [{"description": "x", "quantity": 1, "unit_price": 100}]}
    )
    assert order.tax == D("9")


def test_price_list_price_is_used_while_the_list_is_valid(admin_user):
    item = PriceListItemFactory(unit_price=D("700000"))
    order = services.record_order(
        user=admin_user,
        data={
            "price_list": item.price_list.pk,
            "lines": [{"product": item.product.pk, "quantity": 1}],
        },
    )
    assert order.lines.get().unit_price == D("700000")


def test_expired_price_list_falls_back_to_product_price(admin_user):
    import datetime as dt

    price_list = PriceListFactory(valid_until=dt.date(2020, 1, 1))
    item = PriceListItemFactory(price_list=price_list, unit_price=D("1"))
    order = services.record_order(
        user=admin_user,
        data={"price_list": price_list.pk, "lines": [{"product": item.product.pk, "quantity": 1}]},
    )
    assert order.lines.get().unit_price == item.product.unit_price


def test_bad_line_gives_field_errors_and_writes_nothing(admin_user):
    product = ProductFactory()
    with pytest.raises(ValidationError) as exc:
        services.record_order(
            user=admin_user,
            data={
                "lines": [
                    {"product": product.pk, "quantity": 1},
                    {"product": product.pk, "quantity": "-2"},
                    {"product": 999999, "quantity": 1},
                ]
            },
        )
    errors = exc.value.message_dict
    assert "lines.1.quantity" in errors and "lines.2.product" in errors
    assert not Order.objects.exists() and not OrderLine.objects.exists()


def test_order_without_lines_is_refused(admin_user):
    with pytest.raises(ValidationError) as exc:
        services.record_order(user=admin_user, data={"lines": []})
    assert "lines" in exc.value.message_dict


def test_failure_after_insert_rolls_back_the_whole_order(admin_user):
    def boom(**kwargs):
        raise RuntimeError("receiver failed")

    signals.order_recorded.connect(boom, dispatch_uid="test-boom")
    try:
        with pytest.raises(RuntimeError):
            services.record_order(
                user=admin_user,
                data={"lines": [{"description": "x", "quantity": 1, "unit_price": 10}]},
            )
    finally:
        signals.order_recorded.disconnect(dispatch_uid="test-boom")
    assert not Order.objects.exists() and not OrderLine.objects.exists()


def test_inactive_product_cannot_be_sold_by_hand(admin_user):
    product = ProductFactory(is_active=False)
    with pytest.raises(ValidationError) as exc:
        services.record_order(
            user=admin_user, data={"lines": [{"product": product.pk, "quantity": 1}]}
        )
    assert "lines.0.product" in exc.value.message_dict


def test_order_is_put_on_the_customer_timeline(admin_user):
    contact = ContactFactory()
    order = services.record_order(
        user=admin_user,
        data={"contact": contact, "lines": [{"description": "x", "quantity": 1, "unit_price": 10}]},
    )
    entry = TimelineEntry.objects.get(contact=contact, kind="order")
    assert entry.source_id == order.pk and entry.data["number"] == order.number
    services.change_order_status(order, user=admin_user, status=OrderStatus.CONFIRMED)
    status_entry = TimelineEntry.objects.get(contact=contact, kind="order_status")
    assert status_entry.data["from"] == "draft" and status_entry.data["to"] == "confirmed"


def test_status_moves_stamp_times_and_refuse_impossible_moves(admin_user):
    order = services.record_order(
        user=admin_user, data={"lines": [{"description": "x", "quantity": 1, "unit_price": 10}]}
    )
    received = []
    signals.order_status_changed.connect(
        lambda **kw: received.append((kw["old_status"], kw["new_status"])),
        dispatch_uid="t",
        weak=False,
    )
    try:
        order = services.change_order_status(order, user=admin_user, status=OrderStatus.PAID)
        assert order.paid_at is not None and order.confirmed_at is not None
        order = services.change_order_status(order, user=admin_user, status=OrderStatus.REFUNDED)
        with pytest.raises(ValidationError) as exc:
            services.change_order_status(order, user=admin_user, status=OrderStatus.DRAFT)
        assert "status" in exc.value.message_dict
    finally:
        signals.order_status_changed.disconnect(dispatch_uid="t")
    assert received == [("draft", "paid"), ("paid", "refunded")]


def test_update_replaces_lines_and_recomputes(admin_user):
    order = services.record_order(
        user=admin_user, data={"lines": [{"description": "x", "quantity": 1, "unit_price": 100}]}
    )
    order = services.update_order(
        order,
        user=admin_user,
        data={"lines": [{"description": "y", "quantity": 3, "unit_price": 100, "tax_rate": 0}]},
    )
    assert order.total == D("300")
    assert list(order.lines.values_list("description", flat=True)) == ["y"]


def test_paid_order_lines_are_locked(admin_user):
    order = services.record_order(
        user=admin_user,
        data={"status": "paid", "lines": [{"description": "x", "quantity": 1, "unit_price": 100}]},
    )
    with pytest.raises(ValidationError) as exc:
        services.update_order(
            order,
            user=admin_user,
            data={"lines": [{"description": "y", "quantity": 1, "unit_price": 1}]},
        )
    assert "lines" in exc.value.message_dict


def test_contact_the_user_cannot_see_is_refused(rep):
    from peyvand.accounts.models import ModuleSharing

    ModuleSharing.objects.update_or_create(module="contacts", defaults={"scope": "team"})
    hidden = ContactFactory()  # no owner, no team: not visible under team-only sharing
    with pytest.raises(ValidationError) as exc:
        services.record_order(
            user=rep,
            data={
                "contact": hidden.pk,
                "lines": [{"description": "x", "quantity": 1, "unit_price": 1}],
            },
        )
    assert "contact" in exc.value.message_dict


def test_merging_contacts_moves_their_orders(admin_user):
    from peyvand.contacts.services import merge_contacts

    survivor, duplicate = ContactFactory(), ContactFactory()
    order = services.record_order(
        user=admin_user,
        data={
            "contact": duplicate,
            "lines": [{"description": "x", "quantity": 1, "unit_price": 1}],
        },
    )
    merge_contacts(survivor, duplicate, user=admin_user)
    order.refresh_from_db()
    assert order.contact == survivor


def test_a_given_order_number_is_kept_and_must_be_unique(admin_user):
    line = {"description": "x", "quantity": 1, "unit_price": 1}
    order = services.record_order(user=admin_user, data={"number": "F-1403-001", "lines": [line]})
    assert order.number == "F-1403-001"
    for number in ("F-1403-001", "ORD-000999"):
        with pytest.raises(ValidationError) as exc:
            services.record_order(user=admin_user, data={"number": number, "lines": [line]})
        assert "number" in exc.value.message_dict
