"""Writing exports: cells made safe for spreadsheets, CSV streamed with a BOM, XLSX written
row by row, and large exports handed to a background job that leaves a file to download."""

from __future__ import annotations

import csv
import datetime as dt
import io
import tempfile
from collections.abc import Iterable, Iterator, Sequence
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.files import File
from django.db import models
from django.db.models import QuerySet
from django.http import FileResponse, HttpResponse, QueryDict, StreamingHttpResponse
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from peyvand.accounts.permissions import EXPORT, VIEW, require_perm
from peyvand.accounts.services import notify
from peyvand.core.dates import format_date, format_datetime

from .models import ExportFile
from .registry import Column, ListExport, get_list

CSV, XLSX = "csv", "xlsx"
FORMATS = (CSV, XLSX)
CONTENT_TYPES = {
    CSV: "text/csv; charset=utf-8",
    XLSX: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
# Lists longer than this are written by a background job (settings.EXPORTS_SYNC_LIMIT).
DEFAULT_SYNC_LIMIT = 50_000
CHUNK_SIZE = 2000
# A spreadsheet runs a cell beginning with these as a formula (CSV injection).
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
BOM = "\ufeff"

Cell = str | int | float | Decimal | None


def sync_limit() -> int:
    return int(getattr(settings, "EXPORTS_SYNC_LIMIT", DEFAULT_SYNC_LIMIT))


def neutralise(value: Any) -> Cell:
    """Numbers stay numbers; text that a spreadsheet would evaluate gets a leading quote."""
    if value is None:
        return ""
    if isinstance(value, bool):
        value = str(value)
    if isinstance(value, int | float | Decimal):
        return value
    text = str(value)
    if text.startswith(_FORMULA_STARTS):
        return "'" + text
    return text


# --- Cells from database values ---------------------------------------------------------------


def _field(model: type[models.Model], path: str) -> models.Field | None:
    field = None
    for part in path.split("__"):
        try:
            field = model._meta.get_field(part)
        except Exception:
            return None
        if field.is_relation and field.related_model is not None:
            model = field.related_model
    return field


def _plain_number(value: Decimal) -> Decimal | int:
    """12500000.00 -> 12500000; 12.50 -> Decimal('12.5')."""
    if value == value.to_integral_value():
        return int(value)
    return value.normalize()


class RowFormatter:
    """Turns `values()` rows into cells for one language: dates in its calendar (or ISO),
    choices as their labels, people as names."""

    def __init__(self, spec: ListExport, model, *, language: str, iso_dates: bool) -> None:
        self.spec = spec
        self.language = language
        self.iso_dates = iso_dates
        self.choices: dict[str, dict] = {}
        for column in spec.columns:
            if column.kind == "choice":
                field = _field(model, column.paths[0])
                self.choices[column.key] = dict(field.flatchoices) if field else {}
        self.yes, self.no = pgettext("export cell", "Yes"), pgettext("export cell", "No")

    def cell(self, column: Column, row: dict) -> Any:
        value = row[column.paths[0]]
        kind = column.kind
        if kind == "person":
            first, last, username = (row[p] for p in column.paths)
            return f"{first or ''} {last or ''}".strip() or (username or "")
        if kind == "name":
            return " ".join(str(row[p]) for p in column.paths if row[p]).strip()
        if value is None:
            return ""
        if kind == "choice":
            return str(self.choices[column.key].get(value, value))
        if kind == "bool":
            return self.yes if value else self.no
        if kind in ("date", "datetime"):
            if self.iso_dates:
                if isinstance(value, dt.datetime):
                    return (
                        timezone.localtime(value).isoformat()
                        if timezone.is_aware(value)
                        else value.isoformat()
                    )
                return value.isoformat()
            if kind == "date":
                return format_date(value, self.language)
            return format_datetime(value, self.language)
        if kind in ("int", "number", "money"):
            if isinstance(value, Decimal):
                return _plain_number(value)
            return value
        # text and phone: phones are stored in E.164 already.
        return str(value)

    def __call__(self, row: dict) -> list:
        return [self.cell(column, row) for column in self.spec.columns]


def list_rows(spec: ListExport, qs: QuerySet, *, language: str, iso_dates: bool) -> Iterator[list]:
    """The list's rows as cells: one streamed query for only the declared columns."""
    formatter = RowFormatter(spec, qs.model, language=language, iso_dates=iso_dates)
    values = qs.prefetch_related(None).values(*spec.value_paths())
    for row in values.iterator(chunk_size=CHUNK_SIZE):
        yield formatter(row)


def headers(spec: ListExport) -> list[str]:
    return [str(column.label) for column in spec.columns]


# --- Writers ----------------------------------------------------------------------------------


class _Echo:
    def write(self, value: str) -> str:
        return value


def csv_chunks(columns: Sequence[str], rows: Iterable[Sequence]) -> Iterator[bytes]:
    """UTF-8 with a BOM (so Excel reads Persian), one chunk per row."""
    writer = csv.writer(_Echo())
    yield (BOM + writer.writerow([neutralise(c) for c in columns])).encode()
    for row in rows:
        yield writer.writerow([neutralise(c) for c in row]).encode()


def write_csv(columns: Sequence[str], rows: Iterable[Sequence], out) -> int:
    count = -1
    for count, chunk in enumerate(csv_chunks(columns, rows)):  # noqa: B007
        out.write(chunk)
    return max(count, 0)


def write_xlsx(columns: Sequence[str], rows: Iterable[Sequence], out, *, title: str = "") -> int:
    """openpyxl's write-only mode keeps memory flat however many rows there are."""
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=(title or "Export")[:31])
    if translation.get_language_bidi():
        sheet.sheet_view.rightToLeft = True
    sheet.append([neutralise(c) for c in columns])
    count = 0
    for row in rows:
        sheet.append([neutralise(c) for c in row])
        count += 1
    workbook.save(out)
    return count


def _disposition(filename: str) -> str:
    return f'attachment; filename="{filename}"'


def export_rows(
    columns: Sequence[str], rows: Iterable[Sequence], *, fmt: str = CSV, filename: str = "export"
) -> HttpResponse:
    """Any table as a download: CSV streamed as it is read, XLSX via a spooled temporary file."""
    if fmt == XLSX:
        # FileResponse closes the spool once sent.
        spool = tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024)  # noqa: SIM115
        write_xlsx(columns, rows, spool, title=filename)
        spool.seek(0)
        return FileResponse(
            spool,
            as_attachment=True,
            filename=f"{filename}.xlsx",
            content_type=CONTENT_TYPES[XLSX],
        )
    response = StreamingHttpResponse(csv_chunks(columns, rows), content_type=CONTENT_TYPES[CSV])
    response["Content-Disposition"] = _disposition(f"{filename}.csv")
    return response


# --- List exports -----------------------------------------------------------------------------


def _filter_params(params: QueryDict) -> QueryDict:
    cleaned = params.copy()
    for name in ("format", "cursor"):
        cleaned.pop(name, None)
    return cleaned


def list_queryset(user, code: str, params: QueryDict) -> tuple[ListExport, QuerySet]:
    """The list as its page shows it (its own filter function, the user's visibility), after
    checking the module's view and export permissions (PermissionDenied otherwise)."""
    spec = get_list(code)
    require_perm(user, spec.module, VIEW)
    require_perm(user, spec.module, EXPORT)
    return spec, spec.rows(user, _filter_params(params))


def exceeds_sync_limit(qs: QuerySet) -> bool:
    """One cheap query: is there a row past the limit? (No COUNT over the whole list.)"""
    limit = sync_limit()
    return qs.order_by().values("pk")[limit : limit + 1].exists()


def filename_for(spec: ListExport) -> str:
    return f"{spec.code}-{timezone.localdate():%Y%m%d}"


def stream_list(
    spec: ListExport, qs: QuerySet, *, fmt: str, language: str, iso_dates: bool
) -> HttpResponse:
    rows = list_rows(spec, qs, language=language, iso_dates=iso_dates)
    return export_rows(headers(spec), rows, fmt=fmt, filename=filename_for(spec))


def start_list_export(
    user, code: str, params: QueryDict, *, fmt: str, language: str, iso_dates: bool = False
) -> ExportFile:
    export = ExportFile.objects.create(
        user=user,
        kind=ExportFile.Kind.LIST,
        list_code=code,
        format=fmt,
        query=_filter_params(params).urlencode(),
        language=language,
        iso_dates=iso_dates,
    )
    from .tasks import run_list_export

    run_list_export.enqueue(export.pk)
    return export


def download_url(export: ExportFile) -> str:
    return reverse("exports:download", args=[export.pk])


def _finish(export: ExportFile, path: str, filename: str, rows: int | None) -> None:
    with open(path, "rb") as fh:
        export.file.save(filename, File(fh), save=False)
    export.status = ExportFile.Status.DONE
    export.row_count = rows
    export.finished_at = timezone.now()
    export.save(update_fields=["file", "status", "row_count", "finished_at"])


def _fail(export: ExportFile, exc: Exception) -> None:
    export.status = ExportFile.Status.FAILED
    export.error = str(exc)[:300]
    export.finished_at = timezone.now()
    export.save(update_fields=["status", "error", "finished_at"])


def run_list_export(export_id: int) -> ExportFile:
    """The background half: the same permission checks, filters and cells as a direct export,
    written to a file; the user is notified with a link."""
    export = ExportFile.objects.select_related("user").get(pk=export_id)
    if export.status == ExportFile.Status.DONE:
        return export
    export.status = ExportFile.Status.RUNNING
    export.save(update_fields=["status"])
    with translation.override(export.language):
        try:
            spec, qs = list_queryset(export.user, export.list_code, QueryDict(export.query))
            rows = list_rows(spec, qs, language=export.language, iso_dates=export.iso_dates)
            with tempfile.NamedTemporaryFile(suffix=f".{export.format}") as tmp:
                if export.format == XLSX:
                    count = write_xlsx(headers(spec), rows, tmp, title=spec.code)
                else:
                    count = write_csv(headers(spec), rows, tmp)
                tmp.flush()
                _finish(export, tmp.name, f"{filename_for(spec)}.{export.format}", count)
        except Exception as exc:
            _fail(export, exc)
            notify(
                export.user,
                _("Your export could not be completed."),
                url=reverse("exports:list"),
                dedupe_key=f"export-failed-{export.pk}",
            )
            raise
        notify(
            export.user,
            _("Your export of %(list)s is ready to download.") % {"list": spec.label},
            url=reverse("exports:list"),
            dedupe_key=f"export-ready-{export.pk}",
        )
    return export


# --- Full-account export ----------------------------------------------------------------------


def start_account_export(user) -> ExportFile:
    from peyvand.accounts.permissions import SETTINGS

    require_perm(user, SETTINGS, EXPORT)
    export = ExportFile.objects.create(
        user=user, kind=ExportFile.Kind.ACCOUNT, format="zip", language=user.language or "fa"
    )
    from .tasks import run_account_export

    run_account_export.enqueue(export.pk)
    return export


def run_account_export(export_id: int) -> ExportFile:
    from .account import export_account

    export = ExportFile.objects.select_related("user").get(pk=export_id)
    if export.status == ExportFile.Status.DONE:
        return export
    export.status = ExportFile.Status.RUNNING
    export.save(update_fields=["status"])
    with translation.override(export.language):
        try:
            with tempfile.NamedTemporaryFile(suffix=".zip") as tmp:
                manifest = export_account(tmp)
                tmp.flush()
                rows = sum(m["count"] for m in manifest["models"])
                _finish(
                    export, tmp.name, f"peyvand-account-{timezone.localdate():%Y%m%d}.zip", rows
                )
        except Exception as exc:
            _fail(export, exc)
            raise
        notify(
            export.user,
            _("The full-account export is ready to download."),
            url=reverse("exports:list"),
            dedupe_key=f"export-ready-{export.pk}",
        )
    return export


def user_exports(user, limit: int = 50) -> QuerySet:
    return ExportFile.objects.filter(user=user).order_by("-created_at", "-id")[:limit]


def visible_export(user, pk: int) -> ExportFile:
    """Only the person who asked for an export downloads it."""
    return ExportFile.objects.get(pk=pk, user=user)


def open_file(export: ExportFile) -> io.BufferedReader:
    return export.file.open("rb")
