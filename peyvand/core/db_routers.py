"""Reads of reports go to a read replica; everything else (and every write) to "default".

Reports scan many rows (the lead funnel, the forecast, service reports, dashboard counts) and
tolerate a second of replication lag; pages that show what a user just saved do not. So routing
is opt-in: a report selector wraps its reads in `with reporting():` and only the queries run
inside the block read from settings.REPORTS_DATABASE ("replica" when DATABASE_REPLICA_URL is
set, otherwise "default"). Querysets must be evaluated inside the block.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import ParamSpec, TypeVar

from django.conf import settings
from django.db import connections

_reporting: ContextVar[bool] = ContextVar("peyvand_reporting", default=False)
P = ParamSpec("P")
R = TypeVar("R")


def reporting_db() -> str:
    """The alias report reads use: the replica when one is configured, else "default"."""
    alias = getattr(settings, "REPORTS_DATABASE", "default")
    return alias if alias in connections.settings else "default"


@contextmanager
def reporting() -> Iterator[str]:
    """Route the reads made inside the block to the reporting database (yields its alias)."""
    token = _reporting.set(True)
    try:
        yield reporting_db()
    finally:
        _reporting.reset(token)


def in_reporting() -> bool:
    return _reporting.get()


def report_reads(func: Callable[P, R]) -> Callable[P, R]:
    """Decorate a report selector: its reads run inside `reporting()`. It must return computed
    values (lists, numbers, dataclasses), not lazy querysets evaluated after it returns."""

    @functools.wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        with reporting():
            return func(*args, **kwargs)

    return wrapper


class ReportsRouter:
    """Writes and migrations only on "default"; reads on the replica inside `reporting()`."""

    def db_for_read(self, model, **hints) -> str | None:
        if _reporting.get():
            return reporting_db()
        return None  # Django's default: "default", or the instance's own database

    def db_for_write(self, model, **hints) -> str:
        return "default"

    def allow_relation(self, obj1, obj2, **hints) -> bool | None:
        # The replica holds the same rows as "default": objects read from either may relate.
        return True

    def allow_migrate(self, db: str, app_label: str, model_name=None, **hints) -> bool | None:
        # The replica receives its schema by replication, never from `migrate`.
        return db == "default"
