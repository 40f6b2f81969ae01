"""Every page route and API operation of the project, with the access it declares.

Used by the permission matrix test; kept apart so that the matrix and the "a new route must
declare its access" test read the same inventory."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

from django.urls import URLPattern, URLResolver, get_resolver

from peyvand.accounts.permissions import Access, route_access

# The API is mounted under this prefix; its URL patterns are checked through the OpenAPI schema.
API_PREFIX = "api/v1/"


@dataclass(frozen=True)
class PageRoute:
    route: str  # the pattern text, e.g. "leads/<int:pk>/edit/"
    name: str  # namespaced URL name, e.g. "leads:edit"
    view: Callable
    params: tuple[str, ...]  # the pattern's parameter names

    @property
    def access(self) -> Access | None:
        return route_access(self.view)


@dataclass(frozen=True)
class ApiOperation:
    operation_id: str
    method: str  # upper case
    path: str  # OpenAPI path, e.g. "/api/v1/leads/{lead_id}"
    view: Callable

    @property
    def access(self) -> Access | None:
        return route_access(self.view)


def _walk(patterns, prefix: str = "", namespace: str = "") -> Iterator[tuple]:
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            ns = namespace
            if pattern.namespace:
                ns = f"{namespace}{pattern.namespace}:"
            yield from _walk(pattern.url_patterns, prefix + str(pattern.pattern), ns)
        elif isinstance(pattern, URLPattern):
            yield prefix + str(pattern.pattern), namespace, pattern


def page_routes(urlconf: str | None = None) -> list[PageRoute]:
    """Every URL pattern except the API (checked per operation) and static files in DEBUG."""
    routes = []
    for route, namespace, pattern in _walk(get_resolver(urlconf).url_patterns):
        if route.startswith(API_PREFIX) or route.startswith("^static/"):
            continue
        params = tuple(pattern.pattern.converters) if hasattr(pattern.pattern, "converters") else ()
        routes.append(
            PageRoute(route, f"{namespace}{pattern.name or ''}", pattern.callback, params)
        )
    return routes


def api_operations() -> list[ApiOperation]:
    """Every operation of the OpenAPI schema, joined to its view function by operation id."""
    from peyvand.api import api

    schema = api.get_openapi_schema()  # also mounts the nested routers into api._routers
    functions: dict[str, Callable] = {}
    for _prefix, router in api._routers:
        for path_view in router.path_operations.values():
            for operation in path_view.operations:
                functions[api.get_openapi_operation_id(operation)] = operation.view_func
    operations = []
    for path, methods in schema["paths"].items():
        for method, spec in methods.items():
            operation_id = spec["operationId"]
            operations.append(
                ApiOperation(operation_id, method.upper(), path, functions[operation_id])
            )
    return operations
