"""Reads for pages and the API: the board, deal lists, rotting deals, stage history."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import (
    Count,
    Q,
    QuerySet,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce
from django.utils import timezone

from peyvand.commerce.models import Order, OrderSource
from peyvand.core.dates import jalali_month_bounds
from peyvand.core.pagination import KeysetPage, paginate_keyset

from .models import Deal, DealStatus, Pipeline, Stage, StageChange, StageKind
from .quotes import accepted_quote_order

# Cards rendered per column at first; the rest load on demand ("show more"). Rendering cards
# is most of the board's time.
COLUMN_LIMIT = 25
# Columns (count, amount, weighted amount) are summed per currency; a board mixing currencies
# shows one total per currency.
_MONTH_RE = re.compile(r"^(\d{4})-(\d{1,2})$")


class InvalidFilter(ValueError):
    pass


@dataclass
class DealFilters:
    owner: int | None = None
    team: int | None = None
    pipeline: int | None = None
    stage: int | None = None
    status: str | None = None
    # [start, end) of the expected close month.
    close_from: dt.date | None = None
    close_before: dt.date | None = None
    contact: int | None = None
    company: int | None = None
    rotting: bool = False

    @classmethod
    def from_params(cls, params) -> DealFilters:
        """From query parameters (pages and API alike); raises InvalidFilter for bad values."""
        filters = cls()
        for name in ("owner", "team", "pipeline", "stage", "contact", "company"):
            raw = (params.get(name) or "").strip() if hasattr(params, "get") else ""
            if raw:
                if raw == "me" and name == "owner":
                    setattr(filters, name, "me")
                    continue
                try:
                    setattr(filters, name, int(raw))
                except ValueError:
                    raise InvalidFilter(name) from None
        status = (params.get("status") or "").strip()
        if status:
            if status not in DealStatus.values:
                raise InvalidFilter("status")
            filters.status = status
        month = (params.get("close_month") or "").strip()
        if month:
            filters.close_from, filters.close_before = month_bounds(month)
        filters.rotting = (params.get("rotting") or "") in ("1", "true", "on")
        return filters

    def apply(self, qs: QuerySet, user=None) -> QuerySet:
        if self.owner == "me":
            qs = qs.filter(owner_id=getattr(user, "pk", None))
        elif self.owner:
            qs = qs.filter(owner_id=self.owner)
        if self.team:
            qs = qs.filter(team_id=self.team)
        if self.pipeline:
            qs = qs.filter(pipeline_id=self.pipeline)
        if self.stage:
            qs = qs.filter(stage_id=self.stage)
        if self.status:
            qs = qs.filter(status=self.status)
        if self.contact:
            qs = qs.filter(contact_id=self.contact)
        if self.company:
            qs = qs.filter(company_id=self.company)
        if self.close_from:
            qs = qs.filter(
                expected_close__gte=self.close_from, expected_close__lt=self.close_before
            )
        if self.rotting:
            qs = qs.filter(rotting_condition())
        return qs


def month_bounds(text: str) -> tuple[dt.date, dt.date]:
    """ "1403-05" (Jalali) or "2024-08" (Gregorian) → [first day, first day of next month)."""
    from peyvand.core.persian import to_latin_digits

    match = _MONTH_RE.match(to_latin_digits(text))
    if not match:
        raise InvalidFilter("close_month")
    year, month = int(match.group(1)), int(match.group(2))
    if not 1 <= month <= 12:
        raise InvalidFilter("close_month")
    if year < 1700:
        return jalali_month_bounds(year, month)
    start = dt.date(year, month, 1)
    end = dt.date(year + 1, 1, 1) if month == 12 else dt.date(year, month + 1, 1)
    return start, end


def default_pipeline() -> Pipeline | None:
    return Pipeline.objects.filter(is_active=True).order_by("-is_default", "order", "id").first()


def rotting_condition(now: dt.datetime | None = None) -> Q:
    """Open deals idle longer than their stage's (or pipeline's) rotting days, as one Q."""
    now = now or timezone.now()
    condition = Q(pk__in=[])
    stages = Stage.objects.filter(kind=StageKind.OPEN).select_related("pipeline")
    for stage in stages.only("id", "rotting_days", "kind", "pipeline__rotting_days"):
        days = stage.effective_rotting_days()
        if days:
            condition |= Q(stage_id=stage.pk, last_activity_at__lt=now - dt.timedelta(days=days))
    return Q(status=DealStatus.OPEN) & condition


def _card_qs(qs: QuerySet) -> QuerySet:
    return qs.select_related("owner", "contact", "company").only(
        "id",
        "title",
        "amount",
        "currency",
        "expected_close",
        "status",
        "stage_id",
        "pipeline_id",
        "position",
        "last_activity_at",
        "owner__id",
        "owner__first_name",
        "owner__last_name",
        "owner__username",
        "contact__id",
        "contact__first_name",
        "contact__last_name",
        "company__id",
        "company__name",
    )


@dataclass
class Column:
    stage: Stage
    cards: list = field(default_factory=list)
    count: int = 0
    # {currency: (amount, weighted)}
    totals: dict[str, tuple[Decimal, Decimal]] = field(default_factory=dict)

    @property
    def has_more(self) -> bool:
        return self.count > len(self.cards)

    @property
    def last_card(self):
        return self.cards[-1] if self.cards else None


@dataclass
class Board:
    pipeline: Pipeline
    columns: list[Column]
    closed_stages: list[Stage]


def board(
    pipeline: Pipeline, user, filters: DealFilters | None = None, *, limit: int = COLUMN_LIMIT
) -> Board:
    """The pipeline's open stages with their first `limit` cards and totals: two queries
    (stages, totals grouped by stage and currency) and one per open stage, each reading only
    its first cards from the board index, whatever the number of deals."""
    filters = filters or DealFilters()
    stages = list(pipeline.stages.order_by("order", "id"))
    open_stages = [s for s in stages if s.kind == StageKind.OPEN]
    for stage in stages:
        stage.pipeline = pipeline  # no query per card for rotting days
    base = filters.apply(
        Deal.objects.visible_to(user).filter(pipeline=pipeline, status=DealStatus.OPEN), user
    )
    columns = {s.pk: Column(stage=s) for s in open_stages}
    totals = (
        base.order_by()
        .values("stage_id", "currency", "stage__probability")
        .annotate(count=Count("id"), amount=Coalesce(Sum("amount"), Value(Decimal(0))))
    )
    for row in totals:
        column = columns.get(row["stage_id"])
        if column is None:
            continue
        column.count += row["count"]
        amount = Decimal(row["amount"]).quantize(Decimal("0.01"))
        weighted = (amount * row["stage__probability"] / Decimal(100)).quantize(Decimal("0.01"))
        previous = column.totals.get(row["currency"], (Decimal(0), Decimal(0)))
        column.totals[row["currency"]] = (previous[0] + amount, previous[1] + weighted)
    for column in columns.values():
        if limit and column.count:
            column.cards = column_cards(column.stage, user, filters, limit=limit)
    return Board(
        pipeline=pipeline,
        columns=[columns[s.pk] for s in open_stages],
        closed_stages=[s for s in stages if s.kind != StageKind.OPEN],
    )


def column_cards(
    stage: Stage,
    user,
    filters: DealFilters | None = None,
    *,
    after: tuple[int, int] | None = None,
    limit: int = COLUMN_LIMIT,
) -> list[Deal]:
    """More cards of one column, after the card at (position, id)."""
    filters = filters or DealFilters()
    # The pipeline too, so the board index (pipeline, stage, position, id) serves the query.
    qs = filters.apply(
        Deal.objects.visible_to(user).filter(
            pipeline_id=stage.pipeline_id, stage=stage, status=DealStatus.OPEN
        ),
        user,
    )
    if after is not None:
        position, pk = after
        qs = qs.filter(Q(position__gt=position) | Q(position=position, id__gt=pk))
    cards = list(_card_qs(qs).order_by("position", "id")[:limit])
    for deal in cards:
        deal.stage = stage
        deal.pipeline = stage.pipeline
    return cards


def deals_page(
    user, filters: DealFilters | None = None, *, cursor: str | None = None, limit: int = 50
) -> KeysetPage:
    """Newest first, keyset-paginated; InvalidCursor for a bad cursor."""
    filters = filters or DealFilters()
    qs = filters.apply(Deal.objects.visible_to(user), user)
    qs = qs.select_related("owner", "contact", "company", "stage", "stage__pipeline", "pipeline")
    qs = qs.only(
        "id",
        "title",
        "amount",
        "currency",
        "expected_close",
        "status",
        "last_activity_at",
        "created_at",
        "won_at",
        "lost_at",
        "owner__id",
        "owner__first_name",
        "owner__last_name",
        "owner__username",
        "contact__id",
        "contact__first_name",
        "contact__last_name",
        "company__id",
        "company__name",
        "stage__id",
        "stage__name",
        "stage__kind",
        "stage__probability",
        "stage__rotting_days",
        "stage__pipeline__id",
        "stage__pipeline__rotting_days",
        "pipeline__id",
        "pipeline__name",
        "pipeline__rotting_days",
    )
    return paginate_keyset(qs, order=["-id"], cursor=cursor, limit=limit)


def rotting_page(
    user, filters: DealFilters | None = None, *, cursor: str | None = None, limit: int = 50
) -> KeysetPage:
    """Open deals past their rotting days, longest idle first."""
    filters = filters or DealFilters()
    filters.rotting = True
    qs = filters.apply(Deal.objects.visible_to(user), user).select_related(
        "owner", "contact", "company", "stage", "pipeline"
    )
    return paginate_keyset(qs, order=["last_activity_at", "id"], cursor=cursor, limit=limit)


def stage_history(deal: Deal) -> list[StageChange]:
    """Oldest first, each row with how long the deal stayed in the stage it entered."""
    changes = list(
        StageChange.objects.filter(deal=deal)
        .select_related("changed_by")
        .order_by("changed_at", "id")
    )
    now = timezone.now()
    for index, change in enumerate(changes):
        if index + 1 < len(changes):
            following = changes[index + 1]
            change.seconds_in_stage = following.seconds_in_previous
        else:
            end = deal.won_at or deal.lost_at if not deal.is_open else None
            change.seconds_in_stage = (
                None if end else max(0, int((now - change.changed_at).total_seconds()))
            )
            change.is_current = True
    return changes


def board_summary(pipeline: Pipeline, user, filters: DealFilters | None = None) -> list[dict]:
    """Per open stage: count, amount and weighted amount per currency (for the API)."""
    result = board(pipeline, user, filters, limit=0)
    return [
        {
            "stage": column.stage,
            "count": column.count,
            "totals": [
                {"currency": currency, "amount": amount, "weighted": weighted}
                for currency, (amount, weighted) in sorted(column.totals.items())
            ],
        }
        for column in result.columns
    ]


def deal_order(deal: Deal | int) -> Order | None:
    """The order a deal ended in: its accepted quote's, else the one created from the won deal
    (source "deal", external id = the deal's id); None if it has none yet."""
    deal_id = deal if isinstance(deal, int) else deal.pk
    return accepted_quote_order(deal_id) or (
        Order.objects.filter(source=OrderSource.DEAL, external_id=str(deal_id)).first()
    )
