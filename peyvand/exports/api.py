"""/api/v1/exports: list exports as files, and the background exports of the caller.

GET /api/v1/exports/lists/{list}?format=csv|xlsx&<the list page's filters>
    list is one of contacts, companies, leads, deals, orders, tickets. Needs the module's
    "view" and "export" permissions (403), and exports only records the caller may see.
    Dates are ISO 8601. Up to EXPORTS_SYNC_LIMIT rows the file is the response; above it the
    answer is 202 with the export's id: poll GET /api/v1/exports/{id}, then download.
GET /api/v1/exports/            the caller's recent exports
GET /api/v1/exports/{id}        one of them (status: pending, running, done, failed)
GET /api/v1/exports/{id}/file   the file, once done"""

from __future__ import annotations

import datetime as dt
from typing import Literal

from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.utils import translation
from ninja import Router, Schema, Status

from peyvand.accounts.permissions import (
    EXPORT,
    SETTINGS,
    VIEW,
    declares_permission_for_args,
    login_only,
    require_perm,
)

from . import services
from .models import ExportFile
from .registry import get_list

router = Router(tags=["Export"])


class ExportOut(Schema):
    id: int
    kind: str
    list: str
    format: str
    status: str
    rows: int | None
    error: str
    created_at: dt.datetime
    finished_at: dt.datetime | None
    download_url: str | None


def _out(export: ExportFile) -> ExportOut:
    return ExportOut(
        id=export.pk,
        kind=export.kind,
        list=export.list_code,
        format=export.format,
        status=export.status,
        rows=export.row_count,
        error=export.error,
        created_at=export.created_at,
        finished_at=export.finished_at,
        download_url=f"/api/v1/exports/{export.pk}/file" if export.is_ready else None,
    )


def _export(request: HttpRequest, pk: int) -> ExportFile:
    try:
        return services.visible_export(request.user, pk)
    except ExportFile.DoesNotExist:
        raise Http404 from None


@router.get("/lists/{code}", response={202: ExportOut}, url_name="exports_list_export")
@declares_permission_for_args(lambda kwargs: get_list(kwargs["code"]).module, VIEW, EXPORT)
def list_export(request: HttpRequest, code: str, format: Literal["csv", "xlsx"] = "csv"):
    spec, qs = services.list_queryset(request.user, code, request.GET)
    language = translation.get_language() or "fa"
    if services.exceeds_sync_limit(qs):
        export = services.start_list_export(
            request.user, code, request.GET, fmt=format, language=language, iso_dates=True
        )
        export.refresh_from_db()
        return Status(202, _out(export))
    return services.stream_list(spec, qs, fmt=format, language=language, iso_dates=True)


@router.get("/", response=list[ExportOut])
@login_only
def my_exports(request: HttpRequest):
    return [_out(e) for e in services.user_exports(request.user)]


@router.get("/{int:pk}", response=ExportOut)
@login_only
def export_status(request: HttpRequest, pk: int):
    return _out(_export(request, pk))


@router.get("/{int:pk}/file")
@login_only
def export_file(request: HttpRequest, pk: int) -> HttpResponse:
    export = _export(request, pk)
    if not export.is_ready:
        raise Http404
    if export.kind == ExportFile.Kind.LIST:
        require_perm(request.user, get_list(export.list_code).module, EXPORT)
    else:
        require_perm(request.user, SETTINGS, EXPORT)
    name = export.file.name.rsplit("/", 1)[-1].split("-", 1)[-1]
    return FileResponse(services.open_file(export), as_attachment=True, filename=name)
