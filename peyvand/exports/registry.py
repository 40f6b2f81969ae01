"""The lists that can be exported. Each app declares its own in `<app>/exports.py` as plain data
(`LIST_EXPORTS`), so no app imports this one (exports sits above every module); we discover the
declarations when the app registry is ready.

A declaration:

    LIST_EXPORTS = {
        "contacts": {
            "module": CONTACTS,                       # permissions module (needs "export")
            "label": _("Contacts"),
            "list_url": "contacts:contact_list",      # where the buttons live
            "rows": contact_rows,                     # (user, params: QueryDict) -> QuerySet,
                                                      # visible, filtered and ordered like the list
            "columns": [
                ("id", _("ID"), "int"),
                ("owner", _("Owner"), "person"),
                ("contact", _("Contact"), "name", ("contact__first_name", "contact__last_name")),
                ...
            ],
        },
    }

Column kinds: text, int, number, money, bool, date, datetime, phone, choice, person, name.
A `money` column is a plain number; declare the currency as its own column."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from importlib import import_module
from importlib.util import find_spec
from typing import Any

from django.apps import apps
from django.http import Http404

KINDS = {
    "text",
    "int",
    "number",
    "money",
    "bool",
    "date",
    "datetime",
    "phone",
    "choice",
    "person",
    "name",
}


@dataclass(frozen=True)
class Column:
    key: str
    label: Any
    kind: str
    paths: tuple[str, ...]


@dataclass(frozen=True)
class ListExport:
    code: str
    module: str
    label: Any
    list_url: str
    rows: Callable
    columns: tuple[Column, ...]

    def value_paths(self) -> list[str]:
        seen: dict[str, None] = {}
        for column in self.columns:
            for path in column.paths:
                seen.setdefault(path, None)
        return list(seen)


_LISTS: dict[str, ListExport] = {}


def _column(raw: tuple) -> Column:
    key, label, kind, *rest = raw
    if kind not in KINDS:
        raise ValueError(f"Unknown export column kind {kind!r} for {key!r}")
    if rest:
        paths = tuple(rest[0])
    elif kind == "person":
        paths = (f"{key}__first_name", f"{key}__last_name", f"{key}__username")
    else:
        paths = (key,)
    return Column(key, label, kind, paths)


def register_list(code: str, declaration: dict) -> ListExport:
    spec = ListExport(
        code=code,
        module=declaration["module"],
        label=declaration["label"],
        list_url=declaration.get("list_url", ""),
        rows=declaration["rows"],
        columns=tuple(_column(raw) for raw in declaration["columns"]),
    )
    _LISTS[code] = spec
    return spec


def discover() -> None:
    for config in apps.get_app_configs():
        if not config.name.startswith("peyvand.") or config.name == "peyvand.exports":
            continue
        name = f"{config.name}.exports"
        if find_spec(name) is None:
            continue
        for code, declaration in getattr(import_module(name), "LIST_EXPORTS", {}).items():
            register_list(code, declaration)


def list_exports() -> list[ListExport]:
    return list(_LISTS.values())


def get_list(code: str) -> ListExport:
    try:
        return _LISTS[code]
    except KeyError:
        raise Http404(code) from None
