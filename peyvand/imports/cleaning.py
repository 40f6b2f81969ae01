"""Cleaning a job's rows batch by batch, in worker processes when the file is big.

Cleaning (normalising phones, dates, digits, validating like the forms) is most of an import's
CPU time and needs no database for targets that declare `pure_cleaning`, so for big files of
those targets it runs in a pool of processes while the job's own process writes the batches
cleaned before. The pool is started with "spawn": a forked child would share the parent's
database connection. Results come back in file order, at most a few batches ahead, so memory
stays bounded whatever the file size.
"""

from __future__ import annotations

import multiprocessing
import os
from collections import deque
from collections.abc import Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from contextlib import AbstractContextManager

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext as _

from . import registry

Batch = list[tuple[int, list[str] | None]]  # (row number, cells) in file order
ALL_ERRORS = "__all__"


def _raw_values(columns: dict[str, int], cells: list[str]) -> dict[str, str]:
    return {name: cells[index] for name, index in columns.items() if index < len(cells)}


def clean_cells(
    target: registry.ImportTarget,
    context: registry.JobContext,
    columns: dict[str, int],
    cells: list[str] | None,
) -> registry.CleanRow:
    if cells is None:
        row = registry.CleanRow()
        row.add_error(ALL_ERRORS, _("This row could not be read."))
        return row
    token = registry.using_context(context)
    try:
        row = target.clean_row(_raw_values(columns, cells))
        if row.ok:
            target.prepare(row)
        return row
    finally:
        registry.reset_context(token)


def clean_batch(
    target: registry.ImportTarget,
    context: registry.JobContext,
    columns: dict[str, int],
    batch: Batch,
) -> list[registry.CleanRow]:
    return [clean_cells(target, context, columns, cells) for _number, cells in batch]


def _clean_in_worker(
    code: str, context: registry.JobContext, columns: dict[str, int], batch: Batch
) -> list[registry.CleanRow]:
    with translation.override(context.language):
        return clean_batch(registry.get_target(code), context, columns, batch)


def _start_worker() -> None:
    import django

    django.setup()


def processes_for(target: registry.ImportTarget, rows: int | None) -> int:
    """How many cleaning processes a job gets: 0 (clean in the job's own process) for small
    files and for targets whose cleaning reads the database."""
    configured = getattr(settings, "IMPORTS_CLEAN_PROCESSES", None)
    if configured is None:
        configured = min(os.cpu_count() or 1, 4)
    minimum = int(getattr(settings, "IMPORTS_PARALLEL_MIN_ROWS", 20_000))
    if configured < 2 or not target.pure_cleaning or (rows or 0) < minimum:
        return 0
    return int(configured)


class BatchCleaner(AbstractContextManager):
    """`cleaned(batches)` yields (batch, cleaned rows) in order; with processes > 0 the next
    batches are cleaned in the pool while the caller writes the current one."""

    def __init__(
        self,
        target: registry.ImportTarget,
        context: registry.JobContext,
        columns: dict[str, int],
        processes: int = 0,
    ) -> None:
        self.target, self.context, self.columns = target, context, columns
        self.processes = processes
        self._pool: ProcessPoolExecutor | None = None

    def __enter__(self) -> BatchCleaner:
        if self.processes:
            self._pool = ProcessPoolExecutor(
                self.processes,
                mp_context=multiprocessing.get_context("spawn"),
                initializer=_start_worker,
            )
        return self

    def __exit__(self, *exc_info) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)

    def cleaned(self, batches: Iterable[Batch]) -> Iterator[tuple[Batch, list[registry.CleanRow]]]:
        if self._pool is None:
            for batch in batches:
                yield batch, clean_batch(self.target, self.context, self.columns, batch)
            return
        # The user is not needed to clean and would drag its whole object graph across.
        context = registry.JobContext(
            user=None,
            source=self.context.source,
            mode=self.context.mode,
            calendar=self.context.calendar,
            job_id=self.context.job_id,
            language=self.context.language,
        )
        window: deque[tuple[Batch, Future]] = deque()
        ahead = self.processes * 2
        for batch in batches:
            window.append(
                (
                    batch,
                    self._pool.submit(
                        _clean_in_worker, self.target.code, context, self.columns, batch
                    ),
                )
            )
            if len(window) > ahead:
                done, future = window.popleft()
                yield done, future.result()
        while window:
            done, future = window.popleft()
            yield done, future.result()
