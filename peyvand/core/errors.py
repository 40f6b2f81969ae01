"""A database that is briefly unreachable (PostgreSQL restarting, a failover, connections cut by
an administrator, SQLite locked past its busy timeout) answers 503 with Retry-After, not 500.

Two places catch it: `DatabaseUnavailableMiddleware.process_exception` for errors raised by a
view (the common case), and `server_error` (the project's handler500) for errors raised outside
a view, e.g. by the session lookup in a middleware, which Django turns into a 500 before any
outer middleware sees the exception. Both answer the same: the JSON error shape of /api/v1
(`{"detail": ...}`) or a translated page that needs no database. Django closes the broken
connection at the end of the request (CONN_HEALTH_CHECKS / the pool's check), so the next
request reconnects and the process recovers without a restart."""

from __future__ import annotations

import logging
import sys

from django.conf import settings
from django.db import InterfaceError, OperationalError, connections
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template.loader import render_to_string
from django.utils.translation import gettext as _
from django.views import defaults

logger = logging.getLogger(__name__)

# Errors that mean "the database cannot answer right now", not "this request is wrong".
DATABASE_UNAVAILABLE = (OperationalError, InterfaceError)


def retry_after_seconds() -> int:
    return int(getattr(settings, "DATABASE_RETRY_AFTER_SECONDS", 5))


def is_database_unavailable(exc: BaseException | None) -> bool:
    return isinstance(exc, DATABASE_UNAVAILABLE)


def drop_broken_connections() -> None:
    """Close the connections the error left unusable now rather than at request_finished, so
    the next query (or the next request of this thread) opens a fresh one."""
    for conn in connections.all(initialized_only=True):
        if conn.connection is not None and conn.errors_occurred and not conn.in_atomic_block:
            conn.close_if_unusable_or_obsolete()


def database_unavailable_response(request: HttpRequest) -> HttpResponse:
    """503 + Retry-After, JSON for the API and a self-contained page otherwise. Renders
    without a request context: context processors would query the database again."""
    drop_broken_connections()
    message = _("The service is briefly unavailable. Please try again in a few seconds.")
    if request.path.startswith("/api/"):
        response: HttpResponse = JsonResponse({"detail": message}, status=503)
    else:
        language = getattr(request, "LANGUAGE_CODE", None) or settings.LANGUAGE_CODE
        html = render_to_string(
            "503.html",
            {
                "message": message,
                "language": language,
                "direction": "rtl" if language == "fa" else "ltr",
                "path": request.get_full_path(),
            },
        )
        response = HttpResponse(html, status=503)
    response["Retry-After"] = str(retry_after_seconds())
    response["Cache-Control"] = "no-store"
    return response


class DatabaseUnavailableMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not is_database_unavailable(exception):
            return None
        logger.warning("database unavailable: %s %s: %s", request.method, request.path, exception)
        return database_unavailable_response(request)


def server_error(request: HttpRequest, template_name: str = "500.html") -> HttpResponse:
    """handler500: a database outage outside a view still gets a 503; anything else is the
    ordinary 500 page."""
    if is_database_unavailable(sys.exc_info()[1]):
        return database_unavailable_response(request)
    return defaults.server_error(request, template_name=template_name)
