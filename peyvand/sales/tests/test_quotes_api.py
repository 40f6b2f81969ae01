"""/api/v1/sales/quotes: the whole life of a quote over the API, errors and permissions."""

import pytest

from peyvand.accounts.services import set_module_sharing
from peyvand.accounts.tests.factories import RoleFactory, TeamFactory, UserFactory
from peyvand.commerce.models import Order
from peyvand.contacts.tests.factories import ContactFactory
from peyvand.sales.models import Quote

from .factories import DealFactory

pytestmark = pytest.mark.django_db
URL = "/api/v1/sales/quotes"


def _payload(**extra):
    return {
        "contact": ContactFactory().pk,
        "title": "پیش‌فاکتور تجهیزات",
        "currency": "IRT",
        "lines": [
            {"description": "سرور", "quantity": "2", "unit_price": "45000000.5", "tax_rate": 10},
            {"description": "نصب", "unit_price": 1500000, "discount": "500000", "tax_rate": 0},
        ],
        **extra,
    }


def test_create_send_revise_accept_over_the_api(rep_api, rep):
    deal = DealFactory(owner=rep)
    created = rep_api.post(URL, _payload(deal=deal.pk))
    assert created.status_code == 201, created.json()
    body = created.json()
    # 2 × 45,000,000.5 = 90,000,001 toman; tax 9,000,000.1 -> 9,000,000; + 1,000,000.
    assert body["subtotal"] == "91500001.00" and body["tax"] == "9000000.00"
    assert body["total"] == "100000001.00"
    assert (body["version"], body["status"], body["deal_id"]) == (1, "draft", deal.pk)
    assert len(body["lines"]) == 2
    quote_id = body["id"]

    edited = rep_api.patch(f"{URL}/{quote_id}", {"valid_until": "2999-01-01", "notes": "ok"})
    assert edited.status_code == 200 and edited.json()["valid_until"] == "2999-01-01"

    assert rep_api.post(f"{URL}/{quote_id}/send").json()["status"] == "sent"
    assert rep_api.patch(f"{URL}/{quote_id}", {"title": "x"}).status_code == 422

    revised = rep_api.post(f"{URL}/{quote_id}/revise")
    assert revised.status_code == 201
    new = revised.json()
    assert (new["version"], new["previous_id"], new["status"]) == (2, quote_id, "draft")
    assert rep_api.get(f"{URL}/{quote_id}").json()["is_latest"] is False

    first = rep_api.post(f"{URL}/{new['id']}/accept")
    second = rep_api.post(f"{URL}/{new['id']}/accept")
    assert first.status_code == second.status_code == 200
    assert first.json()["order_id"] == second.json()["order_id"] is not None
    assert Order.objects.count() == 1

    listing = rep_api.get(URL, {"deal_id": deal.pk}).json()
    assert [item["id"] for item in listing["items"]] == [new["id"]]
    everything = rep_api.get(URL, {"deal_id": deal.pk, "all_versions": "true"}).json()
    assert {item["version"] for item in everything["items"]} == {1, 2}


def test_reject_then_accept_is_refused(rep_api):
    quote_id = rep_api.post(URL, _payload()).json()["id"]
    rejected = rep_api.post(f"{URL}/{quote_id}/reject", {"reason": "گران است"})
    assert rejected.status_code == 200 and rejected.json()["rejection_reason"] == "گران است"
    refused = rep_api.post(f"{URL}/{quote_id}/accept")
    assert refused.status_code == 422 and "status" in refused.json()["errors"]
    assert not Order.objects.exists()
    other = rep_api.post(URL, _payload()).json()["id"]
    assert rep_api.post(f"{URL}/{other}/reject").json()["status"] == "rejected"


@pytest.mark.parametrize(
    ("change", "field"),
    [
        (
            {"lines": [{"description": "a", "quantity": "-2", "unit_price": "1"}]},
            "lines.0.quantity",
        ),
        ({"lines": [{"description": "a", "unit_price": 1.5}]}, "lines.0.unit_price"),
        ({"lines": [{"unit_price": "1"}]}, "lines.0.description"),
        ({"lines": [{"description": "a", "unit_price": "1", "colour": "red"}]}, "lines.0.colour"),
        ({"currency": "XYZ"}, "currency"),
        ({"valid_until": "1403/13/40"}, "valid_until"),
        ({"contact": 999999}, "contact"),
        ({"deal": 999999}, "deal"),
    ],
)
def test_bad_input_is_a_422_naming_the_field(rep_api, change, field):
    response = rep_api.post(URL, _payload(**change))
    assert response.status_code == 422, response.content
    errors = response.json()["errors"]
    assert any(key.startswith(field) or key.endswith(field) for key in errors), errors
    assert not Quote.objects.exists()


def test_bad_lists_and_cursors(rep_api):
    assert rep_api.get(URL, {"status": "lost"}).status_code == 422
    assert rep_api.get(URL, {"cursor": "garbage"}).status_code == 400


def test_permissions_403_and_404(api_for, admin_api):
    quote_id = admin_api.post(URL, _payload()).json()["id"]
    outsider = api_for(UserFactory(role=None))
    assert outsider.get(URL).status_code == 403
    assert outsider.get(f"{URL}/{quote_id}").status_code == 403
    assert outsider.post(URL, _payload()).status_code == 403
    assert outsider.get(f"{URL}/{quote_id}/pdf").status_code == 403

    reader = api_for(UserFactory(role=RoleFactory(name="Read only")))
    assert reader.get(f"{URL}/{quote_id}").status_code == 200
    for action in ("send", "accept", "reject", "revise"):
        assert reader.post(f"{URL}/{quote_id}/{action}").status_code == 403, action
    assert reader.patch(f"{URL}/{quote_id}", {"title": "x"}).status_code == 403

    set_module_sharing("deals", "team")
    stranger = api_for(
        UserFactory(role=RoleFactory(name="Sales representative"), team=TeamFactory())
    )
    assert stranger.get(f"{URL}/{quote_id}").status_code == 404
    assert stranger.post(f"{URL}/{quote_id}/accept").status_code == 404
    assert stranger.get(f"{URL}/{quote_id}/pdf").status_code == 404
    assert stranger.get(f"{URL}/999999").status_code == 404
    assert not Order.objects.exists()
