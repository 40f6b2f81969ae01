"""The permission matrix: every page route and every API operation, requested by every kind of
caller, must answer what the route's declared access says.

Routes come from the URL configuration (walked recursively) and the API's OpenAPI schema; each
declares its access with `peyvand.accounts.permissions` (`permission_required`,
`declares_permission`, `login_only`, `portal_route`, `public_route`). Callers: each default role
(seeded by the accounts migrations), a user with no role, a stranger, a customer signed in to
the portal, and a user holding only an API token.

The rule, per request:
- allowed: anything but 401, 403, a redirect to a sign-in page, or a 5xx (a 404 is accepted
  only where the record is hidden by record-level visibility: never for the Administrator,
  who owns every record, so each URL is proved to resolve);
- denied, not signed in as staff: a redirect to the staff sign-in page (pages; the portal's
  sign-in page for portal pages) or 401 (API);
- denied, signed in as staff: 403, or 404 on a route that takes a record id (record-level
  visibility may hide the record first; it never shows it).
Every request runs in a savepoint that is rolled back, so deletes and state changes made by one
request do not change what the next one sees. Requests use GET; a route that answers GET with
405, or that declares extra requirements to write, is also requested with POST (empty form);
API operations are called with their method and a minimal body built from the schema."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.conf import settings
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.http import HttpResponse
from django.shortcuts import resolve_url
from django.test import Client, override_settings
from django.test.client import BOUNDARY, MULTIPART_CONTENT, encode_multipart
from django.urls import path

from peyvand.accounts import permissions
from peyvand.accounts.tests.matrix_world import (
    ANONYMOUS,
    API_TOKEN,
    PORTAL,
    PRINCIPALS,
    World,
    build_world,
)
from peyvand.accounts.tests.route_inventory import api_operations, page_routes

pytestmark = pytest.mark.django_db

# Where each URL argument points, keyed by the route text before it (earlier arguments as *).
PAGE_ARGS: dict[str, str] = {
    "accounts/settings/roles/{role_id}": "role",
    "accounts/settings/teams/{team_id}": "team",
    "accounts/settings/users/{user_id}": "user",
    "accounts/tokens/{token_id}": "token",
    "commerce/orders/{pk}": "order",
    "commerce/price-lists/{pk}": "price_list",
    "commerce/products/{pk}": "product",
    "commissions/plans/{pk}": "plan",
    "commissions/statements/{pk}": "statement",
    "contacts/companies/{pk}": "company",
    "contacts/merges/{merge_id}": "merge",
    "contacts/{pk}": "contact",
    "contacts/{kind}": "=contact",
    "contacts/*/{pk}": "contact",
    "contacts/trash/{kind}": "=contact",
    "contacts/trash/*/{pk}": "trashed_contact",
    "exports/lists/{code}": "=contacts",
    "exports/{pk}": "export",
    "imports/{pk}": "import_job",
    "knowledge/canned/{pk}": "canned",
    "knowledge/categories/{pk}": "knowledge_category",
    "knowledge/{pk}": "article",
    "leads/f/{key}": "lead_form_key",
    "leads/forms/{pk}": "lead_form",
    "leads/rules/{pk}": "lead_rule",
    "leads/scoring/{pk}": "scoring_rule",
    "leads/{pk}": "lead",
    "portal/help/{pk}": "article",
    "portal/tickets/*/attachments/{attachment_pk}": "attachment",
    "portal/tickets/{pk}": "ticket",
    "sales/board/stage/{pk}": "stage",
    "sales/board/{pk}": "pipeline",
    "sales/deals/{deal_pk}": "deal",
    "sales/deals/{pk}": "deal",
    "sales/quotes/{pk}": "quote",
    "sales/setup/pipelines/{pk}": "pipeline",
    "sales/targets/{pk}": "target",
    "service/attachments/{pk}": "attachment",
    "service/csat/{token}": "csat_token",
    "service/settings/categories/{pk}": "ticket_category",
    "service/settings/rules/{pk}": "ticket_rule",
    "service/settings/tiers/{pk}": "tier",
    "service/sla/calendars/{pk}": "calendar",
    "service/sla/holidays/{pk}": "holiday",
    "service/sla/policies/{pk}": "policy",
    "service/tickets/*/messages/{message_id}": "ticket_message",
    "service/tickets/*/resources/unlink/{article_id}": "article",
    "service/tickets/*/unlink/{other}": "ticket_other",
    "service/tickets/{pk}": "ticket",
    "tasks/panel/*/{pk}": "contact",
    "tasks/panel/{record_kind}": "=contact",
    "tasks/{pk}": "task",
    "timeline/*/*/add/{entry_kind}": "=note",
    "timeline/*/{pk}": "contact",
    "timeline/{pk}": "entry",
    "timeline/{record_kind}": "=contact",
}
API_ARGS: dict[str, str] = {
    "/api/v1/accounts/tokens/{token_id}": "token",
    "/api/v1/commerce/orders/{order_id}": "order",
    "/api/v1/commerce/price-lists/{price_list_id}": "price_list",
    "/api/v1/commerce/products/{product_id}": "product",
    "/api/v1/commissions/plans/{plan_id}": "plan",
    "/api/v1/commissions/statements/{statement_id}": "statement",
    "/api/v1/companies/{id}": "company",
    "/api/v1/contacts/{id}": "contact",
    "/api/v1/exports/lists/{code}": "=contacts",
    "/api/v1/exports/{pk}": "export",
    "/api/v1/imports/jobs/{job_id}": "import_job",
    "/api/v1/imports/{target}": "=contacts",
    "/api/v1/interactions/{entry_id}": "entry",
    "/api/v1/knowledge/articles/{article_id}": "article",
    "/api/v1/knowledge/canned-responses/{response_id}": "canned",
    "/api/v1/knowledge/categories/{category_id}": "knowledge_category",
    "/api/v1/leads/forms/{form_id}": "lead_form",
    "/api/v1/leads/rules/{rule_id}": "lead_rule",
    "/api/v1/leads/scoring-rules/{rule_id}": "scoring_rule",
    "/api/v1/leads/{lead_id}": "lead",
    "/api/v1/merges/{id}": "merge",
    "/api/v1/portal/articles/{article_id}": "article",
    "/api/v1/portal/tickets/{ticket_id}": "ticket",
    "/api/v1/sales/deals/{deal_id}": "deal",
    "/api/v1/sales/forecast/targets/{target_id}": "target",
    "/api/v1/sales/pipelines/{pipeline_id}": "pipeline",
    "/api/v1/sales/quotes/{quote_id}": "quote",
    "/api/v1/service/categories/{category_id}": "ticket_category",
    "/api/v1/service/resources/link/*/{article_id}": "article",
    "/api/v1/service/resources/link/{ticket_id}": "ticket",
    "/api/v1/service/rules/{rule_id}": "ticket_rule",
    "/api/v1/service/sla/calendars/{calendar_id}": "calendar",
    "/api/v1/service/sla/csat/{token}": "csat_token",
    "/api/v1/service/sla/holidays/{holiday_id}": "holiday",
    "/api/v1/service/sla/policies/{policy_id}": "policy",
    "/api/v1/service/sla/tickets/{ticket_id}": "ticket",
    "/api/v1/service/tickets/*/messages/{message_id}": "ticket_message",
    "/api/v1/service/tickets/*/related/{other_id}": "ticket_other",
    "/api/v1/service/tickets/{ticket_id}": "ticket",
    "/api/v1/service/tiers/{tier_id}": "tier",
    "/api/v1/tasks/{task_id}": "task",
    "/api/v1/trash/{kind}": "=contact",
    "/api/v1/trash/*/{id}": "trashed_contact",
}
# Form fields a POST needs so that the route reaches its permission check (field -> record).
PAGE_POST_DATA: dict[str, dict[str, str]] = {
    "service:ticket_resource_link": {"article_id": "article"},
    "service:ticket_resource_canned": {"canned_response_id": "canned_shared"},
}
PAGE_PARAM = re.compile(r"<(?:\w+:)?(\w+)>")
API_PARAM = re.compile(r"\{(\w+)\}")
SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}
STAFF = "staff"


def fill_arguments(route: str, pattern: re.Pattern, table: dict[str, str], world: World):
    """The route's arguments as {name: value}, and the URL with them filled in."""
    kwargs: dict[str, object] = {}
    url = ""
    position = 0
    for match in pattern.finditer(route):
        key = pattern.sub("*", route[: match.start()]) + "{" + match.group(1) + "}"
        source = table.get(key)
        if source is None:
            raise AssertionError(f"{route}: no record for argument {key!r}; add it to the table")
        value = source[1:] if source.startswith("=") else world.records[source]
        kwargs[match.group(1)] = value
        url += route[position : match.start()] + str(value)
        position = match.end()
    url += route[position:]
    return kwargs, url


# --- callers -------------------------------------------------------------------------------


class Caller:
    """One principal's test client: a staff session, a portal session, a bearer token or none."""

    def __init__(self, principal: str, world: World, *, api: bool):
        self.principal = principal
        # A view that raises is recorded as a 500 failure of its route, not the end of the run.
        self.client = Client(raise_request_exception=False)
        self.headers: dict[str, str] = {}
        self.user = world.users.get(principal)
        if principal == PORTAL:
            from peyvand.portal.auth import SESSION_KEY

            session = self.client.session
            session[SESSION_KEY] = world.customer.pk
            session.save()
            self.client.cookies[settings.SESSION_COOKIE_NAME] = session.session_key
        elif principal == ANONYMOUS:
            pass
        elif api or principal == API_TOKEN:
            # API callers (and the token-only user on pages) send the bearer token.
            self.headers = {"Authorization": f"Bearer {world.tokens[principal]}"}
        else:
            self.client.force_login(self.user)
        self.is_staff = self.user is not None and (api or principal != API_TOKEN)

    def post(self, url: str, data: dict) -> HttpResponse:
        return self.request(
            "POST", url, data=encode_multipart(BOUNDARY, data), content_type=MULTIPART_CONTENT
        )

    def request(self, method: str, url: str, **kwargs) -> HttpResponse:
        """One request in a savepoint rolled back afterwards; the client's cookies too."""
        cookies = self.client.cookies
        cookies_before = {k: m.value for k, m in cookies.items()}
        cache.clear()  # rate-limit counters and cached sharing scopes start afresh
        try:
            with transaction.atomic():
                response = self.client.generic(method, url, headers=self.headers, **kwargs)
                transaction.set_rollback(True)
        finally:
            for key in list(cookies):
                if key not in cookies_before:
                    del cookies[key]
            for key, value in cookies_before.items():
                cookies[key] = value
        return response


def expectation(access: permissions.Access, caller: Caller, *, write: bool, kwargs) -> str:
    """The expected outcome, allow or deny, from the route's declaration alone."""
    if access.kind == permissions.PUBLIC:
        return "allow"
    if access.kind == permissions.PORTAL:
        return "allow" if caller.principal == PORTAL else "deny"
    if not caller.is_staff:
        return "deny"
    if access.kind == permissions.LOGIN:
        return "allow"
    return "allow" if access.allows(caller.user, write=write, kwargs=kwargs) else "deny"


def _is_login_redirect(response: HttpResponse, portal: bool) -> bool:
    if response.status_code not in (301, 302) and not response.headers.get("HX-Redirect"):
        return False
    target = response.headers.get("Location") or response.headers.get("HX-Redirect", "")
    login = resolve_url("portal:login" if portal else settings.LOGIN_URL)
    return target.split("?")[0] == login


def judge(
    response: HttpResponse,
    expected: str,
    caller: Caller,
    *,
    access: permissions.Access,
    api: bool,
    read: bool,
    has_args: bool,
) -> str | None:
    """None when the answer fits the rule in the module docstring, else why not."""
    public = access.kind == permissions.PUBLIC
    portal = access.kind == permissions.PORTAL
    status = response.status_code
    if status >= 500:
        return f"{status} server error"
    if expected == "allow":
        if status in (401, 403):
            return f"refused ({status}) though allowed"
        if public:  # sign-in and sign-out pages may well redirect to a sign-in page
            return None
        if _is_login_redirect(response, portal=False):
            return f"sent to the sign-in page ({status}) though allowed"
        if portal and _is_login_redirect(response, portal=True):
            return f"sent to the portal sign-in ({status}) though allowed"
        # An empty form may name a missing record (404); a plain GET must find the fixtures.
        if status == 404 and read and (not has_args or caller.principal == "Administrator"):
            return "404 though allowed (the record should resolve)"
        return None
    if not caller.is_staff or (portal and caller.principal != PORTAL):
        if api:
            return None if status == 401 else f"{status}, expected 401"
        if _is_login_redirect(response, portal=portal):
            return None
        return f"{status}, expected a redirect to the sign-in page"
    if status == 403 or (status == 404 and has_args):
        return None
    return f"{status}, expected 403"


# --- API bodies ----------------------------------------------------------------------------


def _resolve(schema: dict, components: dict) -> dict:
    while "$ref" in schema:
        schema = components[schema["$ref"].rsplit("/", 1)[-1]]
    return schema


def example(schema: dict, components: dict):
    """A small value that satisfies `schema` (so the route's own checks run, not the parser's)."""
    schema = _resolve(schema, components)
    for combinator in ("anyOf", "oneOf", "allOf"):
        if combinator in schema:
            options = [
                s for s in schema[combinator] if _resolve(s, components).get("type") != "null"
            ]
            return example(options[0] if options else schema[combinator][0], components)
    if "enum" in schema:
        return schema["enum"][0]
    if "const" in schema:
        return schema["const"]
    if "default" in schema:
        return schema["default"]
    kind = schema.get("type")
    if kind == "object" or "properties" in schema:
        props = schema.get("properties", {})
        return {name: example(props[name], components) for name in schema.get("required", [])}
    if kind == "array":
        return [example(schema.get("items", {}), components)] * schema.get("minItems", 0)
    if kind == "string":
        fmt = schema.get("format")
        if fmt == "date":
            return dt.date.today().isoformat()
        if fmt == "date-time":
            return dt.datetime.now(dt.UTC).isoformat()
        if fmt == "email":
            return "someone@example.com"
        if fmt == "binary":
            return SimpleUploadedFile("people.csv", b"name,mobile\nali,09121234567\n")
        return "1" * max(schema.get("minLength", 1), 1)
    if kind in ("integer", "number"):
        return max(schema.get("minimum", 1), schema.get("exclusiveMinimum", 0) + 1)
    if kind == "boolean":
        return False
    return None


# Id fields of query strings and JSON bodies whose name is not "<record kind>_id".
ID_FIELD_RECORDS = {"canned_response_id": "canned"}


def with_fixture_ids(values: dict, world: World) -> dict:
    """Ids of the fixture records for `<kind>_id` fields: the schema's example (1) is a record
    only where ids happen to start at 1 (SQLite rolls its sequences back, PostgreSQL does not)."""
    out = dict(values)
    for name in values:
        if name.endswith("_id"):
            kind = ID_FIELD_RECORDS.get(name, name.removesuffix("_id"))
            if kind in world.records:
                out[name] = world.records[kind]
    return out


def api_request_arguments(spec: dict, components: dict, world: World) -> dict:
    query = {
        p["name"]: example(p.get("schema", {}), components)
        for p in spec.get("parameters", [])
        if p.get("in") == "query" and p.get("required")
    }
    query = with_fixture_ids(query, world)
    arguments: dict = {"QUERY_STRING": "&".join(f"{k}={v}" for k, v in query.items())}
    content = spec.get("requestBody", {}).get("content", {})
    if "application/json" in content:
        import json

        body = example(content["application/json"]["schema"], components)
        if isinstance(body, dict):
            body = with_fixture_ids(body, world)
        arguments["data"] = json.dumps(body)
        arguments["content_type"] = "application/json"
    elif "multipart/form-data" in content:
        body = example(content["multipart/form-data"]["schema"], components) or {}
        arguments["data"] = encode_multipart(BOUNDARY, body)
        arguments["content_type"] = MULTIPART_CONTENT
    return arguments


# --- the matrix ----------------------------------------------------------------------------


def test_every_route_declares_its_access():
    """A route nobody declared is a route nobody decided who may call."""
    missing = [f"page {r.route} ({r.name})" for r in page_routes() if r.access is None]
    missing += [f"API {o.method} {o.path}" for o in api_operations() if o.access is None]
    assert missing == []


@pytest.fixture
def world(db) -> World:
    return build_world()


@pytest.fixture(autouse=True)
def _no_pdf_rendering(monkeypatch):
    """Rendering a quote's PDF takes seconds and says nothing about who may download it."""
    from peyvand.sales import quote_pdf

    monkeypatch.setattr(quote_pdf, "render_quote_pdf", lambda quote, **kw: b"%PDF-1.4 matrix")


def test_pages_answer_every_caller_as_declared(world):
    failures: list[str] = []
    callers = [Caller(p, world, api=False) for p in PRINCIPALS]
    for route in page_routes():
        access = route.access
        kwargs, url = fill_arguments(route.route, PAGE_PARAM, PAGE_ARGS, world)
        url = "/" + url
        data = {k: world.records[v] for k, v in PAGE_POST_DATA.get(route.name, {}).items()}
        for caller in callers:
            answers = [("GET", caller.request("GET", url))]
            if answers[0][1].status_code == 405:
                answers = [("POST", caller.post(url, data))]
            elif access.requires_to_write:
                answers.append(("POST", caller.post(url, data)))
            for method, response in answers:
                write = method not in SAFE_METHODS
                expected = expectation(access, caller, write=write, kwargs=kwargs)
                problem = judge(
                    response,
                    expected,
                    caller,
                    access=access,
                    api=False,
                    read=not write,
                    has_args=bool(kwargs),
                )
                if problem:
                    failures.append(f"{caller.principal:22} {method:4} {url}: {problem}")
    assert failures == [], "\n".join(failures)


def test_api_answers_every_caller_as_declared(world):
    from peyvand.api import api

    schema = api.get_openapi_schema()
    components = schema.get("components", {}).get("schemas", {})
    failures: list[str] = []
    callers = [Caller(p, world, api=True) for p in PRINCIPALS]
    for operation in api_operations():
        access = operation.access
        kwargs, url = fill_arguments(operation.path, API_PARAM, API_ARGS, world)
        spec = schema["paths"][operation.path][operation.method.lower()]
        arguments = api_request_arguments(spec, components, world)
        write = operation.method not in SAFE_METHODS
        for caller in callers:
            expected = expectation(access, caller, write=write, kwargs=kwargs)
            response = caller.request(operation.method, url, **arguments)
            problem = judge(
                response,
                expected,
                caller,
                access=access,
                api=True,
                read=not write,
                has_args=bool(kwargs),
            )
            if problem and response.status_code == 422:
                problem += f" (invalid example body: {response.content[:200]!r})"
            if problem:
                failures.append(f"{caller.principal:22} {operation.method:6} {url}: {problem}")
    assert failures == [], "\n".join(failures)


# --- the declaration is enforced by the test itself ---------------------------------------


def _undeclared_view(request):
    return HttpResponse("nobody decided who may see this")


def _project_urls():
    from peyvand.urls import urlpatterns as project_urlpatterns

    return project_urlpatterns


# The project's URLs plus one view that declares nothing (ROOT_URLCONF of the test below).
urlpatterns = [*_project_urls(), path("undeclared/", _undeclared_view, name="undeclared")]


@override_settings(ROOT_URLCONF=__name__)
def test_a_route_without_a_declaration_makes_the_matrix_fail():
    assert [r.route for r in page_routes() if r.access is None] == ["undeclared/"]
    with pytest.raises(AssertionError, match="undeclared/"):
        test_every_route_declares_its_access()
