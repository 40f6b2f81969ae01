"""The REST API root: /api/v1. Each app contributes a router from its own `api.py`; this module
holds only what every route shares: authentication, error shapes and the router list."""

from django.core.exceptions import PermissionDenied, RequestDataTooBig
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import DataError
from django.http import Http404, JsonResponse
from django.utils.translation import gettext as _
from django.views.defaults import page_not_found
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError
from ninja.security import HttpBearer
from ninja.security.session import SessionAuth

from peyvand.accounts.services import (
    ApiRateLimited,
    attribute_changes_to,
    authenticate_api_token,
    enforce_api_rate_limit,
)


class BearerTokenAuth(HttpBearer):
    openapi_description = "Personal API token: `Authorization: Bearer pv_...`"

    def authenticate(self, request, token: str):
        user = authenticate_api_token(token)
        if user is not None:
            enforce_api_rate_limit(token)  # 429 (on_rate_limited) past API_RATE_LIMIT a window
            request.user = user
            attribute_changes_to(user)  # audit-log entries of this request name the token's user
        return user


class BrowserSessionAuth(SessionAuth):
    """Signed-in pages may call the API with their session; unsafe methods still need CSRF."""

    csrf = True


# Every error answer has this shape (`_error` below); the schema documents it once.
ERROR_SCHEMA = {
    "title": "Error",
    "type": "object",
    "properties": {
        "detail": {"type": "string"},
        "errors": {
            "type": "object",
            "additionalProperties": {"type": "array", "items": {"type": "string"}},
        },
    },
    "required": ["detail"],
}


class PeyvandAPI(NinjaAPI):
    def get_openapi_schema(self, *, path_prefix=None, path_params=None):
        """Ninja documents only the success answers; clients (and the schemathesis fuzzing in
        core/tests/test_api_fuzz.py) also need the 4xx answers every route can give."""
        schema = super().get_openapi_schema(path_prefix=path_prefix, path_params=path_params)
        schema["components"].setdefault("schemas", {})["Error"] = ERROR_SCHEMA
        error = {
            "description": "Invalid fields (422), authentication required (401), "
            "forbidden (403), not found (404), conflict (409) or too large (413).",
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
        }
        for operations in schema["paths"].values():
            for operation in operations.values():
                operation["responses"].setdefault("4XX", error)
                for parameter in operation.get("parameters", ()):
                    # `{int:pk}` in a route only matches digits: "-1" is not a path of the API.
                    param_schema = parameter.get("schema", {})
                    if parameter["in"] == "path" and param_schema.get("type") == "integer":
                        param_schema.setdefault("minimum", 0)
        return schema


api = PeyvandAPI(
    title="Peyvand API",
    version="1",
    description="Peyvand CRM REST API. Authenticate with a personal API token.",
    auth=[BearerTokenAuth(), BrowserSessionAuth()],
    urls_namespace="api",
    docs_url="/docs",
)


def _error(request, status: int, message: str, errors: dict | list | None = None):
    body: dict = {"detail": message}
    if errors is not None:
        body["errors"] = errors
    return api.create_response(request, body, status=status)


@api.exception_handler(NinjaValidationError)
def on_schema_error(request, exc: NinjaValidationError):
    errors: dict[str, list[str]] = {}
    for error in exc.errors:
        loc = [
            str(part)
            for part in error.get("loc", ())
            if part not in ("body", "payload", "query", "path")
        ]
        errors.setdefault(".".join(loc) or "__all__", []).append(
            error.get("msg", _("Invalid value."))
        )
    return _error(request, 422, _("The request has invalid fields."), errors)


@api.exception_handler(DjangoValidationError)
def on_validation_error(request, exc: DjangoValidationError):
    if hasattr(exc, "error_dict"):
        errors = {
            field: [str(m) for e in errs for m in e.messages]
            for field, errs in exc.error_dict.items()
        }
    else:
        errors = {"__all__": [str(m) for m in exc.messages]}
    return _error(request, 422, _("The request has invalid fields."), errors)


@api.exception_handler(PermissionDenied)
def on_permission_denied(request, exc):
    return _error(request, 403, str(exc) or _("You do not have permission to do this."))


@api.exception_handler(Http404)
def on_not_found(request, exc):
    return _error(request, 404, _("Not found."))


@api.exception_handler(OverflowError)
@api.exception_handler(DataError)
def on_out_of_range(request, exc):
    # A number or text the schema allows but the database cannot hold (an id past 64 bits:
    # OverflowError on SQLite, DataError on PostgreSQL). Nothing was written: services run in
    # one transaction, which the error rolled back.
    return _error(request, 422, _("A value in the request is out of range."))


@api.exception_handler(RequestDataTooBig)
def on_too_big(request, exc):
    return _error(request, 413, _("The request body is too large."))


@api.exception_handler(AuthenticationError)
def on_unauthenticated(request, exc):
    return _error(request, 401, _("Authentication required: send a valid API token."))


@api.exception_handler(HttpError)
def on_http_error(request, exc: HttpError):
    return _error(request, exc.status_code, str(exc))


@api.exception_handler(ApiRateLimited)
def on_rate_limited(request, exc: ApiRateLimited):
    response = _error(request, 429, _("Too many requests. Please try again in a minute."))
    response["Retry-After"] = str(exc.retry_after)
    return response


def not_found(request, exception=None):
    """The project's 404 handler: JSON under /api/, the usual page elsewhere."""
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": _("Not found.")}, status=404)
    return page_not_found(request, exception)


def _mount_routers() -> None:
    from peyvand.accounts.api import router as accounts_router
    from peyvand.commerce.api import router as commerce_router
    from peyvand.commissions.api import router as commissions_router
    from peyvand.contacts.api import router as contacts_router
    from peyvand.exports.api import router as exports_router
    from peyvand.imports.api import router as imports_router
    from peyvand.knowledge.api import router as knowledge_router
    from peyvand.leads.api import router as leads_router
    from peyvand.portal.api import router as portal_router
    from peyvand.sales.api import router as sales_router
    from peyvand.search.api import router as search_router
    from peyvand.service.api import router as service_router
    from peyvand.tasks.api import router as tasks_router
    from peyvand.timeline.api import router as timeline_router

    api.add_router("/accounts", accounts_router)
    api.add_router("/", contacts_router)
    api.add_router("/interactions", timeline_router)
    api.add_router("/tasks", tasks_router)
    api.add_router("/leads", leads_router)
    api.add_router("/search", search_router)
    api.add_router("/commerce", commerce_router)
    api.add_router("/sales", sales_router)
    api.add_router("/commissions", commissions_router)
    api.add_router("/service", service_router)
    api.add_router("/knowledge", knowledge_router)
    api.add_router("/portal", portal_router)
    api.add_router("/imports", imports_router)
    api.add_router("/exports", exports_router)


_mount_routers()
