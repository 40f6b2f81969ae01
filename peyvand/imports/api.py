"""Import API: the file wizard as JSON endpoints, and a bulk endpoint for integrations."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from ninja import File, Form, Router, Schema, Status
from ninja.errors import HttpError
from ninja.files import UploadedFile

from peyvand.accounts.permissions import (
    ADD,
    VIEW,
    declares_permission,
    declares_permission_for_args,
    require_perm,
)
from peyvand.core.pagination import InvalidCursor, paginate_keyset

from . import files, registry, services
from .models import IMPORTS, ImportJob

router = Router(tags=["Import"])


# --- schemas -----------------------------------------------------------------------------------
class FieldOut(Schema):
    name: str
    label: str
    kind: str
    required: bool
    help: str


class ImportTargetOut(Schema):
    code: str
    label: str
    module: str
    match_keys: list[str]
    fields: list[FieldOut]


class JobOut(Schema):
    id: int
    target: str
    original_name: str
    file_format: str
    encoding: str
    delimiter: str
    headers: list[str]
    mapping: dict[str, str]
    options: dict[str, Any]
    status: str
    rows_total: int | None
    rows_done: int
    percent: int
    created: int
    updated: int
    skipped: int
    failed: int
    checkpoint: int
    message: str
    has_error_report: bool
    user_id: int
    created_at: dt.datetime
    finished_at: dt.datetime | None


class JobPage(Schema):
    items: list[JobOut]
    next_cursor: str | None


class MappingIn(Schema):
    target: str
    mapping: dict[str, str]  # {header in the file: field name}; leave a header out to skip it
    mode: str = registry.SKIP
    source: str = services.DEFAULT_SOURCE
    calendar: str = registry.AUTO
    save_as: str = ""


class PreviewRowOut(Schema):
    number: int
    values: dict[str, str]
    errors: list[str]
    warnings: list[str]


class ImportBulkIn(Schema):
    rows: list[dict[str, Any]]  # {field name: value}; include "external_id" to upsert
    source: str = "api"
    mode: str = registry.OVERWRITE


class BulkRowOut(Schema):
    index: int
    status: str
    id: int | None
    errors: dict[str, list[str]]
    warnings: dict[str, list[str]]
    message: str


class ImportBulkOut(Schema):
    created: int
    updated: int
    skipped: int
    failed: int
    results: list[BulkRowOut]


def _job_out(job: ImportJob) -> dict[str, Any]:
    return {
        "id": job.pk,
        "target": job.target,
        "original_name": job.original_name,
        "file_format": job.file_format,
        "encoding": job.encoding,
        "delimiter": job.delimiter,
        "headers": job.headers,
        "mapping": job.mapping,
        "options": job.options,
        "status": job.status,
        "rows_total": job.rows_total,
        "rows_done": job.rows_done,
        "percent": job.percent,
        "created": job.created_count,
        "updated": job.updated_count,
        "skipped": job.skipped_count,
        "failed": job.failed_count,
        "checkpoint": job.checkpoint,
        "message": job.message,
        "has_error_report": bool(job.failed_count),
        "user_id": job.user_id,
        "created_at": job.created_at,
        "finished_at": job.finished_at,
    }


def _job(request, job_id: int) -> ImportJob:
    require_perm(request.user, IMPORTS, VIEW)
    return get_object_or_404(services.visible_jobs(request.user), pk=job_id)


# --- targets -----------------------------------------------------------------------------------
@router.get(
    "/targets", response=list[ImportTargetOut], summary="What can be imported, and its fields"
)
@declares_permission(IMPORTS, ADD)
def list_targets(request):
    require_perm(request.user, IMPORTS, ADD)
    return [
        {
            "code": t.code,
            "label": str(t.label),
            "module": t.module,
            "match_keys": list(t.match_keys),
            "fields": [
                {
                    "name": f.name,
                    "label": str(f.label),
                    "kind": f.kind,
                    "required": f.required,
                    "help": str(f.help),
                }
                for f in t.fields
            ],
        }
        for t in registry.targets_for(request.user)
    ]


# --- file jobs ---------------------------------------------------------------------------------
@router.get("/jobs", response=JobPage, summary="Imports (newest first, keyset pages)")
@declares_permission(IMPORTS, VIEW)
def list_jobs(request, cursor: str | None = None, limit: int = 50):
    require_perm(request.user, IMPORTS, VIEW)
    try:
        page = paginate_keyset(
            services.visible_jobs(request.user),
            order=["-created_at", "-id"],
            cursor=cursor,
            limit=max(1, min(limit, 200)),
        )
    except InvalidCursor as exc:
        raise HttpError(400, _("Invalid cursor.")) from exc
    return {"items": [_job_out(j) for j in page.items], "next_cursor": page.next_cursor}


@router.post(
    "/jobs",
    response={201: JobOut},
    summary="Upload a file (multipart `file`, optional `target`): CSV, XLSX or vCard",
)
@declares_permission(IMPORTS, ADD)
def create_job(request, file: File[UploadedFile], target: Form[str] = ""):
    try:
        job = services.create_job(request.user, file, target=target)
    except files.ImportFileError as exc:
        raise ValidationError({"file": [str(exc)]}) from exc
    return Status(201, _job_out(job))


@router.get("/jobs/{int:job_id}", response=JobOut, summary="Status and progress of an import")
@declares_permission(IMPORTS, VIEW)
def get_job(request, job_id: int):
    return _job_out(_job(request, job_id))


@router.put("/jobs/{int:job_id}/mapping", response=JobOut, summary="Choose target and columns")
@declares_permission(IMPORTS, VIEW)
def set_mapping(request, job_id: int, payload: MappingIn):
    job = services.set_mapping(
        _job(request, job_id),
        request.user,
        target=payload.target,
        mapping=payload.mapping,
        options={"mode": payload.mode, "source": payload.source, "calendar": payload.calendar},
        save_as=payload.save_as,
    )
    return _job_out(job)


@router.get(
    "/jobs/{int:job_id}/suggested-mapping",
    response=dict[str, str],
    summary="Columns matched to a target's fields by their header names",
)
@declares_permission(IMPORTS, VIEW)
def suggested_mapping(request, job_id: int, target: str):
    job = _job(request, job_id)
    return services.suggest_mapping(services.get_target_for(request.user, target), job.headers)


@router.get(
    "/jobs/{int:job_id}/preview",
    response=list[PreviewRowOut],
    summary="The first rows as they will be stored, with errors and warnings",
)
@declares_permission(IMPORTS, VIEW)
def preview(request, job_id: int, limit: int = services.PREVIEW_ROWS):
    job = _job(request, job_id)
    if not job.target:
        raise ValidationError({"target": [_("Choose what to import.")]})
    try:
        rows = services.preview(job, limit=max(1, min(limit, 100)))
    except files.ImportFileError as exc:
        raise ValidationError({"file": [str(exc)]}) from exc
    return [
        {"number": r.number, "values": dict(r.values), "errors": r.errors, "warnings": r.warnings}
        for r in rows
    ]


def _action(request, job_id: int, action) -> dict[str, Any]:
    job = _job(request, job_id)
    action(job, request.user)
    job.refresh_from_db()
    return _job_out(job)


@router.post("/jobs/{int:job_id}/run", response=JobOut, summary="Start the import")
@declares_permission(IMPORTS, VIEW)
def run(request, job_id: int):
    return _action(request, job_id, services.start)


@router.post("/jobs/{int:job_id}/cancel", response=JobOut, summary="Cancel (between batches)")
@declares_permission(IMPORTS, VIEW)
def cancel(request, job_id: int):
    return _action(request, job_id, services.cancel)


@router.post("/jobs/{int:job_id}/resume", response=JobOut, summary="Continue from the checkpoint")
@declares_permission(IMPORTS, VIEW)
def resume(request, job_id: int):
    return _action(request, job_id, services.resume)


@router.post(
    "/jobs/{int:job_id}/undo",
    response=JobOut,
    summary="Remove created records and restore overwritten fields",
)
@declares_permission(IMPORTS, VIEW)
def undo(request, job_id: int):
    return _action(request, job_id, services.undo)


@router.get(
    "/jobs/{int:job_id}/errors",
    summary="Error report: the failed rows plus an errors column (CSV, UTF-8 with BOM)",
)
@declares_permission(IMPORTS, VIEW)
def error_report(request, job_id: int):
    job = _job(request, job_id)
    if not job.failed_count:
        raise Http404
    if not job.error_report:
        services.write_error_report(job)
    return FileResponse(
        job.error_report.open("rb"),
        as_attachment=True,
        filename=services.error_report_name(job),
        content_type="text/csv; charset=utf-8",
    )


# --- integrations ------------------------------------------------------------------------------
@router.post(
    "/{target}/bulk",
    response=ImportBulkOut,
    summary="Create or update up to 1,000 records at once (upsert by external_id)",
)
@declares_permission(IMPORTS, ADD)
@declares_permission_for_args(lambda kwargs: registry.get_target(kwargs["target"]).module, ADD)
def bulk(request, target: str, payload: ImportBulkIn):
    """Each row is {field name: value}; see GET /targets for the fields. Rows with an
    `external_id` are matched by (target, source, external_id), so sending the same rows again
    is safe. Rows are validated like the forms; bad rows are reported and the rest are written."""
    try:
        registry.get_target(target)
    except KeyError as exc:
        raise Http404 from exc
    results = services.bulk_import(
        request.user, target, payload.rows, source=payload.source, mode=payload.mode
    )
    counts = {a: sum(1 for r in results if r.status == a) for a in registry.ACTIONS}
    return {
        "created": counts[registry.CREATED],
        "updated": counts[registry.UPDATED],
        "skipped": counts[registry.SKIPPED],
        "failed": counts[registry.ERROR],
        "results": [r.__dict__ for r in results],
    }
