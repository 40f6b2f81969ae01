"""Keyset ("seek") pagination for every list, page and API alike.

A page is found by the sort values of the previous page's last row, not by OFFSET, so page
10,000 costs the same as page 1 and no list ever counts its rows."""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import json
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import Q, QuerySet


class InvalidCursor(ValueError):
    pass


@dataclass
class KeysetPage:
    items: list
    next_cursor: str | None

    @property
    def has_next(self) -> bool:
        return self.next_cursor is not None


def _encode_value(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return {"dt": value.isoformat()}
    if isinstance(value, dt.date):
        return {"d": value.isoformat()}
    if isinstance(value, Decimal):
        return {"dec": str(value)}
    return value


def _decode_value(value: Any) -> Any:
    if isinstance(value, dict):
        if "dt" in value:
            return dt.datetime.fromisoformat(value["dt"])
        if "d" in value:
            return dt.date.fromisoformat(value["d"])
        if "dec" in value:
            return Decimal(value["dec"])
        raise InvalidCursor("unknown value type")
    return value


def encode_cursor(values: Sequence[Any]) -> str:
    raw = json.dumps([_encode_value(v) for v in values], separators=(",", ":"))
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode_cursor(cursor: str, size: int) -> list[Any]:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        values = json.loads(base64.urlsafe_b64decode(padded.encode()).decode())
        if not isinstance(values, list) or len(values) != size:
            raise InvalidCursor("wrong cursor size")
        return [_decode_value(v) for v in values]
    except (binascii.Error, UnicodeDecodeError, json.JSONDecodeError, ValueError, TypeError) as exc:
        raise InvalidCursor(str(exc)) from exc


def _field_value(obj: Any, field: str) -> Any:
    for part in field.split("__"):
        obj = obj[part] if isinstance(obj, dict) else getattr(obj, part)
    return obj


def _after(order: Sequence[str], values: Sequence[Any]) -> Q:
    """Rows strictly after `values` in `order`: (a > x) or (a = x and b > y) or ..."""
    condition = Q(pk__in=[])
    equal = Q()
    for field, value in zip(order, values, strict=True):
        name = field.lstrip("-")
        lookup = "lt" if field.startswith("-") else "gt"
        condition |= equal & Q(**{f"{name}__{lookup}": value})
        equal &= Q(**{name: value})
    return condition


def paginate_keyset(
    queryset: QuerySet, *, order: Sequence[str], cursor: str | None, limit: int
) -> KeysetPage:
    """One page of `queryset` sorted by `order`, whose last field must be unique (e.g. "-id").

    Sort fields must be non-null. An invalid cursor raises InvalidCursor (callers answer 400)."""
    queryset = queryset.order_by(*order)
    if cursor:
        queryset = queryset.filter(_after(order, decode_cursor(cursor, len(order))))
    rows = list(queryset[: limit + 1])
    next_cursor = None
    if len(rows) > limit:
        rows = rows[:limit]
        last = rows[-1]
        next_cursor = encode_cursor([_field_value(last, f.lstrip("-")) for f in order])
    return KeysetPage(items=rows, next_cursor=next_cursor)
