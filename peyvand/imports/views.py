"""Import pages: list, the wizard (upload -> map -> preview -> run) and the job page."""

from __future__ import annotations

from collections.abc import Callable

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from peyvand.accounts.permissions import ADD, VIEW, has_perm, permission_required
from peyvand.core.pagination import InvalidCursor, paginate_keyset

from . import files, registry, services
from .models import IMPORTS, ImportJob, ImportStatus, SavedMapping

PAGE_SIZE = 50


def _requires(action: str) -> Callable:
    return permission_required(IMPORTS, action)


def _job(request: HttpRequest, pk: int) -> ImportJob:
    return get_object_or_404(services.visible_jobs(request.user), pk=pk)


def _errors(exc: ValidationError) -> list[str]:
    if hasattr(exc, "error_dict"):
        return [m for messages_ in exc.message_dict.values() for m in messages_]
    return list(exc.messages)


@_requires(VIEW)
def job_list(request: HttpRequest) -> HttpResponse:
    jobs = services.visible_jobs(request.user).only(
        "id",
        "user__first_name",
        "user__last_name",
        "user__username",
        "target",
        "original_name",
        "status",
        "rows_total",
        "created_count",
        "updated_count",
        "skipped_count",
        "failed_count",
        "created_at",
    )
    try:
        page = paginate_keyset(
            jobs, order=["-created_at", "-id"], cursor=request.GET.get("cursor"), limit=PAGE_SIZE
        )
    except InvalidCursor:
        page = paginate_keyset(jobs, order=["-created_at", "-id"], cursor=None, limit=PAGE_SIZE)
    return render(
        request,
        "imports/list.html",
        {"page": page, "can_add": has_perm(request.user, IMPORTS, ADD)},
    )


@_requires(ADD)
def upload(request: HttpRequest) -> HttpResponse:
    available = registry.targets_for(request.user)
    error = ""
    chosen = request.POST.get("target") or request.GET.get("target", "")
    if request.method == "POST":
        uploaded = request.FILES.get("file")
        if uploaded is None:
            error = _("Choose a file.")
        else:
            try:
                job = services.create_job(request.user, uploaded, target=chosen)
            except files.ImportFileError as exc:
                error = str(exc)
            except ValidationError as exc:
                error = " ".join(_errors(exc))
            else:
                return redirect("imports:map", pk=job.pk)
    return render(
        request,
        "imports/upload.html",
        {"targets": available, "chosen": chosen, "error": error},
        status=400 if error else 200,
    )


@_requires(ADD)
def map_columns(request: HttpRequest, pk: int) -> HttpResponse:
    job = _job(request, pk)
    if not services.can_manage(request.user, job):
        raise PermissionDenied(_("You do not have permission to do this."))
    if job.status not in (ImportStatus.UPLOADED, ImportStatus.MAPPED):
        return redirect("imports:job", pk=job.pk)
    available = registry.targets_for(request.user)
    target_code = request.POST.get("target") or request.GET.get("target") or job.target
    target = next((t for t in available if t.code == target_code), None)
    errors: list[str] = []
    mapping = dict(job.mapping) if target and target.code == job.target else {}
    if target and not mapping:
        mapping = services.suggest_mapping(target, job.headers)
    saved_id = request.GET.get("saved")
    if target and saved_id and saved_id.isdigit():
        saved = SavedMapping.objects.filter(pk=int(saved_id), target=target.code).first()
        if saved:
            mapping = services.apply_saved_mapping(saved, job.headers)
    options = dict(job.options)
    if request.method == "POST" and target and "columns" in request.POST:
        mapping = {
            header: request.POST.get(f"col-{index}", "") for index, header in enumerate(job.headers)
        }
        options = {
            "mode": request.POST.get("mode", ""),
            "source": request.POST.get("source", ""),
            "calendar": request.POST.get("calendar", ""),
        }
        try:
            services.set_mapping(
                job,
                request.user,
                target=target.code,
                mapping=mapping,
                options=options,
                save_as=request.POST.get("save_as", ""),
            )
        except ValidationError as exc:
            errors = _errors(exc)
        else:
            return redirect("imports:preview", pk=job.pk)
    columns = [
        {"index": index, "header": header, "field": mapping.get(header, "")}
        for index, header in enumerate(job.headers)
    ]
    return render(
        request,
        "imports/map.html",
        {
            "job": job,
            "targets": available,
            "target": target,
            "columns": columns,
            "saved_mappings": SavedMapping.objects.filter(target=target.code) if target else [],
            "options": options,
            "modes": registry.DUPLICATE_MODES,
            "calendars": registry.CALENDARS,
            "errors": errors,
        },
        status=400 if errors else 200,
    )


@_requires(ADD)
def preview(request: HttpRequest, pk: int) -> HttpResponse:
    job = _job(request, pk)
    if job.status != ImportStatus.MAPPED:
        return redirect("imports:job", pk=job.pk)
    try:
        rows = services.preview(job)
    except files.ImportFileError as exc:
        messages.error(request, str(exc))
        return redirect("imports:map", pk=job.pk)
    return render(
        request,
        "imports/preview.html",
        {
            "job": job,
            "rows": rows,
            "labels": [label for label, _value in rows[0].values] if rows else [],
            "problem_count": sum(1 for r in rows if r.errors),
        },
    )


def _act(request: HttpRequest, pk: int, action: Callable, done: str) -> HttpResponse:
    job = _job(request, pk)
    try:
        action(job, request.user)
    except ValidationError as exc:
        for message in _errors(exc):
            messages.error(request, message)
    else:
        messages.success(request, done)
    return redirect("imports:job", pk=job.pk)


@require_POST
@_requires(ADD)
def run(request: HttpRequest, pk: int) -> HttpResponse:
    return _act(request, pk, services.start, _("The import has started."))


@require_POST
@_requires(ADD)
def cancel(request: HttpRequest, pk: int) -> HttpResponse:
    return _act(request, pk, services.cancel, _("The import is being cancelled."))


@require_POST
@_requires(ADD)
def resume(request: HttpRequest, pk: int) -> HttpResponse:
    return _act(request, pk, services.resume, _("The import continues from where it stopped."))


@require_POST
@_requires(ADD)
def undo(request: HttpRequest, pk: int) -> HttpResponse:
    return _act(request, pk, services.undo, _("The import has been undone."))


@_requires(VIEW)
def job_detail(request: HttpRequest, pk: int) -> HttpResponse:
    job = _job(request, pk)
    if job.status in (ImportStatus.UPLOADED, ImportStatus.MAPPED) and services.can_manage(
        request.user, job
    ):
        return redirect("imports:map", pk=job.pk)
    context = {"job": job, "can_manage": services.can_manage(request.user, job)}
    template = "imports/_progress.html" if request.htmx else "imports/job.html"
    return render(request, template, context)


@_requires(VIEW)
def error_report(request: HttpRequest, pk: int) -> FileResponse:
    job = _job(request, pk)
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
