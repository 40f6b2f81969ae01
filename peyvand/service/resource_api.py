"""/api/v1/service/resources: knowledge used on tickets.

List what a ticket used, link an article, render a canned response for a ticket (preview, or
`record: true` to record its use, as inserting it into a reply does), unlink an article.
Needs tickets.change (tickets.view to list) and knowledge.view; a ticket you may not see
answers 404."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from django.core.exceptions import ValidationError
from django.http import Http404
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema, Status
from pydantic import ConfigDict

from peyvand.accounts.permissions import CHANGE, VIEW, declares_permission, require_perm
from peyvand.knowledge.models import KNOWLEDGE, Article, CannedResponse

from . import resources
from .models import TICKETS, Ticket, TicketResource

router = Router(tags=["Service desk: knowledge used on tickets"])


class Ref(Schema):
    id: int
    name: str


class TicketResourceOut(Schema):
    id: int
    ticket_id: int
    type: Literal["article", "canned_response"]
    resource_id: int
    title: str
    kind: Literal["linked", "inserted"]
    used_by: Ref | None
    used_at: dt.datetime


class ResourceLinkIn(Schema):
    model_config = ConfigDict(extra="forbid")

    ticket_id: int
    article_id: int
    kind: Literal["linked", "inserted"] = "linked"


class RenderIn(Schema):
    model_config = ConfigDict(extra="forbid")

    ticket_id: int
    canned_response_id: int
    record: bool = Field(False, description="Record the use on the ticket (once per ticket).")


class RenderOut(Schema):
    text: str
    unknown: list[str] = Field(..., description="Not known placeholders; left as written.")
    missing: list[str] = Field(..., description="Known, but no value on this ticket.")
    recorded: bool


def _out(use: TicketResource) -> dict:
    user = use.used_by
    return {
        "id": use.pk,
        "ticket_id": use.ticket_id,
        "type": "article" if use.article_id else "canned_response",
        "resource_id": use.article_id or use.canned_response_id,
        "title": use.title,
        "kind": use.kind,
        "used_by": {"id": user.pk, "name": user.get_full_name() or user.username} if user else None,
        "used_at": use.used_at,
    }


def _ticket(user, ticket_id: int) -> Ticket:
    require_perm(user, KNOWLEDGE, VIEW)
    ticket = (
        Ticket.objects.visible_to(user)
        .select_related("contact", "company")
        .filter(pk=ticket_id)
        .first()
    )
    if ticket is None:
        raise Http404
    return ticket


@router.get("", response=list[TicketResourceOut], summary="What a ticket used")
@declares_permission(TICKETS, VIEW)
def list_resources(request, ticket_id: int):
    require_perm(request.user, TICKETS, VIEW)
    ticket = _ticket(request.user, ticket_id)
    return [_out(use) for use in resources.ticket_resources(ticket)]


@router.post(
    "/link", response={200: TicketResourceOut, 201: TicketResourceOut}, summary="Link an article"
)
@declares_permission(KNOWLEDGE, VIEW)
@declares_permission(TICKETS, CHANGE)
def link_article(request, payload: ResourceLinkIn):
    """201 when linked now, 200 when it already was (recorded once per ticket)."""
    ticket = _ticket(request.user, payload.ticket_id)
    article = Article.objects.visible_to(request.user).filter(pk=payload.article_id).first()
    if article is None:
        raise ValidationError({"article_id": [_("Choose an existing article.")]})
    use, created = resources.link_article(ticket, article, user=request.user, kind=payload.kind)
    return Status(201 if created else 200, _out(use))


@router.delete(
    "/link/{int:ticket_id}/{int:article_id}", response={204: None}, summary="Unlink an article"
)
@declares_permission(KNOWLEDGE, VIEW)
@declares_permission(TICKETS, CHANGE)
def unlink_article(request, ticket_id: int, article_id: int):
    ticket = _ticket(request.user, ticket_id)
    article = Article.objects.filter(pk=article_id).first()
    if article is None or not resources.unlink_article(ticket, article, user=request.user):
        raise Http404
    return Status(204, None)


@router.post("/render", response=RenderOut, summary="A canned response filled in for a ticket")
@declares_permission(KNOWLEDGE, VIEW)
def render_canned(request, payload: RenderIn):
    """Placeholders are filled from the ticket, its customer and you; those without a value
    stay as written and are listed. Never runs a template engine over the text."""
    ticket = _ticket(request.user, payload.ticket_id)
    canned = (
        CannedResponse.objects.visible_to(request.user)
        .filter(pk=payload.canned_response_id)
        .first()
    )
    if canned is None:
        raise ValidationError({"canned_response_id": [_("Choose an active canned response.")]})
    if payload.record:
        rendered = resources.use_canned_response(ticket, canned, user=request.user)
    else:
        rendered = resources.render_canned_response(ticket, canned, user=request.user)
    return {
        "text": rendered.text,
        "unknown": rendered.unknown,
        "missing": rendered.missing,
        "recorded": payload.record,
    }
