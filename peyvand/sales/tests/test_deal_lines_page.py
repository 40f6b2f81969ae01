"""The deal form's product lines: rows added with htmx, saved through the sales services, the
amount worked out by commerce's arithmetic; bad rows save nothing."""

from decimal import Decimal

import pytest
from django.utils import translation

from peyvand.commerce.tests.factories import ProductFactory
from peyvand.contacts.tests.factories import ContactFactory
from peyvand.sales.models import Deal, DealProduct

from .factories import DealFactory, make_pipeline

pytestmark = pytest.mark.django_db


@pytest.fixture
def pipeline():
    return make_pipeline()


def _post(contact, pipeline, **lines):
    return {
        "title": "تجهیز دفتر",
        "contact": contact.pk,
        "currency": "IRR",
        "pipeline": pipeline.pk,
        **lines,
    }


def test_creating_a_deal_with_two_lines_stores_them_and_their_total(rep_client, rep, pipeline):
    contact = ContactFactory(owner=rep)
    laptop = ProductFactory(name="لپ‌تاپ", unit_price=Decimal("30000000"))
    mouse = ProductFactory(name="ماوس", unit_price=Decimal("500000"))
    response = rep_client.post(
        "/sales/deals/new/",
        _post(
            contact,
            pipeline,
            **{
                # No price: the product's price. 10% off 2 × 30,000,000.
                "line-0-product": laptop.pk,
                "line-0-quantity": "۲",
                "line-0-discount": "10",
                "line-1-product": mouse.pk,
                "line-1-quantity": "3",
                "line-1-unit_price": "450000",
                "line-2-quantity": "",  # an empty row is ignored
            },
        ),
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    deal = Deal.objects.get()
    lines = list(deal.lines.order_by("order"))
    assert [
        (li.product, li.name, li.quantity, li.unit_price, li.discount_percent) for li in lines
    ] == [
        (laptop, "لپ‌تاپ", Decimal(2), Decimal(30000000), Decimal(10)),
        (mouse, "ماوس", Decimal(3), Decimal(450000), Decimal(0)),
    ]
    assert deal.amount == Decimal(54_000_000 + 1_350_000)


def test_a_bad_quantity_shows_a_translated_error_and_saves_nothing(rep_client, rep, pipeline):
    contact = ContactFactory(owner=rep)
    product = ProductFactory()
    with translation.override("fa"):
        response = rep_client.post(
            "/sales/deals/new/",
            _post(
                contact,
                pipeline,
                **{
                    "line-0-product": product.pk,
                    "line-0-quantity": "1",
                    "line-1-product": product.pk,
                    "line-1-quantity": "0",
                },
            ),
            HTTP_ACCEPT_LANGUAGE="fa",
        )
    assert response.status_code == 200
    html = response.content.decode()
    assert "ردیف 2: تعداد باید بیشتر از صفر باشد." in html
    assert not Deal.objects.exists() and not DealProduct.objects.exists()


def test_too_many_quantity_decimals_are_refused_by_the_shared_arithmetic(rep_client, rep, pipeline):
    contact = ContactFactory(owner=rep)
    response = rep_client.post(
        "/sales/deals/new/",
        _post(
            contact,
            pipeline,
            **{
                "line-0-description": "خدمات",
                "line-0-quantity": "1.2345",
                "line-0-unit_price": "1000",
            },
        ),
    )
    assert response.status_code == 200
    assert not Deal.objects.exists()


def test_an_inactive_product_cannot_be_picked(rep_client, rep, pipeline):
    contact = ContactFactory(owner=rep)
    retired = ProductFactory(is_active=False, name="کالای قدیمی")
    active = ProductFactory(name="کالای جاری")
    page = rep_client.get("/sales/deals/new/").content.decode()
    assert active.name in page and retired.name not in page
    response = rep_client.post(
        "/sales/deals/new/", _post(contact, pipeline, **{"line-0-product": retired.pk})
    )
    assert response.status_code == 200
    assert not Deal.objects.exists()


def test_editing_shows_the_lines_and_changed_lines_update_the_amount(rep_client, rep, pipeline):
    contact = ContactFactory(owner=rep)
    product = ProductFactory(unit_price=Decimal(1000))
    deal = DealFactory(pipeline=pipeline, owner=rep, contact=contact, amount=Decimal(1000))
    DealProduct.objects.create(deal=deal, product=product, name="قطعه", unit_price=Decimal(1000))
    page = rep_client.get(f"/sales/deals/{deal.pk}/edit/").content.decode()
    assert 'name="line-0-description" value="قطعه"' in page
    response = rep_client.post(
        f"/sales/deals/{deal.pk}/edit/",
        {
            "title": deal.title,
            "contact": contact.pk,
            "currency": "IRR",
            "line-0-product": product.pk,
            "line-0-description": "قطعه",
            "line-0-quantity": "5",
            "line-0-unit_price": "1000",
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    deal.refresh_from_db()
    assert deal.amount == Decimal(5000)
    assert deal.lines.get().quantity == Decimal(5)


def test_add_line_row_returns_one_more_row(rep_client, pipeline):
    ProductFactory(name="چاپگر")
    response = rep_client.get("/sales/deals/line-row/", {"index": "102"})
    assert response.status_code == 200
    html = response.content.decode()
    assert 'name="line-102-quantity"' in html and "چاپگر" in html


def test_add_line_row_needs_deal_permission(client, no_role_user):
    client.force_login(no_role_user)
    assert client.get("/sales/deals/line-row/").status_code == 403
