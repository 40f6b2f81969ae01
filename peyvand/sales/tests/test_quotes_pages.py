"""Quote pages: editor with line rows, detail actions, printable page, deal fragment, and who
may do what."""

from decimal import Decimal

import pytest

from peyvand.accounts.services import set_module_sharing
from peyvand.accounts.tests.factories import TeamFactory, UserFactory
from peyvand.commerce.models import Order
from peyvand.commerce.tests.factories import ProductFactory
from peyvand.contacts.tests.factories import ContactFactory
from peyvand.sales import quotes
from peyvand.sales.models import Quote, QuoteStatus

from .factories import DealFactory

pytestmark = pytest.mark.django_db


def _post_lines(*rows):
    data = {f"line_{name}": [] for name in ("product", "description", "quantity", "unit_price")}
    data.update({"line_discount": [], "line_tax_rate": []})
    for row in rows:
        for name in ("product", "description", "quantity", "unit_price", "discount", "tax_rate"):
            data[f"line_{name}"].append(row.get(name, ""))
    return data


def _make(user, **data):
    contact = data.pop("contact", None) or ContactFactory()
    return quotes.create_quote(
        user=user,
        data={
            "contact": contact.pk,
            "lines": [{"description": "نصب و راه‌اندازی", "unit_price": "5000000"}],
            **data,
        },
    )


def test_a_rep_creates_a_quote_for_a_deal_from_the_editor(rep_client, rep):
    deal = DealFactory(owner=rep)
    page = rep_client.get(f"/sales/quotes/new/?deal={deal.pk}")
    assert page.status_code == 200
    assert deal.title in page.content.decode()
    response = rep_client.post(
        f"/sales/quotes/new/?deal={deal.pk}",
        {
            "deal": deal.pk,
            "title": "پیشنهاد قیمت",
            "currency": "IRR",
            "valid_until": "",
            "notes": "",
            "terms": "",
            **_post_lines(
                {"description": "لایسنس", "quantity": "۲", "unit_price": "۱۰٬۰۰۰٬۰۰۰"},
                {},  # an empty row left in the editor is ignored
            ),
        },
    )
    quote = Quote.objects.get()
    assert response.status_code == 302 and response["Location"] == quote.get_absolute_url()
    assert quote.deal == deal and quote.contact_id == deal.contact_id
    assert quote.total == Decimal("22000000")  # 10 % default tax


def test_editor_errors_are_shown_next_to_the_line_and_nothing_is_saved(rep_client, rep):
    deal = DealFactory(owner=rep)
    response = rep_client.post(
        f"/sales/quotes/new/?deal={deal.pk}",
        {
            "currency": "IRR",
            **_post_lines(
                {"description": "درست", "quantity": "1", "unit_price": "100"},
                {"description": "", "quantity": "0", "unit_price": "x"},
            ),
        },
    )
    assert response.status_code == 422
    body = response.content.decode()
    assert "The quantity must be more than zero." in body or "بیشتر از صفر" in body
    assert 'value="درست"' in body  # what was typed is kept
    assert not Quote.objects.exists()


def test_the_editor_line_and_totals_fragments(rep_client):
    product = ProductFactory(name="هاست ابری", unit_price=Decimal("7000000"), tax_rate=Decimal(9))
    row = rep_client.get(f"/sales/quotes/editor/line/?line_product={product.pk}&currency=IRR")
    assert row.status_code == 200
    html = row.content.decode()
    assert 'value="هاست ابری"' in html and 'value="7000000"' in html and 'value="9"' in html
    totals = rep_client.post(
        "/sales/quotes/editor/totals/",
        {
            "currency": "IRR",
            **_post_lines(
                {"description": "a", "quantity": "2", "unit_price": "7000000", "tax_rate": "9"}
            ),
        },
    )
    assert totals.status_code == 200
    text = totals.content.decode()
    assert "۱۵٬۲۶۰٬۰۰۰" in text or "15,260,000" in text
    bad = rep_client.post(
        "/sales/quotes/editor/totals/",
        {"currency": "IRR", **_post_lines({"description": "a", "quantity": "-1"})},
    )
    assert bad.status_code == 200 and "warning-box" in bad.content.decode()


def test_detail_actions_send_accept_and_show_the_order(rep_client, rep):
    quote = _make(rep)
    page = rep_client.get(quote.get_absolute_url())
    assert page.status_code == 200
    assert f"/sales/quotes/{quote.pk}/send/" in page.content.decode()
    assert rep_client.post(f"/sales/quotes/{quote.pk}/send/").status_code == 302
    assert rep_client.post(f"/sales/quotes/{quote.pk}/accept/").status_code == 302
    assert rep_client.post(f"/sales/quotes/{quote.pk}/accept/").status_code == 302
    quote.refresh_from_db()
    assert quote.status == QuoteStatus.ACCEPTED and Order.objects.count() == 1
    page = rep_client.get(quote.get_absolute_url()).content.decode()
    assert (
        quote.order.number in page
        or quote.order.number.translate(str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹")) in page
    )


def test_revise_from_the_page_opens_the_new_version_in_the_editor(rep_client, rep):
    quote = quotes.send_quote(_make(rep), user=rep)
    response = rep_client.post(f"/sales/quotes/{quote.pk}/revise/")
    new = Quote.objects.get(is_latest=True)
    assert response["Location"] == f"/sales/quotes/{new.pk}/edit/"
    assert rep_client.get(f"/sales/quotes/{quote.pk}/edit/").status_code == 302  # old: read-only
    assert rep_client.get(f"/sales/quotes/{new.pk}/edit/").status_code == 200


def test_rejecting_with_a_too_long_reason_is_a_form_error(rep_client, rep):
    quote = _make(rep)
    response = rep_client.post(f"/sales/quotes/{quote.pk}/reject/", {"reason": "x" * 301})
    assert response.status_code == 422
    quote.refresh_from_db()
    assert quote.status == QuoteStatus.DRAFT
    rep_client.post(f"/sales/quotes/{quote.pk}/reject/", {"reason": "بودجه ندارند"})
    quote.refresh_from_db()
    assert quote.status == QuoteStatus.REJECTED
    # A rejected quote cannot be accepted from the page either.
    rep_client.post(f"/sales/quotes/{quote.pk}/accept/")
    quote.refresh_from_db()
    assert quote.status == QuoteStatus.REJECTED and not Order.objects.exists()


def test_printable_page_and_persian_formatting(rep_client, rep):
    quote = _make(rep, contact=ContactFactory(first_name="مهسا", last_name="رضایی"))
    page = rep_client.get(f"/sales/quotes/{quote.pk}/print/")
    assert page.status_code == 200
    html = page.content.decode()
    assert 'dir="rtl"' in html and "@media print" in html
    assert "مهسا رضایی" in html
    assert "۵٬۵۰۰٬۰۰۰ ریال" in html


def test_the_deal_fragment_lists_its_quote_versions(rep_client, rep):
    deal = DealFactory(owner=rep)
    first = quotes.send_quote(_make(rep, deal=deal.pk), user=rep)
    second = quotes.revise_quote(first, user=rep)
    html = rep_client.get(f"/sales/deals/{deal.pk}/quotes/").content.decode()
    assert first.get_absolute_url() in html and second.get_absolute_url() in html
    assert f"/sales/quotes/new/?deal={deal.pk}" in html


def test_quote_list_pages_without_n_plus_one(rep_client, rep, django_assert_max_num_queries):
    for _ in range(5):
        _make(rep, deal=DealFactory(owner=rep).pk)
    with django_assert_max_num_queries(12):
        response = rep_client.get("/sales/quotes/")
    assert response.status_code == 200
    assert response.content.decode().count("/sales/quotes/") >= 5


# --- Permissions ----------------------------------------------------------------------------


def test_without_the_deals_module_every_quote_page_is_403(client, no_role_user, admin_user):
    quote = _make(admin_user)
    client.force_login(no_role_user)
    for url in (
        "/sales/quotes/",
        "/sales/quotes/new/",
        f"/sales/quotes/{quote.pk}/",
        f"/sales/quotes/{quote.pk}/print/",
        f"/sales/quotes/{quote.pk}/pdf/",
    ):
        assert client.get(url).status_code == 403, url
    assert client.post(f"/sales/quotes/{quote.pk}/accept/").status_code == 403
    quote.refresh_from_db()
    assert quote.status == QuoteStatus.DRAFT


def test_read_only_users_see_quotes_but_cannot_act(client, readonly_user, admin_user):
    quote = _make(admin_user)
    client.force_login(readonly_user)
    page = client.get(quote.get_absolute_url())
    assert page.status_code == 200
    assert f"/sales/quotes/{quote.pk}/accept/" not in page.content.decode()
    assert client.post(f"/sales/quotes/{quote.pk}/accept/").status_code == 403
    assert client.get("/sales/quotes/new/").status_code == 403
    assert client.get(f"/sales/quotes/{quote.pk}/edit/").status_code == 403


def test_team_sharing_hides_other_teams_quotes_with_404(client):
    set_module_sharing("deals", "team")
    team, other_team = TeamFactory(), TeamFactory()
    rep = UserFactory(team=team, role=_rep_role())
    theirs = _make(UserFactory(team=other_team, role=_rep_role()))
    mine = _make(rep)
    client.force_login(rep)
    assert client.get(mine.get_absolute_url()).status_code == 200
    for url in (
        theirs.get_absolute_url(),
        f"/sales/quotes/{theirs.pk}/print/",
        f"/sales/quotes/{theirs.pk}/pdf/",
    ):
        assert client.get(url).status_code == 404, url
    assert client.post(f"/sales/quotes/{theirs.pk}/send/").status_code == 404
    listing = client.get("/sales/quotes/").content.decode()
    assert mine.get_absolute_url() in listing and theirs.get_absolute_url() not in listing


def test_a_deal_quote_follows_the_deal_to_its_new_owner(client):
    set_module_sharing("deals", "team")
    seller, successor = UserFactory(role=_rep_role()), UserFactory(role=_rep_role())
    deal = DealFactory(owner=seller)
    quote = _make(seller, deal=deal.pk)
    client.force_login(successor)
    assert client.get(quote.get_absolute_url()).status_code == 404
    deal.owner = successor
    deal.save()
    assert client.get(quote.get_absolute_url()).status_code == 200


def test_quoting_a_deal_you_cannot_see_is_404(client):
    set_module_sharing("deals", "team")
    rep = UserFactory(role=_rep_role(), team=TeamFactory())
    hidden = DealFactory(owner=UserFactory(team=TeamFactory()))
    client.force_login(rep)
    assert client.get(f"/sales/quotes/new/?deal={hidden.pk}").status_code == 404
    assert client.get(f"/sales/deals/{hidden.pk}/quotes/").status_code == 404


def _rep_role():
    from peyvand.accounts.tests.factories import RoleFactory

    return RoleFactory(name="Sales representative")


def test_quote_events_render_on_the_customers_page(admin_client, admin_user):
    contact = ContactFactory()
    quote = quotes.send_quote(_make(admin_user, contact=contact), user=admin_user)
    page = admin_client.get(contact.get_absolute_url())
    assert page.status_code == 200
    html = page.content.decode()
    assert quote.get_absolute_url() in html


def test_english_users_get_left_to_right_pages_with_gregorian_dates(rep_client, rep):
    rep.language = "en"
    rep.save()
    quote = _make(rep, valid_until="1499/01/15")
    html = rep_client.get(f"/sales/quotes/{quote.pk}/print/").content.decode()
    assert 'dir="ltr"' in html and "5,500,000 IRR" in html and "2120-04-04" in html
    detail = rep_client.get(quote.get_absolute_url()).content.decode()
    assert "Mark as sent" in detail and "2120-04-04" in detail
