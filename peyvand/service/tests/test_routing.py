"""Routing rules: every condition, rule order and overrides, stop, the recorded firings, and
both strategies choosing an agent (skipping those who are away)."""

import pytest

from peyvand.commerce.models import Product
from peyvand.service.models import (
    RuleFiring,
    SupportTier,
    Ticket,
    TicketChannel,
    TicketPriority,
)
from peyvand.service.routing import pick_team_member
from peyvand.service.services import open_ticket

from .factories import (
    CompanyFactory,
    ContactFactory,
    RoutingRuleFactory,
    TagFactory,
    TeamFactory,
    TicketCategoryFactory,
    TicketFactory,
    UserFactory,
    agent,
)

pytestmark = pytest.mark.django_db


def new_ticket(**data) -> Ticket:
    data.setdefault("subject", "درخواست پشتیبانی")
    data.setdefault("channel", TicketChannel.PHONE)
    ticket = open_ticket(user=None, data=data)
    ticket.refresh_from_db()
    return ticket


@pytest.fixture
def l2():
    return SupportTier.objects.get(code="L2")


@pytest.fixture
def team():
    manager = agent("manager")
    team = TeamFactory(name="پشتیبانی فنی", manager=manager)
    members = [agent(f"member{i}", team=team) for i in range(3)]
    return team, members


def _product() -> Product:
    return Product.objects.create(sku="ROUTER-1", name="مودم", unit_price=1000)


@pytest.mark.parametrize(
    ("conditions", "data", "matches"),
    [
        ({"channels": ["email"]}, {"channel": "email"}, True),
        ({"channels": ["email"]}, {"channel": "phone"}, False),
        ({"priorities": ["urgent"]}, {"priority": "urgent"}, True),
        ({"priorities": ["urgent", "high"]}, {"priority": "normal"}, False),
        ({"keywords": ["پرینتر"]}, {"description": "پرينتر من خراب است"}, True),  # Arabic ي
        ({"keywords": ["نمی‌کند"]}, {"subject": "دستگاه کار نمی کند"}, True),  # ZWNJ vs space
        ({"keywords": ["INVOICE"]}, {"subject": "wrong invoice amount"}, True),
        ({"keywords": ["فاکتور", "صورتحساب"]}, {"subject": "سوال درباره‌ی ارسال"}, False),
        ({"keywords": ["۱۲۳"]}, {"subject": "کد خطای 123"}, True),  # Persian vs Latin digits
    ],
)
def test_each_simple_condition(conditions, data, matches, l2):
    RoutingRuleFactory(set_tier=l2, **conditions)
    assert (new_ticket(**data).tier == l2) is matches


def test_category_condition(l2):
    billing, other = TicketCategoryFactory(name="مالی"), TicketCategoryFactory(name="فنی")
    rule = RoutingRuleFactory(set_tier=l2)
    rule.categories.set([billing])
    assert new_ticket(category=billing).tier == l2
    assert new_ticket(category=other).tier != l2
    assert new_ticket().tier != l2


def test_product_condition(l2):
    modem = _product()
    other = Product.objects.create(sku="OTHER", name="دیگر", unit_price=1)
    rule = RoutingRuleFactory(set_tier=l2)
    rule.products.set([modem])
    assert new_ticket(product=modem).tier == l2
    assert new_ticket(product=other.pk).tier != l2


@pytest.mark.parametrize(
    ("stage", "matches"), [("customer", True), ("loyal", True), ("lead", False)]
)
def test_customer_lifecycle_stage_condition(stage, matches, l2):
    RoutingRuleFactory(set_tier=l2, lifecycle_stages=["customer", "loyal"])
    contact = ContactFactory(lifecycle_stage=stage)
    assert (new_ticket(contact=contact).tier == l2) is matches


def test_company_stage_counts_when_there_is_no_contact(l2):
    RoutingRuleFactory(set_tier=l2, lifecycle_stages=["customer"])
    assert new_ticket(company=CompanyFactory(lifecycle_stage="customer")).tier == l2


def test_vip_tag_on_the_contact_or_its_company(l2):
    RoutingRuleFactory(set_tier=l2, set_priority="high", customer_tags=["vip"])
    vip = ContactFactory()
    vip.tags.add(TagFactory(name="VIP"))
    vip_company = CompanyFactory()
    vip_company.tags.add(TagFactory(name="VIP"))
    plain = ContactFactory()
    plain.tags.add(TagFactory(name="عادی"))
    assert new_ticket(contact=vip).priority == TicketPriority.HIGH
    assert new_ticket(company=vip_company).tier == l2
    assert new_ticket(contact=plain).tier != l2
    assert new_ticket().tier != l2


def test_every_matching_rule_fires_in_order_and_later_ones_override(l2):
    l3 = SupportTier.objects.get(code="L3")
    first = RoutingRuleFactory(order=1, set_tier=l2, add_tags=["شبکه"])
    second = RoutingRuleFactory(order=2, keywords=["قطعی"], set_tier=l3, set_priority="urgent")
    RoutingRuleFactory(order=3, channels=["email"], set_priority="low")  # does not match
    ticket = new_ticket(subject="قطعی اینترنت")
    assert (ticket.tier, ticket.priority) == (l3, TicketPriority.URGENT)
    assert [t.name for t in ticket.tags.all()] == ["شبکه"]
    firings = list(RuleFiring.objects.filter(ticket=ticket).order_by("id"))
    assert [(f.rule, f.rule_name) for f in firings] == [
        (first, first.name),
        (second, second.name),
    ]
    assert firings[0].changes == {"tier": "L2", "tags": ["شبکه"]}
    assert firings[1].changes == {"tier": "L3", "priority": "urgent"}


def test_later_rules_see_what_earlier_ones_set(l2):
    RoutingRuleFactory(order=1, keywords=["فوری"], set_priority="urgent")
    RoutingRuleFactory(order=2, priorities=["urgent"], set_tier=l2)
    assert new_ticket(subject="فوری: سامانه از کار افتاده").tier == l2


def test_stop_ends_the_run(l2):
    RoutingRuleFactory(order=1, set_tier=l2, stop=True)
    RoutingRuleFactory(order=2, set_priority="urgent")
    ticket = new_ticket()
    assert (ticket.tier, ticket.priority) == (l2, TicketPriority.NORMAL)
    assert RuleFiring.objects.filter(ticket=ticket).count() == 1


def test_inactive_rules_never_fire(l2):
    RoutingRuleFactory(set_tier=l2, is_active=False)
    ticket = new_ticket()
    assert ticket.tier.code == "L1"
    assert not RuleFiring.objects.filter(ticket=ticket).exists()


def test_without_rules_a_ticket_starts_in_the_lowest_tier_unassigned():
    ticket = new_ticket()
    assert (ticket.tier.code, ticket.team, ticket.assignee) == ("L1", None, None)


def test_round_robin_takes_turns_and_skips_unavailable_agents(team):
    team, (a, b, c) = team
    b.is_available = False
    b.save()
    RoutingRuleFactory(set_team=team, strategy="round_robin")
    owners = [new_ticket().assignee for _ in range(4)]
    assert owners == [a, c, a, c]
    firing = RuleFiring.objects.filter(ticket__assignee=a).first()
    assert firing.changes["assignee_id"] == a.pk
    assert firing.changes["strategy"] == "round_robin"


def test_round_robin_skips_deactivated_and_people_without_ticket_permission(team):
    team, (a, b, c) = team
    b.is_active = False
    b.save()
    UserFactory(username="sales", team=team)  # Sales representative: tickets view
    no_role = UserFactory(username="norights", team=team, role=None)
    RoutingRuleFactory(set_team=team, strategy="round_robin")
    owners = {new_ticket().assignee for _ in range(6)}
    assert b not in owners and no_role not in owners
    assert {a, c} <= owners


def test_least_loaded_picks_the_agent_with_fewest_active_tickets(team):
    team, (a, b, c) = team
    for _ in range(2):
        TicketFactory(assignee=a, team=team, status="open")
    TicketFactory(assignee=b, team=team, status="open")
    TicketFactory(assignee=c, team=team, status="waiting_customer")
    for _ in range(5):  # resolved and closed tickets are no load
        TicketFactory(assignee=c, team=team, status="resolved")
        TicketFactory(assignee=b, team=team, status="closed")
    c.is_available = False
    c.save()
    RoutingRuleFactory(set_team=team, strategy="least_loaded")
    assert new_ticket().assignee == b  # a has 2, b 1, c (away) is skipped
    # Now a and b have 2 each: ties take turns after the last pick.
    assert new_ticket().assignee == a
    assert new_ticket().assignee == b


def test_a_team_with_nobody_available_keeps_the_ticket_in_its_queue(team):
    team, members = team
    for member in members:
        member.is_available = False
        member.save()
    RoutingRuleFactory(set_team=team, strategy="round_robin")
    ticket = new_ticket()
    assert (ticket.team, ticket.assignee) == (team, None)
    firing = RuleFiring.objects.get(ticket=ticket)
    assert firing.changes == {"team": team.name, "strategy": "round_robin"}


def test_without_a_strategy_the_ticket_waits_in_the_team_queue(team):
    team, _members = team
    RoutingRuleFactory(set_team=team)
    ticket = new_ticket()
    assert (ticket.team, ticket.assignee) == (team, None)


def test_the_strategy_picks_from_the_final_team(team):
    team, (a, _b, _c) = team
    other_team = TeamFactory(name="مالی")
    accountant = agent("accountant", team=other_team)
    RoutingRuleFactory(order=1, set_team=team, strategy="round_robin")
    RoutingRuleFactory(order=2, keywords=["فاکتور"], set_team=other_team, strategy="least_loaded")
    assert new_ticket(subject="فاکتور اشتباه").assignee == accountant
    assert new_ticket(subject="مشکل دیگر").assignee == a


def test_rules_do_not_run_when_the_opener_chose_a_team_or_agent(team, l2):
    team, (a, _b, _c) = team
    RoutingRuleFactory(set_tier=l2)
    assert new_ticket(assignee=a).tier.code == "L1"
    assert new_ticket(team=team).tier.code == "L1"
    assert not RuleFiring.objects.exists()


def test_pick_team_member_of_an_empty_team_is_none():
    assert pick_team_member(TeamFactory(name="خالی"), "round_robin") is None
