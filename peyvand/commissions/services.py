"""Commission statements: compute (drafts only), review, approve (locks), and corrections.

An approved statement never changes: what would have changed becomes an Adjustment, shown as a
line of the user's next statement that is still open."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from peyvand.commerce.models import COUNTED_STATUSES, OrderLine, ProductCategory
from peyvand.core.periods import Period
from peyvand.sales.forecast import to_report_currency, won_filter
from peyvand.sales.models import Currency, Deal, SalesTarget

from .models import (
    Adjustment,
    Basis,
    CategoryRate,
    CommissionPlan,
    CommissionStatement,
    LineKind,
    StatementLine,
    StatementStatus,
    Tier,
)

ZERO = Decimal(0)
CENT = Decimal("0.01")
# How far back approved statements are re-checked for corrections when a new one is computed.
CORRECTION_LOOKBACK = 6


def _cents(value: Decimal) -> Decimal:
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


def _compatible(currency: str) -> tuple[str, ...]:
    if currency in (Currency.IRR, Currency.IRT):
        return (Currency.IRR, Currency.IRT)
    return (currency,)


@dataclass
class Item:
    """One thing commission is paid on: a won deal, or an order's lines of one category."""

    kind: str
    description: str
    date: dt.date | None
    volume: Decimal  # counts toward the target
    base: Decimal  # commission is paid on this
    rate: Decimal
    category: str = ""
    deal_id: int | None = None
    order_id: int | None = None


@dataclass
class LineDraft:
    item: Item
    base: Decimal
    rate: Decimal
    tier_from: Decimal | None

    @property
    def commission(self) -> Decimal:
        return _cents(self.base * self.rate / 100)


def plan_for(user, period: Period) -> CommissionPlan | None:
    """The active plan of the user (or their team) in force at the end of the period; a plan
    given to the person wins over their team's."""
    plans = CommissionPlan.objects.filter(is_active=True).effective_on(period.end)
    own = plans.filter(users=user).order_by("-effective_from", "-id").first()
    if own or not user.team_id:
        return own
    return plans.filter(teams=user.team_id).order_by("-effective_from", "-id").first()


def target_for(user, period: Period, currency: str) -> Decimal | None:
    rows = SalesTarget.objects.for_period(period).filter(
        user=user, currency__in=_compatible(currency)
    )
    amounts = [
        to_report_currency(a, c, currency) for a, c in rows.values_list("amount", "currency")
    ]
    return _cents(sum(amounts, ZERO)) if amounts else None


def _deal_items(user, plan: CommissionPlan, period: Period) -> list[Item]:
    deals = (
        Deal.objects.filter(won_filter(period), owner=user, currency__in=_compatible(plan.currency))
        .order_by("won_at", "id")
        .values_list("id", "title", "amount", "currency", "won_at")
    )
    items = []
    for deal_id, title, amount, currency, won_at in deals:
        value = to_report_currency(amount, currency, plan.currency)
        items.append(
            Item(
                kind=LineKind.DEAL,
                description=title,
                date=timezone.localtime(won_at).date(),
                volume=value,
                base=value,
                rate=plan.rate,
                deal_id=deal_id,
            )
        )
    return items


def _category_rates(plan: CommissionPlan) -> dict[int, tuple[Decimal, str]]:
    """Rate and name per category id; a sub-category without its own rate uses its parent's."""
    own = dict(plan.category_rates.values_list("category_id", "rate"))
    categories = {
        pk: (parent, name)
        for pk, parent, name in ProductCategory.objects.values_list("id", "parent_id", "name")
    }
    result = {}
    for pk, (_parent, name) in categories.items():
        node, seen = pk, set()
        while node is not None and node not in own and node not in seen:
            seen.add(node)
            node = categories.get(node, (None, ""))[0]
        if node in own:
            result[pk] = (own[node], name)
        else:
            result[pk] = (plan.rate, name)
    return result


def _order_items(user, plan: CommissionPlan, period: Period) -> list[Item]:
    """Counted orders of the period, one item per order and product category: profit (net less
    cost, tax excluded) is the base, net sales count toward the target."""
    start = timezone.make_aware(dt.datetime.combine(period.start, dt.time.min))
    stop = timezone.make_aware(dt.datetime.combine(period.stop, dt.time.min))
    rows = (
        OrderLine.objects.filter(
            order__owner=user,
            order__status__in=COUNTED_STATUSES,
            order__ordered_at__gte=start,
            order__ordered_at__lt=stop,
            order__currency__in=_compatible(plan.currency),
        )
        .values(
            "order_id",
            "order__number",
            "order__ordered_at",
            "order__currency",
            "product__category_id",
        )
        .annotate(line_net=Sum("net"), line_profit=Sum(F("net") - F("cost_total")))
        .order_by("order__ordered_at", "order_id", "product__category_id")
    )
    rates = _category_rates(plan)
    items = []
    for row in rows:
        currency = row["order__currency"]
        rate, category = rates.get(row["product__category_id"], (plan.rate, ""))
        items.append(
            Item(
                kind=LineKind.ORDER,
                description=_("Order %(number)s") % {"number": row["order__number"] or "—"},
                date=timezone.localtime(row["order__ordered_at"]).date(),
                volume=to_report_currency(row["line_net"] or ZERO, currency, plan.currency),
                base=to_report_currency(row["line_profit"] or ZERO, currency, plan.currency),
                rate=rate,
                category=category,
                order_id=row["order_id"],
            )
        )
    return items


def split_into_tiers(
    items: list[Item], tiers: list[tuple[Decimal, Decimal]], target: Decimal | None
) -> list[LineDraft]:
    """Cut each item where the running total of sales crosses a tier's threshold: the part
    above a threshold earns that tier's rate (marginal, like tax brackets)."""
    thresholds = sorted(
        (target * attainment / 100, rate) for attainment, rate in tiers if target and target > 0
    )
    thresholds_pct = {target * a / 100: a for a, _r in tiers} if target else {}
    drafts: list[LineDraft] = []
    running = ZERO
    for item in items:
        low, high = running, running + item.volume
        running = high
        # Rate bands this item spans: [(from, to, rate, tier_from)].
        bands = []
        cursor = low
        rate, tier_from = item.rate, None
        for point, tier_rate in thresholds:
            if point <= low:
                rate, tier_from = tier_rate, thresholds_pct[point]
                continue
            if point >= high:
                break
            bands.append((cursor, point, rate, tier_from))
            cursor, rate, tier_from = point, tier_rate, thresholds_pct[point]
        bands.append((cursor, high, rate, tier_from))
        if item.volume <= 0 or len(bands) == 1:
            drafts.append(LineDraft(item, item.base, bands[-1][2], bands[-1][3]))
            continue
        remaining = item.base
        for i, (band_low, band_high, band_rate, band_tier) in enumerate(bands):
            if i == len(bands) - 1:
                base = remaining
            else:
                base = _cents(item.base * (band_high - band_low) / item.volume)
                remaining -= base
            drafts.append(LineDraft(item, base, band_rate, band_tier))
    return drafts


def compute_lines(
    user, plan: CommissionPlan | None, period: Period, target: Decimal | None
) -> tuple[list[LineDraft], Decimal]:
    """(lines, sales counted toward the target) for a user and period under a plan."""
    if plan is None:
        return [], ZERO
    if plan.basis == Basis.ORDER_PROFIT:
        items = _order_items(user, plan, period)
    else:
        items = _deal_items(user, plan, period)
    tiers = list(plan.tiers.values_list("attainment_from", "rate"))
    sales = sum((item.volume for item in items), ZERO)
    return split_into_tiers(items, tiers, target), _cents(sales)


def _locked_error() -> ValidationError:
    return ValidationError(
        {"status": [_("Only draft statements can be recomputed; reopen a reviewed one first.")]}
    )


def _set_totals(statement: CommissionStatement) -> None:
    sums = statement.lines.aggregate(
        sum_base=Sum("base_amount", filter=~Q(kind=LineKind.ADJUSTMENT)),
        sum_commission=Sum("commission", filter=~Q(kind=LineKind.ADJUSTMENT)),
        sum_adjustments=Sum("commission", filter=Q(kind=LineKind.ADJUSTMENT)),
    )
    statement.base_total = _cents(sums["sum_base"] or ZERO)
    statement.commission_total = _cents(sums["sum_commission"] or ZERO)
    statement.adjustment_total = _cents(sums["sum_adjustments"] or ZERO)
    statement.total = statement.commission_total + statement.adjustment_total


@transaction.atomic
def compute_statement(user, period: Period, *, by=None) -> CommissionStatement:
    """Create or recompute the user's draft statement for the period. Reviewed and approved
    statements are never recomputed (ValidationError)."""
    statement = (
        CommissionStatement.objects.select_for_update()
        .filter(
            user=user,
            calendar=period.calendar,
            period_kind=period.kind,
            period_start=period.start,
        )
        .first()
    )
    if statement is not None and statement.status != StatementStatus.DRAFT:
        raise _locked_error()
    plan = plan_for(user, period)
    if statement is None:
        statement = CommissionStatement(user=user)
        statement.period = period
    statement.plan = plan
    statement.team_id = user.team_id
    statement.currency = plan.currency if plan else Currency.IRR
    statement.target = target_for(user, period, statement.currency)
    statement.computed_at = timezone.now()
    statement.save()

    # Corrections of earlier, locked statements first, so they land on this one.
    earlier = CommissionStatement.objects.filter(
        user=user, status=StatementStatus.APPROVED, period_end__lt=period.start
    ).order_by("-period_start")[:CORRECTION_LOOKBACK]
    for old in earlier:
        record_corrections(old)

    statement.lines.all().delete()
    drafts, sales = compute_lines(user, plan, period, statement.target)
    lines = [
        StatementLine(
            statement=statement,
            kind=d.item.kind,
            deal_id=d.item.deal_id,
            order_id=d.item.order_id,
            description=d.item.description[:300],
            category=d.item.category[:120],
            date=d.item.date,
            base_amount=_cents(d.base),
            rate=d.rate,
            tier_from=d.tier_from,
            commission=d.commission,
            position=i,
        )
        for i, d in enumerate(drafts)
    ]
    pending = Adjustment.objects.filter(user=user).filter(
        Q(applied_to__isnull=True) | Q(applied_to=statement)
    )
    pending.update(applied_to=statement)
    for adjustment in Adjustment.objects.filter(applied_to=statement).select_related("corrects"):
        lines.append(
            StatementLine(
                statement=statement,
                kind=LineKind.ADJUSTMENT,
                adjustment=adjustment,
                description=_("Correction to %(period)s: %(reason)s")
                % {"period": adjustment.corrects.period.label(), "reason": adjustment.reason},
                date=timezone.localtime(adjustment.created_at).date(),
                base_amount=ZERO,
                rate=None,
                commission=adjustment.amount,
                position=len(lines),
            )
        )
    StatementLine.objects.bulk_create(lines)
    statement.sales = sales
    _set_totals(statement)
    statement.save()
    return statement


def record_corrections(statement: CommissionStatement, *, by=None) -> Adjustment | None:
    """Recompute a locked statement as it would be today; any difference not yet corrected
    becomes an automatic Adjustment (the statement itself is untouched)."""
    if statement.status != StatementStatus.APPROVED:
        return None
    period = statement.period
    drafts, _sales = compute_lines(statement.user, statement.plan, period, statement.target)
    now_due = sum((d.commission for d in drafts), ZERO)
    corrected = statement.corrections.aggregate(total=Sum("amount"))["total"] or ZERO
    difference = _cents(now_due - statement.commission_total - corrected)
    if not difference:
        return None
    return Adjustment.objects.create(
        user=statement.user,
        corrects=statement,
        amount=difference,
        reason=_("Deals or orders changed after approval"),
        automatic=True,
        created_by=by,
    )


@transaction.atomic
def add_adjustment(
    statement: CommissionStatement, *, amount: Decimal, reason: str, by
) -> Adjustment:
    """A manual correction to an approved statement."""
    errors: dict[str, list[str]] = {}
    if statement.status != StatementStatus.APPROVED:
        errors["status"] = [_("Change a statement that is not approved by recomputing it.")]
    if not amount:
        errors["amount"] = [_("Enter an amount other than zero.")]
    if not (reason or "").strip():
        errors["reason"] = [_("Say why the statement is corrected.")]
    if errors:
        raise ValidationError(errors)
    return Adjustment.objects.create(
        user=statement.user,
        corrects=statement,
        amount=_cents(amount),
        reason=reason.strip()[:300],
        created_by=by,
    )


@transaction.atomic
def review(statement: CommissionStatement, *, by) -> CommissionStatement:
    statement = CommissionStatement.objects.select_for_update().get(pk=statement.pk)
    if statement.status != StatementStatus.DRAFT:
        raise ValidationError({"status": [_("Only a draft statement can be marked reviewed.")]})
    statement.status = StatementStatus.REVIEWED
    statement.reviewed_by = by
    statement.reviewed_at = timezone.now()
    statement.save(update_fields=["status", "reviewed_by", "reviewed_at"])
    return statement


@transaction.atomic
def reopen(statement: CommissionStatement, *, by) -> CommissionStatement:
    """Send a reviewed statement back to draft (approved ones stay locked)."""
    statement = CommissionStatement.objects.select_for_update().get(pk=statement.pk)
    if statement.status != StatementStatus.REVIEWED:
        raise ValidationError({"status": [_("Only a reviewed statement can be reopened.")]})
    statement.status = StatementStatus.DRAFT
    statement.reviewed_by = None
    statement.reviewed_at = None
    statement.save(update_fields=["status", "reviewed_by", "reviewed_at"])
    return statement


@transaction.atomic
def approve(statement: CommissionStatement, *, by) -> CommissionStatement:
    """Lock a reviewed statement. Nobody approves their own commission."""
    statement = CommissionStatement.objects.select_for_update().get(pk=statement.pk)
    if statement.user_id == by.pk:
        raise PermissionDenied(_("You cannot approve your own commission statement."))
    if statement.status != StatementStatus.REVIEWED:
        raise ValidationError({"status": [_("Review the statement before approving it.")]})
    statement.status = StatementStatus.APPROVED
    statement.approved_by = by
    statement.approved_at = timezone.now()
    statement.save(update_fields=["status", "approved_by", "approved_at"])
    return statement


@transaction.atomic
def save_plan(plan: CommissionPlan | None, *, data: dict, by) -> CommissionPlan:
    """Create or update a plan with its category rates and tiers (replaced as a whole)."""
    plan = plan or CommissionPlan(created_by=by)
    for name in (
        "name",
        "basis",
        "rate",
        "currency",
        "effective_from",
        "effective_to",
        "is_active",
    ):
        if name in data:
            setattr(plan, name, data[name])
    plan.full_clean(exclude=["users", "teams"])
    plan.save()
    if "users" in data:
        plan.users.set(data["users"])
    if "teams" in data:
        plan.teams.set(data["teams"])
    if "category_rates" in data:
        plan.category_rates.all().delete()
        CategoryRate.objects.bulk_create(
            CategoryRate(plan=plan, category=category, rate=rate)
            for category, rate in data["category_rates"]
        )
    if "tiers" in data:
        plan.tiers.all().delete()
        Tier.objects.bulk_create(
            Tier(plan=plan, attainment_from=attainment, rate=rate)
            for attainment, rate in data["tiers"]
        )
    return plan
