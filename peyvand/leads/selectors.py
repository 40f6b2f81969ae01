"""Reads: lead lists, "my leads", and the funnel report."""

from __future__ import annotations

import datetime as dt
import statistics
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

import jdatetime
from django.db.models import (
    Case,
    Count,
    F,
    FloatField,
    Func,
    IntegerField,
    Q,
    QuerySet,
    Value,
    When,
)
from django.utils import timezone

from peyvand.core.dates import format_month, jalali_month_bounds
from peyvand.core.db_routers import report_reads
from peyvand.core.persian import is_persian_language

from .models import (
    OPEN_STATUSES,
    Channel,
    Lead,
    LeadStatus,
    close_reason_label,
)

LIST_COLUMNS = (
    "id",
    "first_name",
    "last_name",
    "company_name",
    "phone",
    "email",
    "city",
    "channel",
    "source_name",
    "product",
    "status",
    "score",
    "band",
    "owner_id",
    "team_id",
    "created_at",
    "first_contacted_at",
    "first_response_due_at",
    "needs_review",
)


@dataclass
class LeadFilters:
    status: str = ""
    channel: str = ""
    owner: int | None = None
    team: int | None = None
    band: str = ""
    overdue: bool = False
    unassigned: bool = False
    needs_review: bool = False
    open_only: bool = False
    q: str = ""
    form: int | None = None


def filter_leads(
    qs: QuerySet, filters: LeadFilters, *, user=None, now: dt.datetime | None = None
) -> QuerySet:
    if filters.status:
        qs = qs.filter(status=filters.status)
    if filters.open_only:
        qs = qs.filter(status__in=OPEN_STATUSES)
    if filters.channel:
        qs = qs.filter(channel=filters.channel)
    if filters.owner:
        qs = qs.filter(owner_id=filters.owner)
    if filters.team:
        qs = qs.filter(team_id=filters.team)
    if filters.band:
        qs = qs.filter(band=filters.band)
    if filters.form:
        qs = qs.filter(form_id=filters.form)
    if filters.overdue:
        qs = qs.filter(
            status__in=OPEN_STATUSES,
            first_contacted_at__isnull=True,
            first_response_due_at__lt=now or timezone.now(),
        )
    if filters.unassigned:
        qs = qs.filter(owner__isnull=True, status__in=OPEN_STATUSES)
    if filters.needs_review:
        qs = qs.filter(needs_review=True)
    if filters.q:
        qs = qs.filter(pk__in=_search_ids(user, filters.q))
    return qs


def _search_ids(user, q: str) -> list[int]:
    """Leads the global search finds for `q` (names, phones, e-mails in any spelling)."""
    from peyvand.search.selectors import MAX_LIMIT, search

    return [hit.object_id for hit in search(user, q, kinds=["lead"], limit=MAX_LIMIT)]


def lead_list(user, filters: LeadFilters, *, all_columns: bool = False) -> QuerySet:
    """Visible leads matching `filters`; list pages read only the columns they show, the API
    (`all_columns`) every column."""
    qs = filter_leads(Lead.objects.visible_to(user), filters, user=user).select_related(
        "owner", "team"
    )
    if all_columns:
        return qs
    return qs.only(
        *LIST_COLUMNS, "owner__first_name", "owner__last_name", "owner__username", "team__name"
    )


def my_leads(user, *, now: dt.datetime | None = None, all_columns: bool = False) -> QuerySet:
    """The user's open leads: overdue first, then new, then the rest, newest first."""
    now = now or timezone.now()
    qs = (
        Lead.objects.filter(owner=user, status__in=OPEN_STATUSES)
        .annotate(
            urgency=Case(
                When(first_contacted_at__isnull=True, first_response_due_at__lt=now, then=Value(0)),
                When(status=LeadStatus.NEW, then=Value(1)),
                default=Value(2),
                output_field=IntegerField(),
            )
        )
        .select_related("owner", "team")
    )
    if all_columns:
        return qs
    return qs.only(
        *LIST_COLUMNS, "owner__first_name", "owner__last_name", "owner__username", "team__name"
    )


MY_LEADS_ORDER = ["urgency", "-created_at", "-id"]
LIST_ORDER = ["-created_at", "-id"]


# --- Funnel ---------------------------------------------------------------------------------------

MAX_MONTHS = 24


@dataclass
class FunnelRow:
    key: str
    label: str
    leads: int = 0
    contacted: int = 0
    qualified: int = 0
    converted: int = 0
    lost: int = 0
    median_first_contact: dt.timedelta | None = None

    @property
    def conversion_rate(self) -> float | None:
        return round(100 * self.converted / self.leads, 1) if self.leads else None

    def as_dict(self) -> dict[str, Any]:
        median = self.median_first_contact
        return {
            "key": self.key,
            "label": str(self.label),
            "leads": self.leads,
            "contacted": self.contacted,
            "qualified": self.qualified,
            "converted": self.converted,
            "lost": self.lost,
            "conversion_rate": self.conversion_rate,
            "median_first_contact_minutes": round(median.total_seconds() / 60, 1)
            if median is not None
            else None,
        }


@dataclass
class Funnel:
    start: dt.datetime
    end: dt.datetime
    by_channel: list[FunnelRow] = field(default_factory=list)
    by_month: list[FunnelRow] = field(default_factory=list)
    total: FunnelRow | None = None
    lost_reasons: list[tuple[str, str, int]] = field(default_factory=list)


_METRICS = {
    "leads": Count("id"),
    "contacted": Count("id", filter=Q(first_contacted_at__isnull=False)),
    "qualified": Count(
        "id",
        filter=Q(qualified_at__isnull=False)
        | Q(status__in=[LeadStatus.QUALIFIED, LeadStatus.CONVERTED]),
    ),
    "converted": Count("id", filter=Q(status=LeadStatus.CONVERTED)),
    "lost": Count("id", filter=Q(status=LeadStatus.LOST)),
}


class _SecondsBetween(Func):
    """`later - earlier` in seconds, as a number the database computes (a duration expression
    would run a Python function per row on SQLite)."""

    output_field = FloatField()

    def as_sql(self, compiler, connection, **extra_context):
        (earlier, earlier_params), (later, later_params) = (
            compiler.compile(e) for e in self.get_source_expressions()
        )
        if connection.vendor == "sqlite":
            sql = f"((julianday({later}) - julianday({earlier})) * 86400.0)"
        else:
            sql = f"EXTRACT(EPOCH FROM ({later} - {earlier}))"
        return sql, (*later_params, *earlier_params)


def _first_contact_waits(base: QuerySet, bucket) -> list[tuple[str, int, float]]:
    """(channel, month bucket, seconds to first contact) of every contacted lead in `base`:
    one query whose rows are three numbers, from which every group's median is taken."""
    rows = (
        base.filter(first_contacted_at__isnull=False)
        .annotate(bucket=bucket, wait=_SecondsBetween(F("created_at"), F("first_contacted_at")))
        .order_by()
        .values_list("channel", "bucket", "wait")
    )
    # Milliseconds: SQLite's julianday arithmetic is exact to well under one.
    return [(channel, index, round(float(wait), 3)) for channel, index, wait in rows]


def _median(seconds: list[float]) -> dt.timedelta | None:
    return dt.timedelta(seconds=statistics.median(seconds)) if seconds else None


def month_ranges(
    start: dt.date, end: dt.date, *, language: str | None = None
) -> list[tuple[str, str, dt.datetime, dt.datetime]]:
    """(key, label, start, end) of every calendar month touching [start, end): Jalali months in
    Persian, Gregorian otherwise; aware datetimes at local midnight. At most MAX_MONTHS."""
    persian = is_persian_language(language)
    ranges = []
    if persian:
        j = jdatetime.date.fromgregorian(date=start)
        year, month = j.year, j.month
    else:
        year, month = start.year, start.month
    while len(ranges) < MAX_MONTHS:
        if persian:
            first, nxt = jalali_month_bounds(year, month)
        else:
            first = dt.date(year, month, 1)
            nxt = dt.date(year + (month == 12), month % 12 + 1, 1)
        if first >= end:
            break
        ranges.append(
            (
                f"{year:04d}-{month:02d}",
                format_month(year, month, language),
                timezone.make_aware(dt.datetime.combine(first, dt.time())),
                timezone.make_aware(dt.datetime.combine(nxt, dt.time())),
            )
        )
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return ranges


@report_reads
def funnel(user, *, start: dt.date, end: dt.date, language: str | None = None) -> Funnel:
    """Leads created in [start, end] that `user` may see: by channel, by month and in total,
    each with contacted / qualified / converted counts, conversion rate and the median time to
    first contact; and why leads were lost. Three queries, each one pass over the period."""
    start_at = timezone.make_aware(dt.datetime.combine(start, dt.time()))
    end_at = timezone.make_aware(dt.datetime.combine(end + dt.timedelta(days=1), dt.time()))
    base = Lead.objects.visible_to(user).filter(created_at__gte=start_at, created_at__lt=end_at)
    report = Funnel(start=start_at, end=end_at)

    months = month_ranges(start, end + dt.timedelta(days=1), language=language)
    bucket = (
        Case(
            *(
                When(created_at__gte=m_start, created_at__lt=m_end, then=Value(index))
                for index, (_k, _l, m_start, m_end) in enumerate(months)
            ),
            default=Value(-1),
            output_field=IntegerField(),
        )
        if months
        else Value(-1, output_field=IntegerField())
    )
    # One pass over the period's leads for the counts of every (channel, month) cell, one for
    # the waits; channels, months and the total are sums of cells, and medians of the waits.
    counts = {metric: 0 for metric in _METRICS}
    by_channel: dict[str, dict[str, int]] = defaultdict(counts.copy)
    by_month: dict[int, dict[str, int]] = defaultdict(counts.copy)
    total = counts.copy()
    cells = base.annotate(bucket=bucket).order_by().values("channel", "bucket")
    for cell in cells.annotate(**_METRICS):
        for metric in _METRICS:
            by_channel[cell["channel"]][metric] += cell[metric]
            by_month[cell["bucket"]][metric] += cell[metric]
            total[metric] += cell[metric]
    waits_by_channel: dict[str, list[float]] = defaultdict(list)
    waits_by_month: dict[int, list[float]] = defaultdict(list)
    waits = _first_contact_waits(base, bucket)
    for channel, index, wait in waits:
        waits_by_channel[channel].append(wait)
        waits_by_month[index].append(wait)

    labels = dict(Channel.choices)
    for channel, values in sorted(by_channel.items(), key=lambda kv: (-kv[1]["leads"], kv[0])):
        item = FunnelRow(channel, labels.get(channel, channel), **values)
        item.median_first_contact = _median(waits_by_channel.get(channel, []))
        report.by_channel.append(item)
    for index, (key, label, _start, _end) in enumerate(months):
        item = FunnelRow(key, label)
        if index in by_month:
            for metric, value in by_month[index].items():
                setattr(item, metric, value)
            item.median_first_contact = _median(waits_by_month.get(index, []))
        report.by_month.append(item)
    report.total = FunnelRow("total", "", **total)
    report.total.median_first_contact = _median([wait for _c, _i, wait in waits])
    report.lost_reasons = [
        (row["close_reason"], close_reason_label(row["close_reason"]), row["n"])
        for row in base.filter(status=LeadStatus.LOST)
        .order_by()
        .values("close_reason")
        .annotate(n=Count("id"))
        .order_by("-n", "close_reason")
    ]
    return report


# --- Phone ------------------------------------------------------------------------------------


def caller_match(user, phone: str) -> dict[str, Any]:
    """Who is calling, among the records `user` may see: an open lead, else a contact; with the
    values to pre-fill the call form with."""
    from peyvand.contacts.models import Contact
    from peyvand.contacts.services import find_duplicates

    lead = (
        Lead.objects.visible_to(user)
        .open()
        .filter(phone=phone)
        .order_by("-created_at", "-id")
        .first()
    )
    if lead is not None:
        return {
            "lead": lead,
            "prefill": {
                "name": lead.full_name,
                "email": lead.email,
                "company": lead.company_name,
                "city": lead.city,
                "province": lead.province,
                "product": lead.product,
            },
        }
    ids = [m.record.pk for m in find_duplicates(phones=[phone])]
    contact = (
        Contact.objects.visible_to(user).filter(pk__in=ids).order_by("id").first() if ids else None
    )
    if contact is not None:
        company = (
            contact.memberships.select_related("company").order_by("-is_primary", "id").first()
        )
        return {
            "contact": contact,
            "prefill": {
                "name": contact.full_name,
                "email": contact.primary_email,
                "company": company.company.name if company else "",
                "city": contact.city,
                "province": contact.province,
            },
        }
    return {}
