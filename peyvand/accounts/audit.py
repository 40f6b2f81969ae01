"""The audit log (django-auditlog's LogEntry) is append-only.

Three layers keep it that way:

- the model: `guard_log_entries` (connected in AccountsConfig.ready) refuses `save()` of an existing
  entry and `delete()` of any entry, so no page, API route or admin can change history;
- the database: triggers (migration accounts 0004, SQLite and PostgreSQL) refuse UPDATE and DELETE
  (and TRUNCATE on PostgreSQL) of `auditlog_logentry` rows, whatever code or SQL prompt tries;
- one controlled exception each, both through a *permit* row in `accounts_auditpermit`:
  `redact_entries()` (right to be forgotten: personal data inside named entries is replaced,
  nothing else of the entry may change) and `purge_permit()` (`manage.py flush`, which empties
  the whole database on purpose).

A permit is a row written and removed inside the caller's transaction, so no other connection
ever sees it, and it names the entries it allows (entry id), so an erasure can only rewrite the
entries it chose. The same mechanism works on both engines (SQLite has no session variables).
Who can run SQL can drop the triggers too: the triggers protect against application code and
mistakes, the database's own permissions protect against its operators."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from typing import Any

from django.db import connection, transaction

PERMIT_TABLE = "accounts_auditpermit"
# The permit id that allows deleting every entry (a database flush); entry ids start at 1.
PURGE_ALL = 0
MESSAGE = "audit log entries are append-only"
# The columns a redaction may rewrite; every other column of an entry is fixed forever.
REDACTABLE = ("object_repr", "serialized_data", "changes_text", "changes", "additional_data")


class AppendOnlyError(RuntimeError):
    """Raised by the model guard when code tries to change or delete an audit entry."""


def _refuse_save(sender, instance, raw: bool = False, **kwargs: Any) -> None:
    if raw or instance._state.adding:
        return
    raise AppendOnlyError(MESSAGE)


def _refuse_delete(sender, instance, **kwargs: Any) -> None:
    raise AppendOnlyError(MESSAGE)


def guard_log_entries() -> None:
    from auditlog.models import LogEntry
    from django.db.models.signals import pre_delete, pre_save

    pre_save.connect(_refuse_save, sender=LogEntry, dispatch_uid="accounts.audit.save")
    pre_delete.connect(_refuse_delete, sender=LogEntry, dispatch_uid="accounts.audit.delete")


@contextmanager
def _permits(ids: Iterable[int], using: str | None = None) -> Iterator[None]:
    from django.db import connections

    conn = connections[using] if using else connection
    ids = sorted(set(ids))
    table = conn.ops.quote_name(PERMIT_TABLE)
    with transaction.atomic(using=conn.alias), conn.cursor() as cursor:
        for start in range(0, len(ids), 500):
            chunk = ids[start : start + 500]
            cursor.execute(
                f"INSERT INTO {table} (entry_id) VALUES {', '.join(['(%s)'] * len(chunk))}",
                chunk,
            )
        try:
            yield
        finally:
            for start in range(0, len(ids), 500):
                chunk = ids[start : start + 500]
                cursor.execute(
                    f"DELETE FROM {table} WHERE entry_id IN ({', '.join(['%s'] * len(chunk))})",
                    chunk,
                )


@contextmanager
def purge_permit(using: str | None = None) -> Iterator[None]:
    """Allow deleting every audit entry inside the block (only `manage.py flush` uses it)."""
    with _permits([PURGE_ALL], using):
        yield


def redact_entries(entries: Iterable[Any], redact: Callable[[Any], dict[str, Any]]) -> int:
    """Rewrite the personal data inside the given LogEntry objects.

    `redact(entry)` returns the new values of some of REDACTABLE; the entry keeps its id, time,
    actor, action and the object it is about. Returns how many entries changed. Must run inside
    the caller's transaction (an erasure is all or nothing)."""
    from auditlog.models import LogEntry

    updates: dict[int, dict[str, Any]] = {}
    for entry in entries:
        values = redact(entry)
        unknown = set(values) - set(REDACTABLE)
        if unknown:
            raise ValueError(f"audit columns that may not be rewritten: {sorted(unknown)}")
        if values:
            updates[entry.pk] = values
    if not updates:
        return 0
    with _permits(updates):
        for pk, values in updates.items():
            # A queryset update: no pre_save guard; the trigger checks the permit instead.
            LogEntry.objects.filter(pk=pk).update(**values)
    return len(updates)
