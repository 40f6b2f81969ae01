"""Sales forecast: for a period, per owner and team, what is won, what the open pipeline is worth
weighted by stage probability, the best case, the target and the attainment; and how past
forecasts compared with what finally closed.

Every number is an aggregate query (a handful per page, whatever the number of deals):
- won: deals won (won_at) within the period;
- weighted: open deals expected to close within the period, amount × stage probability;
- best case (commit): won + the full amount of those open deals;
- forecast: won + weighted.
Open deals whose expected close date has already passed still count in the current period (they
have not been lost yet); open deals without an expected close date are not forecast.
Reports are in one currency; an IRR report includes toman deals at ten rials per toman, other
currencies are reported separately (no exchange rates).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Case, DecimalField, F, Min, Q, QuerySet, Sum, Value, When
from django.db.models.functions import Coalesce
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from django_tasks import task

from peyvand.accounts.models import Team, User
from peyvand.accounts.permissions import (
    REPORTS,
    SHARE_ALL,
    SHARE_TEAM,
    VIEW,
    has_perm,
    sharing_scope,
)
from peyvand.core.db_routers import report_reads
from peyvand.core.periods import CALENDARS, MONTH, QUARTER, Period

from .models import DEALS, SALES_SETUP, Currency, Deal, DealStatus, ForecastSnapshot, SalesTarget

ZERO = Decimal(0)
CENT = Decimal("0.01")
MONEY = DecimalField(max_digits=28, decimal_places=4)
# How many earlier periods the historic accuracy table goes back.
HISTORY_PERIODS = 6


def can_view_forecast(user) -> bool:
    return has_perm(user, DEALS, VIEW) and has_perm(user, REPORTS, VIEW)


def _money(value) -> Decimal:
    return Decimal(value or 0).quantize(CENT)


def to_report_currency(amount: Decimal, currency: str, report_currency: str) -> Decimal:
    """Toman and rial are the same money (1 toman = 10 rials); nothing else converts."""
    if currency == report_currency:
        return amount
    if (currency, report_currency) == (Currency.IRT, Currency.IRR):
        return amount * 10
    if (currency, report_currency) == (Currency.IRR, Currency.IRT):
        return amount / 10
    raise ValueError(f"{currency} does not convert to {report_currency}")


def _currencies(report_currency: str) -> tuple[str, ...]:
    if report_currency in (Currency.IRR, Currency.IRT):
        return (Currency.IRR, Currency.IRT)
    return (report_currency,)


def _amount(report_currency: str):
    """The deal amount in the report currency, as an SQL expression."""
    if report_currency == Currency.IRR:
        return Case(
            When(currency=Currency.IRT, then=F("amount") * Value(10)),
            default=F("amount"),
            output_field=MONEY,
        )
    if report_currency == Currency.IRT:
        return Case(
            When(currency=Currency.IRR, then=F("amount") / Value(10)),
            default=F("amount"),
            output_field=MONEY,
        )
    return F("amount")


def _bounds(period: Period) -> tuple[dt.datetime, dt.datetime]:
    start = timezone.make_aware(dt.datetime.combine(period.start, dt.time.min))
    stop = timezone.make_aware(dt.datetime.combine(period.stop, dt.time.min))
    return start, stop


def won_filter(period: Period) -> Q:
    start, stop = _bounds(period)
    return Q(status=DealStatus.WON, won_at__gte=start, won_at__lt=stop)


def open_filter(period: Period, today: dt.date | None = None) -> Q:
    today = today or timezone.localdate()
    in_period = Q(expected_close__gte=period.start, expected_close__lte=period.end)
    if today in period:
        in_period |= Q(expected_close__lt=period.start)
    return Q(status=DealStatus.OPEN) & in_period


def _aggregates(period: Period, report_currency: str, today: dt.date | None) -> dict:
    amount = _amount(report_currency)
    won, open_ = won_filter(period), open_filter(period, today)
    return {
        "won": Coalesce(Sum(amount, filter=won), Value(ZERO), output_field=MONEY),
        # Divided by 100 in Python: exact on every database.
        "weighted_x100": Coalesce(
            Sum(amount * F("stage__probability"), filter=open_, output_field=MONEY),
            Value(ZERO),
            output_field=MONEY,
        ),
        "open": Coalesce(Sum(amount, filter=open_), Value(ZERO), output_field=MONEY),
    }


@dataclass
class ForecastRow:
    name: str
    user_id: int | None = None
    team_id: int | None = None
    won: Decimal = ZERO
    weighted: Decimal = ZERO
    open: Decimal = ZERO
    target: Decimal | None = None

    @property
    def key(self) -> str:
        if self.user_id:
            return f"user:{self.user_id}"
        if self.team_id:
            return f"team:{self.team_id}"
        return "all"

    @property
    def best_case(self) -> Decimal:
        return self.won + self.open

    @property
    def forecast(self) -> Decimal:
        return self.won + self.weighted

    @staticmethod
    def _percent(part: Decimal, whole: Decimal | None) -> Decimal | None:
        if not whole:
            return None
        return (part * 100 / whole).quantize(Decimal("0.1"))

    @property
    def attainment(self) -> Decimal | None:
        """Won as a percentage of the target (None without a target)."""
        return self._percent(self.won, self.target)

    @property
    def forecast_attainment(self) -> Decimal | None:
        return self._percent(self.forecast, self.target)

    def add(self, other: ForecastRow) -> None:
        self.won += other.won
        self.weighted += other.weighted
        self.open += other.open

    def as_dict(self) -> dict:
        return {
            "key": self.key,
            "name": self.name,
            "user_id": self.user_id,
            "team_id": self.team_id,
            "won": self.won,
            "weighted": self.weighted,
            "open": self.open,
            "best_case": self.best_case,
            "forecast": self.forecast,
            "target": self.target,
            "attainment": self.attainment,
            "forecast_attainment": self.forecast_attainment,
        }


@dataclass
class Forecast:
    period: Period
    currency: str
    users: list[ForecastRow] = field(default_factory=list)
    teams: list[ForecastRow] = field(default_factory=list)
    total: ForecastRow = field(default_factory=lambda: ForecastRow(name=""))


def _row(values: dict, **kwargs) -> ForecastRow:
    return ForecastRow(
        won=_money(values["won"]),
        weighted=_money(Decimal(values["weighted_x100"] or 0) / 100),
        open=_money(values["open"]),
        **kwargs,
    )


def _team_tree() -> tuple[dict[int, str], dict[int, int | None]]:
    names, parents = {}, {}
    for team_id, name, parent_id in Team.objects.values_list("id", "name", "parent_id"):
        names[team_id], parents[team_id] = name, parent_id
    return names, parents


def _ancestors(team_id: int, parents: dict[int, int | None]) -> list[int]:
    """The team and every team above it (guarding against a cycle in bad data)."""
    chain: list[int] = []
    while team_id is not None and team_id not in chain:
        chain.append(team_id)
        team_id = parents.get(team_id)
    return chain


def _targets(
    targets: QuerySet, report_currency: str
) -> tuple[dict[int, Decimal], dict[int, Decimal]]:
    by_user: dict[int, Decimal] = {}
    by_team: dict[int, Decimal] = {}
    for user_id, team_id, amount, currency in targets.filter(
        currency__in=_currencies(report_currency)
    ).values_list("user_id", "team_id", "amount", "currency"):
        amount = _money(to_report_currency(amount, currency, report_currency))
        if user_id:
            by_user[user_id] = by_user.get(user_id, ZERO) + amount
        else:
            by_team[team_id] = by_team.get(team_id, ZERO) + amount
    return by_user, by_team


def compute_forecast(
    deals: QuerySet,
    targets: QuerySet,
    period: Period,
    *,
    currency: str = Currency.IRR,
    today: dt.date | None = None,
    company_target: bool = False,
) -> Forecast:
    """The forecast over the given deals and targets (callers restrict both to what a user may
    see, or pass everything for the company-wide snapshot)."""
    deals = deals.filter(currency__in=_currencies(currency)).filter(
        won_filter(period) | open_filter(period, today)
    )
    aggregates = _aggregates(period, currency, today)
    by_owner = {
        values["owner_id"]: values
        for values in deals.values("owner_id").annotate(**aggregates).order_by()
    }
    by_team = {
        values["team_id"]: values
        for values in deals.values("team_id").annotate(**aggregates).order_by()
    }
    user_targets, team_targets = _targets(targets.for_period(period), currency)

    result = Forecast(period=period, currency=currency)
    result.total = _row(deals.aggregate(**aggregates), name="")

    user_ids = {uid for uid in by_owner if uid} | set(user_targets)
    names = {
        user.pk: str(user)
        for user in User.objects.filter(pk__in=user_ids).only(
            "id", "username", "first_name", "last_name"
        )
    }
    for user_id in user_ids:
        values = by_owner.get(user_id)
        row = (
            _row(values, name=names.get(user_id, ""), user_id=user_id)
            if values
            else ForecastRow(name=names.get(user_id, ""), user_id=user_id)
        )
        row.target = user_targets.get(user_id)
        result.users.append(row)
    if None in by_owner:
        result.users.append(_row(by_owner[None], name=""))  # deals nobody owns
    result.users.sort(key=lambda r: (r.user_id is None, -r.forecast, r.name))

    # A team's numbers include its sub-teams' deals (a manager's quota covers the whole branch).
    team_names, parents = _team_tree()
    rows: dict[int, ForecastRow] = {}
    for team_id, values in by_team.items():
        if team_id is None:
            continue
        own = _row(values, name="")
        for ancestor in _ancestors(team_id, parents):
            rows.setdefault(
                ancestor, ForecastRow(name=team_names.get(ancestor, ""), team_id=ancestor)
            )
            rows[ancestor].add(own)
    for team_id, amount in team_targets.items():
        rows.setdefault(team_id, ForecastRow(name=team_names.get(team_id, ""), team_id=team_id))
        rows[team_id].target = amount
    result.teams = sorted(rows.values(), key=lambda r: r.name)
    if company_target:
        # The company's target is the sum of the top-level teams' targets.
        tops = [r.target for r in result.teams if r.target and parents.get(r.team_id) is None]
        result.total.target = sum(tops, ZERO) if tops else None
    return result


def _visible_team_ids(user) -> set[int] | None:
    """Teams whose rows `user` may see (the DEALS sharing rule); None: every team."""
    if not has_perm(user, DEALS, VIEW):
        return set()
    scope = sharing_scope(DEALS)
    if user.is_superuser or scope == SHARE_ALL:
        return None
    ids = set(user.managed_team_ids())
    if scope == SHARE_TEAM and user.team_id is not None:
        ids.add(user.team_id)
    return ids


@report_reads
def forecast_for(
    user, period: Period, *, currency: str = Currency.IRR, today: dt.date | None = None
) -> Forecast:
    """The forecast page: only the deals and targets `user` may see."""
    allowed = _visible_team_ids(user)
    result = compute_forecast(
        Deal.objects.visible_to(user),
        SalesTarget.objects.visible_to(user),
        period,
        currency=currency,
        today=today,
        company_target=allowed is None,
    )
    if allowed is not None:
        result.teams = [row for row in result.teams if row.team_id in allowed]
    return result


# --- Snapshots and historic accuracy -----------------------------------------------------------


def snapshot_periods(today: dt.date) -> list[Period]:
    """The periods whose forecast is recorded every day: this month and quarter, in both
    calendars (Persian users plan in Jalali periods, English users in Gregorian ones)."""
    return [
        Period.containing(today, kind, calendar)
        for calendar in CALENDARS
        for kind in (MONTH, QUARTER)
    ]


@transaction.atomic
def take_snapshots(today: dt.date | None = None, currency: str = Currency.IRR) -> int:
    """Record today's forecast for every user, team and the company; re-running on the same
    day replaces that day's rows. Returns the number of rows written."""
    today = today or timezone.localdate()
    written = 0
    for period in snapshot_periods(today):
        forecast = compute_forecast(
            Deal.objects.all(),
            SalesTarget.objects.all(),
            period,
            currency=currency,
            today=today,
            company_target=True,
        )
        ForecastSnapshot.objects.filter(
            calendar=period.calendar,
            period_kind=period.kind,
            period_start=period.start,
            taken_on=today,
        ).delete()
        rows = [r for r in forecast.users if r.user_id] + forecast.teams + [forecast.total]
        snapshots = []
        for row in rows:
            snapshot = ForecastSnapshot(
                taken_on=today,
                user_id=row.user_id,
                team_id=row.team_id,
                currency=currency,
                won=row.won,
                weighted=row.weighted,
                commit=row.best_case,
                pipeline=row.open,
                target=row.target,
            )
            snapshot.period = period
            snapshots.append(snapshot)
        ForecastSnapshot.objects.bulk_create(snapshots)
        written += len(snapshots)
    return written


@dataclass
class AccuracyRow:
    period: Period
    forecast: Decimal | None  # won + weighted on the first snapshot of the period
    best_case: Decimal | None
    target: Decimal | None
    actual: Decimal  # won in the period, as it stands now
    taken_on: dt.date | None = None

    @property
    def actual_vs_forecast(self) -> Decimal | None:
        if not self.forecast:
            return None
        return (self.actual * 100 / self.forecast).quantize(Decimal("0.1"))

    @property
    def error(self) -> Decimal | None:
        if self.forecast is None:
            return None
        return self.actual - self.forecast

    def as_dict(self) -> dict:
        return {
            "period": self.period.code,
            "taken_on": self.taken_on,
            "forecast": self.forecast,
            "best_case": self.best_case,
            "target": self.target,
            "actual": self.actual,
            "actual_vs_forecast": self.actual_vs_forecast,
        }


def accuracy_subjects(user) -> list[str]:
    """Keys ("all", "team:<id>", "user:<id>") whose history `user` may see, own first."""
    keys = [f"user:{user.pk}"]
    allowed = _visible_team_ids(user)
    if allowed is None:
        keys.insert(0, "all")
        keys += [f"team:{pk}" for pk in Team.objects.values_list("pk", flat=True)]
    else:
        keys += [f"team:{pk}" for pk in sorted(allowed)]
    return keys


def default_subject(user) -> str:
    return accuracy_subjects(user)[0]


def _subject_filters(user, key: str) -> tuple[Q, Q]:
    """(deal filter, snapshot filter) of a subject key; 404 if `user` may not see it."""
    if key not in accuracy_subjects(user):
        user_part = key.removeprefix("user:")
        if not (key.startswith("user:") and user_part.isdigit()):
            raise Http404
        # Other people: only those whose deals the user sees.
        owner_id = int(user_part)
        if not Deal.objects.visible_to(user).filter(owner_id=owner_id).exists():
            raise Http404
        return Q(owner_id=owner_id), Q(user_id=owner_id)
    if key == "all":
        return Q(), Q(user__isnull=True, team__isnull=True)
    kind, pk = key.split(":")
    if kind == "user":
        return Q(owner_id=int(pk)), Q(user_id=int(pk))
    team = Team.objects.filter(pk=int(pk)).first()
    if team is None:
        raise Http404
    return Q(team_id__in=sorted(team.descendant_ids(include_self=True))), Q(team_id=team.pk)


@report_reads
def accuracy(
    user,
    period: Period,
    subject: str | None = None,
    *,
    currency: str = Currency.IRR,
    periods: int = HISTORY_PERIODS,
) -> list[AccuracyRow]:
    """For `period` and the ones before it: the forecast as first recorded in the period
    against what was won. Two queries for the snapshots, one for the actuals."""
    subject = subject or default_subject(user)
    deal_filter, snapshot_filter = _subject_filters(user, subject)
    history = [period.shift(-i) for i in range(periods)]
    snapshots = ForecastSnapshot.objects.filter(
        snapshot_filter,
        calendar=period.calendar,
        period_kind=period.kind,
        period_start__in=[p.start for p in history],
        currency=currency,
    )
    first_days = {
        row["period_start"]: row["first"]
        for row in snapshots.values("period_start").annotate(first=Min("taken_on")).order_by()
    }
    first = {
        snap.period_start: snap
        for snap in snapshots.filter(taken_on__in=set(first_days.values()))
        if first_days.get(snap.period_start) == snap.taken_on
    }
    amount = _amount(currency)
    deals = Deal.objects.filter(deal_filter, currency__in=_currencies(currency))
    actuals = deals.aggregate(
        **{
            f"p{i}": Coalesce(Sum(amount, filter=won_filter(p)), Value(ZERO), output_field=MONEY)
            for i, p in enumerate(history)
        }
    )
    rows = []
    for i, p in enumerate(history):
        snap = first.get(p.start)
        rows.append(
            AccuracyRow(
                period=p,
                forecast=snap.forecast if snap else None,
                best_case=snap.commit if snap else None,
                target=snap.target if snap else None,
                actual=_money(actuals[f"p{i}"]),
                taken_on=snap.taken_on if snap else None,
            )
        )
    return rows


# --- Targets (writes) -------------------------------------------------------------------------


def can_edit_targets(user) -> bool:
    return can_view_forecast(user) and has_perm(user, SALES_SETUP, "change")


@transaction.atomic
def set_target(
    *,
    period: Period,
    amount: Decimal,
    currency: str = Currency.IRR,
    user_id: int | None = None,
    team_id: int | None = None,
    note: str = "",
    by=None,
) -> SalesTarget:
    """Create or replace the target of one user or team for one period."""
    errors: dict[str, list[str]] = {}
    if user_id and team_id:
        subject_exists = False
    elif user_id:
        subject_exists = User.objects.filter(pk=user_id, is_active=True).exists()
    else:
        subject_exists = bool(team_id) and Team.objects.filter(pk=team_id).exists()
    if not subject_exists:
        errors["subject"] = [_("Choose a salesperson or a team.")]
    if amount is None or amount < 0:
        errors["amount"] = [_("Enter an amount of zero or more.")]
    if currency not in Currency.values:
        errors["currency"] = [_("Choose a currency.")]
    if errors:
        raise ValidationError(errors)
    target = (
        SalesTarget.objects.select_for_update()
        .for_period(period)
        .filter(user_id=user_id, team_id=team_id)
        .first()
    ) or SalesTarget(user_id=user_id, team_id=team_id, created_by=by)
    target.period = period
    target.amount = _money(amount)
    target.currency = currency
    target.note = (note or "")[:200]
    target.save()
    return target


@task()
def snapshot_forecast_job(day: str | None = None) -> int:
    """Daily: record the forecast (see take_snapshots); `day` is an ISO date, default today."""
    return take_snapshots(dt.date.fromisoformat(day) if day else None)
