"""Export pages: a list export (streamed, or started in the background when large), the
"Exports" page with the files made for the user, downloads, and the full-account export."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from peyvand.accounts.permissions import (
    EXPORT,
    SETTINGS,
    VIEW,
    declares_permission,
    declares_permission_for_args,
    has_perm,
    login_only,
    require_perm,
)

from . import services
from .models import ExportFile
from .registry import get_list, list_exports

_UNFINISHED = (ExportFile.Status.PENDING, ExportFile.Status.RUNNING)


def _format(request: HttpRequest) -> str:
    fmt = (request.GET.get("format") or services.CSV).lower()
    if fmt not in services.FORMATS:
        raise Http404(fmt)
    return fmt


@login_required
@require_GET
@declares_permission_for_args(lambda kwargs: get_list(kwargs["code"]).module, VIEW, EXPORT)
def list_export(request: HttpRequest, code: str) -> HttpResponse:
    fmt = _format(request)
    spec, qs = services.list_queryset(request.user, code, request.GET)
    language = translation.get_language() or "fa"
    if services.exceeds_sync_limit(qs):
        services.start_list_export(request.user, code, request.GET, fmt=fmt, language=language)
        messages.success(
            request,
            _(
                "This list is large, so it is being exported in the background. "
                "You will get a notification when the file is ready."
            ),
        )
        return redirect("exports:list")
    return services.stream_list(spec, qs, fmt=fmt, language=language, iso_dates=False)


@login_required
@login_only
def export_list(request: HttpRequest) -> HttpResponse:
    exports = list(services.user_exports(request.user))
    labels = {spec.code: spec.label for spec in list_exports()}
    for export in exports:
        export.label = labels.get(export.list_code, export.list_code)
    context = {
        "exports": exports,
        "can_export_account": has_perm(request.user, SETTINGS, EXPORT),
        "pending": any(e.status in _UNFINISHED for e in exports),
    }
    if request.htmx and request.htmx.target == "export-rows":
        return render(request, "exports/_rows.html", context)
    return render(request, "exports/list.html", context)


@login_required
@login_only
def download(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        export = services.visible_export(request.user, pk)
    except ExportFile.DoesNotExist:
        raise Http404 from None
    if not export.is_ready:
        raise Http404
    # Permissions may have changed since the file was made.
    if export.kind == ExportFile.Kind.LIST:
        require_perm(request.user, get_list(export.list_code).module, EXPORT)
    else:
        require_perm(request.user, SETTINGS, EXPORT)
    name = export.file.name.rsplit("/", 1)[-1].split("-", 1)[-1]
    return FileResponse(services.open_file(export), as_attachment=True, filename=name)


@login_required
@require_POST
@declares_permission(SETTINGS, EXPORT)
def account_export(request: HttpRequest) -> HttpResponse:
    services.start_account_export(request.user)
    messages.success(
        request,
        _("The full-account export has started. You will get a notification when it is ready."),
    )
    return redirect("exports:list")
