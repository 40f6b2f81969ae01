"""/api/v1/knowledge: articles (CRUD and Persian-aware search), categories, canned responses
(CRUD and a preview render with example values; rendering for a ticket is
/api/v1/service/resources/render).

Same permissions as the pages: knowledge.view/add/change/delete; an article or response you may
not see answers 404."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status
from ninja.errors import HttpError
from pydantic import ConfigDict

from peyvand.accounts.permissions import (
    ADD,
    CHANGE,
    DELETE,
    VIEW,
    declares_permission,
    has_perm,
    require_perm,
)
from peyvand.core.pagination import InvalidCursor, paginate_keyset

from . import markup, placeholders, selectors, services
from .models import (
    BODY_MAX,
    KNOWLEDGE,
    TITLE_MAX,
    Article,
    ArticleCategory,
    ArticleStatus,
    CannedResponse,
)

router = Router(tags=["Knowledge base"])

LanguageCode = Literal["fa", "en"]


# --- Schemas --------------------------------------------------------------------------------


class Ref(Schema):
    id: int
    name: str


class ArticleSummaryOut(Schema):
    id: int
    title: str
    language: str
    status: str
    visibility: str
    category: Ref | None
    excerpt: str
    updated_at: dt.datetime
    url: str


class ArticleOut(ArticleSummaryOut):
    body: str = Field(..., description="As written (Markdown subset).")
    body_html: str = Field(..., description="Rendered safely: user HTML is always escaped.")
    tags: list[str]
    translation_id: int | None
    author: Ref | None
    created_at: dt.datetime
    published_at: dt.datetime | None
    view_count: int
    helpful_count: int
    not_helpful_count: int


class ArticlePage(Schema):
    items: list[ArticleSummaryOut]
    next_cursor: str | None


class ArticleIn(Schema):
    model_config = ConfigDict(extra="forbid")

    title: str | None = Field(None, max_length=TITLE_MAX)
    body: str | None = Field(None, max_length=BODY_MAX)
    language: LanguageCode | None = None
    category_id: int | None = None
    status: Literal["draft", "published", "archived"] | None = None
    visibility: Literal["internal", "public"] | None = None
    tags: list[str] | None = Field(None, max_length=services.MAX_TAGS)
    translation_id: int | None = Field(None, description="The same article in the other language.")


class ArticleCreateIn(ArticleIn):
    title: str = Field(..., max_length=TITLE_MAX)
    body: str = Field(..., max_length=BODY_MAX)


class FeedbackIn(Schema):
    model_config = ConfigDict(extra="forbid")

    helpful: bool


class ArticleCategoryOut(Schema):
    id: int
    name: str
    parent_id: int | None
    order: int
    depth: int


class ArticleCategoryIn(Schema):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(..., max_length=120)
    parent_id: int | None = None
    order: int = Field(0, ge=0)


class CannedOut(Schema):
    id: int
    title: str
    body: str
    language: str
    category: Ref | None
    is_shared: bool
    is_active: bool
    owner: Ref | None
    placeholders: list[str]
    updated_at: dt.datetime


class CannedPage(Schema):
    items: list[CannedOut]
    next_cursor: str | None


class CannedIn(Schema):
    model_config = ConfigDict(extra="forbid")

    title: str | None = Field(None, max_length=TITLE_MAX)
    body: str | None = Field(None, max_length=BODY_MAX)
    language: LanguageCode | None = None
    category_id: int | None = None
    is_shared: bool | None = None
    is_active: bool | None = None


class CannedCreateIn(CannedIn):
    title: str = Field(..., max_length=TITLE_MAX)
    body: str = Field(..., max_length=BODY_MAX)


class PlaceholderOut(Schema):
    name: str
    label: str


class RenderedOut(Schema):
    text: str
    unknown: list[str] = Field(..., description="Not known placeholders; left as written.")
    missing: list[str] = Field(..., description="Known, but without a value; left as written.")


# --- Helpers --------------------------------------------------------------------------------


def _ref(obj) -> dict | None:
    if obj is None:
        return None
    name = obj.get_full_name() or obj.username if hasattr(obj, "get_full_name") else str(obj)
    return {"id": obj.pk, "name": name}


def _summary(article: Article) -> dict:
    return {
        "id": article.pk,
        "title": article.title,
        "language": article.language,
        "status": article.status,
        "visibility": article.visibility,
        "category": _ref(article.category) if article.category_id else None,
        "excerpt": markup.excerpt(article.body) if "body" in article.__dict__ else "",
        "updated_at": article.updated_at,
        "url": article.get_absolute_url(),
    }


def _article_out(article: Article) -> dict:
    return {
        **_summary(article),
        "body": article.body,
        "body_html": str(markup.render_markdown(article.body)),
        "tags": [tag.name for tag in article.tags.all()],
        "translation_id": article.translation_id,
        "author": _ref(article.author),
        "created_at": article.created_at,
        "published_at": article.published_at,
        "view_count": article.view_count,
        "helpful_count": article.helpful_count,
        "not_helpful_count": article.not_helpful_count,
    }


def _article(user, article_id: int) -> Article:
    article = (
        Article.objects.visible_to(user)
        .select_related("category", "author")
        .prefetch_related("tags")
        .filter(pk=article_id)
        .first()
    )
    if article is None:
        raise Http404
    return article


def _category(category_id: int | None, field: str = "category_id") -> ArticleCategory | None:
    if category_id is None:
        return None
    category = ArticleCategory.objects.filter(pk=category_id).first()
    if category is None:
        raise ValidationError({field: [_("Choose an existing category.")]})
    return category


def _limit(limit: int) -> int:
    return max(1, min(limit, settings.API_MAX_PAGE_SIZE))


def _article_data(user, payload: ArticleIn) -> dict:
    sent = payload.model_dump(exclude_unset=True)
    data = {k: v for k, v in sent.items() if k not in ("category_id", "translation_id")}
    if "category_id" in sent:
        data["category"] = _category(sent["category_id"])
    if "translation_id" in sent:
        translation = None
        if sent["translation_id"] is not None:
            translation = Article.objects.visible_to(user).filter(pk=sent["translation_id"]).first()
            if translation is None:
                raise ValidationError({"translation_id": [_("Choose an existing article.")]})
        data["translation"] = translation
    for key in ("title", "body", "language", "status", "visibility", "tags"):
        if key in data and data[key] is None:
            raise ValidationError({key: [_("This field cannot be empty.")]})
    return data


# --- Articles -------------------------------------------------------------------------------


@router.get("/articles", response=ArticlePage, summary="List articles, last changed first")
@declares_permission(KNOWLEDGE, VIEW)
def list_articles(
    request,
    category_id: int | None = None,
    status: Literal["draft", "published", "archived"] | None = None,
    language: LanguageCode | None = None,
    visibility: Literal["internal", "public"] | None = None,
    cursor: str | None = None,
    limit: int = settings.API_PAGE_SIZE,
):
    """Drafts are listed only to their author and to those who may change articles."""
    require_perm(request.user, KNOWLEDGE, VIEW)
    qs = selectors.article_list(
        request.user,
        category=category_id,
        status=status or "",
        language=language or "",
        visibility=visibility or "",
    )
    try:
        page = paginate_keyset(qs, order=selectors.LIST_ORDER, cursor=cursor, limit=_limit(limit))
    except InvalidCursor as exc:
        raise HttpError(400, _("The cursor is not valid; start from the first page.")) from exc
    return {"items": [_summary(a) for a in page.items], "next_cursor": page.next_cursor}


@router.get(
    "/articles/search", response=list[ArticleSummaryOut], summary="Search published articles"
)
@declares_permission(KNOWLEDGE, VIEW)
def search_articles(
    request,
    q: str = Query(..., max_length=200),
    language: LanguageCode | None = None,
    public_only: bool = False,
    category_id: int | None = None,
    limit: int = Query(selectors.DEFAULT_SEARCH_LIMIT, ge=1, le=selectors.MAX_SEARCH_LIMIT),
):
    """Best match first. Persian letter variants (ي/ی, ك/ک), ZWNJ and digit scripts are
    equivalent; every word must match the start of a word of the title, text, tags or
    category. Only published articles are found."""
    require_perm(request.user, KNOWLEDGE, VIEW)
    articles = selectors.search_articles(
        q, language=language, public_only=public_only, category=category_id, limit=limit
    )
    return [_summary(a) for a in articles]


@router.post("/articles", response={201: ArticleOut}, summary="Write an article")
@declares_permission(KNOWLEDGE, ADD)
def create_article(request, payload: ArticleCreateIn):
    require_perm(request.user, KNOWLEDGE, ADD)
    data = _article_data(request.user, payload)
    article = services.save_article(None, user=request.user, **data)
    return Status(201, _article_out(_article(request.user, article.pk)))


@router.get("/articles/{int:article_id}", response=ArticleOut, summary="One article")
@declares_permission(KNOWLEDGE, VIEW)
def get_article(request, article_id: int):
    require_perm(request.user, KNOWLEDGE, VIEW)
    return _article_out(_article(request.user, article_id))


@router.patch("/articles/{int:article_id}", response=ArticleOut, summary="Change an article")
@declares_permission(KNOWLEDGE, CHANGE)
def update_article(request, article_id: int, payload: ArticleIn):
    """Only the fields sent change. `tags` replaces the tags; `translation_id: null` unlinks."""
    require_perm(request.user, KNOWLEDGE, CHANGE)
    article = _article(request.user, article_id)
    services.save_article(article, user=request.user, **_article_data(request.user, payload))
    return _article_out(_article(request.user, article_id))


@router.delete("/articles/{int:article_id}", response={204: None}, summary="Delete an article")
@declares_permission(KNOWLEDGE, DELETE)
def delete_article(request, article_id: int):
    """Articles used on tickets are kept (422): archive them instead."""
    require_perm(request.user, KNOWLEDGE, DELETE)
    services.delete_article(_article(request.user, article_id))
    return Status(204, None)


@router.post("/articles/{int:article_id}/feedback", response={204: None}, summary="Was it helpful?")
@declares_permission(KNOWLEDGE, VIEW)
def article_feedback(request, article_id: int, payload: FeedbackIn):
    require_perm(request.user, KNOWLEDGE, VIEW)
    article = _article(request.user, article_id)
    if article.status != ArticleStatus.PUBLISHED:
        raise ValidationError({"helpful": [_("Only published articles take feedback.")]})
    services.record_feedback(article, helpful=payload.helpful)
    return Status(204, None)


# --- Categories -----------------------------------------------------------------------------


@router.get("/categories", response=list[ArticleCategoryOut], summary="Categories, as a tree")
@declares_permission(KNOWLEDGE, VIEW)
def list_categories(request):
    require_perm(request.user, KNOWLEDGE, VIEW)
    return [
        {
            "id": c.pk,
            "name": c.name,
            "parent_id": c.parent_id,
            "order": c.order,
            "depth": depth,
        }
        for c, depth in selectors.category_tree()
    ]


@router.post("/categories", response={201: ArticleCategoryOut}, summary="Add a category")
@declares_permission(KNOWLEDGE, CHANGE)
def create_category(request, payload: ArticleCategoryIn):
    require_perm(request.user, KNOWLEDGE, CHANGE)
    category = services.save_category(
        None,
        name=payload.name,
        parent=_category(payload.parent_id, "parent_id"),
        order=payload.order,
    )
    depth = 0
    node = category.parent
    while node is not None:
        depth, node = depth + 1, node.parent
    return Status(
        201,
        {
            "id": category.pk,
            "name": category.name,
            "parent_id": category.parent_id,
            "order": category.order,
            "depth": depth,
        },
    )


@router.delete("/categories/{int:category_id}", response={204: None}, summary="Delete a category")
@declares_permission(KNOWLEDGE, DELETE)
def delete_category(request, category_id: int):
    """Its articles and responses stay, without a category."""
    require_perm(request.user, KNOWLEDGE, DELETE)
    category = ArticleCategory.objects.filter(pk=category_id).first()
    if category is None:
        raise Http404
    services.delete_category(category)
    return Status(204, None)


# --- Canned responses -----------------------------------------------------------------------


def _canned_out(response: CannedResponse) -> dict:
    return {
        "id": response.pk,
        "title": response.title,
        "body": response.body,
        "language": response.language,
        "category": _ref(response.category) if response.category_id else None,
        "is_shared": response.is_shared,
        "is_active": response.is_active,
        "owner": _ref(response.owner),
        "placeholders": placeholders.placeholders_in(response.body),
        "updated_at": response.updated_at,
    }


def _canned(user, response_id: int) -> CannedResponse:
    response = (
        CannedResponse.objects.visible_to(user)
        .select_related("category", "owner")
        .filter(pk=response_id)
        .first()
    )
    if response is None:
        raise Http404
    return response


def _canned_data(user, payload: CannedIn, current: CannedResponse | None) -> dict:
    sent = payload.model_dump(exclude_unset=True)
    data = {k: v for k, v in sent.items() if k != "category_id"}
    if "category_id" in sent:
        data["category"] = _category(sent["category_id"])
    for key in ("title", "body", "language", "is_shared", "is_active"):
        if key in data and data[key] is None:
            raise ValidationError({key: [_("This field cannot be empty.")]})
    may_share = has_perm(user, KNOWLEDGE, CHANGE)
    sharing = data.get("is_shared", current.is_shared if current else False)
    if sharing and not may_share and (current is None or "is_shared" in data):
        raise ValidationError(
            {"is_shared": [_("Only those who may change the knowledge base share responses.")]}
        )
    if current is None:
        data.setdefault("is_shared", False)
    return data


@router.get("/canned-responses", response=CannedPage, summary="Shared responses and yours")
@declares_permission(KNOWLEDGE, VIEW)
def list_canned(
    request,
    language: LanguageCode | None = None,
    category_id: int | None = None,
    q: str = Query("", max_length=100),
    include_inactive: bool = False,
    cursor: str | None = None,
    limit: int = settings.API_PAGE_SIZE,
):
    require_perm(request.user, KNOWLEDGE, VIEW)
    qs = selectors.canned_responses_for(
        request.user,
        language=language or "",
        category=category_id,
        q=q,
        include_retired=include_inactive,
    )
    try:
        page = paginate_keyset(qs, order=["title", "id"], cursor=cursor, limit=_limit(limit))
    except InvalidCursor as exc:
        raise HttpError(400, _("The cursor is not valid; start from the first page.")) from exc
    return {"items": [_canned_out(r) for r in page.items], "next_cursor": page.next_cursor}


@router.get("/canned-responses/placeholders", response=list[PlaceholderOut])
@declares_permission(KNOWLEDGE, VIEW)
def list_placeholders(request):
    """The placeholders a canned response may use, as {{name}}."""
    require_perm(request.user, KNOWLEDGE, VIEW)
    items = placeholders.PLACEHOLDERS.items()
    return [{"name": name, "label": str(label)} for name, label in items]


@router.post("/canned-responses", response={201: CannedOut}, summary="Write a canned response")
@declares_permission(KNOWLEDGE, ADD)
def create_canned(request, payload: CannedCreateIn):
    """Personal unless `is_shared` (which needs knowledge.change). Unknown placeholders are
    refused (422) with the list of known ones."""
    require_perm(request.user, KNOWLEDGE, ADD)
    response = services.save_canned_response(
        None, user=request.user, **_canned_data(request.user, payload, None)
    )
    return Status(201, _canned_out(_canned(request.user, response.pk)))


@router.get("/canned-responses/{int:response_id}", response=CannedOut)
@declares_permission(KNOWLEDGE, VIEW)
def get_canned(request, response_id: int):
    require_perm(request.user, KNOWLEDGE, VIEW)
    return _canned_out(_canned(request.user, response_id))


@router.patch("/canned-responses/{int:response_id}", response=CannedOut)
@declares_permission(KNOWLEDGE, VIEW)
def update_canned(request, response_id: int, payload: CannedIn):
    """Personal responses: their owner only. Shared ones: knowledge.change."""
    require_perm(request.user, KNOWLEDGE, VIEW)
    response = _canned(request.user, response_id)
    if not response.can_edit(request.user):
        raise PermissionDenied(_("You do not have permission to do this."))
    services.save_canned_response(
        response, user=request.user, **_canned_data(request.user, payload, response)
    )
    return _canned_out(_canned(request.user, response_id))


@router.delete("/canned-responses/{int:response_id}", response={204: None})
@declares_permission(KNOWLEDGE, VIEW)
@declares_permission(KNOWLEDGE, DELETE)
def delete_canned(request, response_id: int):
    """Responses used on tickets are kept (422): set is_active false instead."""
    require_perm(request.user, KNOWLEDGE, VIEW)
    response = _canned(request.user, response_id)
    if not response.can_edit(request.user):
        raise PermissionDenied(_("You do not have permission to do this."))
    if response.is_shared:
        require_perm(request.user, KNOWLEDGE, DELETE)
    services.delete_canned_response(response)
    return Status(204, None)


class PreviewIn(Schema):
    model_config = ConfigDict(extra="forbid")

    body: str = Field(..., max_length=BODY_MAX)
    language: LanguageCode | None = None


@router.post("/canned-responses/preview", response=RenderedOut, summary="Preview any text")
@declares_permission(KNOWLEDGE, VIEW)
def preview_text(request, payload: PreviewIn):
    """Fills the placeholders of `body` with example values (the editor's live preview)."""
    require_perm(request.user, KNOWLEDGE, VIEW)
    result = placeholders.render(
        payload.body, placeholders.sample_values(request.user, payload.language)
    )
    return {"text": result.text, "unknown": result.unknown, "missing": result.missing}
