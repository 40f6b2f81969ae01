"""/api/v1/portal: the customer portal for apps and scripts of customers, with the same rules as
the pages. Authentication is the portal session (cookie; unsafe methods need the CSRF token),
obtained with POST /auth/code then POST /auth/verify. Staff tokens and staff sessions are not
customers: every route except sign-in answers them 401."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest
from django.utils.translation import gettext as _
from ninja import Router, Schema, Status
from ninja.errors import HttpError
from ninja.security import APIKeyCookie

from peyvand.accounts.permissions import portal_route, public_route
from peyvand.core.pagination import InvalidCursor, paginate_keyset
from peyvand.knowledge import markup
from peyvand.knowledge import selectors as knowledge

from . import selectors, services
from .auth import PENDING_KEY, client_ip, portal_contact, sign_in, sign_out

PAGE_SIZE = 20


class PortalSessionAuth(APIKeyCookie):
    openapi_description = "Customer portal session (sign in with /api/v1/portal/auth/*)."

    def __init__(self) -> None:
        from django.conf import settings

        self.param_name = settings.SESSION_COOKIE_NAME
        super().__init__(csrf=True)

    def authenticate(self, request: HttpRequest, key: str | None):
        return portal_contact(request)


router = Router(tags=["Customer portal"], auth=PortalSessionAuth())


# --- Schemas --------------------------------------------------------------------------------


class CodeIn(Schema):
    identifier: str


class VerifyIn(Schema):
    code: str


class Detail(Schema):
    detail: str


class CustomerOut(Schema):
    id: int
    name: str


class PortalTicketOut(Schema):
    id: int
    reference: str
    subject: str
    status: str
    status_label: str
    created_at: dt.datetime
    last_activity_at: dt.datetime


class PortalTicketPage(Schema):
    items: list[PortalTicketOut]
    next_cursor: str | None


class AttachmentOut(Schema):
    id: int
    name: str
    size: int


class PortalMessageOut(Schema):
    id: int
    from_support: bool
    author: str
    body: str
    created_at: dt.datetime
    attachments: list[AttachmentOut]


class PortalTicketDetailOut(PortalTicketOut):
    description: str
    messages: list[PortalMessageOut]


class PortalTicketIn(Schema):
    subject: str
    description: str


class PortalMessageIn(Schema):
    body: str


class PortalArticleOut(Schema):
    id: int
    title: str
    language: str
    excerpt: str


class ArticleDetailOut(PortalArticleOut):
    body_html: str
    updated_at: dt.datetime


def _ticket(ticket) -> dict:
    return {
        "id": ticket.pk,
        "reference": ticket.reference,
        "subject": ticket.subject,
        "status": ticket.status,
        "status_label": ticket.get_status_display(),
        "created_at": ticket.created_at,
        "last_activity_at": ticket.last_activity_at,
    }


def _detail(ticket) -> dict:
    messages = [
        {
            "id": m.pk,
            "from_support": m.kind == "reply",
            "author": (
                (m.author_user.get_full_name() or m.author_user.username)
                if m.kind == "reply" and m.author_user_id
                else ""
            ),
            "body": m.body,
            "created_at": m.created_at,
            "attachments": [
                {"id": a.pk, "name": a.name, "size": a.size} for a in m.attachments.all()
            ],
        }
        for m in selectors.public_messages(ticket)
    ]
    return {**_ticket(ticket), "description": ticket.description, "messages": messages}


# --- Sign-in --------------------------------------------------------------------------------


@router.post("/auth/code", auth=None, response={202: Detail}, summary="Send a sign-in code")
@public_route
def request_code(request, payload: CodeIn):
    """Always the same answer whether or not a customer has the address."""
    try:
        login_code = services.request_code(payload.identifier, ip=client_ip(request))
    except services.RateLimited as exc:
        raise HttpError(
            429, _("Too many codes were requested. Please try again in an hour.")
        ) from exc
    except ValidationError as exc:
        raise ValidationError({"identifier": exc.messages}) from exc
    request.session[PENDING_KEY] = login_code.pk
    return Status(
        202, {"detail": _("If the address belongs to one of our customers, a code was sent.")}
    )


@router.post("/auth/verify", auth=None, response={200: CustomerOut}, summary="Sign in")
@public_route
def verify_code(request, payload: VerifyIn):
    try:
        contact = services.verify_code(request.session.get(PENDING_KEY), payload.code)
    except services.CodeRejected as exc:
        raise ValidationError({"code": [exc.message]}) from exc
    sign_in(request, contact)
    return {"id": contact.pk, "name": contact.full_name}


@router.post("/auth/logout", response={204: None}, summary="Sign out")
@portal_route
def logout(request):
    sign_out(request)
    return Status(204, None)


@router.get("/me", response=CustomerOut, summary="The signed-in customer")
@portal_route
def me(request):
    return {"id": request.auth.pk, "name": request.auth.full_name}


# --- Tickets --------------------------------------------------------------------------------


@router.get("/tickets", response=PortalTicketPage, summary="My tickets")
@portal_route
def list_tickets(request, cursor: str | None = None):
    queryset = selectors.tickets_of(request.auth).only(
        "id", "number", "subject", "status", "created_at", "last_activity_at"
    )
    try:
        page = paginate_keyset(
            queryset, order=["-last_activity_at", "-id"], cursor=cursor, limit=PAGE_SIZE
        )
    except InvalidCursor as exc:
        raise HttpError(400, _("Invalid cursor.")) from exc
    return {"items": [_ticket(t) for t in page.items], "next_cursor": page.next_cursor}


@router.get("/tickets/{int:ticket_id}", response=PortalTicketDetailOut, summary="One of my tickets")
@portal_route
def get_ticket(request, ticket_id: int):
    return _detail(selectors.ticket_for(request.auth, ticket_id))


@router.post("/tickets", response={201: PortalTicketDetailOut}, summary="Open a ticket")
@portal_route
def open_ticket(request, payload: PortalTicketIn):
    ticket = services.open_ticket(
        request.auth, subject=payload.subject, description=payload.description
    )
    return Status(201, _detail(ticket))


@router.post(
    "/tickets/{int:ticket_id}/messages",
    response={201: PortalTicketDetailOut},
    summary="Reply on one of my tickets",
)
@portal_route
def reply(request, ticket_id: int, payload: PortalMessageIn):
    ticket = selectors.ticket_for(request.auth, ticket_id)
    message = services.reply(ticket, request.auth, body=payload.body)
    return Status(201, _detail(message.ticket))


# --- Knowledge base -------------------------------------------------------------------------


@router.get("/articles", response=list[PortalArticleOut], summary="Search the help articles")
@portal_route
def search_articles(request, q: str = ""):
    found = knowledge.search_articles(q[:200], public_only=True) if q.strip() else []
    return [
        {"id": a.pk, "title": a.title, "language": a.language, "excerpt": markup.excerpt(a.body)}
        for a in found
    ]


@router.get("/articles/{int:article_id}", response=ArticleDetailOut, summary="A help article")
@portal_route
def get_article(request, article_id: int):
    article = knowledge.public_article(article_id)
    if article is None:
        raise Http404
    return {
        "id": article.pk,
        "title": article.title,
        "language": article.language,
        "excerpt": markup.excerpt(article.body),
        "body_html": str(markup.render_markdown(article.body)),
        "updated_at": article.updated_at,
    }
