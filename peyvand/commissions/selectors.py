"""Reads for commission pages and API."""

from __future__ import annotations

from django.db.models import QuerySet

from peyvand.accounts import permissions

from .models import COMMISSIONS, CommissionPlan, CommissionStatement


def can_manage(user) -> bool:
    """Compute, review and approve statements; add adjustments."""
    return permissions.has_perm(user, COMMISSIONS, permissions.CHANGE)


def statements_for(user, *, status: str = "", period_start=None) -> QuerySet:
    qs = CommissionStatement.objects.visible_to(user).select_related("user", "plan")
    if status:
        qs = qs.filter(status=status)
    if period_start:
        qs = qs.filter(period_start=period_start)
    return qs.only(
        "id",
        "status",
        "calendar",
        "period_kind",
        "period_start",
        "period_end",
        "currency",
        "target",
        "sales",
        "commission_total",
        "adjustment_total",
        "total",
        "user__id",
        "user__username",
        "user__first_name",
        "user__last_name",
        "plan__id",
        "plan__name",
    )


def plans() -> QuerySet:
    return CommissionPlan.objects.prefetch_related("users", "teams", "tiers", "category_rates")
