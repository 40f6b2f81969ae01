"""Customer portal pages: thin views over portal.services / portal.selectors, the service desk
and the knowledge base. Every page but sign-in needs a portal session (portal.auth)."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from peyvand.accounts.permissions import portal_route, public_route
from peyvand.core.pagination import InvalidCursor, paginate_keyset
from peyvand.knowledge import markup
from peyvand.knowledge import selectors as knowledge
from peyvand.knowledge import services as knowledge_services
from peyvand.service.attachments import attachment_response

from . import selectors, services
from .auth import PENDING_KEY, client_ip, customer_required, portal_contact, sign_in, sign_out
from .forms import CodeForm, NewTicketForm, ReplyForm, SignInForm

PAGE_SIZE = 20
RATED_KEY = "portal_rated_articles"


def _add_errors(form, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for field, errors in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)


def _render(request: HttpRequest, template: str, context: dict) -> HttpResponse:
    context = {
        **context,
        "portal_customer": portal_contact(request),
        "CODE_MINUTES": settings.PORTAL_CODE_TTL_MINUTES,
    }
    return render(request, template, context)


@public_route
def home(request: HttpRequest) -> HttpResponse:
    return redirect("portal:tickets" if portal_contact(request) else "portal:login")


@require_http_methods(["GET", "POST"])
@public_route
def login(request: HttpRequest) -> HttpResponse:
    if portal_contact(request) is not None:
        return redirect("portal:tickets")
    form = SignInForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            login_code = services.request_code(
                form.cleaned_data["identifier"], ip=client_ip(request)
            )
        except ValidationError as exc:
            form.add_error("identifier", exc.messages)
        except services.RateLimited:
            form.add_error(None, _("Too many codes were requested. Please try again in an hour."))
        else:
            request.session[PENDING_KEY] = login_code.pk
            return redirect("portal:verify")
    return _render(request, "portal/login.html", {"form": form})


@require_http_methods(["GET", "POST"])
@public_route
def verify(request: HttpRequest) -> HttpResponse:
    pending = request.session.get(PENDING_KEY)
    if not pending:
        return redirect("portal:login")
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            contact = services.verify_code(pending, form.cleaned_data["code"])
        except services.CodeRejected as exc:
            form.add_error("code", exc.message)
            if exc.exhausted:
                request.session.pop(PENDING_KEY, None)
        else:
            sign_in(request, contact)
            return redirect("portal:tickets")
    return _render(request, "portal/verify.html", {"form": form})


@require_POST
@public_route
def logout(request: HttpRequest) -> HttpResponse:
    sign_out(request)
    return redirect("portal:login")


@require_POST
@public_route
def set_language(request: HttpRequest) -> HttpResponse:
    language = request.POST.get("language", "")
    if language not in dict(settings.LANGUAGES):
        return HttpResponseBadRequest()
    target = request.POST.get("next") or "/portal/"
    if not url_has_allowed_host_and_scheme(target, {request.get_host()}) or not target.startswith(
        "/portal/"
    ):
        target = "/portal/"
    response = redirect(target)
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME, language, max_age=365 * 24 * 3600, samesite="Lax"
    )
    return response


# --- Tickets ---------------------------------------------------------------------------------


@customer_required
@portal_route
def tickets(request: HttpRequest) -> HttpResponse:
    contact = request.portal_contact
    queryset = selectors.tickets_of(contact).only(
        "id", "number", "subject", "status", "created_at", "last_activity_at"
    )
    try:
        page = paginate_keyset(
            queryset,
            order=["-last_activity_at", "-id"],
            cursor=request.GET.get("cursor"),
            limit=PAGE_SIZE,
        )
    except InvalidCursor:
        return HttpResponseBadRequest()
    return _render(request, "portal/tickets.html", {"page": page, "contact": contact})


@customer_required
@require_http_methods(["GET", "POST"])
@portal_route
def new_ticket(request: HttpRequest) -> HttpResponse:
    form = NewTicketForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            ticket = services.open_ticket(
                request.portal_contact,
                subject=form.cleaned_data["subject"],
                description=form.cleaned_data["description"],
                attachments=form.cleaned_data["attachments"],
            )
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            return redirect("portal:ticket", pk=ticket.pk)
    return _render(request, "portal/new_ticket.html", {"form": form})


@customer_required
@require_http_methods(["GET", "POST"])
@portal_route
def ticket(request: HttpRequest, pk: int) -> HttpResponse:
    contact = request.portal_contact
    item = selectors.ticket_for(contact, pk)
    form = ReplyForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            message = services.reply(
                item,
                contact,
                body=form.cleaned_data["body"],
                attachments=form.cleaned_data["attachments"],
            )
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            return redirect("portal:ticket", pk=message.ticket_id)
    context = {
        "ticket": item,
        "messages_": selectors.public_messages(item),
        "opening_attachments": selectors.public_attachments(item).filter(message__isnull=True),
        "form": form,
    }
    return _render(request, "portal/ticket.html", context)


@customer_required
@portal_route
def attachment(request: HttpRequest, pk: int, attachment_pk: int) -> HttpResponse:
    item = selectors.ticket_for(request.portal_contact, pk)
    found = selectors.public_attachments(item).filter(pk=attachment_pk).first()
    if found is None:
        raise Http404
    return attachment_response(found)


# --- Knowledge base --------------------------------------------------------------------------


@customer_required
@portal_route
def articles(request: HttpRequest) -> HttpResponse:
    query = (request.GET.get("q") or "").strip()[:200]
    language = getattr(request, "LANGUAGE_CODE", settings.LANGUAGE_CODE)
    if query:
        found = knowledge.search_articles(query, public_only=True)
        page = None
    else:
        found = None
        try:
            page = paginate_keyset(
                knowledge.public_articles(language=language).only(
                    "id", "title", "body", "language", "updated_at"
                ),
                order=knowledge.LIST_ORDER,
                cursor=request.GET.get("cursor"),
                limit=PAGE_SIZE,
            )
        except InvalidCursor:
            return HttpResponseBadRequest()
    shown = found if found is not None else page.items
    context = {
        "query": query,
        "page": page,
        "items": [(item, markup.excerpt(item.body, 220)) for item in shown],
    }
    return _render(request, "portal/articles.html", context)


@customer_required
@portal_route
def article(request: HttpRequest, pk: int) -> HttpResponse:
    item = knowledge.public_article(pk)
    if item is None:
        raise Http404
    knowledge_services.record_view(item)
    translation = knowledge.translation_of(item)
    if translation is not None:
        translation = knowledge.public_article(translation.pk)
    context = {
        "article": item,
        "body": markup.render_markdown(item.body),
        "related": knowledge.related_articles(item, public_only=True),
        "translation": translation,
        "rated": item.pk in request.session.get(RATED_KEY, []),
    }
    return _render(request, "portal/article.html", context)


@customer_required
@require_POST
@portal_route
def article_feedback(request: HttpRequest, pk: int) -> HttpResponse:
    """ "Was this helpful?": counted once per article and portal session."""
    item = knowledge.public_article(pk)
    if item is None:
        raise Http404
    rated = request.session.get(RATED_KEY, [])
    if item.pk not in rated:
        knowledge_services.record_feedback(item, helpful=request.POST.get("helpful") == "1")
        request.session[RATED_KEY] = [*rated[-199:], item.pk]
    return redirect("portal:article", pk=item.pk)
