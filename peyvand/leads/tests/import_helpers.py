"""Running an import target on a CSV snippet the way the import engine does: map the headers by
the target's aliases, clean every row, write the clean ones in one batch. Shared by the
import-target tests of leads, commerce, sales and service."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field

from django.db import transaction

from peyvand.core.persian import search_key
from peyvand.imports import registry


@dataclass
class Result:
    errors: dict[int, dict[str, list[str]]] = field(default_factory=dict)  # clean_row errors
    warnings: dict[int, dict[str, list[str]]] = field(default_factory=dict)
    outcomes: list[registry.RowOutcome] = field(default_factory=list)

    def actions(self) -> dict[int, str]:
        return {o.number: o.action for o in self.outcomes}

    def ids(self, action: str = registry.CREATED) -> list[int]:
        return sorted({o.object_id for o in self.outcomes if o.action == action})

    def restored(self) -> dict[int, dict]:
        return {o.object_id: o.previous for o in self.outcomes if o.action == registry.UPDATED}


def map_headers(target: registry.ImportTarget, headers: list[str]) -> dict[int, str]:
    mapping: dict[int, str] = {}
    for index, header in enumerate(headers):
        key = search_key(header)
        for spec in target.fields:
            if key in spec.header_keys() and spec.name not in mapping.values():
                mapping[index] = spec.name
                break
    return mapping


def run_import(
    target: registry.ImportTarget,
    text: str,
    *,
    user,
    source: str = "old-system",
    mode: str = registry.SKIP,
    job_id: int | None = 1,
    calendar: str = registry.AUTO,
    batch_size: int = 100,
) -> Result:
    context = registry.JobContext(
        user=user, source=source, mode=mode, calendar=calendar, job_id=job_id
    )
    reader = csv.reader(io.StringIO(text.strip() + "\n"))
    headers = next(reader)
    mapping = map_headers(target, headers)
    result = Result()
    rows: list[registry.ImportRow] = []
    token = registry.using_context(context)
    try:
        for number, cells in enumerate(reader, start=2):
            values = {name: cells[i] for i, name in mapping.items() if i < len(cells)}
            clean = target.clean_row(values)
            if clean.warnings:
                result.warnings[number] = clean.warnings
            if not clean.ok:
                result.errors[number] = clean.errors
                continue
            rows.append(registry.ImportRow(number, clean.values, clean.warnings))
    finally:
        registry.reset_context(token)
    for start in range(0, len(rows), batch_size):
        batch = rows[start : start + batch_size]
        with transaction.atomic():
            outcomes = target.write_batch(batch, job_context=context, mode=mode)
        assert [o.number for o in outcomes] == [r.number for r in batch]
        result.outcomes.extend(outcomes)
    return result


def undo(target: registry.ImportTarget, *results: Result) -> list[str]:
    """Undo like the engine: refuse when there are blockers, else delete and restore."""
    created = sorted({i for r in results for i in r.ids()})
    restored: dict[int, dict] = {}
    for r in results:
        for object_id, previous in r.restored().items():
            restored.setdefault(object_id, previous)
    blockers = target.blockers(created)
    if blockers:
        return blockers
    with transaction.atomic():
        target.undo(created, restored)
    return []
