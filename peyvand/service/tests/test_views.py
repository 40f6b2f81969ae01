"""The pages: queues (bounded queries at any size), the new-ticket-on-the-phone form, the ticket
page and the set-up pages."""

import pytest
from django.urls import reverse

from peyvand.service import services
from peyvand.service.models import RoutingRule, Ticket, TicketCategory

from .factories import (
    ContactFactory,
    PhoneFactory,
    RoutingRuleFactory,
    TeamFactory,
    TicketCategoryFactory,
    TicketFactory,
    agent,
)

pytestmark = pytest.mark.django_db


def _fill(n: int, **fields) -> None:
    category = TicketCategoryFactory(name="فنی")
    for _ in range(n):
        TicketFactory(
            contact=ContactFactory(),
            category=category,
            status="open",
            **fields,
        )


@pytest.mark.parametrize(
    "url_name",
    ["service:queue_mine", "service:queue_team", "service:queue_unassigned", "service:tickets"],
)
def test_queue_pages_use_the_same_few_queries_at_any_size(
    client, url_name, django_assert_max_num_queries
):
    team = TeamFactory(name="پشتیبانی")
    me = agent("me", team=team)
    client.force_login(me)
    assignee = None if url_name == "service:queue_unassigned" else me
    _fill(3, team=team, assignee=assignee)
    with django_assert_max_num_queries(14) as small:
        assert client.get(reverse(url_name)).status_code == 200
    _fill(30, team=team, assignee=assignee)
    with django_assert_max_num_queries(len(small.captured_queries)):
        response = client.get(reverse(url_name))
    assert response.status_code == 200
    assert response.content.decode().count('class="ticket-ref"') == 33


def test_queues_show_the_right_tickets(client):
    team = TeamFactory(name="پشتیبانی")
    me, colleague = agent("me", team=team), agent("colleague", team=team)
    mine = TicketFactory(assignee=me, team=team, status="open")
    theirs = TicketFactory(assignee=colleague, team=team, status="waiting_customer")
    pool = TicketFactory(status="new")
    done = TicketFactory(assignee=me, team=team, status="resolved")
    client.force_login(me)

    def refs(name):
        return client.get(reverse(name)).content.decode()

    page = refs("service:queue_mine")
    assert mine.reference in page and theirs.reference not in page and done.reference not in page
    page = refs("service:queue_team")
    assert mine.reference in page and theirs.reference in page and pool.reference not in page
    page = refs("service:queue_unassigned")
    assert pool.reference in page and mine.reference not in page


def test_all_tickets_filters(client):
    client.force_login(agent("me"))
    billing = TicketCategoryFactory(name="مالی")
    match = TicketFactory(category=billing, priority="urgent", channel="email")
    other = TicketFactory(priority="low", channel="phone")
    page = client.get(
        reverse("service:tickets"),
        {"category": billing.pk, "priority": "urgent", "channel": "email", "status": "new"},
    ).content.decode()
    assert match.reference in page and other.reference not in page
    page = client.get(reverse("service:tickets"), {"q": str(other.number)}).content.decode()
    assert other.reference in page and match.reference not in page


def test_the_caller_number_finds_the_customer_and_the_ticket_lands_on_them(client):
    me = agent("me")
    client.force_login(me)
    contact = ContactFactory()
    PhoneFactory(contact=contact, number="+989121112233")
    old = services.open_ticket(
        user=me, data={"subject": "قبلی", "channel": "phone", "contact": contact}
    )
    lookup = client.get(reverse("service:caller_lookup"), {"phone": "۰۹۱۲۱۱۱۲۲۳۳"})
    assert contact.full_name in lookup.content.decode()
    assert old.reference in lookup.content.decode()
    response = client.post(
        reverse("service:new"),
        {
            "phone": "0912 111 2233",
            "subject": "مودم روشن نمی‌شود",
            "description": "از دیشب",
            "channel": "phone",
            "priority": "high",
            "assign_to_me": "1",
        },
    )
    ticket = Ticket.objects.latest("id")
    assert response.status_code == 302 and response["Location"] == ticket.get_absolute_url()
    assert (ticket.contact, ticket.assignee, ticket.priority) == (contact, me, "high")
    assert ticket.requester_phone == "+989121112233"


def test_the_ticket_page_shows_replies_and_notes_distinctly_and_the_side_panels(client):
    me = agent("me")
    client.force_login(me)
    contact = ContactFactory()
    ticket = services.open_ticket(
        user=me, data={"subject": "x", "channel": "phone", "contact": contact}
    )
    services.add_reply(ticket, user=me, body="پاسخ عمومی")
    services.add_note(ticket, user=me, body="یادداشت داخلی")
    services.escalate(ticket, user=me, reason="دلیل ارجاع")
    RoutingRuleFactory(name="قاعده نمونه", set_priority="high")
    routed = services.open_ticket(user=None, data={"subject": "y", "channel": "email"})
    page = client.get(ticket.get_absolute_url()).content.decode()
    assert 'class="msg msg-reply"' in page and 'class="msg msg-note"' in page
    assert "دلیل ارجاع" in page
    assert contact.get_absolute_url() in page
    assert "{% block" not in page
    assert "قاعده نمونه" in client.get(routed.get_absolute_url()).content.decode()


def test_actions_from_the_ticket_page(client):
    me = agent("me")
    client.force_login(me)
    ticket = services.open_ticket(user=None, data={"subject": "x", "channel": "phone"})
    other = services.open_ticket(user=None, data={"subject": "y", "channel": "phone"})
    url = reverse("service:ticket_message", args=[ticket.pk])
    assert (
        client.post(
            url, {"kind": "reply", "body": "سلام", "status": "waiting_customer"}
        ).status_code
        == 302
    )
    ticket.refresh_from_db()
    assert ticket.status == "waiting_customer" and ticket.first_responded_at
    assert client.post(reverse("service:ticket_take", args=[ticket.pk])).status_code == 302
    ticket.refresh_from_db()
    assert ticket.assignee == me
    client.post(reverse("service:ticket_link", args=[ticket.pk]), {"reference": other.reference})
    assert list(ticket.related.all()) == [other]
    response = client.post(
        reverse("service:ticket_merge", args=[other.pk]), {"into": ticket.reference}
    )
    assert response.status_code == 302
    other.refresh_from_db()
    assert other.merged_into == ticket


def test_setup_pages_edit_and_order_rules(admin_client):
    for name in ("service:settings_tiers", "service:settings_categories", "service:settings_rules"):
        assert admin_client.get(reverse(name)).status_code == 200
    response = admin_client.post(
        reverse("service:category_new"), {"name": "سخت‌افزار", "order": 1, "is_active": "on"}
    )
    assert response.status_code == 302
    category = TicketCategory.objects.get(name="سخت‌افزار")
    team = TeamFactory(name="فنی")
    for name in ("اول", "دوم"):
        response = admin_client.post(
            reverse("service:rule_new"),
            {
                "name": name,
                "is_active": "on",
                "keywords": "خرابی، قطعی",
                "categories": [category.pk],
                "set_team": team.pk,
                "strategy": "round_robin",
            },
        )
        assert response.status_code == 302, response.content.decode()
    first, second = RoutingRule.objects.order_by("order")
    assert first.keywords == ["خرابی", "قطعی"]
    admin_client.post(reverse("service:rule_move", args=[second.pk]), {"direction": "up"})
    assert list(RoutingRule.objects.order_by("order").values_list("name", flat=True)) == [
        "دوم",
        "اول",
    ]
    assert admin_client.get(reverse("service:rule_edit", args=[first.pk])).status_code == 200
    tier_page = admin_client.post(
        reverse("service:tier_new"), {"code": "L4", "name": "بیرونی", "level": 4, "is_active": "on"}
    )
    assert tier_page.status_code == 302


def test_pages_follow_the_users_language_and_direction(client):
    me = agent("me", language="en")
    client.force_login(me)
    ticket = services.open_ticket(user=me, data={"subject": "x", "channel": "phone"})
    html = client.get(ticket.get_absolute_url()).content.decode()
    assert 'dir="ltr"' in html and "Conversation" in html
    me.language = "fa"
    me.save()
    html = client.get(ticket.get_absolute_url()).content.decode()
    assert 'dir="rtl"' in html and "گفت‌وگو" in html
    assert "صف من" in client.get(reverse("service:queue_mine")).content.decode()


def test_list_pages_page_on_with_a_cursor(client):
    client.force_login(agent("me"))
    tickets = [TicketFactory() for _ in range(55)]
    first = client.get(reverse("service:tickets"))
    page = first.content.decode()
    assert tickets[-1].reference in page and tickets[0].reference not in page
    cursor = first.context["page"].next_cursor
    second = client.get(reverse("service:tickets"), {"cursor": cursor}).content.decode()
    assert tickets[0].reference in second and tickets[-1].reference not in second


def test_the_reply_box_offers_reply_note_and_customer_message_as_radio_buttons(client):
    me = agent("me", team=TeamFactory())
    ticket = TicketFactory(assignee=me, team=me.team, status="open")
    client.force_login(me)
    html = client.get(ticket.get_absolute_url()).content.decode()
    assert html.count('type="radio" name="kind"') == 3
    assert "<option" not in html.split('name="kind"')[0].rsplit("<fieldset", 1)[-1]
