"""Routing rules: every matching rule, in order, sets tier/team/priority/tags; the team's agent is
then chosen round-robin or by the fewest open tickets, skipping people who are away."""

from __future__ import annotations

from collections.abc import Iterable

from django.db import transaction
from django.db.models import Count

from peyvand.accounts.models import Team, User
from peyvand.accounts.permissions import VIEW, has_perm
from peyvand.core.persian import search_key, search_query_tokens

from .models import (
    TICKETS,
    AssignStrategy,
    RoutingRule,
    RuleFiring,
    Ticket,
    TicketTeamRotation,
)


def _folded(values: Iterable[str]) -> list[str]:
    return [key for key in (search_key(str(v)) for v in values) if key]


def keyword_matches(words: set[str], keyword: str) -> bool:
    """Every word of `keyword` is among `words` (a text's search tokens): Arabic/Persian letter
    forms, digits, case and ZWNJ spellings ("نمی‌کند", "نمیکند", "نمی کند") all match."""
    tokens = search_query_tokens(keyword)
    return bool(tokens) and all(token in words for token in tokens)


class TicketFacts:
    """What routing conditions read about a ticket, loaded once per routing run."""

    def __init__(self, ticket: Ticket) -> None:
        self.ticket = ticket
        self.words = set(search_key(f"{ticket.subject}\n{ticket.description}").split())
        customers = [r for r in (ticket.contact, ticket.company) if r is not None]
        self.stages = {r.lifecycle_stage for r in customers}
        self.tags: set[str] = set()
        if ticket.contact_id:
            self.tags |= {search_key(t) for t in ticket.contact.tags.values_list("name", flat=True)}
        if ticket.company_id:
            self.tags |= {search_key(t) for t in ticket.company.tags.values_list("name", flat=True)}


def rule_applies(rule: RoutingRule, ticket: Ticket, facts: TicketFacts | None = None) -> bool:
    """Every condition the rule sets holds for the ticket as it is now."""
    facts = facts or TicketFacts(ticket)
    if rule.channels and ticket.channel not in rule.channels:
        return False
    if rule.priorities and ticket.priority not in rule.priorities:
        return False
    category_ids = {c.pk for c in rule.categories.all()}
    if category_ids and ticket.category_id not in category_ids:
        return False
    if hasattr(rule, "products"):
        product_ids = {p.pk for p in rule.products.all()}
        if product_ids and getattr(ticket, "product_id", None) not in product_ids:
            return False
    if rule.keywords and not any(keyword_matches(facts.words, k) for k in rule.keywords):
        return False
    if rule.lifecycle_stages and not (facts.stages & set(rule.lifecycle_stages)):
        return False
    return not (rule.customer_tags and not (facts.tags & set(_folded(rule.customer_tags))))


def active_rules() -> list[RoutingRule]:
    related = ["categories"]
    if any(f.name == "products" for f in RoutingRule._meta.get_fields()):
        related.append("products")
    return list(
        RoutingRule.objects.filter(is_active=True)
        .select_related("set_tier", "set_team")
        .prefetch_related(*related)
        .order_by("order", "id")
    )


def can_take_tickets(user: User) -> bool:
    return user.is_active and user.is_available and has_perm(user, TICKETS, VIEW)


def team_candidates(team: Team) -> list[User]:
    """Members who can take a ticket now, in a stable order (by id)."""
    members = User.objects.filter(team=team, is_active=True, is_available=True).select_related(
        "role"
    )
    return [u for u in members.order_by("id") if can_take_tickets(u)]


@transaction.atomic
def pick_team_member(team: Team, strategy: str) -> User | None:
    """The next agent in `team` by `strategy`, or None when nobody there is available.

    The team's rotation row is locked while choosing, so two tickets arriving together never go
    to the same agent by accident."""
    TicketTeamRotation.objects.get_or_create(team=team)
    rotation = TicketTeamRotation.objects.select_for_update().get(team=team)
    candidates = team_candidates(team)
    if not candidates:
        return None
    last = rotation.last_user_id or 0
    if strategy == AssignStrategy.LEAST_LOADED:
        loads = dict(
            Ticket.objects.active()
            .filter(assignee__in=[u.pk for u in candidates])
            .values_list("assignee")
            .annotate(n=Count("id"))
            .values_list("assignee", "n")
        )
        # Ties go to whoever is next after the last pick, so equal loads still take turns.
        chosen = min(candidates, key=lambda u: (loads.get(u.pk, 0), u.pk <= last, u.pk))
    else:
        chosen = next((u for u in candidates if u.pk > last), candidates[0])
    rotation.last_user = chosen
    rotation.save(update_fields=["last_user"])
    return chosen


def _add_tags(ticket: Ticket, names: Iterable[str]) -> list[str]:
    from peyvand.contacts.services import get_or_create_tags

    existing = {t.name for t in ticket.tags.all()}
    new = [n for n in dict.fromkeys(str(n).strip() for n in names) if n and n not in existing]
    if new:
        ticket.tags.add(*get_or_create_tags(new))
    return new


def route_ticket(ticket: Ticket, *, rules: list[RoutingRule] | None = None) -> list[RuleFiring]:
    """Apply the active rules in order to `ticket` (saved), record each firing, and return them.

    Later rules override what earlier ones set; a rule with `stop` ends the run. The last rule
    that names an assignment strategy decides how an agent of the final team is chosen."""
    firings: list[RuleFiring] = []
    strategy_firing: tuple[RuleFiring, str] | None = None
    updated: set[str] = set()
    for rule in rules if rules is not None else active_rules():
        facts = TicketFacts(ticket)
        if not rule_applies(rule, ticket, facts):
            continue
        changes: dict = {}
        if rule.set_tier_id and rule.set_tier_id != ticket.tier_id:
            ticket.tier = rule.set_tier
            changes["tier"] = rule.set_tier.code
            updated.add("tier")
        if rule.set_team_id and rule.set_team_id != ticket.team_id:
            ticket.team = rule.set_team
            changes["team"] = rule.set_team.name
            updated.add("team")
        if rule.set_priority and rule.set_priority != ticket.priority:
            ticket.priority = rule.set_priority
            changes["priority"] = rule.set_priority
            updated.add("priority")
        if rule.add_tags:
            added = _add_tags(ticket, rule.add_tags)
            if added:
                changes["tags"] = added
        firing = RuleFiring(ticket=ticket, rule=rule, rule_name=rule.name, changes=changes)
        firings.append(firing)
        if rule.strategy:
            strategy_firing = (firing, rule.strategy)
        if rule.stop:
            break
    if strategy_firing is not None and ticket.team_id and ticket.assignee_id is None:
        firing, strategy = strategy_firing
        agent = pick_team_member(ticket.team, strategy)
        firing.changes["strategy"] = strategy
        if agent is not None:
            ticket.assignee = agent
            firing.changes["assignee"] = str(agent)
            firing.changes["assignee_id"] = agent.pk
            updated.add("assignee")
    if updated:
        ticket.save(update_fields=sorted(updated | {"updated_at"}))
    RuleFiring.objects.bulk_create(firings)
    return firings
