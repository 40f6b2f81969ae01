"""Quotes: totals, versions, sending, accepting (one order) and rejecting."""

import datetime as dt
import io
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from peyvand.commerce.models import Order, OrderSource, OrderStatus
from peyvand.commerce.tests.factories import ProductFactory
from peyvand.contacts.tests.factories import CompanyFactory, ContactFactory
from peyvand.sales import quotes
from peyvand.sales.models import Quote, QuoteLine, QuoteStatus
from peyvand.timeline.models import TimelineEntry

from .factories import DealFactory

pytestmark = pytest.mark.django_db


def _line(**kwargs):
    return {"description": "خدمات پشتیبانی", "quantity": "1", "unit_price": "0", **kwargs}


@pytest.fixture
def customer():
    return ContactFactory(first_name="مریم", last_name="کاظمی")


def _quote(user, customer, lines=None, **data):
    return quotes.create_quote(
        user=user,
        data={"contact": customer.pk, "lines": lines or [_line(unit_price="1000000")], **data},
    )


# --- Totals ---------------------------------------------------------------------------------


def test_totals_apply_line_discounts_then_tax_on_the_discounted_amount(admin_user, customer):
    quote = _quote(
        admin_user,
        customer,
        lines=[
            _line(quantity="3", unit_price="2500000", discount="500000", tax_rate="10"),
            _line(quantity="2", unit_price="1000000", tax_rate="0"),
        ],
    )
    first, second = quote.lines.order_by("position")
    assert (first.subtotal, first.discount, first.net) == (7500000, 500000, 7000000)
    assert (first.tax, first.total) == (700000, 7700000)
    assert (second.tax, second.total) == (0, 2000000)
    assert quote.subtotal == Decimal("9500000")
    assert quote.discount == Decimal("500000")
    assert quote.tax == Decimal("700000")
    assert quote.total == Decimal("9700000")


def test_rial_and_toman_round_to_whole_units_per_line(admin_user, customer):
    # 3 × 333.5 = 1000.5 -> 1001; tax 9 % of 1001 = 90.09 -> 90.
    lines = [_line(quantity="3", unit_price="333.5", tax_rate="9")]
    for currency in ("IRR", "IRT"):
        quote = _quote(admin_user, customer, lines=lines, currency=currency)
        line = quote.lines.get()
        assert (line.subtotal, line.tax, line.total) == (1001, 90, 1091)
        assert quote.total == Decimal("1091")


def test_foreign_currencies_keep_cents(admin_user, customer):
    quote = _quote(
        admin_user,
        customer,
        lines=[_line(quantity="3", unit_price="333.35", tax_rate="9")],
        currency="USD",
    )
    assert quote.subtotal == Decimal("1000.05")
    assert quote.tax == Decimal("90.00")
    assert quote.total == Decimal("1090.05")


def test_persian_digits_and_separators_are_read_as_numbers(admin_user, customer):
    quote = _quote(
        admin_user,
        customer,
        lines=[_line(quantity="۲", unit_price="۱۲٬۵۰۰٬۰۰۰", discount="۱,۰۰۰,۰۰۰", tax_rate="۱۰")],
    )
    assert quote.subtotal == Decimal("25000000")
    assert quote.total == Decimal("26400000")


def test_product_lines_take_the_catalogue_price_and_tax_rate(admin_user, customer):
    product = ProductFactory(name="لایسنس نرم‌افزار", unit_price=Decimal("4000000"))
    quote = _quote(admin_user, customer, lines=[{"product": product.pk, "quantity": "2"}])
    line = quote.lines.get()
    assert line.description == "لایسنس نرم‌افزار"
    assert line.sku == product.sku
    assert (line.unit_price, line.tax_rate) == (Decimal("4000000"), Decimal("10"))
    assert quote.total == Decimal("8800000")


@pytest.mark.parametrize(
    ("line", "key"),
    [
        ({"quantity": "0"}, "lines.0.quantity"),
        ({"quantity": "abc"}, "lines.0.quantity"),
        ({"unit_price": "-5"}, "lines.0.unit_price"),
        ({"discount": "2000000"}, "lines.0.discount"),
        ({"tax_rate": "120"}, "lines.0.tax_rate"),
        ({"description": ""}, "lines.0.description"),
        ({"unit_price": 1.5}, "lines.0.unit_price"),
    ],
)
def test_bad_lines_are_refused_with_the_field_named(admin_user, customer, line, key):
    with pytest.raises(ValidationError) as exc:
        _quote(admin_user, customer, lines=[_line(**{"unit_price": "1000000", **line})])
    assert key in exc.value.message_dict
    assert not Quote.objects.exists() and not QuoteLine.objects.exists()


def test_a_quote_needs_a_customer_and_a_future_validity_date(admin_user):
    with pytest.raises(ValidationError) as exc:
        quotes.create_quote(
            user=admin_user,
            data={"lines": [_line(unit_price="1")], "valid_until": "1400/01/01"},
        )
    assert set(exc.value.message_dict) == {"contact", "valid_until"}


def test_a_deal_quote_is_for_the_deals_customer_and_owner(admin_user, rep):
    company = CompanyFactory()
    deal = DealFactory(owner=rep, company=company, currency="IRT")
    quote = quotes.create_quote(
        user=admin_user, data={"deal": deal.pk, "lines": [_line(unit_price="10")]}
    )
    assert (quote.contact_id, quote.company_id) == (deal.contact_id, company.pk)
    assert quote.owner == rep
    assert quote.currency == "IRT"
    assert quote.number == f"Q-{quote.pk:06d}" and quote.version == 1


# --- Versions -------------------------------------------------------------------------------


def test_revising_makes_a_new_draft_and_keeps_the_sent_version_unchanged(admin_user, customer):
    sent = quotes.send_quote(_quote(admin_user, customer), user=admin_user)
    before = list(sent.lines.values("description", "quantity", "unit_price", "total"))
    new = quotes.revise_quote(sent, user=admin_user)
    assert (new.number, new.version, new.status) == (sent.number, 2, QuoteStatus.DRAFT)
    assert new.previous == sent

    quotes.update_quote(
        new,
        user=admin_user,
        data={"lines": [_line(description="نسخهٔ تازه", quantity="5", unit_price="900000")]},
    )
    sent.refresh_from_db()
    assert sent.status == QuoteStatus.SENT and not sent.is_latest
    assert sent.total == Decimal("1100000")
    assert list(sent.lines.values("description", "quantity", "unit_price", "total")) == before
    new.refresh_from_db()
    assert new.total == Decimal("4950000")


def test_earlier_versions_cannot_be_edited_sent_accepted_or_revised(admin_user, customer):
    old = quotes.send_quote(_quote(admin_user, customer), user=admin_user)
    quotes.revise_quote(old, user=admin_user)
    old.refresh_from_db()
    for action in (
        lambda: quotes.update_quote(old, user=admin_user, data={"title": "x"}),
        lambda: quotes.accept_quote(old, user=admin_user),
        lambda: quotes.reject_quote(old, user=admin_user),
        lambda: quotes.revise_quote(old, user=admin_user),
    ):
        with pytest.raises(ValidationError):
            action()
    assert not Order.objects.exists()


def test_sent_quotes_are_read_only_until_revised(admin_user, customer):
    sent = quotes.send_quote(_quote(admin_user, customer), user=admin_user)
    with pytest.raises(ValidationError):
        quotes.update_quote(sent, user=admin_user, data={"lines": [_line(unit_price="1")]})
    sent.refresh_from_db()
    assert sent.total == Decimal("1100000")


# --- Send, accept, reject -------------------------------------------------------------------


def test_accepting_creates_exactly_one_order_with_the_quotes_lines(admin_user, customer):
    quote = quotes.send_quote(
        _quote(
            admin_user,
            customer,
            lines=[_line(quantity="2", unit_price="3000000", discount="100000", tax_rate="10")],
        ),
        user=admin_user,
    )
    accepted = quotes.accept_quote(quote, user=admin_user)
    again = quotes.accept_quote(quote, user=admin_user)
    assert Order.objects.count() == 1
    order = Order.objects.get()
    assert accepted.order == order and again.order == order
    assert accepted.status == QuoteStatus.ACCEPTED and accepted.accepted_at is not None
    assert (order.source, order.external_id) == (OrderSource.QUOTE, quote.number)
    assert order.status == OrderStatus.CONFIRMED
    assert order.contact == customer
    assert order.total == quote.total == Decimal("6490000")
    line = order.lines.get()
    assert (line.quantity, line.unit_price, line.discount) == (2, 3000000, 100000)


def test_accepting_links_an_order_made_for_the_quote_before(admin_user, customer):
    quote = quotes.send_quote(_quote(admin_user, customer), user=admin_user)
    earlier = quotes._order_for(quote, admin_user)
    accepted = quotes.accept_quote(quote, user=admin_user)
    assert accepted.order == earlier and Order.objects.count() == 1


def test_rejected_quotes_cannot_be_accepted(admin_user, customer):
    quote = _quote(admin_user, customer)
    quotes.reject_quote(quote, user=admin_user, reason="قیمت بالاست")
    with pytest.raises(ValidationError) as exc:
        quotes.accept_quote(quote, user=admin_user)
    assert "status" in exc.value.message_dict
    quote.refresh_from_db()
    assert quote.status == QuoteStatus.REJECTED and quote.rejection_reason == "قیمت بالاست"
    assert not Order.objects.exists()


def test_a_sent_quote_past_its_validity_expires_instead_of_being_accepted(admin_user, customer):
    quote = quotes.send_quote(
        _quote(admin_user, customer, valid_until=timezone.localdate()), user=admin_user
    )
    Quote.objects.filter(pk=quote.pk).update(valid_until=timezone.localdate() - dt.timedelta(1))
    quote.refresh_from_db()
    with pytest.raises(ValidationError):
        quotes.accept_quote(quote, user=admin_user)
    quote.refresh_from_db()
    assert quote.status == QuoteStatus.EXPIRED
    assert not Order.objects.exists()
    # An expired quote can be revised into a new draft.
    assert quotes.revise_quote(quote, user=admin_user).version == 2


def test_expire_overdue_quotes_expires_only_sent_quotes_past_validity(admin_user, customer):
    today = timezone.localdate()
    overdue = quotes.send_quote(_quote(admin_user, customer, valid_until=today), user=admin_user)
    current = quotes.send_quote(_quote(admin_user, customer, valid_until=today), user=admin_user)
    draft = _quote(admin_user, customer, valid_until=today)
    Quote.objects.filter(pk__in=[overdue.pk, draft.pk]).update(
        valid_until=today - dt.timedelta(days=3)
    )
    assert quotes.expire_overdue_quotes() == 1
    statuses = dict(Quote.objects.values_list("pk", "status"))
    assert statuses == {
        overdue.pk: QuoteStatus.EXPIRED,
        current.pk: QuoteStatus.SENT,
        draft.pk: QuoteStatus.DRAFT,
    }


def test_sending_needs_a_draft_with_items(admin_user, customer):
    empty = quotes.create_quote(user=admin_user, data={"contact": customer.pk})
    with pytest.raises(ValidationError) as exc:
        quotes.send_quote(empty, user=admin_user)
    assert "lines" in exc.value.message_dict
    sent = quotes.send_quote(_quote(admin_user, customer), user=admin_user)
    with pytest.raises(ValidationError):
        quotes.send_quote(sent, user=admin_user)


def test_quote_events_appear_on_the_customers_timeline(admin_user, customer):
    quote = quotes.send_quote(_quote(admin_user, customer), user=admin_user)
    quotes.accept_quote(quote, user=admin_user)
    kinds = set(
        TimelineEntry.objects.filter(contact=customer, kind__startswith="quote_").values_list(
            "kind", flat=True
        )
    )
    assert kinds == {"quote_created", "quote_sent", "quote_accepted"}


def test_sending_defers_an_expiry_job_the_day_after_validity(
    admin_user, customer, settings, django_capture_on_commit_callbacks
):
    from peyvand.sales.quote_tasks import expire_quote_job

    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    backend = expire_quote_job.get_backend()
    assert backend.supports_defer
    valid_until = timezone.localdate() + dt.timedelta(days=10)
    quote = _quote(admin_user, customer, valid_until=valid_until)
    with django_capture_on_commit_callbacks(execute=True):
        quotes.send_quote(quote, user=admin_user)
    [job] = [r for r in backend.results if r.task.name == "expire_quote_job"]
    assert job.args == [quote.pk]
    assert timezone.localtime(job.task.run_after).date() == valid_until + dt.timedelta(days=1)


def test_the_expiry_job_and_command_expire_overdue_quotes(admin_user, customer):
    from django.core.management import call_command

    from peyvand.sales.quote_tasks import expire_quote_job

    quote = quotes.send_quote(
        _quote(admin_user, customer, valid_until=timezone.localdate()), user=admin_user
    )
    assert expire_quote_job.call(quote.pk) is False  # still valid today
    Quote.objects.filter(pk=quote.pk).update(valid_until=timezone.localdate() - dt.timedelta(1))
    assert expire_quote_job.call(quote.pk) is True
    other = quotes.send_quote(
        _quote(admin_user, customer, valid_until=timezone.localdate()), user=admin_user
    )
    Quote.objects.filter(pk=other.pk).update(valid_until=timezone.localdate() - dt.timedelta(1))
    call_command("expire_quotes", stdout=io.StringIO())
    other.refresh_from_db()
    assert other.status == QuoteStatus.EXPIRED


def test_a_deals_accepted_quote_order_is_found_for_the_deal(admin_user):
    deal = DealFactory()
    assert quotes.accepted_quote_order(deal) is None
    quote = quotes.create_quote(
        user=admin_user, data={"deal": deal.pk, "lines": [_line(unit_price="10")]}
    )
    accepted = quotes.accept_quote(quote, user=admin_user)
    assert quotes.accepted_quote_order(deal) == accepted.order
    assert quotes.accepted_quote_order(deal.pk) == accepted.order
