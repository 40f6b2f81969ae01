"""The ticket page's knowledge panel (htmx): articles and canned responses used on the ticket,
article search and linking, inserting a canned response into the reply box.

The page includes "service/ticket_resources_panel.html", which loads the panel's body from
`ticket_resources` below. Writes go through service/resources.py."""

from __future__ import annotations

import json

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from peyvand.accounts.permissions import CHANGE, VIEW, declares_permission, has_perm
from peyvand.knowledge.models import KNOWLEDGE, Article, CannedResponse
from peyvand.knowledge.selectors import canned_responses_for, search_articles

from . import resources
from .models import TICKETS, Ticket

SEARCH_LIMIT = 8
QUERY_MAX = 200
CANNED_CHOICES = 200


def _ticket(request: HttpRequest, pk: int) -> Ticket:
    """The ticket if the user may see it (404 otherwise) and may read the knowledge base."""
    if not has_perm(request.user, KNOWLEDGE, VIEW):
        raise PermissionDenied(_("You do not have permission to do this."))
    return get_object_or_404(
        Ticket.objects.visible_to(request.user).select_related("contact", "company"), pk=pk
    )


def _can_use(request: HttpRequest, ticket: Ticket) -> bool:
    return has_perm(request.user, TICKETS, CHANGE) and not ticket.merged_into_id


def _panel(request: HttpRequest, ticket: Ticket, *, status: int = 200, **extra) -> HttpResponse:
    can_use = _can_use(request, ticket)
    canned = []
    if can_use:
        offered = canned_responses_for(request.user).select_related(None)
        canned = list(offered.only("id", "title", "language")[:CANNED_CHOICES])
        # Responses in the agent's language first.
        language = getattr(request, "LANGUAGE_CODE", "") or ""
        canned.sort(key=lambda r: r.language != language[:2])
    context = {
        "ticket": ticket,
        "used": resources.ticket_resources(ticket),
        "can_use": can_use,
        "canned_responses": canned,
        **extra,
    }
    if request.htmx:
        return render(request, "service/_ticket_resources.html", context, status=status)
    return redirect(f"{ticket.get_absolute_url()}#ticket-resources")


@login_required
@require_GET
@declares_permission(KNOWLEDGE, VIEW)
def ticket_resources(request: HttpRequest, pk: int) -> HttpResponse:
    ticket = _ticket(request, pk)
    if not request.htmx:
        return redirect(f"{ticket.get_absolute_url()}#ticket-resources")
    return _panel(request, ticket)


@login_required
@require_GET
@declares_permission(KNOWLEDGE, VIEW)
def article_search(request: HttpRequest, pk: int) -> HttpResponse:
    ticket = _ticket(request, pk)
    query = (request.GET.get("q") or "").strip()[:QUERY_MAX]
    articles = search_articles(query, limit=SEARCH_LIMIT) if query else []
    linked = set(
        ticket.resources.filter(article__isnull=False).values_list("article_id", flat=True)
    )
    return render(
        request,
        "service/_ticket_resource_results.html",
        {
            "ticket": ticket,
            "query": query,
            "articles": articles,
            "linked": linked,
            "can_use": _can_use(request, ticket),
        },
    )


def _posted_id(request: HttpRequest, name: str) -> int | None:
    try:
        return int(request.POST.get(name, ""))
    except ValueError:
        return None


@login_required
@require_POST
@declares_permission(KNOWLEDGE, VIEW)
@declares_permission(TICKETS, CHANGE, to_write=True)
def link(request: HttpRequest, pk: int) -> HttpResponse:
    ticket = _ticket(request, pk)
    article_id = _posted_id(request, "article_id")
    article = Article.objects.visible_to(request.user).filter(pk=article_id).first()
    if article is None:
        return _panel(request, ticket, status=422, error=_("Choose an existing article."))
    try:
        resources.link_article(ticket, article, user=request.user)
    except ValidationError as exc:
        return _panel(request, ticket, status=422, error=" ".join(exc.messages))
    return _panel(request, ticket)


@login_required
@require_POST
@declares_permission(KNOWLEDGE, VIEW)
@declares_permission(TICKETS, CHANGE, to_write=True)
def unlink(request: HttpRequest, pk: int, article_id: int) -> HttpResponse:
    ticket = _ticket(request, pk)
    article = get_object_or_404(Article, pk=article_id)
    resources.unlink_article(ticket, article, user=request.user)
    return _panel(request, ticket)


@login_required
@require_POST
@declares_permission(KNOWLEDGE, VIEW)
@declares_permission(TICKETS, CHANGE, to_write=True)
def use_canned(request: HttpRequest, pk: int) -> HttpResponse:
    """Records the use and answers the panel plus an HX-Trigger event carrying the text; the
    page's script puts the text into the reply box at the cursor."""
    ticket = _ticket(request, pk)
    response_id = _posted_id(request, "canned_response_id")
    canned = CannedResponse.objects.visible_to(request.user).filter(pk=response_id).first()
    if canned is None:
        return _panel(request, ticket, status=422, error=_("Choose an active canned response."))
    try:
        rendered = resources.use_canned_response(ticket, canned, user=request.user)
    except ValidationError as exc:
        return _panel(request, ticket, status=422, error=" ".join(exc.messages))
    warnings = [*rendered.missing, *rendered.unknown]
    notice = ""
    if warnings:
        names = ", ".join("{{" + name + "}}" for name in warnings)
        notice = _("Fill in before sending: %(names)s") % {"names": names}
    response = _panel(request, ticket, notice=notice)
    # ensure_ascii keeps the header Latin-1 (Persian text travels as \u escapes).
    response["HX-Trigger"] = json.dumps(
        {"peyvand:insert-reply": {"text": rendered.text, "warnings": warnings}}
    )
    return response


urlpatterns = [
    path("tickets/<int:pk>/resources/", ticket_resources, name="ticket_resources"),
    path("tickets/<int:pk>/resources/search/", article_search, name="ticket_resource_search"),
    path("tickets/<int:pk>/resources/link/", link, name="ticket_resource_link"),
    path(
        "tickets/<int:pk>/resources/unlink/<int:article_id>/",
        unlink,
        name="ticket_resource_unlink",
    ),
    path("tickets/<int:pk>/resources/canned/", use_canned, name="ticket_resource_canned"),
]
