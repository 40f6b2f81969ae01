"""Who gets a new lead: ordered assignment rules, and the choice of a person within a team."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Count

from peyvand.accounts.models import Team, User
from peyvand.accounts.permissions import VIEW, has_perm
from peyvand.core.persian import search_key

from .models import LEADS, AssignmentRule, Lead, RoutingStrategy, TeamRotation


@dataclass(frozen=True)
class RoutingDecision:
    user: User | None
    team: Team | None
    rule: AssignmentRule | None
    strategy: str = ""

    @property
    def matched(self) -> bool:
        return self.rule is not None


FALLBACK = RoutingDecision(None, None, None)


def _folded(values: Iterable[str]) -> set[str]:
    return {search_key(str(v)) for v in values if str(v).strip()}


def rule_applies(rule: AssignmentRule, lead: Lead, form_ids: set[int] | None = None) -> bool:
    """Every condition the rule sets holds for the lead; an empty condition means "any"."""
    if rule.channels and lead.channel not in rule.channels:
        return False
    if rule.languages and (lead.language or "") not in rule.languages:
        return False
    if rule.bands and lead.band not in rule.bands:
        return False
    if rule.min_score is not None and lead.score < rule.min_score:
        return False
    if rule.max_score is not None and lead.score > rule.max_score:
        return False
    for values, attr in (
        (rule.provinces, lead.province),
        (rule.cities, lead.city),
        (rule.products, lead.product),
    ):
        if values and search_key(attr) not in _folded(values):
            return False
    if form_ids is None:
        form_ids = {f.pk for f in rule.forms.all()}
    return not (form_ids and lead.form_id not in form_ids)


def active_rules() -> list[AssignmentRule]:
    return list(
        AssignmentRule.objects.filter(is_active=True)
        .select_related("assign_user", "assign_user__role", "assign_team")
        .prefetch_related("forms")
        .order_by("order", "id")
    )


def can_take_leads(user: User) -> bool:
    return user.is_active and user.is_available and has_perm(user, LEADS, VIEW)


def team_candidates(team: Team) -> list[User]:
    """Members who can take a lead now, in a stable order (by id)."""
    members = User.objects.filter(team=team, is_active=True, is_available=True).select_related(
        "role"
    )
    return [u for u in members.order_by("id") if can_take_leads(u)]


@transaction.atomic
def pick_team_member(team: Team, strategy: str) -> User | None:
    """The next person in `team` by `strategy`, or None when nobody there is available.

    The team's rotation row is locked while choosing, so two leads arriving together never go
    to the same person by accident (round-robin) or both to the least busy one (least open)."""
    TeamRotation.objects.get_or_create(team=team)
    rotation = TeamRotation.objects.select_for_update().get(team=team)
    candidates = team_candidates(team)
    if not candidates:
        return None
    if strategy == RoutingStrategy.LEAST_OPEN:
        open_counts = dict(
            Lead.objects.open()
            .filter(owner__in=[u.pk for u in candidates])
            .values_list("owner")
            .annotate(n=Count("id"))
            .values_list("owner", "n")
        )
        # Ties go to whoever is next after the last pick, so equal loads still take turns.
        last = rotation.last_user_id or 0
        chosen = min(
            candidates,
            key=lambda u: (open_counts.get(u.pk, 0), u.pk <= last, u.pk),
        )
    else:
        last = rotation.last_user_id or 0
        chosen = next((u for u in candidates if u.pk > last), candidates[0])
    rotation.last_user = chosen
    rotation.save(update_fields=["last_user"])
    return chosen


def route(lead: Lead, rules: list[AssignmentRule] | None = None) -> RoutingDecision:
    """The first rule that applies and can deliver decides; otherwise the fallback queue.

    A rule naming a single person who is away (or deactivated) is passed over, so the next
    rule gets a chance. A team rule whose members are all away still assigns the team: the lead
    waits in that team's queue for its manager."""
    for rule in rules if rules is not None else active_rules():
        if not rule_applies(rule, lead):
            continue
        if rule.assign_user_id is not None:
            if can_take_leads(rule.assign_user):
                return RoutingDecision(rule.assign_user, rule.assign_user.team, rule)
            continue
        user = pick_team_member(rule.assign_team, rule.strategy)
        return RoutingDecision(user, rule.assign_team, rule, rule.strategy)
    return FALLBACK
