from decimal import Decimal

import pytest

from peyvand.commerce.models import Order, OrderLine, Product

from .factories import ContactFactory, OrderFactory, PriceListFactory, ProductFactory

D = Decimal
pytestmark = pytest.mark.django_db
BASE = "/api/v1/commerce"


def test_create_product_and_read_it_back(admin_api):
    response = admin_api.post(
        f"{BASE}/products",
        {"sku": "BOOK-1", "name": "کتاب", "unit_price": "250000", "currency": "IRR"},
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["unit_price"] == "250000" and body["tax_rate"] == "10"
    assert admin_api.get(f"{BASE}/products/{body['id']}").json()["sku"] == "BOOK-1"


def test_product_errors_are_json_field_errors(admin_api):
    ProductFactory(sku="X1")
    response = admin_api.post(
        f"{BASE}/products", {"sku": "X1", "name": "", "unit_price": "-1", "tax_rate": "150"}
    )
    assert response.status_code == 422
    errors = response.json()["errors"]
    assert {"sku", "name", "unit_price", "tax_rate"} <= set(errors)


def test_record_order_through_the_api(admin_api):
    product = ProductFactory(unit_price=D("19.99"), currency="USD", tax_rate=D("0"))
    response = admin_api.post(
        f"{BASE}/orders",
        {"currency": "USD", "lines": [{"product": product.pk, "quantity": "3"}]},
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["total"] == "59.97" and body["source"] == "api"
    assert body["lines"][0]["sku"] == product.sku


def test_order_with_bad_line_is_422_and_nothing_is_written(admin_api):
    response = admin_api.post(
        f"{BASE}/orders",
        {"lines": [{"description": "x", "quantity": "0", "unit_price": "10"}]},
    )
    assert response.status_code == 422
    assert "lines.0.quantity" in response.json()["errors"]
    assert not Order.objects.exists()


def test_float_looking_json_numbers_are_read_exactly(admin_api):
    response = admin_api.post(
        f"{BASE}/orders/totals",
        {"currency": "USD", "lines": [{"quantity": 3, "unit_price": 0.1, "tax_rate": 0}]},
    )
    assert response.json()["total"] == "0.30"


def test_external_id_makes_post_idempotent(admin_api):
    payload = {
        "source": "shop",
        "external_id": "9001",
        "lines": [{"description": "x", "quantity": 1, "unit_price": "1000"}],
    }
    first = admin_api.post(f"{BASE}/orders", payload)
    second = admin_api.post(f"{BASE}/orders", payload)
    assert (first.status_code, second.status_code) == (201, 200)
    assert first.json()["id"] == second.json()["id"]
    assert Order.objects.count() == 1


def test_bulk_upsert_is_idempotent_and_reports_bad_rows(admin_api):
    ProductFactory(sku="A")
    batch = {
        "source": "accounting",
        "orders": [
            {"external_id": f"INV-{i}", "lines": [{"sku": "A", "quantity": i + 1}]}
            for i in range(5)
        ]
        + [{"external_id": "INV-bad", "lines": [{"sku": "A", "quantity": "-1"}]}],
    }
    first = admin_api.post(f"{BASE}/orders/bulk", batch).json()
    assert len(first["created"]) == 5 and first["updated"] == []
    assert list(first["errors"]) == ["5"]
    second = admin_api.post(f"{BASE}/orders/bulk", batch).json()
    assert second["created"] == [] and sorted(second["updated"]) == sorted(first["created"])
    assert Order.objects.count() == 5 and OrderLine.objects.count() == 5


def test_bulk_batch_size_is_limited(admin_api):
    batch = {"source": "shop", "orders": [{"external_id": str(i)} for i in range(201)]}
    response = admin_api.post(f"{BASE}/orders/bulk", batch)
    assert response.status_code == 422 and "orders" in response.json()["errors"]


def test_status_endpoint_and_invalid_move(admin_api):
    created = admin_api.post(
        f"{BASE}/orders", {"lines": [{"description": "x", "quantity": 1, "unit_price": 1}]}
    ).json()
    url = f"{BASE}/orders/{created['id']}/status"
    assert admin_api.post(url, {"status": "confirmed"}).json()["confirmed_at"]
    response = admin_api.post(url, {"status": "refunded"})
    assert response.status_code == 422 and "status" in response.json()["errors"]


def test_patch_changes_only_sent_fields(admin_api):
    contact = ContactFactory()
    created = admin_api.post(
        f"{BASE}/orders",
        {"contact": contact.pk, "lines": [{"description": "x", "quantity": 1, "unit_price": 100}]},
    ).json()
    body = admin_api.patch(f"{BASE}/orders/{created['id']}", {"notes": "ارسال فوری"}).json()
    assert body["notes"] == "ارسال فوری" and body["contact_id"] == contact.pk
    assert body["total"] == created["total"]


def test_list_orders_pages_with_cursor(admin_api):
    for _ in range(5):
        OrderFactory()
    first = admin_api.get(f"{BASE}/orders", {"limit": 2}).json()
    second = admin_api.get(f"{BASE}/orders", {"limit": 2, "cursor": first["next_cursor"]}).json()
    ids = [o["id"] for o in first["items"] + second["items"]]
    assert len(set(ids)) == 4
    assert admin_api.get(f"{BASE}/orders", {"cursor": "garbage"}).status_code == 400
    assert admin_api.get(f"{BASE}/orders", {"date_from": "nonsense"}).status_code == 422


def test_price_list_with_items(admin_api):
    product = ProductFactory()
    response = admin_api.post(
        f"{BASE}/price-lists",
        {
            "name": "عمده",
            "currency": "IRR",
            "valid_from": "1403/01/01",
            "valid_until": "1403/12/29",
            "items": [{"product": product.pk, "unit_price": "800000"}],
        },
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["valid_from"] == "2024-03-20" and body["items"][0]["unit_price"] == "800000"
    bad = admin_api.patch(f"{BASE}/price-lists/{body['id']}", {"valid_until": "1402/01/01"})
    assert bad.status_code == 422 and "valid_until" in bad.json()["errors"]


def test_unknown_fields_are_refused(admin_api):
    response = admin_api.post(f"{BASE}/products", {"sku": "Z", "name": "z", "price": 1})
    assert response.status_code == 422 and not Product.objects.exists()
    assert PriceListFactory  # factories import used elsewhere
