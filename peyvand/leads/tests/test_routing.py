"""Routing: ordered rules, team strategies, unavailable people, the fallback queue."""

import pytest

from peyvand.accounts.models import Notification
from peyvand.leads.inputs import LeadInput
from peyvand.leads.models import Channel, Lead, LeadAssignment, RoutingStrategy, ScoringRule
from peyvand.leads.services import assign_lead, capture_lead

from .factories import AssignmentRuleFactory, LeadFormFactory, TeamFactory, UserFactory

pytestmark = pytest.mark.django_db

_phones = iter(range(1000000, 9999999))


def new_lead(channel=Channel.WEBSITE, **values) -> Lead:
    phone = f"0912{next(_phones):07d}"
    return capture_lead(
        channel=channel, data=LeadInput.from_data({"name": "رضا نوری", "phone": phone, **values})
    ).lead


@pytest.fixture
def team():
    manager = UserFactory(username="manager")
    team = TeamFactory(name="فروش تهران", manager=manager)
    members = [UserFactory(username=f"member{i}", team=team) for i in range(3)]
    return team, members


def test_the_first_matching_rule_in_order_assigns_the_lead():
    tehran_rep, other_rep = UserFactory(), UserFactory()
    AssignmentRuleFactory(order=2, channels=[], assign_user=other_rep)
    rule = AssignmentRuleFactory(order=1, provinces=["تهران"], assign_user=tehran_rep)
    lead = new_lead(province="تهران")
    assert lead.owner == tehran_rep
    assignment = LeadAssignment.objects.get(lead=lead)
    assert (assignment.rule, assignment.user, assignment.rule_name) == (rule, tehran_rep, rule.name)
    assert new_lead(province="فارس").owner == other_rep


@pytest.mark.parametrize(
    ("conditions", "values", "channel", "matches"),
    [
        ({"channels": ["instagram"]}, {}, Channel.INSTAGRAM, True),
        ({"channels": ["instagram"]}, {}, Channel.WEBSITE, False),
        ({"cities": ["اصفهان"]}, {"city": "اصفهان"}, Channel.WEBSITE, True),
        ({"products": ["CRM", "ERP"]}, {"product": "crm"}, Channel.WEBSITE, True),
        ({"products": ["ERP"]}, {"product": "CRM"}, Channel.WEBSITE, False),
        ({"languages": ["en"]}, {"name": "John Smith"}, Channel.WEBSITE, True),
        ({"languages": ["en"]}, {}, Channel.WEBSITE, False),
        ({"min_score": 15}, {"email": "a@example.com"}, Channel.WEBSITE, True),
        ({"min_score": 15}, {}, Channel.WEBSITE, False),
    ],
)
def test_rule_conditions(conditions, values, channel, matches):
    ScoringRule.objects.all().delete()
    ScoringRule.objects.create(label="email", attribute="has_email", operator="is", points=20)
    rep = UserFactory()
    AssignmentRuleFactory(assign_user=rep, **conditions)
    assert (new_lead(channel=channel, **values).owner == rep) is matches


def test_a_rule_can_be_limited_to_web_forms():
    rep = UserFactory()
    form, other_form = LeadFormFactory(), LeadFormFactory()
    rule = AssignmentRuleFactory(assign_user=rep)
    rule.forms.set([form])
    data = LeadInput.from_data({"phone": "09120000001"})
    assert capture_lead(channel=Channel.WEBSITE, data=data, form=form).lead.owner == rep
    data = LeadInput.from_data({"phone": "09120000002"})
    assert capture_lead(channel=Channel.WEBSITE, data=data, form=other_form).lead.owner is None


def test_round_robin_takes_turns_and_skips_unavailable_members(team):
    team, (a, b, c) = team
    b.is_available = False
    b.save()
    AssignmentRuleFactory(assign_team=team, strategy=RoutingStrategy.ROUND_ROBIN)
    owners = [new_lead().owner for _ in range(4)]
    assert owners == [a, c, a, c]
    assert all(lead.team == team for lead in Lead.objects.all())
    assert set(LeadAssignment.objects.values_list("strategy", flat=True)) == {"round_robin"}


def test_least_open_leads_goes_to_the_least_busy_member(team):
    team, (a, b, c) = team
    for _ in range(2):
        assign_lead(new_lead(), by=UserFactory(), user=a)
    assign_lead(new_lead(), by=UserFactory(), user=c)
    AssignmentRuleFactory(assign_team=team, strategy=RoutingStrategy.LEAST_OPEN)
    assert new_lead().owner == b  # 0 open leads
    assert new_lead().owner in (b, c)  # b and c have 1 each now: they take turns
    owners = [new_lead().owner for _ in range(3)]
    counts = {u: Lead.objects.filter(owner=u).count() for u in (a, b, c)}
    assert max(counts.values()) - min(counts.values()) <= 1, (owners, counts)


def test_a_user_rule_for_someone_away_passes_to_the_next_rule():
    away, backup = UserFactory(is_available=False), UserFactory()
    AssignmentRuleFactory(order=1, assign_user=away)
    AssignmentRuleFactory(order=2, assign_user=backup)
    assert new_lead().owner == backup


def test_a_team_with_nobody_available_keeps_the_lead_in_its_queue(team):
    team, members = team
    for member in members:
        member.is_available = False
        member.save()
    AssignmentRuleFactory(assign_team=team)
    lead = new_lead()
    assert lead.owner is None and lead.team == team
    assert Notification.objects.filter(user=team.manager, url=lead.get_absolute_url()).exists()


def test_no_matching_rule_leaves_the_lead_in_the_fallback_queue(admin_client):
    AssignmentRuleFactory(channels=["linkedin"], assign_user=UserFactory())
    lead = new_lead()
    assert lead.owner is None and lead.team is None
    assignment = LeadAssignment.objects.get(lead=lead)
    assert assignment.rule is None and assignment.user is None
    page = admin_client.get("/leads/?unassigned=1")
    assert lead.get_absolute_url() in page.content.decode()


def test_inactive_rules_are_ignored():
    AssignmentRuleFactory(assign_user=UserFactory(), is_active=False)
    assert new_lead().owner is None


def test_rules_are_reordered_in_the_editor(admin_client):
    first = AssignmentRuleFactory(order=1, assign_user=UserFactory())
    second = AssignmentRuleFactory(order=2, assign_user=UserFactory())
    response = admin_client.post(f"/leads/rules/{second.pk}/move/", {"direction": "up"})
    assert response.status_code == 302
    first.refresh_from_db()
    second.refresh_from_db()
    assert second.order < first.order
    assert new_lead().owner == second.assign_user
