"""The import engine: upload -> mapping -> preview -> run in batches -> (cancel | resume | undo).

A run commits one transaction per batch; that transaction writes the target's records, what was
done to them (ImportedRecord, for undo), the rows that failed (FailedRow, for the error report)
and the checkpoint. A worker that dies mid-batch leaves nothing of that batch behind, so resuming
from the checkpoint imports every row exactly once.
"""

from __future__ import annotations

import csv
import io
import logging
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from pathlib import PurePath
from typing import IO, Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files import File
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import F
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from peyvand.accounts.permissions import ADD, CHANGE, DELETE, has_perm, require_perm
from peyvand.core.bulk import insert_rows
from peyvand.core.persian import normalize_text, search_key

from . import files, registry
from .cleaning import ALL_ERRORS, BatchCleaner, clean_cells, processes_for
from .models import (
    EDITABLE_STATUSES,
    IMPORTS,
    RESUMABLE_STATUSES,
    FailedRow,
    ImportedRecord,
    ImportJob,
    ImportStatus,
    SavedMapping,
)

logger = logging.getLogger(__name__)

BATCH_SIZE = 2000
PREVIEW_ROWS = 20
BULK_MAX_ROWS = 1000
DEFAULT_SOURCE = "file"


def batch_size() -> int:
    return int(getattr(settings, "IMPORTS_BATCH_SIZE", BATCH_SIZE))


def max_file_bytes() -> int:
    return int(getattr(settings, "IMPORTS_MAX_BYTES", 512 * 1024 * 1024))


# --- permissions -------------------------------------------------------------------------------
def can_manage(user, job: ImportJob) -> bool:
    """The uploader, or whoever may change imports (managers), may act on a job."""
    if not has_perm(user, IMPORTS, ADD) and not has_perm(user, IMPORTS, CHANGE):
        return False
    return job.user_id == user.pk or user.is_superuser or has_perm(user, IMPORTS, CHANGE)


def _require_manage(user, job: ImportJob) -> None:
    if not can_manage(user, job):
        raise PermissionDenied(_("You do not have permission to do this."))


def require_target_perms(user, target: registry.ImportTarget, mode: str) -> None:
    require_perm(user, target.module, ADD)
    if mode in (registry.FILL, registry.OVERWRITE):
        require_perm(user, target.module, CHANGE)


def get_target_for(user, code: str) -> registry.ImportTarget:
    try:
        target = registry.get_target(code)
    except KeyError as exc:
        raise ValidationError({"target": [_("Choose what to import.")]}) from exc
    require_perm(user, target.module, ADD)
    return target


# --- upload ------------------------------------------------------------------------------------
def _safe_name(name: str) -> str:
    return normalize_text(PurePath(name or "file").name)[:200] or "file"


def create_job(user, upload: UploadedFile, *, target: str = "") -> ImportJob:
    """Store the uploaded file (outside the static root, under a random name) and read its
    header row. Raises files.ImportFileError for an unreadable file."""
    require_perm(user, IMPORTS, ADD)
    if upload.size and upload.size > max_file_bytes():
        raise files.ImportFileError(
            _("The file is too large (at most %(size)d MB).")
            % {"size": max_file_bytes() // (1024 * 1024)}
        )
    upload.seek(0)
    info = files.inspect(_binary(upload), upload.name)
    upload.seek(0)
    job = ImportJob(
        user=user,
        original_name=_safe_name(upload.name),
        file_size=upload.size or 0,
        file_format=info.format,
        encoding=info.encoding,
        delimiter=info.delimiter,
        headers=info.headers,
        options={"mode": registry.SKIP, "source": DEFAULT_SOURCE, "calendar": registry.AUTO},
    )
    if target:
        target_obj = get_target_for(user, target)
        job.target = target_obj.code
        job.mapping = suggest_mapping(target_obj, info.headers)
    job.file.save(upload.name or "file", upload, save=False)
    job.save()
    return job


def _binary(fileobj: Any) -> IO[bytes]:
    """The raw binary stream under a Django File (TextIOWrapper needs a real one)."""
    inner = getattr(fileobj, "file", None)
    if inner is not None and hasattr(inner, "read") and hasattr(inner, "seek"):
        return _binary(inner) if hasattr(inner, "file") else inner
    return fileobj


@contextmanager
def open_job_file(job: ImportJob) -> Iterator[IO[bytes]]:
    job.file.open("rb")
    try:
        yield _binary(job.file)
    finally:
        job.file.close()


def file_info(job: ImportJob) -> files.FileInfo:
    return files.FileInfo(job.file_format, job.encoding, job.delimiter, list(job.headers))


# --- mapping -----------------------------------------------------------------------------------
def suggest_mapping(target: registry.ImportTarget, headers: list[str]) -> dict[str, str]:
    """{header: field} for the headers that name a target field (Persian or English)."""
    keys = {f.name: f.header_keys() for f in target.fields}
    mapping: dict[str, str] = {}
    for header in headers:
        key = search_key(header)
        for spec in target.fields:
            if spec.name not in mapping.values() and key in keys[spec.name]:
                mapping[header] = spec.name
                break
    return mapping


def validate_mapping(target: registry.ImportTarget, headers: list[str], mapping: dict) -> dict:
    """The mapping without empty choices; raises ValidationError listing every problem."""
    names = {f.name for f in target.fields}
    clean: dict[str, str] = {}
    problems: list[str] = []
    for header, name in (mapping or {}).items():
        if not name:
            continue
        if header not in headers:
            problems.append(_("The file has no column “%(header)s”.") % {"header": header})
        elif name not in names:
            problems.append(_("“%(field)s” is not a field of this import.") % {"field": name})
        elif name in clean.values():
            label = target.field(name).label
            problems.append(_("“%(field)s” is chosen for two columns.") % {"field": label})
        else:
            clean[header] = name
    for spec in target.fields:
        if spec.required and spec.name not in clean.values():
            problems.append(
                _("Choose a column for “%(field)s”: it is required.") % {"field": spec.label}
            )
    if not clean:
        problems.append(_("Choose at least one column to import."))
    if problems:
        raise ValidationError({"mapping": problems})
    return clean


def _clean_options(target: registry.ImportTarget, options: dict) -> dict:
    mode = options.get("mode") or registry.SKIP
    if mode not in dict(registry.DUPLICATE_MODES):
        raise ValidationError({"mode": [_("Choose what to do with duplicates.")]})
    calendar = options.get("calendar") or registry.AUTO
    if calendar not in dict(registry.CALENDARS):
        raise ValidationError({"calendar": [_("Choose a calendar.")]})
    source = normalize_text(options.get("source") or DEFAULT_SOURCE)[:100]
    return {"mode": mode, "source": source, "calendar": calendar}


def set_mapping(
    job: ImportJob,
    user,
    *,
    target: str,
    mapping: dict[str, str],
    options: dict | None = None,
    save_as: str = "",
) -> ImportJob:
    _require_manage(user, job)
    if job.status not in EDITABLE_STATUSES:
        raise ValidationError(_("This import has already been started."))
    target_obj = get_target_for(user, target)
    clean_options = _clean_options(target_obj, options or {})
    require_target_perms(user, target_obj, clean_options["mode"])
    job.target = target_obj.code
    job.mapping = validate_mapping(target_obj, job.headers, mapping)
    job.options = clean_options
    job.status = ImportStatus.MAPPED
    job.save(update_fields=["target", "mapping", "options", "status"])
    if save_as.strip():
        save_mapping(user, target=target_obj.code, name=save_as, mapping=job.mapping)
    return job


def save_mapping(user, *, target: str, name: str, mapping: dict[str, str]) -> SavedMapping:
    require_perm(user, IMPORTS, ADD)
    saved, _created = SavedMapping.objects.update_or_create(
        target=target,
        name=normalize_text(name)[:120],
        defaults={"mapping": mapping, "created_by": user},
    )
    return saved


def apply_saved_mapping(saved: SavedMapping, headers: list[str]) -> dict[str, str]:
    """The saved mapping restricted to this file's headers (matched exactly, then by folding)."""
    by_key = {search_key(h): h for h in headers}
    mapping: dict[str, str] = {}
    for header, name in saved.mapping.items():
        actual = header if header in headers else by_key.get(search_key(header))
        if actual and name not in mapping.values():
            mapping[actual] = name
    return mapping


# --- cleaning ----------------------------------------------------------------------------------
def job_context(job: ImportJob) -> registry.JobContext:
    return registry.JobContext(
        user=job.user,
        source=job.source or DEFAULT_SOURCE,
        mode=job.mode,
        calendar=job.calendar,
        job_id=job.pk,
        language=getattr(job.user, "language", "") or settings.LANGUAGE_CODE,
    )


def _columns(job: ImportJob) -> dict[str, int]:
    index = {header: i for i, header in enumerate(job.headers)}
    return {name: index[header] for header, name in job.mapping.items() if header in index}


@dataclass
class PreviewRow:
    number: int
    values: list[tuple[str, str]]  # (field label, value as it will be stored, shown)
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def display_value(spec: registry.ImportField | None, value: Any) -> str:
    from peyvand.core.dates import format_date
    from peyvand.core.money import format_money, group_digits
    from peyvand.core.phones import format_phone

    if value is None or value == "":
        return ""
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    if isinstance(value, date):
        return format_date(value)
    if spec is not None and spec.kind == registry.MONEY and isinstance(value, Decimal):
        return format_money(value)
    if isinstance(value, Decimal | int):
        return group_digits(value)
    if spec is not None and spec.kind == registry.PHONE:
        return format_phone(str(value))
    if spec is not None and spec.kind == registry.CHOICE:
        return str(dict(spec.choices).get(value, value))
    return str(value)


def _messages(target: registry.ImportTarget | None, errors: dict[str, list[str]]) -> list[str]:
    out: list[str] = []
    for name, messages in errors.items():
        spec = target.field(name) if target else None
        for message in messages:
            out.append(f"{spec.label}: {message}" if spec else str(message))
    return out


def preview(job: ImportJob, *, limit: int = PREVIEW_ROWS) -> list[PreviewRow]:
    """The first rows as they will be stored, with every error and warning. No writes."""
    target = job.target_obj
    if target is None:
        raise ValidationError({"target": [_("Choose what to import.")]})
    context = job_context(job)
    columns = _columns(job)
    shown = [spec for spec in target.fields if spec.name in columns]
    rows: list[PreviewRow] = []
    with open_job_file(job) as binary:
        for number, cells in files.iter_rows(binary, file_info(job)):
            clean = clean_cells(target, context, columns, cells)
            rows.append(
                PreviewRow(
                    number=number,
                    values=[
                        (str(spec.label), display_value(spec, clean.values.get(spec.name)))
                        for spec in shown
                    ],
                    errors=_messages(target, clean.errors),
                    warnings=_messages(target, clean.warnings),
                )
            )
            if len(rows) >= limit:
                break
    return rows


# --- running -----------------------------------------------------------------------------------
def start(job: ImportJob, user) -> ImportJob:
    _require_manage(user, job)
    if job.status != ImportStatus.MAPPED:
        raise ValidationError(_("Choose the columns to import first."))
    target = job.target_obj
    if target is None:
        raise ValidationError({"target": [_("Choose what to import.")]})
    require_target_perms(user, target, job.mode)
    _queue(job)
    return job


def _queue(job: ImportJob) -> None:
    from .tasks import run_import

    job.status = ImportStatus.QUEUED
    job.cancel_requested = False
    job.message = ""
    job.save(update_fields=["status", "cancel_requested", "message"])
    job_id = job.pk
    transaction.on_commit(lambda: run_import.enqueue(job_id))


def is_stale(job: ImportJob) -> bool:
    return job.is_stale


def resume(job: ImportJob, user, *, force: bool = False) -> ImportJob:
    """Queue the job again; it continues after its checkpoint."""
    _require_manage(user, job)
    if job.status not in RESUMABLE_STATUSES:
        raise ValidationError(_("This import cannot be resumed."))
    if job.status == ImportStatus.RUNNING and not force and not is_stale(job):
        raise ValidationError(_("This import is still running."))
    if job.target_obj is None:
        raise ValidationError({"target": [_("Choose what to import.")]})
    require_target_perms(user, job.target_obj, job.mode)
    _queue(job)
    return job


def resume_stale_jobs(*, force: bool = False) -> list[int]:
    """Jobs left "running" (or "queued") by a dead worker are queued again."""
    ids: list[int] = []
    jobs = ImportJob.objects.filter(status__in=[ImportStatus.RUNNING, ImportStatus.QUEUED])
    for job in jobs.select_related("user"):
        if force or is_stale(job) or job.status == ImportStatus.QUEUED:
            with transaction.atomic():
                _queue(job)
            ids.append(job.pk)
    return ids


def cancel(job: ImportJob, user) -> ImportJob:
    """Before the run: cancelled at once. While running: the worker stops after its batch."""
    _require_manage(user, job)
    if job.status in (*EDITABLE_STATUSES, ImportStatus.QUEUED):
        job.status = ImportStatus.CANCELLED
        job.finished_at = timezone.now()
        job.save(update_fields=["status", "finished_at"])
    elif job.status == ImportStatus.RUNNING:
        job.cancel_requested = True
        job.save(update_fields=["cancel_requested"])
        if is_stale(job):  # no worker will see the flag
            job.status = ImportStatus.CANCELLED
            job.finished_at = timezone.now()
            job.save(update_fields=["status", "finished_at"])
    else:
        raise ValidationError(_("This import has already finished."))
    return job


class _JobTakenOver(Exception):
    """Another worker (or a cancel) changed the job under us: stop without writing."""


@dataclass
class _Batch:
    rows: list[tuple[int, list[str] | None]] = field(default_factory=list)


def run_job(job_id: int, *, size: int | None = None) -> str:
    """Run (or continue) a queued job; returns its final status. Called by the task."""
    size = size or batch_size()
    with transaction.atomic():
        job = ImportJob.objects.select_for_update().select_related("user").get(pk=job_id)
        if job.status != ImportStatus.QUEUED:
            return job.status
        job.status = ImportStatus.RUNNING
        job.started_at = job.started_at or timezone.now()
        job.heartbeat_at = timezone.now()
        job.save(update_fields=["status", "started_at", "heartbeat_at"])
    target = job.target_obj
    language = getattr(job.user, "language", "") or settings.LANGUAGE_CODE
    with translation.override(language):
        if target is None:
            return _finish(job, ImportStatus.FAILED, _("This kind of import is not available."))
        try:
            return _run(job, target, size)
        except _JobTakenOver:
            return ImportJob.objects.values_list("status", flat=True).get(pk=job.pk)
        except files.ImportFileError as exc:
            return _finish(job, ImportStatus.FAILED, str(exc))
        except Exception:
            logger.exception("Import %s failed after row %s", job.pk, job.checkpoint)
            job.refresh_from_db()
            return _finish(
                job,
                ImportStatus.FAILED,
                _(
                    "The import stopped after row %(row)d because of an error. "
                    "The rows before it are saved; resume to continue."
                )
                % {"row": max(job.checkpoint, 1)},
            )


def _run(job: ImportJob, target: registry.ImportTarget, size: int) -> str:
    context = job_context(job)
    columns = _columns(job)
    info = file_info(job)
    with open_job_file(job) as binary:
        if job.rows_total is None:
            job.rows_total = files.count_rows(binary, info)
            ImportJob.objects.filter(pk=job.pk).update(rows_total=job.rows_total)
            binary.seek(0)
        remaining = job.rows_total - job.checkpoint + 1 if job.rows_total else None
        processes = processes_for(target, remaining)
        with BatchCleaner(target, context, columns, processes) as cleaner:
            batches = _batches(files.iter_rows(binary, info), job.checkpoint, size)
            for batch, cleaned in cleaner.cleaned(batches):
                if _cancel_requested(job):
                    return _finish(job, ImportStatus.CANCELLED, "")
                _run_batch(job, target, context, batch, cleaned)
    return _finish(job, ImportStatus.DONE, "")


def _batches(
    rows: Iterator[tuple[int, list[str] | None]], checkpoint: int, size: int
) -> Iterator[list[tuple[int, list[str] | None]]]:
    """The rows after the checkpoint, `size` at a time."""
    batch: list[tuple[int, list[str] | None]] = []
    for number, cells in rows:
        if number <= checkpoint:
            continue
        batch.append((number, cells))
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def _cancel_requested(job: ImportJob) -> bool:
    return ImportJob.objects.filter(pk=job.pk, cancel_requested=True).exists()


def _run_batch(
    job: ImportJob,
    target: registry.ImportTarget,
    context: registry.JobContext,
    batch: list[tuple[int, list[str] | None]],
    cleaned: list[registry.CleanRow],
) -> None:
    cells_of = dict(batch)
    failed: list[FailedRow] = []
    clean_rows: list[registry.ImportRow] = []
    for (number, cells), clean in zip(batch, cleaned, strict=True):
        if clean.errors:
            failed.append(
                FailedRow(job=job, row_number=number, cells=cells or [], errors=clean.errors)
            )
        else:
            clean_rows.append(registry.ImportRow(number, clean.values, clean.warnings))
    last = batch[-1][0]
    counts = {registry.CREATED: 0, registry.UPDATED: 0, registry.SKIPPED: 0}
    with transaction.atomic():
        # Claims the batch: fails if another worker moved the checkpoint or the job was re-queued.
        claimed = ImportJob.objects.filter(
            pk=job.pk, checkpoint=job.checkpoint, status=ImportStatus.RUNNING
        ).update(checkpoint=last, heartbeat_at=timezone.now())
        if not claimed:
            raise _JobTakenOver
        outcomes = (
            target.write_batch(clean_rows, job_context=context, mode=context.mode)
            if clean_rows
            else []
        )
        if len(outcomes) != len(clean_rows):
            raise RuntimeError(f"{target.code}.write_batch returned {len(outcomes)} outcomes")
        records: list[dict[str, Any]] = []
        for row, outcome in zip(clean_rows, outcomes, strict=True):
            if outcome.action == registry.ERROR:
                errors = outcome.errors or {ALL_ERRORS: [outcome.message or _("Not imported.")]}
                failed.append(
                    FailedRow(
                        job=job, row_number=row.number, cells=cells_of[row.number], errors=errors
                    )
                )
                continue
            counts[outcome.action] += 1
            if outcome.action in (registry.CREATED, registry.UPDATED) and outcome.object_id:
                previous = dict(outcome.previous or {})
                for kind, ids in outcome.created_related.items():
                    previous[f"{RELATED_PREFIX}{kind}"] = list(ids)
                records.append(
                    {
                        "job_id": job.pk,
                        "row_number": row.number,
                        "object_id": outcome.object_id,
                        "action": outcome.action,
                        "previous": previous,
                    }
                )
        insert_rows(ImportedRecord, records)
        failed.sort(key=lambda f: f.row_number)
        FailedRow.objects.bulk_create(failed, batch_size=1000)
        ImportJob.objects.filter(pk=job.pk).update(
            rows_done=F("rows_done") + len(batch),
            created_count=F("created_count") + counts[registry.CREATED],
            updated_count=F("updated_count") + counts[registry.UPDATED],
            skipped_count=F("skipped_count") + counts[registry.SKIPPED],
            failed_count=F("failed_count") + len(failed),
        )
    job.checkpoint = last


def _finish(job: ImportJob, status: str, message: str) -> str:
    ImportJob.objects.filter(pk=job.pk).update(
        status=status,
        message=message,
        finished_at=timezone.now(),
        cancel_requested=False,
        heartbeat_at=timezone.now(),
    )
    job.refresh_from_db()
    if job.failed_count:
        write_error_report(job)
    _notify(job)
    return status


def _notify(job: ImportJob) -> None:
    from peyvand.accounts.services import notify

    if job.status == ImportStatus.DONE:
        text = _(
            "Import of “%(name)s” finished: %(created)d created, %(updated)d updated, "
            "%(failed)d failed."
        ) % {
            "name": job.original_name,
            "created": job.created_count,
            "updated": job.updated_count,
            "failed": job.failed_count,
        }
    elif job.status == ImportStatus.FAILED:
        text = _("Import of “%(name)s” stopped: %(message)s") % {
            "name": job.original_name,
            "message": job.message,
        }
    else:
        return
    key = f"import:{job.pk}:{job.status}:{job.checkpoint}"
    try:
        notify(job.user, text, url=job.get_absolute_url(), dedupe_key=key)
    except Exception:  # a failed notification must not fail a finished import
        logger.exception("Could not notify about import %s", job.pk)


# --- error report ------------------------------------------------------------------------------
def error_report_lines(job: ImportJob) -> Iterator[list[str]]:
    """The header row and every failed row: the original cells plus an "errors" column."""
    target = job.target_obj
    headers = list(job.headers)
    yield [*headers, _("errors")]
    for failed in job.failed_rows.order_by("row_number", "id").iterator(chunk_size=2000):
        cells = [str(c) for c in (failed.cells or [])]
        cells = (cells + [""] * len(headers))[: max(len(headers), len(cells))]
        yield [*cells[: len(headers)], " | ".join(_messages(target, failed.errors))]


def write_error_report(job: ImportJob) -> None:
    """CSV in UTF-8 with a BOM (Excel then shows Persian), stored next to the upload."""
    with tempfile.TemporaryFile() as raw:
        text = io.TextIOWrapper(raw, encoding="utf-8-sig", newline="")
        writer = csv.writer(text)
        for line in error_report_lines(job):
            writer.writerow(line)
        text.flush()
        text.detach()
        raw.seek(0)
        if job.error_report:
            job.error_report.delete(save=False)
        job.error_report.save(f"errors-{job.pk}.csv", File(raw), save=False)
    ImportJob.objects.filter(pk=job.pk).update(error_report=job.error_report.name)


def error_report_name(job: ImportJob) -> str:
    stem = PurePath(job.original_name).stem or "import"
    return f"{stem}-errors.csv"


# --- undo --------------------------------------------------------------------------------------
# Key prefix, inside ImportedRecord.previous, of RowOutcome.created_related.
RELATED_PREFIX = "_created."


@dataclass
class UndoPlan:
    created: list[int]  # ids of the target's records the job created
    restored: dict[int, dict[str, Any]]  # {id: values before the job} of records it updated
    related: dict[str, list[int]]  # other records the job created, by kind


def undo_plan(job: ImportJob) -> UndoPlan:
    plan = UndoPlan(created=[], restored={}, related={})
    records = job.records.order_by("id").values_list("object_id", "action", "previous")
    for object_id, action, previous in records.iterator(chunk_size=5000):
        previous = dict(previous or {})
        for key in [k for k in previous if k.startswith(RELATED_PREFIX)]:
            plan.related.setdefault(key.removeprefix(RELATED_PREFIX), []).extend(previous.pop(key))
        if action == registry.CREATED:
            plan.created.append(object_id)
        else:
            values = plan.restored.setdefault(object_id, {})
            for name, value in previous.items():
                values.setdefault(name, value)  # the oldest value wins
    created = set(plan.created)
    plan.restored = {k: v for k, v in plan.restored.items() if k not in created}
    return plan


def undo_blockers(job: ImportJob) -> list[str]:
    target = job.target_obj
    if target is None:
        return [_("This kind of import is not available.")]
    created = undo_plan(job).created
    reasons: list[str] = []
    for start in range(0, len(created), 2000):
        for reason in target.blockers(created[start : start + 2000]):
            if reason not in reasons:
                reasons.append(str(reason))
    return reasons


def undo(job: ImportJob, user) -> ImportJob:
    """Remove what the job created and put back what it overwrote; refused (ValidationError
    with the reasons) when newer records depend on the created ones."""
    _require_manage(user, job)
    if not job.can_undo:
        raise ValidationError(_("This import cannot be undone."))
    target = job.target_obj
    if target is None:
        raise ValidationError(_("This kind of import is not available."))
    require_perm(user, target.module, CHANGE)
    plan = undo_plan(job)
    created, restored = plan.created, plan.restored
    if created:
        require_perm(user, target.module, DELETE)
    reasons = undo_blockers(job)
    if reasons:
        raise ValidationError(
            [_("The import cannot be undone because newer records depend on it:"), *reasons]
        )
    with transaction.atomic():
        locked = ImportJob.objects.select_for_update().get(pk=job.pk)
        if not locked.can_undo:
            raise ValidationError(_("This import cannot be undone."))
        restore_items = list(restored.items())
        for start in range(0, max(len(created), len(restore_items)), 2000):
            target.undo(created[start : start + 2000], dict(restore_items[start : start + 2000]))
        if plan.related:
            target.undo_related(plan.related)
        registry.forget_external(target.code, created)
        job.status = ImportStatus.UNDONE
        job.undone_at = timezone.now()
        job.message = _("Undone: %(removed)d records removed, %(restored)d restored.") % {
            "removed": len(created),
            "restored": len(restored),
        }
        job.save(update_fields=["status", "undone_at", "message"])
    return job


# --- JSON bulk API -----------------------------------------------------------------------------
@dataclass
class BulkResult:
    index: int
    status: str
    id: int | None = None
    errors: dict[str, list[str]] = field(default_factory=dict)
    warnings: dict[str, list[str]] = field(default_factory=dict)
    message: str = ""


def bulk_import(
    user,
    target_code: str,
    rows: list[dict[str, Any]],
    *,
    source: str = "api",
    mode: str = registry.OVERWRITE,
) -> list[BulkResult]:
    """Clean and write up to BULK_MAX_ROWS rows at once (one transaction). Rows with an
    external_id are upserted by it, so sending the same rows again changes nothing twice."""
    require_perm(user, IMPORTS, ADD)
    try:
        target = registry.get_target(target_code)
    except KeyError as exc:
        raise ValidationError({"target": [_("Unknown import target.")]}) from exc
    options = _clean_options(target, {"mode": mode, "source": source or "api"})
    require_target_perms(user, target, options["mode"])
    if not rows:
        raise ValidationError({"rows": [_("Send at least one row.")]})
    if len(rows) > BULK_MAX_ROWS:
        raise ValidationError(
            {"rows": [_("Send at most %(max)d rows at a time.") % {"max": BULK_MAX_ROWS}]}
        )
    context = registry.JobContext(
        user=user,
        source=options["source"],
        mode=options["mode"],
        calendar=registry.AUTO,
        job_id=None,
        language=translation.get_language() or settings.LANGUAGE_CODE,
    )
    names = {f.name for f in target.fields}
    results: list[BulkResult] = []
    clean_rows: list[registry.ImportRow] = []
    token = registry.using_context(context)
    try:
        for index, data in enumerate(rows):
            raw = {
                k: ("" if v is None else str(v)).strip()
                for k, v in (data or {}).items()
                if k in names
            }
            clean = target.clean_row(raw)
            unknown = sorted(set(data or {}) - names)
            if unknown:
                clean.add_warning(
                    ALL_ERRORS, _("Ignored: %(names)s") % {"names": ", ".join(unknown)}
                )
            result = BulkResult(index=index, status=registry.ERROR, warnings=clean.warnings)
            results.append(result)
            if clean.errors:
                result.errors = clean.errors
            else:
                # number = index + 1 so messages like "Same as row N" refer to list positions
                clean_rows.append(registry.ImportRow(index + 1, clean.values, clean.warnings))
    finally:
        registry.reset_context(token)
    if clean_rows:
        with transaction.atomic():
            outcomes = target.write_batch(clean_rows, job_context=context, mode=context.mode)
        for row, outcome in zip(clean_rows, outcomes, strict=True):
            result = results[row.number - 1]
            result.status = outcome.action
            result.id = outcome.object_id
            result.errors = outcome.errors
            result.message = outcome.message
    return results


def visible_jobs(user):
    return ImportJob.objects.visible_to(user).select_related("user")
