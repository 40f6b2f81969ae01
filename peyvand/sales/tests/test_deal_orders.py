"""Orders from won deals (issue 4): one order per deal, from its product lines or its amount;
an accepted quote's order counts as the deal's order, and accepting a quote wins its deal."""

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from peyvand.accounts.models import ModuleSharing
from peyvand.accounts.tests.factories import RoleFactory, TeamFactory, UserFactory
from peyvand.commerce.models import Order, OrderSource, OrderStatus
from peyvand.commerce.tests.factories import ProductFactory
from peyvand.contacts.tests.factories import ContactFactory
from peyvand.sales import quotes, services
from peyvand.sales.models import DealStatus, QuoteStatus, StageKind
from peyvand.sales.services import DealInput
from peyvand.timeline.models import TimelineEntry

from .factories import LostReasonFactory, make_pipeline

pytestmark = pytest.mark.django_db

API = "/api/v1/sales/deals"


@pytest.fixture
def pipeline():
    return make_pipeline()


@pytest.fixture
def team():
    return TeamFactory(name="فروش تهران")


def _deal(user, pipeline, *, team=None, lines=None, amount="250000000", won=True):
    """A deal made through the service; with lines, its amount is their total."""
    data = DealInput(
        title="تمدید قرارداد پشتیبانی",
        contact=ContactFactory(owner=user),
        pipeline=pipeline,
        owner=user,
        team=team,
    )
    if lines:
        data.lines = lines
    else:
        data.amount = Decimal(amount)
    deal = services.create_deal(user=user, data=data)
    if won:
        deal = services.mark_won(deal, user=user)
    return deal


# --- The service ------------------------------------------------------------------------


def test_won_deal_becomes_one_confirmed_order_with_its_lines_and_totals(rep, pipeline, team):
    product = ProductFactory(name="لایسنس سالانه", tax_rate=Decimal("9"), cost_price=400000)
    deal = _deal(
        rep,
        pipeline,
        team=team,
        lines=[
            {
                "product": product,
                "quantity": "3",
                "unit_price": "1000000",
                "discount_percent": "10",
            },
            {"name": "نصب و راه‌اندازی", "quantity": "1", "unit_price": "5000000"},
        ],
    )

    order = services.create_order_from_deal(deal, user=rep)

    assert Order.objects.count() == 1
    assert (order.source, order.external_id) == (OrderSource.DEAL, str(deal.pk))
    assert order.status == OrderStatus.CONFIRMED and order.confirmed_at is not None
    assert (order.contact_id, order.owner, order.team) == (deal.contact_id, rep, team)
    assert order.currency == deal.currency == "IRR"
    licence, setup = order.lines.order_by("position")
    assert (licence.product, licence.description, licence.quantity) == (product, "لایسنس سالانه", 3)
    # 10% of 3,000,000 becomes an amount; the product's own tax rate applies.
    assert (licence.subtotal, licence.discount, licence.net) == (3000000, 300000, 2700000)
    assert (licence.tax_rate, licence.tax, licence.unit_cost) == (9, 243000, 400000)
    assert (setup.product, setup.description, setup.net) == (None, "نصب و راه‌اندازی", 5000000)
    assert setup.tax == 500000  # no product: the default rate (10%)
    # Before tax, the order is worth what the deal is.
    assert order.subtotal - order.discount == deal.amount == Decimal("7700000")
    assert order.tax == Decimal("743000")
    assert order.total == Decimal("8443000")
    assert order.metadata["deal_id"] == deal.pk
    assert TimelineEntry.objects.filter(kind="order", contact=deal.contact).count() == 1


def test_deal_without_products_becomes_one_line_of_its_title_and_amount(rep, pipeline):
    deal = _deal(rep, pipeline, amount="120000000")
    order = services.create_order_from_deal(deal, user=rep)
    line = order.lines.get()
    assert (line.description, line.quantity, line.unit_price) == (deal.title, 1, 120000000)
    assert order.subtotal == Decimal("120000000")


def test_creating_the_order_twice_returns_the_same_order(rep, pipeline):
    deal = _deal(rep, pipeline)
    first, created = services.order_from_deal(deal, user=rep)
    second, created_again = services.order_from_deal(deal, user=rep)
    assert first == second and created and not created_again
    assert Order.objects.count() == 1


def test_an_open_deal_cannot_become_an_order_and_nothing_is_written(rep, pipeline):
    deal = _deal(rep, pipeline, won=False)
    entries = TimelineEntry.objects.count()
    with pytest.raises(ValidationError) as exc:
        services.create_order_from_deal(deal, user=rep)
    assert "موفق" in exc.value.message_dict["status"][0]  # "only a won deal…", translated
    assert not Order.objects.exists()
    assert TimelineEntry.objects.count() == entries


def test_a_lost_deal_cannot_become_an_order(rep, pipeline):
    deal = services.mark_lost(_deal(rep, pipeline, won=False), user=rep, reason=LostReasonFactory())
    with pytest.raises(ValidationError):
        services.create_order_from_deal(deal, user=rep)
    assert not Order.objects.exists()


def test_a_won_deal_with_nothing_to_sell_is_refused(rep, pipeline):
    deal = _deal(rep, pipeline, amount="0")
    with pytest.raises(ValidationError) as exc:
        services.create_order_from_deal(deal, user=rep)
    assert "amount" in exc.value.message_dict
    assert not Order.objects.exists()


def test_creating_an_order_needs_orders_add(pipeline):
    user = UserFactory(role=RoleFactory(name="Deals only", permissions={"deals": ["view"]}))
    deal = _deal(user, pipeline)
    with pytest.raises(PermissionDenied):
        services.create_order_from_deal(deal, user=user)
    assert not Order.objects.exists()


# --- Quotes -----------------------------------------------------------------------------


def _accepted_quote(user, deal):
    quote = quotes.create_quote(
        user=user,
        data={
            "deal": deal.pk,
            "lines": [{"description": "پشتیبانی", "quantity": "1", "unit_price": "90000000"}],
        },
    )
    return quotes.accept_quote(quotes.send_quote(quote, user=user), user=user)


def test_accepting_a_quote_wins_its_open_deal(rep, pipeline):
    deal = _deal(rep, pipeline, won=False)
    quote = _accepted_quote(rep, deal)
    deal.refresh_from_db()
    assert deal.status == DealStatus.WON and deal.won_at is not None
    assert deal.stage.kind == StageKind.WON
    assert deal.stage_changes.filter(to_stage=deal.stage).exists()
    assert TimelineEntry.objects.filter(kind="deal_won", source_id=deal.pk).count() == 1
    assert quote.status == QuoteStatus.ACCEPTED


def test_quote_is_not_accepted_when_its_deal_cannot_be_won(rep, pipeline):
    pipeline.stages.filter(kind=StageKind.WON).update(required_fields=["expected_close"])
    deal = _deal(rep, pipeline, won=False)
    quote = quotes.send_quote(
        quotes.create_quote(
            user=rep,
            data={
                "deal": deal.pk,
                "lines": [{"description": "پشتیبانی", "quantity": "1", "unit_price": "1000"}],
            },
        ),
        user=rep,
    )
    with pytest.raises(ValidationError):
        quotes.accept_quote(quote, user=rep)
    quote.refresh_from_db()
    deal.refresh_from_db()
    assert quote.status == QuoteStatus.SENT and quote.order_id is None
    assert deal.status == DealStatus.OPEN
    assert not Order.objects.exists()


def test_a_won_deal_whose_quote_was_accepted_gets_the_quotes_order(rep, pipeline):
    deal = _deal(rep, pipeline, won=False)
    quote = _accepted_quote(rep, deal)
    deal.refresh_from_db()
    order, created = services.order_from_deal(deal, user=rep)
    assert order == quote.order and not created
    assert Order.objects.count() == 1


def test_accepting_a_quote_of_a_won_deal_leaves_the_deal_as_it_is(rep, pipeline):
    deal = _deal(rep, pipeline)
    won_at = deal.won_at
    _accepted_quote(rep, deal)
    deal.refresh_from_db()
    assert deal.status == DealStatus.WON and deal.won_at == won_at


# --- Deal page --------------------------------------------------------------------------


def test_won_deal_page_offers_create_order_then_links_the_order(rep_client, rep, pipeline):
    deal = _deal(rep, pipeline)
    action = f"/sales/deals/{deal.pk}/order/"
    assert action in rep_client.get(deal.get_absolute_url()).content.decode()

    response = rep_client.post(action)
    order = Order.objects.get()
    assert response.status_code == 302 and response.url == order.get_absolute_url()
    assert rep_client.post(action).url == order.get_absolute_url()
    assert Order.objects.count() == 1

    page = rep_client.get(deal.get_absolute_url()).content.decode()
    assert action not in page
    assert order.get_absolute_url() in page


def test_open_deal_page_has_no_create_order_and_posting_changes_nothing(rep_client, rep, pipeline):
    deal = _deal(rep, pipeline, won=False)
    action = f"/sales/deals/{deal.pk}/order/"
    assert action not in rep_client.get(deal.get_absolute_url()).content.decode()
    response = rep_client.post(action, follow=True)
    assert response.status_code == 200
    assert not Order.objects.exists()
    assert len(list(response.context["messages"])) == 1


def test_create_order_button_and_page_need_orders_add(client, pipeline):
    user = UserFactory(role=RoleFactory(name="Deals only", permissions={"deals": ["view"]}))
    deal = _deal(user, pipeline)
    client.force_login(user)
    action = f"/sales/deals/{deal.pk}/order/"
    assert action not in client.get(deal.get_absolute_url()).content.decode()
    assert client.post(action).status_code == 403
    assert not Order.objects.exists()


def test_deal_page_lists_the_deals_quotes(rep_client, rep, pipeline):
    deal = _deal(rep, pipeline, won=False)
    quote = _accepted_quote(rep, deal)
    page = rep_client.get(deal.get_absolute_url()).content.decode()
    assert 'id="deal-quotes"' in page
    assert quote.get_absolute_url() in page
    # The accepted quote's order is the deal's order: linked, no second "Create order".
    assert quote.order.get_absolute_url() in page
    assert f"/sales/deals/{deal.pk}/order/" not in page


# --- API --------------------------------------------------------------------------------


def test_api_creates_the_order_once(rep_api, rep, pipeline):
    deal = _deal(rep, pipeline, amount="5000000")
    first = rep_api.post(f"{API}/{deal.pk}/order")
    assert first.status_code == 201, first.json()
    body = first.json()
    assert body["source"] == "deal" and body["external_id"] == str(deal.pk)
    assert body["subtotal"] == "5000000" and len(body["lines"]) == 1
    again = rep_api.post(f"{API}/{deal.pk}/order")
    assert again.status_code == 200 and again.json()["id"] == body["id"]
    assert Order.objects.count() == 1


def test_api_refuses_an_open_deal_with_a_translated_error(rep_api, rep, pipeline):
    deal = _deal(rep, pipeline, won=False)
    response = rep_api.post(f"{API}/{deal.pk}/order")
    assert response.status_code == 422
    assert "status" in response.json()["errors"]
    assert "موفق" in response.json()["errors"]["status"][0]
    assert not Order.objects.exists()


def test_api_needs_orders_add_and_a_visible_deal(api_for, rep, pipeline):
    deal = _deal(rep, pipeline)
    deals_only = UserFactory(role=RoleFactory(name="Deals only", permissions={"deals": ["view"]}))
    assert api_for(deals_only).post(f"{API}/{deal.pk}/order").status_code == 403
    ModuleSharing.objects.update_or_create(module="deals", defaults={"scope": "hierarchy"})
    stranger = UserFactory(role=RoleFactory(name="Sales representative"))
    assert api_for(stranger).post(f"{API}/{deal.pk}/order").status_code == 404
    assert not Order.objects.exists()
