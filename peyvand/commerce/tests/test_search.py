import pytest

from peyvand.accounts.models import ModuleSharing
from peyvand.commerce import services
from peyvand.search.selectors import search

from .factories import ContactFactory, TeamFactory, UserFactory

pytestmark = pytest.mark.django_db
LINE = {"description": "x", "quantity": 1, "unit_price": 1}


def test_orders_are_found_by_number_and_customer(admin_user):
    contact = ContactFactory(first_name="کیوان", last_name="نوروزی")
    order = services.record_order(user=admin_user, data={"contact": contact, "lines": [LINE]})
    assert [h.object_id for h in search(admin_user, order.number, kinds=["order"])] == [order.pk]
    assert order.pk in [h.object_id for h in search(admin_user, "نوروزی", kinds=["order"])]


def test_products_are_found_by_sku_and_name(admin_user):
    product = services.create_product(
        user=admin_user, data={"sku": "ZX-42", "name": "هدفون بی‌سیم", "unit_price": "1"}
    )
    assert [h.object_id for h in search(admin_user, "ZX-42", kinds=["product"])] == [product.pk]
    assert [h.object_id for h in search(admin_user, "هدفون", kinds=["product"])] == [product.pk]


def test_search_hides_orders_of_other_teams(admin_user, rep):
    ModuleSharing.objects.update_or_create(module="orders", defaults={"scope": "team"})
    other = UserFactory(team=TeamFactory())
    order = services.record_order(user=admin_user, data={"owner": other.pk, "lines": [LINE]})
    assert search(rep, order.number, kinds=["order"]) == []
