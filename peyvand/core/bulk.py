"""Writing many new rows fast: COPY on PostgreSQL, executemany on SQLite.

`bulk_create` builds a model instance and compiles every field of every row, and on SQLite
it splits a batch into statements of 999 parameters; for an import of a million contacts (and
their phones, e-mails, addresses, search entries...) that is most of the time spent. These
helpers take plain values instead: the caller has already cleaned them as the services would.
No signals, no `save()`: only for code that writes rows the way their services would have.
"""

from __future__ import annotations

import datetime as dt
import operator
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from django.db import connection, models
from django.db.models import F, Lookup
from django.db.models.lookups import In
from django.utils import timezone

# Fields whose Python values need the backend's adaptation (timestamps as naive UTC text on
# SQLite, JSON, decimals); other columns go to the driver as they are.
_ADAPTED = (
    models.DateTimeField,
    models.DateField,
    models.TimeField,
    models.JSONField,
    models.DecimalField,
    models.DurationField,
    models.UUIDField,
)


def _columns(model: type[models.Model], with_pk: bool) -> list[models.Field]:
    return [
        f
        for f in model._meta.concrete_fields
        if with_pk or not (f.primary_key and isinstance(f, models.AutoField))
    ]


def _default(field: models.Field, now: dt.datetime) -> Any:
    if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
        return now
    return field.get_default()  # "" for text columns without a default, as Django saves them


def insert_rows(
    model: type[models.Model],
    rows: Sequence[Mapping[str, Any]],
    *,
    return_ids: bool = False,
) -> list[int]:
    """Insert `rows` ({attname: value}; missing columns take the field's default, `auto_now`
    columns the current time; other keys are ignored) as new rows of `model`, inside the
    caller's transaction.

    Returns the new primary keys in the order of `rows` when `return_ids` (else []).
    """
    if not rows:
        return []
    now = timezone.now()
    postgres = connection.vendor == "postgresql"
    fields = _columns(model, with_pk=False)
    pk = model._meta.pk
    ids: list[int] = []
    if return_ids and postgres:
        ids = _next_ids(model, len(rows))
        fields = [pk, *fields]
    defaults = {f.attname: _default(f, now) for f in fields if f is not pk}
    stamped = {
        f.attname
        for f in fields
        if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False)
    }
    names = [f.attname for f in fields]
    if ids:
        defaults[pk.attname] = None
    pick = operator.itemgetter(*names) if len(names) > 1 else (lambda r: (r[names[0]],))
    adapted = [(i, f) for i, f in enumerate(fields) if isinstance(f, _ADAPTED) and f is not pk]
    stamped_at = [i for i, name in enumerate(names) if name in stamped]
    pk_at = names.index(pk.attname) if ids else -1
    # Most adapted values repeat (the batch's one timestamp): adapt each distinct one once.
    # The type is part of the key: True == 1 and Decimal("1.0") == 1, yet they adapt apart.
    memo: dict[tuple[int, type, Any], Any] = {}

    def adapt(i: int, field: models.Field, value: Any) -> Any:
        key = (i, type(value), value)
        try:
            return memo[key]
        except KeyError:
            memo[key] = out = field.get_db_prep_save(value, connection)
            return out
        except TypeError:  # unhashable (JSON)
            return field.get_db_prep_save(value, connection)

    # A callable default (uuid4, dict) is called for every row that lacks the column.
    called = [(i, f) for i, f in enumerate(fields) if f.has_default() and callable(f.default)]

    def values(index: int, row: Mapping[str, Any]) -> tuple:
        out = list(pick(defaults | row))  # keys that are not columns are left out
        for i, field in called:
            if field.attname not in row:
                out[i] = field.get_default()
        if pk_at >= 0:
            out[pk_at] = ids[index]
        for i in stamped_at:
            if out[i] is None:
                out[i] = now
        for i, field in adapted:
            if out[i] is not None:
                out[i] = adapt(i, field, out[i])
        return tuple(out)

    table = connection.ops.quote_name(model._meta.db_table)
    column_sql = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    connection.ensure_connection()
    if postgres:
        sql = f"COPY {table} ({column_sql}) FROM STDIN"
        with connection.cursor() as cursor, cursor.cursor.copy(sql) as copy:
            for index, row in enumerate(rows):
                copy.write_row(values(index, row))
        return ids
    marks = ", ".join("?" * len(fields))
    with connection.cursor() as cursor:
        # The raw sqlite3 cursor: Django's wrapper would rewrite "%s" placeholders row by row.
        raw = cursor.cursor
        raw.executemany(
            f"INSERT INTO {table} ({column_sql}) VALUES ({marks})",
            (values(i, row) for i, row in enumerate(rows)),
        )
        if not return_ids:
            return []
        # AUTOINCREMENT hands out consecutive ids, and the open write transaction keeps any
        # other writer out until commit; the count check turns a broken assumption into an error.
        last = raw.execute("SELECT last_insert_rowid()").fetchone()[0]
        first = last - len(rows) + 1
        column = connection.ops.quote_name(pk.column)
        found = raw.execute(
            f"SELECT count(*) FROM {table} WHERE {column} BETWEEN ? AND ?", (first, last)
        ).fetchone()[0]
    if found != len(rows):
        raise RuntimeError(f"{model._meta.label}: ids of inserted rows are not consecutive")
    return list(range(first, last + 1))


def _next_ids(model: type[models.Model], count: int) -> list[int]:
    table = model._meta.db_table
    column = model._meta.pk.column
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
            [connection.ops.quote_name(table), column, count],
        )
        return [row[0] for row in cursor.fetchall()]


def insert_instances(instances: Iterable[models.Model]) -> None:
    """Insert unsaved model instances built in memory; sets their primary keys."""
    objs = list(instances)
    if not objs:
        return
    model = type(objs[0])
    # An instance's __dict__ has every column's value under its attname (and more, ignored).
    rows = [obj.__dict__ for obj in objs]
    for obj, pk in zip(objs, insert_rows(model, rows, return_ids=True), strict=True):
        obj.pk = pk
        obj._state.adding = False
        obj._state.db = connection.alias


class _AnyOf(Lookup):
    """`column = ANY(%s)` with the values as one array parameter."""

    lookup_name = "any_of"
    prepare_rhs = False

    def get_db_prep_lookup(self, value, connection):
        return "%s", [list(value)]

    def as_sql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        rhs, rhs_params = self.process_rhs(compiler, connection)
        return f"{lhs} = ANY({rhs})", (*lhs_params, *rhs_params)


def one_of(field: str, values: Iterable[Any]) -> Lookup:
    """A filter() condition "`field` is one of `values`" for lookups of thousands of values
    (a batch's keys): on PostgreSQL one array parameter, as psycopg's client-side binding
    splits an IN list of thousands of placeholders in Python; elsewhere IN."""
    values = list(values)
    if connection.vendor == "postgresql":
        return _AnyOf(F(field), values)
    return In(F(field), values)
