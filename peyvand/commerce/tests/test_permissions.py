import pytest
from django.urls import reverse

from peyvand.accounts.models import ModuleSharing, Role
from peyvand.commerce.models import Order

from .factories import OrderFactory, ProductFactory, TeamFactory, UserFactory

pytestmark = pytest.mark.django_db
BASE = "/api/v1/commerce"


def test_default_roles_got_commerce_permissions():
    admin = Role.objects.get(name="Administrator")
    rep = Role.objects.get(name="Sales representative")
    read_only = Role.objects.get(name="Read only")
    assert admin.allows("orders", "delete") and admin.allows("products", "change")
    assert rep.allows("orders", "add") and not rep.allows("products", "change")
    assert read_only.allows("orders", "view") and not read_only.allows("orders", "add")


@pytest.mark.parametrize(
    "name",
    ["commerce:order_list", "commerce:product_list", "commerce:price_list_list"],
)
def test_pages_are_403_without_a_role(client, no_role_user, name):
    client.force_login(no_role_user)
    assert client.get(reverse(name)).status_code == 403


def test_read_only_user_cannot_create_orders_or_products(client, readonly_user):
    client.force_login(readonly_user)
    assert client.get(reverse("commerce:order_list")).status_code == 200
    assert client.get(reverse("commerce:order_create")).status_code == 403
    assert client.get(reverse("commerce:product_create")).status_code == 403
    assert client.post(reverse("commerce:order_create"), {}).status_code == 403


def test_rep_cannot_change_settings_or_products(rep_client):
    assert rep_client.get(reverse("commerce:settings")).status_code == 403
    product = ProductFactory()
    assert rep_client.get(reverse("commerce:product_edit", args=[product.pk])).status_code == 403
    assert rep_client.get(reverse("commerce:product_detail", args=[product.pk])).status_code == 200


def test_orders_of_other_teams_are_404_under_team_sharing(rep, rep_client, api_for):
    ModuleSharing.objects.update_or_create(module="orders", defaults={"scope": "team"})
    other = UserFactory(team=TeamFactory())
    hidden = OrderFactory(owner=other, team=other.team)
    mine = OrderFactory(owner=rep, team=rep.team)
    assert rep_client.get(reverse("commerce:order_detail", args=[hidden.pk])).status_code == 404
    assert rep_client.get(reverse("commerce:order_edit", args=[hidden.pk])).status_code == 404
    assert (
        rep_client.post(reverse("commerce:order_status", args=[hidden.pk]), {"status": "paid"})
    ).status_code == 404
    listed = rep_client.get(reverse("commerce:order_list")).context["page"].items
    assert [o.pk for o in listed] == [mine.pk]
    api = api_for(rep)
    assert api.get(f"{BASE}/orders/{hidden.pk}").status_code == 404
    assert api.patch(f"{BASE}/orders/{hidden.pk}", {"notes": "x"}).status_code == 404
    assert [o["id"] for o in api.get(f"{BASE}/orders").json()["items"]] == [mine.pk]
    hidden.refresh_from_db()
    assert hidden.notes == ""


def test_api_is_403_without_permission(api_for, no_role_user, readonly_user):
    api = api_for(no_role_user)
    for path in ("/orders", "/products", "/price-lists", "/categories"):
        response = api.get(f"{BASE}{path}")
        assert response.status_code == 403 and "detail" in response.json()
    read_only = api_for(readonly_user)
    response = read_only.post(
        f"{BASE}/orders", {"lines": [{"description": "x", "quantity": 1, "unit_price": 1}]}
    )
    assert response.status_code == 403 and not Order.objects.exists()
    assert (
        read_only.post(f"{BASE}/orders/bulk", {"source": "shop", "orders": []}).status_code == 403
    )
    assert read_only.post(f"{BASE}/products", {"sku": "a", "name": "b"}).status_code == 403


def test_api_needs_authentication(client):
    response = client.get(f"{BASE}/orders")
    assert response.status_code == 401
