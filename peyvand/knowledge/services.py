"""Every write to the knowledge base goes through here: articles (with their tags, translation
link and search entry), categories, feedback counters, canned responses. Pages and the API call
these functions; each validates and raises ValidationError({field: [...]}) on bad input, and
writes in one transaction."""

from __future__ import annotations

import re
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, ProtectedError
from django.utils import timezone
from django.utils.translation import gettext as _

from peyvand.core.persian import normalize_text
from peyvand.search.services import index_document, remove_document

from . import placeholders
from .models import (
    ARTICLE_KIND,
    BODY_MAX,
    TITLE_MAX,
    Article,
    ArticleCategory,
    ArticleStatus,
    ArticleTag,
    CannedResponse,
    Language,
    Visibility,
)

MAX_TAGS = 10
TAG_MAX = 60
_TAG_SEPARATORS = re.compile(r"[,،;\n]+")

ARTICLE_FIELDS = (
    "title",
    "body",
    "language",
    "category",
    "status",
    "visibility",
    "tags",
    "translation",
)


def _required_text(value: Any, field: str, errors: dict, *, multiline: bool, limit: int) -> str:
    text = normalize_text(value if isinstance(value, str) else "", multiline=multiline)
    if not text:
        errors[field] = [_("This field is required.")]
    elif len(text) > limit:
        errors[field] = [_("Use at most %(limit)s characters.") % {"limit": limit}]
    return text


def _choice(value: Any, choices, field: str, errors: dict) -> str:
    if value not in choices.values:
        errors[field] = [_("Choose one of the listed options.")]
    return value


def parse_tags(value: str | list[str] | None) -> list[str]:
    """ "VPN، ورود, password" -> ["VPN", "ورود", "password"] (normalised, unique, in order)."""
    if value is None:
        return []
    parts = value if isinstance(value, list | tuple) else _TAG_SEPARATORS.split(value)
    names: dict[str, None] = {}
    for part in parts:
        name = normalize_text(str(part)).strip("#")
        if name:
            names[name] = None
    return list(names)


def _clean_tags(value: Any, errors: dict) -> list[str]:
    names = parse_tags(value)
    if len(names) > MAX_TAGS:
        errors["tags"] = [_("Use at most %(limit)s tags.") % {"limit": MAX_TAGS}]
    elif any(len(name) > TAG_MAX for name in names):
        errors["tags"] = [_("A tag may have at most %(limit)s characters.") % {"limit": TAG_MAX}]
    return names


# --- Articles -------------------------------------------------------------------------------


@transaction.atomic
def save_article(article: Article | None, *, user, **data: Any) -> Article:
    """Create (article=None) or change an article; only the fields passed change.

    Fields: title, body, language, category (ArticleCategory or None), status, visibility,
    tags (list or comma-separated text), translation (Article or None)."""
    unknown = set(data) - set(ARTICLE_FIELDS)
    if unknown:
        raise TypeError(f"Unknown article fields: {', '.join(sorted(unknown))}")
    creating = article is None
    if creating:
        article = Article(author=user)
        for field in ("title", "body"):
            data.setdefault(field, "")
    else:
        article = Article.objects.select_for_update().get(pk=article.pk)
    errors: dict[str, list[str]] = {}
    if "title" in data:
        article.title = _required_text(
            data["title"], "title", errors, multiline=False, limit=TITLE_MAX
        )
    if "body" in data:
        article.body = _required_text(data["body"], "body", errors, multiline=True, limit=BODY_MAX)
    if "language" in data:
        article.language = _choice(data["language"], Language, "language", errors)
    if "status" in data:
        article.status = _choice(data["status"], ArticleStatus, "status", errors)
    if "visibility" in data:
        article.visibility = _choice(data["visibility"], Visibility, "visibility", errors)
    if "category" in data:
        article.category = data["category"]
    tags = _clean_tags(data["tags"], errors) if "tags" in data else None
    translation = data.get("translation", article.translation if article.pk else None)
    if translation is not None:
        if article.pk and translation.pk == article.pk:
            errors["translation"] = [_("An article cannot be its own translation.")]
        elif translation.language == article.language:
            errors["translation"] = [_("The translation must be in the other language.")]
    if errors:
        raise ValidationError(errors)

    if article.status == ArticleStatus.PUBLISHED and article.published_at is None:
        article.published_at = timezone.now()
    article.save()
    if tags is not None:
        _set_tags(article, tags)
    if "translation" in data:
        set_translation(article, translation)
    reindex(article)
    return article


def _set_tags(article: Article, names: list[str]) -> None:
    existing = {tag.name: tag for tag in ArticleTag.objects.filter(name__in=names)}
    missing = [ArticleTag(name=name) for name in names if name not in existing]
    if missing:
        ArticleTag.objects.bulk_create(missing, ignore_conflicts=True)
        existing = {tag.name: tag for tag in ArticleTag.objects.filter(name__in=names)}
    article.tags.set([existing[name] for name in names if name in existing])


def set_translation(article: Article, other: Article | None) -> None:
    """Link two articles as each other's translation (or unlink with other=None); whatever
    either was linked to before is unlinked."""
    with transaction.atomic():
        ids = {article.pk} | ({other.pk} if other else set())
        partners = set(
            Article.objects.filter(pk__in=ids, translation__isnull=False).values_list(
                "translation_id", flat=True
            )
        )
        # Everything pointing at or from the two is cleared first: the link is one-to-one.
        Article.objects.filter(pk__in=ids | partners).update(translation=None)
        if other is not None:
            Article.objects.filter(pk=article.pk).update(translation=other)
            Article.objects.filter(pk=other.pk).update(translation=article)
        article.translation = other


def delete_article(article: Article) -> None:
    try:
        with transaction.atomic():
            remove_document(ARTICLE_KIND, article.pk)
            Article.objects.filter(translation=article).update(translation=None)
            article.delete()
    except ProtectedError as exc:
        raise ValidationError(
            _("This article was used on tickets, so it is kept for their history; archive it.")
        ) from exc


def reindex(article: Article) -> None:
    """Keep the search entry in step: only published articles can be found."""
    from .search_index import article_document

    if article.status == ArticleStatus.PUBLISHED:
        article = (
            Article.objects.select_related("category").prefetch_related("tags").get(pk=article.pk)
        )
        index_document(ARTICLE_KIND, article.pk, article_document(article))
    else:
        remove_document(ARTICLE_KIND, article.pk)


def record_view(article: Article) -> None:
    Article.objects.filter(pk=article.pk).update(view_count=F("view_count") + 1)


def record_feedback(article: Article, *, helpful: bool) -> None:
    field = "helpful_count" if helpful else "not_helpful_count"
    Article.objects.filter(pk=article.pk).update(**{field: F(field) + 1})


# --- Categories -----------------------------------------------------------------------------


@transaction.atomic
def save_category(
    category: ArticleCategory | None,
    *,
    name: str,
    parent: ArticleCategory | None = None,
    order: int = 0,
) -> ArticleCategory:
    errors: dict[str, list[str]] = {}
    name = _required_text(name, "name", errors, multiline=False, limit=120)
    category = category or ArticleCategory()
    if name and ArticleCategory.objects.filter(name=name).exclude(pk=category.pk).exists():
        errors["name"] = [_("A category with this name already exists.")]
    if parent is not None and category.pk:
        # A category cannot move below itself.
        node: ArticleCategory | None = parent
        while node is not None:
            if node.pk == category.pk:
                errors["parent"] = [_("A category cannot be placed inside itself.")]
                break
            node = node.parent
    if order < 0:
        errors["order"] = [_("Enter a number of zero or more.")]
    if errors:
        raise ValidationError(errors)
    renamed = category.pk is not None and category.name != name
    category.name, category.parent, category.order = name, parent, order
    category.save()
    if renamed:
        for article in Article.objects.published().filter(category=category):
            reindex(article)
    return category


@transaction.atomic
def delete_category(category: ArticleCategory) -> None:
    articles = list(Article.objects.published().filter(category=category))
    category.delete()
    for article in articles:
        reindex(article)


# --- Canned responses -----------------------------------------------------------------------

CANNED_FIELDS = ("title", "body", "language", "category", "is_shared", "is_active")


@transaction.atomic
def save_canned_response(response: CannedResponse | None, *, user, **data: Any) -> CannedResponse:
    """Create or change a canned response; its text may use only known placeholders."""
    unknown_fields = set(data) - set(CANNED_FIELDS)
    if unknown_fields:
        raise TypeError(f"Unknown canned response fields: {', '.join(sorted(unknown_fields))}")
    if response is None:
        response = CannedResponse(owner=user)
        for field in ("title", "body"):
            data.setdefault(field, "")
    errors: dict[str, list[str]] = {}
    if "title" in data:
        response.title = _required_text(
            data["title"], "title", errors, multiline=False, limit=TITLE_MAX
        )
    if "body" in data:
        response.body = _required_text(data["body"], "body", errors, multiline=True, limit=BODY_MAX)
        unknown = placeholders.unknown_placeholders(response.body)
        if unknown and "body" not in errors:
            errors["body"] = [
                _("Unknown placeholder: %(names)s. Use one of: %(known)s.")
                % {
                    "names": ", ".join("{{" + name + "}}" for name in unknown),
                    "known": ", ".join("{{" + name + "}}" for name in placeholders.PLACEHOLDERS),
                }
            ]
    if "language" in data:
        response.language = _choice(data["language"], Language, "language", errors)
    if "category" in data:
        response.category = data["category"]
    for flag in ("is_shared", "is_active"):
        if flag in data:
            setattr(response, flag, bool(data[flag]))
    if errors:
        raise ValidationError(errors)
    response.save()
    return response


def delete_canned_response(response: CannedResponse) -> None:
    try:
        with transaction.atomic():
            response.delete()
    except ProtectedError as exc:
        raise ValidationError(
            _(
                "This response was used on tickets, so it is kept for their history; "
                "make it inactive instead."
            )
        ) from exc
