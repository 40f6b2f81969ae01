"""Knowledge pages. Thin: forms shape input, services write, selectors read."""

from __future__ import annotations

from collections.abc import Callable

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from peyvand.accounts.permissions import ADD, CHANGE, DELETE, VIEW, has_perm, permission_required
from peyvand.core.pagination import InvalidCursor, paginate_keyset

from . import markup, placeholders, selectors, services
from .forms import ArticleForm, CannedResponseForm, CategoryForm
from .models import (
    KNOWLEDGE,
    Article,
    ArticleCategory,
    ArticleStatus,
    CannedResponse,
    Language,
    Visibility,
)

PAGE_SIZE = 30
SEARCH_RESULTS = 50
PREVIEW_MAX = 100_000


def _requires(action: str) -> Callable:
    return permission_required(KNOWLEDGE, action)


def _int(value: str | None) -> int | None:
    try:
        return int(value) if value else None
    except ValueError:
        return None


def _service_errors(form, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for field, errors in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)


def _perms(user) -> dict[str, bool]:
    return {
        "can_add": has_perm(user, KNOWLEDGE, ADD),
        "can_change": has_perm(user, KNOWLEDGE, CHANGE),
        "can_delete": has_perm(user, KNOWLEDGE, DELETE),
    }


# --- Articles -------------------------------------------------------------------------------


@_requires(VIEW)
def article_list(request: HttpRequest) -> HttpResponse:
    get = request.GET
    filters = {
        "q": (get.get("q") or "").strip()[:200],
        "category": _int(get.get("category")),
        "status": get.get("status", "") if get.get("status") in ArticleStatus.values else "",
        "language": get.get("language", "") if get.get("language") in Language.values else "",
        "visibility": (
            get.get("visibility", "") if get.get("visibility") in Visibility.values else ""
        ),
    }
    context = {
        "filters": filters,
        "categories": selectors.category_tree(),
        "statuses": ArticleStatus.choices,
        "languages": Language.choices,
        "visibilities": Visibility.choices,
        **_perms(request.user),
    }
    if filters["q"]:
        # Search finds published articles only, best match first; no paging needed.
        articles = selectors.search_articles(
            filters["q"],
            language=filters["language"] or None,
            public_only=filters["visibility"] == Visibility.PUBLIC,
            category=filters["category"],
            limit=SEARCH_RESULTS,
        )
        if filters["visibility"] == Visibility.INTERNAL:
            articles = [a for a in articles if a.visibility == Visibility.INTERNAL]
        context.update({"articles": articles, "searching": True, "page": None})
    else:
        qs = selectors.article_list(
            request.user,
            category=filters["category"],
            status=filters["status"],
            language=filters["language"],
            visibility=filters["visibility"],
        )
        try:
            page = paginate_keyset(
                qs, order=selectors.LIST_ORDER, cursor=get.get("cursor"), limit=PAGE_SIZE
            )
        except InvalidCursor:
            return redirect(request.path)
        context.update({"articles": page.items, "searching": False, "page": page})
    template = "knowledge/_article_rows.html" if request.htmx else "knowledge/list.html"
    return render(request, template, context)


def _article(request: HttpRequest, pk: int) -> Article:
    return get_object_or_404(
        Article.objects.visible_to(request.user).select_related("category", "author"), pk=pk
    )


@_requires(VIEW)
def article_detail(request: HttpRequest, pk: int) -> HttpResponse:
    article = _article(request, pk)
    # One view per article per session: reloading the page does not inflate the counter.
    seen = request.session.get("kb_viewed", [])
    if article.pk not in seen and article.status == ArticleStatus.PUBLISHED:
        services.record_view(article)
        request.session["kb_viewed"] = [*seen[-199:], article.pk]
    return render(
        request,
        "knowledge/article.html",
        {
            "article": article,
            "body_html": markup.render_markdown(article.body),
            "tags": list(article.tags.all()),
            "translation": selectors.translation_of(article),
            "related": selectors.related_articles(article),
            "feedback_given": article.pk in request.session.get("kb_feedback", []),
            **_perms(request.user),
        },
    )


@require_POST
@_requires(VIEW)
def article_feedback(request: HttpRequest, pk: int) -> HttpResponse:
    article = _article(request, pk)
    given = request.session.get("kb_feedback", [])
    if article.pk not in given and request.POST.get("helpful") in ("yes", "no"):
        services.record_feedback(article, helpful=request.POST["helpful"] == "yes")
        request.session["kb_feedback"] = [*given[-199:], article.pk]
    if request.htmx:
        return render(request, "knowledge/_feedback_thanks.html")
    messages.success(request, _("Thank you for your feedback."))
    return redirect(article.get_absolute_url())


def _save_article(request: HttpRequest, article: Article | None) -> HttpResponse:
    form = ArticleForm(request.POST or None, article=article)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        try:
            saved = services.save_article(article, user=request.user, **data)
        except ValidationError as exc:
            _service_errors(form, exc)
        else:
            messages.success(request, _("The article was saved."))
            return redirect(saved.get_absolute_url())
    return render(
        request,
        "knowledge/article_form.html",
        {"form": form, "article": article, **_perms(request.user)},
        status=422 if form.errors else 200,
    )


@_requires(ADD)
def article_new(request: HttpRequest) -> HttpResponse:
    return _save_article(request, None)


@_requires(CHANGE)
def article_edit(request: HttpRequest, pk: int) -> HttpResponse:
    return _save_article(request, _article(request, pk))


@require_POST
@_requires(DELETE)
def article_delete(request: HttpRequest, pk: int) -> HttpResponse:
    article = _article(request, pk)
    try:
        services.delete_article(article)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect(article.get_absolute_url())
    messages.success(request, _("The article was deleted."))
    return redirect("knowledge:list")


@require_POST
@_requires(VIEW)
def article_preview(request: HttpRequest) -> HttpResponse:
    """The editor's live preview (htmx): exactly what readers will see."""
    body = request.POST.get("body", "")[:PREVIEW_MAX]
    return render(request, "knowledge/_preview.html", {"body_html": markup.render_markdown(body)})


# --- Categories -----------------------------------------------------------------------------


@_requires(VIEW)
def category_list(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "knowledge/categories.html",
        {"categories": selectors.category_tree(), **_perms(request.user)},
    )


def _save_category(request: HttpRequest, category: ArticleCategory | None) -> HttpResponse:
    initial = {}
    if category is not None:
        initial = {"name": category.name, "parent": category.parent_id, "order": category.order}
    form = CategoryForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.save_category(
                category,
                name=form.cleaned_data["name"],
                parent=form.cleaned_data["parent"],
                order=form.cleaned_data["order"] or 0,
            )
        except ValidationError as exc:
            _service_errors(form, exc)
        else:
            messages.success(request, _("The category was saved."))
            return redirect("knowledge:categories")
    return render(
        request,
        "knowledge/category_form.html",
        {"form": form, "category": category},
        status=422 if form.errors else 200,
    )


@_requires(CHANGE)
def category_new(request: HttpRequest) -> HttpResponse:
    return _save_category(request, None)


@_requires(CHANGE)
def category_edit(request: HttpRequest, pk: int) -> HttpResponse:
    return _save_category(request, get_object_or_404(ArticleCategory, pk=pk))


@require_POST
@_requires(DELETE)
def category_delete(request: HttpRequest, pk: int) -> HttpResponse:
    services.delete_category(get_object_or_404(ArticleCategory, pk=pk))
    messages.success(request, _("The category was deleted."))
    return redirect("knowledge:categories")


# --- Canned responses -----------------------------------------------------------------------


@_requires(VIEW)
def canned_list(request: HttpRequest) -> HttpResponse:
    get = request.GET
    filters = {
        "q": (get.get("q") or "").strip()[:100],
        "category": _int(get.get("category")),
        "language": get.get("language", "") if get.get("language") in Language.values else "",
        "retired": get.get("retired") == "1",
    }
    qs = selectors.canned_responses_for(
        request.user,
        language=filters["language"],
        category=filters["category"],
        q=filters["q"],
        include_retired=filters["retired"],
    )
    try:
        page = paginate_keyset(qs, order=["title", "id"], cursor=get.get("cursor"), limit=PAGE_SIZE)
    except InvalidCursor:
        return redirect(request.path)
    return render(
        request,
        "knowledge/canned_list.html",
        {
            "page": page,
            "filters": filters,
            "categories": selectors.category_tree(),
            "languages": Language.choices,
            **_perms(request.user),
        },
    )


def _canned(request: HttpRequest, pk: int) -> CannedResponse:
    return get_object_or_404(
        CannedResponse.objects.visible_to(request.user).select_related("owner"), pk=pk
    )


def _save_canned(request: HttpRequest, response: CannedResponse | None) -> HttpResponse:
    user = request.user
    can_share = has_perm(user, KNOWLEDGE, CHANGE)
    form = CannedResponseForm(request.POST or None, response=response, can_share=can_share)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        if not can_share:
            # Without the change permission a new response is personal; an existing one keeps
            # its sharing.
            data["is_shared"] = response.is_shared if response else False
        try:
            services.save_canned_response(response, user=user, **data)
        except ValidationError as exc:
            _service_errors(form, exc)
        else:
            messages.success(request, _("The canned response was saved."))
            return redirect("knowledge:canned_list")
    return render(
        request,
        "knowledge/canned_form.html",
        {
            "form": form,
            "response": response,
            "placeholders": placeholders.PLACEHOLDERS.items(),
            "can_delete": response is not None and response.can_edit(user),
        },
        status=422 if form.errors else 200,
    )


@_requires(ADD)
def canned_new(request: HttpRequest) -> HttpResponse:
    return _save_canned(request, None)


@_requires(VIEW)
def canned_edit(request: HttpRequest, pk: int) -> HttpResponse:
    response = _canned(request, pk)
    if not response.can_edit(request.user):
        raise PermissionDenied(_("You do not have permission to do this."))
    return _save_canned(request, response)


@require_POST
@_requires(VIEW)
def canned_delete(request: HttpRequest, pk: int) -> HttpResponse:
    response = _canned(request, pk)
    if not response.can_edit(request.user) or (
        response.is_shared and not has_perm(request.user, KNOWLEDGE, DELETE)
    ):
        raise PermissionDenied(_("You do not have permission to do this."))
    try:
        services.delete_canned_response(response)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect(reverse("knowledge:canned_edit", args=[response.pk]))
    messages.success(request, _("The canned response was deleted."))
    return redirect("knowledge:canned_list")


@require_POST
@_requires(VIEW)
def canned_preview(request: HttpRequest) -> HttpResponse:
    """Live preview with example values; unknown placeholders are pointed out."""
    language = request.POST.get("language")
    if language not in Language.values:
        language = None
    body = request.POST.get("body", "")[:PREVIEW_MAX]
    result = placeholders.render(body, placeholders.sample_values(request.user, language))
    return render(request, "knowledge/_canned_preview.html", {"result": result})
