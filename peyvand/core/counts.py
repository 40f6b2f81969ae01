"""Row counts that stay cheap on big tables.

An exact COUNT(*) reads the whole table (or index); on millions of rows that is seconds per page
view. Small tables are counted exactly (at most `exact_limit` rows are read); past that the
database's own estimate is used and the result is marked approximate for the "about" label."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import connections
from django.db.models import Model, QuerySet

EXACT_LIMIT = 10_000


@dataclass(frozen=True)
class RowCount:
    value: int
    approximate: bool = False

    def __int__(self) -> int:
        return self.value


def capped_count(queryset: QuerySet, cap: int) -> RowCount:
    """Exact count up to `cap`; beyond it, `cap` marked approximate ("cap+" in templates)."""
    value = queryset.order_by().values("pk")[: cap + 1].count()
    return RowCount(cap, True) if value > cap else RowCount(value)


def estimated_count(
    model: type[Model], queryset: QuerySet | None = None, *, exact_limit: int | None = None
) -> RowCount:
    """Rows of `queryset` (default: the whole table): exact when at most `exact_limit`,
    otherwise the table's estimated size (PostgreSQL statistics, or the highest id elsewhere:
    an upper bound, as deleted rows leave gaps)."""
    exact_limit = exact_limit or EXACT_LIMIT
    qs = queryset if queryset is not None else model._default_manager.all()
    exact = capped_count(qs, exact_limit)
    if not exact.approximate:
        return exact
    estimate = table_estimate(model)
    return RowCount(max(estimate, exact_limit), True)


def table_estimate(model: type[Model]) -> int:
    alias = model._default_manager.db
    connection = connections[alias]
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT reltuples::bigint FROM pg_class WHERE oid = to_regclass(%s)",
                [connection.ops.quote_name(model._meta.db_table)],
            )
            row = cursor.fetchone()
        # -1 means the table was never analysed; fall through to the id bound then.
        if row and row[0] is not None and row[0] >= 0:
            return int(row[0])
    highest = (
        model._default_manager.using(alias).order_by("-pk").values_list("pk", flat=True).first()
    )
    return int(highest or 0)
