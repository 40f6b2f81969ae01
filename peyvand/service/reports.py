"""Service reports: ticket volume by month, channel and category; first-response and resolution
times (median, 90th percentile); SLA compliance; backlog by tier and age; CSAT by agent, team and
category; the most used knowledge articles.

Every figure is computed by the database over the tickets the user may see.

Percentiles: response and resolution times are the business seconds stored on each ticket's
SLA clock (`TicketSla.first_response_seconds` / `resolution_seconds`), so what is reported is
what the SLA measures (closed hours and customer waits excluded). On PostgreSQL one grouped query
uses `percentile_cont(p) WITHIN GROUP (ORDER BY x)`. SQLite has no percentile aggregate: per
group it runs one COUNT and, per percentile, one indexed ORDER BY .. LIMIT 2 OFFSET k query and
interpolates between the two neighbours exactly as percentile_cont does, so both databases give
the same numbers. Groups are bounded (at most MAX_MONTHS months plus the total), so the query
count is bounded too whatever the number of tickets."""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field
from typing import Any

from django.db import connection
from django.db.models import (
    Aggregate,
    Avg,
    Case,
    Count,
    F,
    FloatField,
    IntegerField,
    Q,
    QuerySet,
    Value,
    When,
)
from django.utils import timezone
from django.utils.translation import gettext as _

from peyvand.core.db_routers import report_reads
from peyvand.leads.selectors import MAX_MONTHS, month_ranges

from .models import CsatSurvey, Ticket, TicketChannel

PERCENTILES = (0.5, 0.9)
AGE_BUCKETS = (  # (key, upper bound in days, label) -- the last is open-ended
    ("lt1", 1),
    ("1to3", 3),
    ("3to7", 7),
    ("7to30", 30),
    ("gt30", None),
)


def age_labels() -> dict[str, str]:
    return {
        "lt1": _("Under a day"),
        "1to3": _("1–3 days"),
        "3to7": _("3–7 days"),
        "7to30": _("1–4 weeks"),
        "gt30": _("Over 30 days"),
    }


class PercentileCont(Aggregate):
    """PostgreSQL's ordered-set aggregate percentile_cont(p) WITHIN GROUP (ORDER BY expr)."""

    function = "PERCENTILE_CONT"
    template = "%(function)s(%(fraction)s) WITHIN GROUP (ORDER BY %(expressions)s)"
    output_field = FloatField()

    def __init__(self, expression, fraction: float, **extra):
        super().__init__(expression, fraction=float(fraction), **extra)


def _supports_percentile_cont() -> bool:
    return connection.vendor == "postgresql"


def _interpolated(values: list, fractions) -> dict[float, float | None]:
    """percentile_cont's definition (linear interpolation between the two nearest ranks)."""
    values = sorted(values)
    result: dict[float, float | None] = {}
    for fraction in fractions:
        if not values:
            result[fraction] = None
            continue
        position = fraction * (len(values) - 1)
        low_index = math.floor(position)
        low = values[low_index]
        high = values[low_index + 1] if low_index + 1 < len(values) else low
        result[fraction] = low + (high - low) * (position - low_index)
    return result


def percentiles(qs: QuerySet, column: str, fractions=PERCENTILES) -> dict[float, float | None]:
    """percentile_cont of a non-null integer column over a queryset, in either database."""
    qs = qs.filter(**{f"{column}__isnull": False})
    if _supports_percentile_cont():
        row = qs.aggregate(**{f"p{i}": PercentileCont(column, f) for i, f in enumerate(fractions)})
        return {f: row[f"p{i}"] for i, f in enumerate(fractions)}
    # SQLite has no ordered-set aggregate: one query for the numbers, then the same formula.
    return _interpolated(list(qs.order_by().values_list(column, flat=True)), fractions)


def grouped_percentiles(
    qs: QuerySet, column: str, group: str, fractions=PERCENTILES
) -> dict[Any, dict[float, float | None]]:
    """percentiles() per value of `group`, in one query."""
    qs = qs.filter(**{f"{column}__isnull": False})
    if _supports_percentile_cont():
        rows = (
            qs.order_by()
            .values(group)
            .annotate(**{f"p{i}": PercentileCont(column, f) for i, f in enumerate(fractions)})
        )
        return {row[group]: {f: row[f"p{i}"] for i, f in enumerate(fractions)} for row in rows}
    values: dict[Any, list] = {}
    for key, value in qs.order_by().values_list(group, column):
        values.setdefault(key, []).append(value)
    return {key: _interpolated(group_values, fractions) for key, group_values in values.items()}


@dataclass
class MonthRow:
    key: str
    label: str
    tickets: int = 0
    by_channel: dict[str, int] = field(default_factory=dict)
    first_response: dict[str, float | None] = field(default_factory=dict)  # median, p90
    resolution: dict[str, float | None] = field(default_factory=dict)
    first_response_compliance: float | None = None
    resolution_compliance: float | None = None


@dataclass
class ServiceReport:
    start: dt.datetime
    end: dt.datetime
    months: list[MonthRow] = field(default_factory=list)
    channels: list[tuple[str, str]] = field(default_factory=list)
    by_category: list[dict[str, Any]] = field(default_factory=list)
    total: MonthRow | None = None
    backlog: list[dict[str, Any]] = field(default_factory=list)
    csat: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    csat_total: dict[str, Any] = field(default_factory=dict)
    top_articles: list[dict[str, Any]] = field(default_factory=list)


def _rate(part: int, whole: int) -> float | None:
    return round(100 * part / whole, 1) if whole else None


_COMPLIANCE = {
    "fr_met": Count(
        "id",
        filter=Q(sla__first_responded_at__isnull=False)
        & Q(sla__first_responded_at__lte=F("sla__first_response_due_at")),
    ),
    "fr_decided": Count(
        "id",
        filter=Q(sla__first_responded_at__isnull=False)
        | Q(sla__first_response_breached_at__isnull=False),
    ),
    "res_met": Count(
        "id",
        filter=Q(sla__resolved_at__isnull=False)
        & Q(sla__resolved_at__lte=F("sla__resolution_due_at")),
    ),
    "res_decided": Count(
        "id",
        filter=Q(sla__resolved_at__isnull=False) | Q(sla__resolution_breached_at__isnull=False),
    ),
}


def _minutes(values: dict[float, float | None]) -> dict[str, float | None]:
    """{"median": .., "p90": ..} in business minutes from percentiles in seconds."""
    return {
        "median" if k == 0.5 else f"p{round(k * 100)}": (
            round(v / 60, 1) if v is not None else None
        )
        for k, v in values.items()
    }


def _apply_compliance(row: MonthRow, data: dict[str, int]) -> None:
    row.first_response_compliance = _rate(data["fr_met"], data["fr_decided"])
    row.resolution_compliance = _rate(data["res_met"], data["res_decided"])


@report_reads
def service_report(
    user, *, start: dt.date, end: dt.date, language: str | None = None, now=None
) -> ServiceReport:
    """Tickets created in [start, end] that `user` may see (backlog: active tickets now)."""
    now = now or timezone.now()
    start_at = timezone.make_aware(dt.datetime.combine(start, dt.time()))
    end_at = timezone.make_aware(dt.datetime.combine(end + dt.timedelta(days=1), dt.time()))
    visible = Ticket.objects.visible_to(user).filter(merged_into__isnull=True)
    base = visible.filter(created_at__gte=start_at, created_at__lt=end_at)
    report = ServiceReport(start=start_at, end=end_at)
    channel_labels = dict(TicketChannel.choices)

    months = month_ranges(start, end + dt.timedelta(days=1), language=language)[:MAX_MONTHS]
    bucket = Case(
        *(
            When(created_at__gte=m_start, created_at__lt=m_end, then=Value(index))
            for index, (_k, _l, m_start, m_end) in enumerate(months)
        ),
        default=Value(-1),
        output_field=IntegerField(),
    )
    bucketed = base.annotate(bucket=bucket)
    # One pass for every (month, channel) cell; months, channels and the total are their sums.
    cells = list(
        bucketed.order_by().values("bucket", "channel").annotate(n=Count("id"), **_COMPLIANCE)
    )
    compliance: dict[int, dict[str, int]] = {}
    totals = dict.fromkeys(("n", *_COMPLIANCE), 0)
    for cell in cells:
        month = compliance.setdefault(cell["bucket"], dict.fromkeys(_COMPLIANCE, 0))
        for name in _COMPLIANCE:
            month[name] += cell[name]
        for name in totals:
            totals[name] += cell[name]
    fr = grouped_percentiles(bucketed, "sla__first_response_seconds", "bucket")
    res = grouped_percentiles(bucketed, "sla__resolution_seconds", "bucket")
    rows = [MonthRow(key, str(label)) for key, label, _s, _e in months]
    used_channels: set[str] = set()
    for item in cells:
        if 0 <= item["bucket"] < len(rows):
            row = rows[item["bucket"]]
            row.by_channel[item["channel"]] = item["n"]
            row.tickets += item["n"]
            used_channels.add(item["channel"])
    for index, row in enumerate(rows):
        row.first_response = _minutes(fr.get(index, dict.fromkeys(PERCENTILES)))
        row.resolution = _minutes(res.get(index, dict.fromkeys(PERCENTILES)))
        if index in compliance:
            _apply_compliance(row, compliance[index])
    report.months = rows
    report.channels = [
        (c, str(channel_labels.get(c, c))) for c in TicketChannel.values if c in used_channels
    ]

    total = MonthRow("total", _("Total"))
    total.tickets = totals["n"]
    _apply_compliance(total, totals)
    total.first_response = _minutes(percentiles(base, "sla__first_response_seconds"))
    total.resolution = _minutes(percentiles(base, "sla__resolution_seconds"))
    for item in cells:
        total.by_channel[item["channel"]] = total.by_channel.get(item["channel"], 0) + item["n"]
    report.total = total

    report.by_category = [
        {
            "category": row["category__name"] or _("No category"),
            "tickets": row["n"],
            "first_response_compliance": _rate(row["fr_met"], row["fr_decided"]),
            "resolution_compliance": _rate(row["res_met"], row["res_decided"]),
        }
        for row in base.order_by()
        .values("category__name")
        .annotate(n=Count("id"), **_COMPLIANCE)
        .order_by("-n", F("category__name").asc(nulls_last=True))
    ]

    report.backlog = backlog(visible, now=now)
    report.csat, report.csat_total = csat_summary(visible, start_at=start_at, end_at=end_at)
    report.top_articles = top_articles(visible, start_at=start_at, end_at=end_at)
    return report


def backlog(visible: QuerySet, *, now: dt.datetime) -> list[dict[str, Any]]:
    """Active tickets now, per support tier and age bucket."""
    whens = []
    for key, days in AGE_BUCKETS:
        if days is not None:
            whens.append(When(created_at__gt=now - dt.timedelta(days=days), then=Value(key)))
    age = Case(*whens, default=Value(AGE_BUCKETS[-1][0]))
    labels = age_labels()
    table: dict[Any, dict[str, Any]] = {}
    for row in (
        visible.active()
        .annotate(age=age)
        .order_by()
        .values("tier__level", "tier__code", "age")
        .annotate(n=Count("id"))
    ):
        key = (row["tier__level"] or 0, row["tier__code"] or "")
        entry = table.setdefault(
            key,
            {
                "tier": row["tier__code"] or _("No tier"),
                "total": 0,
                **{k: 0 for k, _d in AGE_BUCKETS},
            },
        )
        entry[row["age"]] += row["n"]
        entry["total"] += row["n"]
    result = [table[k] for k in sorted(table)]
    for entry in result:
        entry["labels"] = labels
    return result


def csat_summary(
    visible: QuerySet, *, start_at: dt.datetime, end_at: dt.datetime
) -> tuple[dict[str, list[dict[str, Any]]], dict[str, Any]]:
    """Answered surveys in the period: average rating, answers, share satisfied (4–5)."""
    answered = CsatSurvey.objects.filter(
        ticket__in=visible.values("pk"),
        answered_at__gte=start_at,
        answered_at__lt=end_at,
        rating__isnull=False,
    )
    metrics = {
        "answers": Count("id"),
        "average": Avg("rating"),
        "satisfied": Count("id", filter=Q(rating__gte=4)),
    }

    def rows(
        field_name: str, label_fields: tuple[str, ...], empty: str, fallback: str = ""
    ) -> list[dict[str, Any]]:
        out = []
        extra = (fallback,) if fallback else ()
        for row in (
            answered.order_by()
            .values(field_name, *label_fields, *extra)
            .annotate(**metrics)
            .order_by("-answers", field_name)
        ):
            label = " ".join(str(row[f]) for f in label_fields if row[f]).strip()
            label = label or (row[fallback] if fallback and row[fallback] else "") or empty
            out.append(
                {
                    "label": label,
                    "answers": row["answers"],
                    "average": round(row["average"], 2) if row["average"] is not None else None,
                    "satisfied": _rate(row["satisfied"], row["answers"]),
                }
            )
        return out

    groups = {
        "agent": rows(
            "ticket__assignee",
            ("ticket__assignee__first_name", "ticket__assignee__last_name"),
            _("Unassigned"),
            "ticket__assignee__username",
        ),
        "team": rows("ticket__team", ("ticket__team__name",), _("No team")),
        "category": rows("ticket__category", ("ticket__category__name",), _("No category")),
    }
    totals = answered.aggregate(**metrics)
    total = {
        "answers": totals["answers"],
        "average": round(totals["average"], 2) if totals["average"] is not None else None,
        "satisfied": _rate(totals["satisfied"], totals["answers"]),
    }
    return groups, total


def top_articles(
    visible: QuerySet, *, start_at: dt.datetime, end_at: dt.datetime, limit: int = 10
) -> list[dict[str, Any]]:
    """The knowledge articles linked to or inserted into the most tickets in the period."""
    from .models import TicketResource

    rows = (
        TicketResource.objects.filter(
            article__isnull=False,
            ticket__in=visible.values("pk"),
            used_at__gte=start_at,
            used_at__lt=end_at,
        )
        .order_by()
        .values("article", "article__title")
        .annotate(uses=Count("id"), tickets=Count("ticket", distinct=True))
        .order_by("-uses", "article")[:limit]
    )
    return [
        {
            "id": r["article"],
            "title": r["article__title"],
            "uses": r["uses"],
            "tickets": r["tickets"],
        }
        for r in rows
    ]
