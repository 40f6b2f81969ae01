from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from peyvand.commerce import services
from peyvand.commerce.models import Order, OrderStatus, Product

from .factories import (
    ContactFactory,
    OrderFactory,
    PriceListFactory,
    ProductCategoryFactory,
    ProductFactory,
    UserFactory,
)

D = Decimal
pytestmark = pytest.mark.django_db


def _order_post(**extra):
    data = {
        "currency": "IRR",
        "customer_name": "",
        "ordered_at": "",
        "notes": "",
        "line-0-product": "",
        "line-0-description": "",
        "line-0-quantity": "",
        "line-0-unit_price": "",
        "line-0-discount": "",
        "line-0-tax_rate": "",
    }
    data.update(extra)
    return data


def test_order_pages_render_in_persian_and_english(admin_client, admin_user):
    contact = ContactFactory()
    order = services.record_order(
        user=admin_user,
        data={
            "contact": contact,
            "lines": [{"description": "کالا", "quantity": 1, "unit_price": 1000}],
        },
    )
    for url in (
        reverse("commerce:order_list"),
        reverse("commerce:order_detail", args=[order.pk]),
        reverse("commerce:order_edit", args=[order.pk]),
        reverse("commerce:order_create"),
        reverse("commerce:product_list"),
        reverse("commerce:product_create"),
        reverse("commerce:price_list_list"),
        reverse("commerce:price_list_create"),
        reverse("commerce:category_list"),
        reverse("commerce:settings"),
    ):
        response = admin_client.get(url)
        assert response.status_code == 200, url
    page = admin_client.get(reverse("commerce:order_detail", args=[order.pk])).content.decode()
    assert "سفارش" in page and "۱٬۱۰۰ ریال" in page
    admin_user.language = "en"
    admin_user.save()
    page = admin_client.get(
        reverse("commerce:order_detail", args=[order.pk]), headers={"accept-language": "en"}
    ).content.decode()
    assert "1,100 IRR" in page


def test_create_order_from_the_form(admin_client):
    product = ProductFactory(unit_price=D("250000"), tax_rate=D("10"))
    contact = ContactFactory()
    response = admin_client.post(
        reverse("commerce:order_create"),
        _order_post(
            contact=str(contact.pk),
            ordered_at="۱۴۰۳/۰۵/۱۲",
            **{"line-0-product": str(product.pk), "line-0-quantity": "۲"},
            **{
                "line-7-description": "ارسال",
                "line-7-unit_price": "۵۰٬۰۰۰",
                "line-7-tax_rate": "0",
            },
        ),
    )
    order = Order.objects.get()
    assert response.status_code == 302 and response.url == order.get_absolute_url()
    assert order.contact == contact and order.total == D("600000")
    assert timezone.localtime(order.ordered_at).date().isoformat() == "2024-08-02"


def test_bad_line_shows_error_next_to_the_row_and_saves_nothing(admin_client):
    product = ProductFactory()
    response = admin_client.post(
        reverse("commerce:order_create"),
        _order_post(**{"line-0-product": str(product.pk), "line-0-quantity": "-1"}),
    )
    assert response.status_code == 422
    assert "تعداد باید بیشتر از صفر باشد" in response.content.decode()
    assert not Order.objects.exists()


def test_htmx_add_line_returns_a_row(admin_client):
    ProductFactory(name="لیوان")
    response = admin_client.get(reverse("commerce:order_line_row"), {"index": "5"})
    content = response.content.decode()
    assert 'name="line-5-quantity"' in content and "لیوان" in content


def test_status_change_from_the_detail_page(admin_client, admin_user):
    order = services.record_order(
        user=admin_user, data={"lines": [{"description": "x", "quantity": 1, "unit_price": 10}]}
    )
    response = admin_client.post(
        reverse("commerce:order_status", args=[order.pk]), {"status": "confirmed", "note": ""}
    )
    assert response.status_code == 302
    order.refresh_from_db()
    assert order.status == OrderStatus.CONFIRMED


def test_product_create_and_edit(admin_client):
    category = ProductCategoryFactory()
    response = admin_client.post(
        reverse("commerce:product_create"),
        {
            "sku": "TEA-01",
            "name": "چای سبز",
            "name_en": "Green tea",
            "category": category.pk,
            "unit": "بسته",
            "currency": "IRR",
            "unit_price": "۱۲۰٬۰۰۰",
            "tax_rate": "10",
            "cost_price": "",
            "is_active": "on",
            "description": "",
        },
    )
    product = Product.objects.get(sku="TEA-01")
    assert response.status_code == 302
    assert product.unit_price == D("120000") and product.category == category
    response = admin_client.post(
        reverse("commerce:product_edit", args=[product.pk]),
        {"sku": "TEA-01", "name": "چای", "currency": "IRR", "unit_price": "-5", "tax_rate": "10"},
    )
    assert response.status_code == 422
    assert "منفی" in response.content.decode()


def test_duplicate_sku_is_a_field_error(admin_client):
    ProductFactory(sku="DUP")
    response = admin_client.post(
        reverse("commerce:product_create"),
        {"sku": "dup", "name": "x", "currency": "IRR", "unit_price": "1", "tax_rate": "10"},
    )
    assert response.status_code == 422 and Product.objects.count() == 1


def test_order_list_filters_by_jalali_dates_and_status(admin_client):
    import datetime as dt

    from django.utils import timezone

    inside = OrderFactory(
        ordered_at=timezone.make_aware(dt.datetime(2024, 8, 2, 12)), status="paid"
    )
    OrderFactory(ordered_at=timezone.make_aware(dt.datetime(2024, 9, 2, 12)), status="paid")
    OrderFactory(ordered_at=timezone.make_aware(dt.datetime(2024, 8, 2, 12)), status="draft")
    response = admin_client.get(
        reverse("commerce:order_list"),
        {"date_from": "1403/05/01", "date_to": "1403/05/31", "status": "paid"},
    )
    assert [o.pk for o in response.context["page"].items] == [inside.pk]


def test_order_list_query_count_is_bounded(admin_client, django_assert_max_num_queries):
    owners = UserFactory.create_batch(3)
    contacts = ContactFactory.create_batch(3)
    for i in range(30):
        OrderFactory(owner=owners[i % 3], contact=contacts[i % 3])
    with django_assert_max_num_queries(12):
        response = admin_client.get(reverse("commerce:order_list"))
    assert len(response.context["page"].items) == 30


def test_product_list_query_count_is_bounded(admin_client, django_assert_max_num_queries):
    category = ProductCategoryFactory()
    ProductFactory.create_batch(30, category=category)
    with django_assert_max_num_queries(10):
        response = admin_client.get(reverse("commerce:product_list"))
    assert len(response.context["page"].items) == 30


def test_price_list_prices_are_set_and_removed(admin_client):
    price_list = PriceListFactory()
    product = ProductFactory()
    url = reverse("commerce:price_list_item", args=[price_list.pk])
    assert admin_client.post(url, {"product": product.pk, "unit_price": "900"}).status_code == 302
    assert price_list.items.get().unit_price == D("900")
    admin_client.post(url, {"remove": product.pk})
    assert not price_list.items.exists()


def test_settings_change_the_default_tax_rate(admin_client):
    response = admin_client.post(
        reverse("commerce:settings"), {"default_tax_rate": "۹", "default_currency": "IRR"}
    )
    assert response.status_code == 302
    assert ProductFactory.build().tax_rate == D("10")  # the factory sets its own
    assert Product(sku="x", name="y").tax_rate == D("9")


def test_orders_panel_on_the_customer_page(rf, admin_user):
    from django.template.loader import render_to_string

    from peyvand.contacts.panels import panels_for

    contact = ContactFactory()
    services.record_order(
        user=admin_user,
        data={
            "contact": contact,
            "status": "paid",
            "lines": [{"description": "x", "quantity": 1, "unit_price": 1000}],
        },
    )
    panel = next(p for p in panels_for("contact", admin_user) if p.key == "orders")
    request = rf.get("/")
    request.user = admin_user
    html = render_to_string(panel.template, panel.context(request, contact), request=request)
    assert "۱٬۱۰۰ ریال" in html and "ORD-" in html


def test_orders_panel_is_hidden_without_orders_permission(no_role_user):
    from peyvand.contacts.panels import panels_for

    assert "orders" not in [p.key for p in panels_for("contact", no_role_user)]


def test_edit_order_replaces_lines_and_keeps_the_customer(admin_client, admin_user):
    contact = ContactFactory()
    order = services.record_order(
        user=admin_user,
        data={
            "contact": contact,
            "lines": [{"description": "x", "quantity": 1, "unit_price": 100}],
        },
    )
    form = admin_client.get(reverse("commerce:order_edit", args=[order.pk])).context["form"]
    response = admin_client.post(
        reverse("commerce:order_edit", args=[order.pk]),
        _order_post(
            contact=str(contact.pk),
            ordered_at=form.initial["ordered_at"],
            **{
                "line-0-description": "y",
                "line-0-quantity": "2",
                "line-0-unit_price": "100",
                "line-0-tax_rate": "0",
            },
        ),
    )
    assert response.status_code == 302
    order.refresh_from_db()
    assert order.contact == contact and order.total == D("200")
    assert list(order.lines.values_list("description", flat=True)) == ["y"]


def test_customer_lookup_offers_visible_contacts(admin_client):
    from peyvand.contacts.services import reindex

    contact = ContactFactory(first_name="شهره", last_name="باقری")
    reindex(contact)
    response = admin_client.get(reverse("commerce:customer_lookup"), {"customer_q": "باقری"})
    assert f'data-id="{contact.pk}"' in response.content.decode()
