"""Writing many new rows fast: COPY on PostgreSQL, executemany on SQLite.

`bulk_create` builds a model instance and compiles every field of every row, and on SQLite
it splits a batch into statements of 999 parameters; for an import of a million contacts (and
their phones, e-mails, addresses, search entries...) that is most of the time spent. These
helpers take plain values instead: the caller has already cleaned them as the services would.
No signals, no `save()`: only for code that writes rows the way their services would have.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from django.db import connection, models
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
    columns the current time) as new rows of `model`, inside the caller's transaction.

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
    adapters = [
        (lambda v, f=f: f.get_db_prep_save(v, connection)) if isinstance(f, _ADAPTED) else None
        for f in fields
    ]
    names = [f.attname for f in fields]

    def values(index: int, row: Mapping[str, Any]) -> tuple:
        out = []
        for name, adapt in zip(names, adapters, strict=True):
            if name == pk.attname and ids:
                value = ids[index]
            else:
                value = row.get(name, defaults.get(name))
                if value is None and name in stamped:
                    value = now
            out.append(adapt(value) if adapt is not None and value is not None else value)
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
    names = [f.attname for f in _columns(model, with_pk=False)]
    rows = [{name: obj.__dict__.get(name) for name in names} for obj in objs]
    for obj, pk in zip(objs, insert_rows(model, rows, return_ids=True), strict=True):
        obj.pk = pk
        obj._state.adding = False
        obj._state.db = connection.alias
