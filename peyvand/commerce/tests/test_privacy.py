"""Orders of an erased customer keep amounts and dates, not the person."""

from __future__ import annotations

import io
import json
import zipfile
from decimal import Decimal

import pytest

from peyvand.commerce.search_index import index_order
from peyvand.contacts import privacy
from peyvand.contacts.tests.privacy_scan import (
    erase,
    find_in_database,
    make_person,
    personal_strings,
)

from .factories import OrderFactory, OrderLineFactory

pytestmark = pytest.mark.django_db

NOTES = "Deliver to Zhubin at the back door"


def test_order_export_and_erasure(admin_user):
    contact = make_person(admin_user)
    order = OrderFactory(contact=contact, customer_name="ژوبین قراگوزلو", notes=NOTES)
    OrderLineFactory(order=order)
    index_order(order)
    archive = zipfile.ZipFile(io.BytesIO(privacy.export_customer(contact)))
    orders = json.loads(archive.read("customer.json"))["sections"]["orders"]
    assert orders[0]["notes"] == NOTES and len(orders[0]["lines"]) == 1

    erase(contact, admin_user)

    assert find_in_database(personal_strings(NOTES)) == []
    order.refresh_from_db()
    assert order.total == Decimal("1100000") and order.contact_id == contact.pk
    assert order.lines.count() == 1
