"""Rule-based lead scoring: every point on a lead can be traced to the rule that gave it."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from django.conf import settings
from django.utils import timezone

from peyvand.core.persian import search_key, to_latin_digits

from .models import Band, Lead, ScoringAttribute, ScoringOperator, ScoringRule

A = ScoringAttribute
NUMERIC = {
    A.COMPANY_SIZE,
    A.FORM_SUBMITS,
    A.EMAIL_REPLIES,
    A.EVENT_ATTENDANCE,
    A.DAYS_SINCE_ACTIVITY,
}
BOOLEAN = {A.HAS_EMAIL, A.HAS_PHONE, A.HAS_COMPANY}
TEXT = {A.PROVINCE, A.CITY, A.PRODUCT, A.CHANNEL}
SCORE_MIN, SCORE_MAX = 0, 100


def band_thresholds() -> tuple[int, int]:
    """(hot, warm): a score at or above `hot` is hot, at or above `warm` warm, else cold."""
    return (
        int(getattr(settings, "LEADS_HOT_SCORE", 70)),
        int(getattr(settings, "LEADS_WARM_SCORE", 40)),
    )


def band_for(score: int) -> str:
    hot, warm = band_thresholds()
    if score >= hot:
        return Band.HOT
    if score >= warm:
        return Band.WARM
    return Band.COLD


def _attribute_value(lead: Lead, attribute: str, now: datetime) -> Any:
    match attribute:
        case A.COMPANY_SIZE:
            return lead.company_size
        case A.PROVINCE:
            return lead.province
        case A.CITY:
            return lead.city
        case A.PRODUCT:
            return lead.product
        case A.CHANNEL:
            return lead.channel
        case A.HAS_EMAIL:
            return bool(lead.email)
        case A.HAS_PHONE:
            return bool(lead.phone)
        case A.HAS_COMPANY:
            return bool(lead.company_name)
        case A.FORM_SUBMITS:
            return lead.form_submits
        case A.EMAIL_REPLIES:
            return lead.email_replies
        case A.EVENT_ATTENDANCE:
            return lead.events_attended
        case A.DAYS_SINCE_ACTIVITY:
            last = lead.last_activity_at or lead.created_at or now
            return max((now - last).days, 0)
    return None


def parse_number(value: str) -> int | None:
    try:
        return int(to_latin_digits(value).strip())
    except (TypeError, ValueError):
        return None


def rule_values(rule: ScoringRule) -> list[str]:
    return [part.strip() for part in rule.value.replace("،", ",").split(",") if part.strip()]


def rule_matches(rule: ScoringRule, lead: Lead, now: datetime) -> tuple[bool, Any]:
    value = _attribute_value(lead, rule.attribute, now)
    if rule.operator == ScoringOperator.IS:
        return bool(value), value
    if rule.operator == ScoringOperator.IN:
        if not value:
            return False, value
        wanted = {search_key(v) for v in rule_values(rule)}
        return search_key(str(value)) in wanted, value
    threshold = parse_number(rule.value)
    if threshold is None or value is None or not isinstance(value, int):
        return False, value
    if rule.operator == ScoringOperator.GTE:
        return value >= threshold, value
    if rule.operator == ScoringOperator.LTE:
        return value <= threshold, value
    return False, value


def _detail(value: Any) -> Any:
    """The lead's value the rule looked at, JSON-able; shown next to the points."""
    if value is None or isinstance(value, bool | int):
        return value
    return str(value)


def score_lead(
    lead: Lead, *, rules: Iterable[ScoringRule] | None = None, now: datetime | None = None
) -> tuple[int, list[dict[str, Any]]]:
    """(score, explanation): the sum of the points of every active rule that matches, kept
    within 0..100, and one explanation line per matching rule."""
    now = now or timezone.now()
    if rules is None:
        rules = ScoringRule.objects.filter(is_active=True)
    total = 0
    explanation: list[dict[str, Any]] = []
    for rule in rules:
        matched, value = rule_matches(rule, lead, now)
        if not matched:
            continue
        total += rule.points
        explanation.append(
            {
                "rule": rule.pk,
                "label": rule.label,
                "attribute": rule.attribute,
                "operator": rule.operator,
                "value": rule.value,
                "points": rule.points,
                "detail": _detail(value),
            }
        )
    return max(SCORE_MIN, min(SCORE_MAX, total)), explanation


def apply_score(lead: Lead, *, now: datetime | None = None) -> bool:
    """Recompute and set score, band and explanation on `lead` (not saved). True if changed."""
    score, explanation = score_lead(lead, now=now)
    band = band_for(score)
    changed = (score, band, explanation) != (lead.score, lead.band, lead.score_explanation)
    lead.score, lead.band, lead.score_explanation = score, band, explanation
    return changed
