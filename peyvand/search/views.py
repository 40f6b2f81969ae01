"""The global search pages: the full results page and the topbar's as-you-type suggestions."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render, resolve_url
from django_htmx.http import HttpResponseClientRedirect

from peyvand.accounts.permissions import login_only

from . import selectors

RESULTS_LIMIT = 50
SUGGESTIONS_LIMIT = 8


def _signed_in(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """login_required that, for htmx, sends the whole page to sign-in instead of pasting the
    sign-in form into the suggestion box."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if request.user.is_authenticated:
            return view(request, *args, **kwargs)
        if getattr(request, "htmx", False):
            return HttpResponseClientRedirect(resolve_url(settings.LOGIN_URL))
        return redirect_to_login(request.get_full_path())

    return wrapper


def _query(request: HttpRequest) -> str:
    return request.GET.get("q", "")[: selectors.MAX_QUERY_LENGTH].strip()


@_signed_in
@login_only
def results(request: HttpRequest) -> HttpResponse:
    query = _query(request)
    kinds = selectors.searchable_kinds(request.user)
    kind = request.GET.get("kind", "")
    if kind not in {k.kind for k in kinds}:
        kind = ""
    hits = selectors.search(
        request.user, query, kinds=[kind] if kind else None, limit=RESULTS_LIMIT
    )
    # Groups appear in the order of their best hit, hits keep their rank inside a group.
    groups: dict[str, dict] = {}
    for hit in hits:
        groups.setdefault(hit.kind, {"label": hit.kind_label, "hits": []})["hits"].append(hit)
    return render(
        request,
        "search/results.html",
        {
            "query": query,
            "kind": kind,
            "kinds": kinds,
            "groups": list(groups.values()),
            "hit_count": len(hits),
            "maybe_more": len(hits) == RESULTS_LIMIT,
        },
    )


@_signed_in
@login_only
def suggest(request: HttpRequest) -> HttpResponse:
    query = _query(request)
    if not selectors.parse_query(query):
        # Nothing at all, so the dropdown (`.suggestions:empty`) hides.
        return HttpResponse("")
    hits = selectors.search(request.user, query, limit=SUGGESTIONS_LIMIT)
    return render(request, "search/_suggestions.html", {"query": query, "hits": hits})
