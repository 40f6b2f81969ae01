"""What the knowledge base adds to the shared registries: the "article" search kind."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _


def register() -> None:
    from peyvand.search.registry import register_indexer, register_kind

    from . import search_index
    from .models import ARTICLE_KIND, KNOWLEDGE

    register_kind(ARTICLE_KIND, module=KNOWLEDGE, label=_("Article"))
    register_indexer(
        ARTICLE_KIND,
        queryset=search_index.articles_to_index,
        document=search_index.article_document,
    )
