"""Escalation up and down the tiers, with a reason, a record, the team hand-over and signals."""

import pytest
from django.core.exceptions import ValidationError

from peyvand.accounts.models import Notification
from peyvand.service import signals
from peyvand.service.models import Escalation, SupportTier, TicketStatus
from peyvand.service.services import change_status, de_escalate, escalate, open_ticket

from .factories import SupportTierFactory, TeamFactory, agent

pytestmark = pytest.mark.django_db


@pytest.fixture
def tiers():
    return {t.code: t for t in SupportTier.objects.all()}


@pytest.fixture
def ticket():
    return open_ticket(user=None, data={"subject": "خطای ورود", "channel": "portal"})


def test_escalate_goes_to_the_next_tier_and_records_who_why_and_when(ticket, tiers):
    user = agent("first_line")
    escalation = escalate(ticket, user=user, reason="نیاز به بررسی کارشناس")
    ticket.refresh_from_db()
    assert ticket.tier == tiers["L2"]
    assert (escalation.from_tier, escalation.to_tier, escalation.direction) == (
        tiers["L1"],
        tiers["L2"],
        "up",
    )
    assert (escalation.user, escalation.reason) == (user, "نیاز به بررسی کارشناس")
    assert escalate(ticket, user=user, reason="باگ نرم‌افزار").to_tier == tiers["L3"]


def test_de_escalate_goes_back_down(ticket, tiers):
    user = agent()
    escalate(ticket, user=user, reason="a", to_tier=tiers["L3"])
    escalation = de_escalate(ticket, user=user, reason="مشکل ساده بود")
    ticket.refresh_from_db()
    assert ticket.tier == tiers["L2"]
    assert (escalation.direction, escalation.from_tier, escalation.to_tier) == (
        "down",
        tiers["L3"],
        tiers["L2"],
    )
    assert list(Escalation.objects.filter(ticket=ticket).values_list("direction", flat=True)) == [
        "up",
        "down",
    ]


@pytest.mark.parametrize("reason", ["", "   ", "\u200c"])
def test_a_reason_is_required(ticket, reason):
    with pytest.raises(ValidationError) as exc:
        escalate(ticket, user=agent(), reason=reason)
    assert "reason" in exc.value.message_dict
    assert not Escalation.objects.exists()


def test_no_higher_tier_and_no_lower_tier(ticket, tiers):
    user = agent()
    with pytest.raises(ValidationError) as exc:
        de_escalate(ticket, user=user, reason="x")
    assert "to_tier" in exc.value.message_dict
    escalate(ticket, user=user, reason="x", to_tier=tiers["L3"])
    with pytest.raises(ValidationError) as exc:
        escalate(ticket, user=user, reason="x")
    assert "to_tier" in exc.value.message_dict


def test_a_named_tier_must_be_in_the_right_direction(ticket, tiers):
    user = agent()
    with pytest.raises(ValidationError) as exc:
        escalate(ticket, user=user, reason="x", to_tier=tiers["L1"])
    assert "to_tier" in exc.value.message_dict
    escalate(ticket, user=user, reason="x", to_tier=tiers["L3"])
    with pytest.raises(ValidationError):
        de_escalate(ticket, user=user, reason="x", to_tier=tiers["L3"])


def test_inactive_tiers_are_skipped(ticket, tiers):
    tiers["L2"].is_active = False
    tiers["L2"].save()
    assert escalate(ticket, user=agent(), reason="x").to_tier == tiers["L3"]


def test_a_configured_tier_between_others_is_used_in_level_order(ticket, tiers):
    for code, level in (("L3", 30), ("L2", 20)):
        tiers[code].level = level
        tiers[code].save()
    l1b = SupportTierFactory(code="L1.5", name="ارشد سطح یک", level=10)
    assert escalate(ticket, user=agent(), reason="x").to_tier == l1b


def test_the_tier_default_team_takes_over_and_its_manager_is_told(ticket, tiers):
    manager = agent("l2_manager")
    specialists = TeamFactory(name="کارشناسان", manager=manager)
    tiers["L2"].default_team = specialists
    tiers["L2"].save()
    first_line = agent("first")
    ticket.assignee = first_line
    ticket.save()
    escalate(ticket, user=first_line, reason="x")
    ticket.refresh_from_db()
    assert (ticket.team, ticket.assignee) == (specialists, None)
    assert Notification.objects.filter(user=manager, url=ticket.get_absolute_url()).exists()


def test_a_named_team_overrides_the_default(ticket, tiers):
    other = TeamFactory(name="شبکه")
    escalate(ticket, user=agent(), reason="x", team=other)
    ticket.refresh_from_db()
    assert ticket.team == other


def test_closed_tickets_cannot_change_tier(ticket):
    user = agent()
    change_status(ticket, TicketStatus.CLOSED, user=user)
    with pytest.raises(ValidationError):
        escalate(ticket, user=user, reason="x")


def test_signals_are_sent(ticket):
    seen = []

    def receiver(sender, **kwargs):
        seen.append(kwargs)

    signals.ticket_escalated.connect(receiver)
    signals.ticket_changed.connect(receiver)
    try:
        escalate(ticket, user=agent(), reason="x")
    finally:
        signals.ticket_escalated.disconnect(receiver)
        signals.ticket_changed.disconnect(receiver)
    assert any("escalation" in s for s in seen)
    assert any(s.get("changes", {}).get("tier") for s in seen)
