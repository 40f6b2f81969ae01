"""How articles appear in, and are found by, the global search (kind "article").

Only published articles are in the index: drafts and archived articles are never found, by staff
in the search box, by agents on a ticket, or by customers in the portal."""

from __future__ import annotations

from django.db.models import QuerySet

from peyvand.search.services import SearchDocument

from .markup import plain_text
from .models import Article, ArticleStatus


def article_document(article: Article) -> SearchDocument:
    category = article.category.name if article.category_id else ""
    tags = [tag.name for tag in article.tags.all()]
    subtitle = " · ".join(part for part in (category, article.get_language_display()) if part)
    return SearchDocument(
        title=article.title,
        subtitle=subtitle,
        url=article.get_absolute_url(),
        texts=[*tags, category, plain_text(article.body)],
    )


def articles_to_index() -> QuerySet:
    return (
        Article.objects.filter(status=ArticleStatus.PUBLISHED)
        .select_related("category")
        .prefetch_related("tags")
        .order_by("pk")
    )
