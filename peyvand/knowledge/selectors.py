"""Reads: article lists, article search (for the knowledge pages, the ticket page and the customer
portal), categories and canned responses."""

from __future__ import annotations

from collections.abc import Iterable

from django.db import connections, router
from django.db.models import BooleanField, Q, QuerySet
from django.db.models.expressions import RawSQL

from peyvand.core.persian import normalize_text
from peyvand.search import selectors as search_selectors
from peyvand.search.models import SearchEntry

from .models import (
    ARTICLE_KIND,
    Article,
    ArticleCategory,
    ArticleStatus,
    CannedResponse,
    Language,
    Visibility,
)

LIST_ORDER = ["-updated_at", "-id"]
LIST_COLUMNS = (
    "id",
    "title",
    "language",
    "status",
    "visibility",
    "updated_at",
    "view_count",
    "helpful_count",
    "not_helpful_count",
    "category__id",
    "category__name",
    "author__id",
    "author__first_name",
    "author__last_name",
    "author__username",
)
SEARCH_COLUMNS = (
    "id",
    "title",
    "body",
    "language",
    "status",
    "visibility",
    "updated_at",
    "category__id",
    "category__name",
)
DEFAULT_SEARCH_LIMIT = 20
MAX_SEARCH_LIMIT = 100


# --- Categories -----------------------------------------------------------------------------


def category_tree() -> list[tuple[ArticleCategory, int]]:
    """Every category with its depth, parents before their children (one query)."""
    categories = list(ArticleCategory.objects.all())
    children: dict[int | None, list[ArticleCategory]] = {}
    known = {c.pk for c in categories}
    for category in categories:
        parent = category.parent_id if category.parent_id in known else None
        children.setdefault(parent, []).append(category)
    tree: list[tuple[ArticleCategory, int]] = []
    seen: set[int] = set()

    def walk(parent: int | None, depth: int) -> None:
        for category in children.get(parent, []):
            if category.pk in seen:  # a cycle left by hand in the admin
                continue
            seen.add(category.pk)
            tree.append((category, depth))
            walk(category.pk, depth + 1)

    walk(None, 0)
    return tree


def category_with_descendants(category_id: int) -> list[int]:
    """The category and every category below it (choosing "Billing" lists its sub-shelves)."""
    pairs = list(ArticleCategory.objects.values_list("id", "parent_id"))
    below: dict[int, list[int]] = {}
    for pk, parent in pairs:
        if parent is not None:
            below.setdefault(parent, []).append(pk)
    found, stack = [], [category_id]
    while stack:
        current = stack.pop()
        if current in found:
            continue
        found.append(current)
        stack.extend(below.get(current, []))
    return found


# --- Articles -------------------------------------------------------------------------------


def article_list(
    user,
    *,
    category: int | None = None,
    status: str = "",
    language: str = "",
    visibility: str = "",
) -> QuerySet:
    """The articles `user` may see, newest change first (paginate with LIST_ORDER)."""
    qs = Article.objects.visible_to(user).select_related("category", "author").only(*LIST_COLUMNS)
    if category:
        qs = qs.filter(category_id__in=category_with_descendants(category))
    if status in ArticleStatus.values:
        qs = qs.filter(status=status)
    if language in Language.values:
        qs = qs.filter(language=language)
    if visibility in Visibility.values:
        qs = qs.filter(visibility=visibility)
    return qs


def searchable_articles(
    *,
    language: str | None = None,
    public_only: bool = False,
    category: int | None = None,
) -> QuerySet:
    """The articles a search may return: always published only."""
    qs = Article.objects.published()
    if public_only:
        qs = qs.filter(visibility=Visibility.PUBLIC)
    if language:
        qs = qs.filter(language=language)
    if category:
        qs = qs.filter(category_id__in=category_with_descendants(category))
    return qs


def search_articles(
    query: str | None,
    *,
    language: str | None = None,
    public_only: bool = False,
    category: int | None = None,
    limit: int = DEFAULT_SEARCH_LIMIT,
) -> list[Article]:
    """Published articles matching `query`, best first, with the global search's matching.

    Persian letter variants (ي/ی, ك/ک), ZWNJ ("می‌شود" = "میشود" = "می شود"), digit scripts
    (۱۴۰۳ = 1403) and case are equivalent; every word must prefix-match a word of the title,
    body, tags or category; titles rank first (see search.selectors). `public_only` keeps what
    customers may read (the portal). Two queries whatever the size of the knowledge base.
    Callers check permissions: staff pages need knowledge.view; the portal passes public_only.
    """
    terms = search_selectors.parse_query(query)
    if not terms:
        return []
    limit = max(1, min(int(limit), MAX_SEARCH_LIMIT))
    articles = searchable_articles(language=language, public_only=public_only, category=category)
    ids = _ranked_article_ids(terms, articles, limit)
    if not ids:
        return []
    found = (
        Article.objects.filter(pk__in=ids).select_related("category").only(*SEARCH_COLUMNS)
    ).in_bulk()
    return [found[pk] for pk in ids if pk in found]


def _entries(terms, articles: QuerySet, vendor: str, *, prefix: bool) -> QuerySet:
    entries = SearchEntry.objects.filter(kind=ARTICLE_KIND, object_id__in=articles.values("pk"))
    if vendor == "postgresql":
        expression = search_selectors._tsquery_expression(terms, prefix=prefix)
        match = RawSQL(
            f"{search_selectors.PG_VECTOR} @@ %s::tsquery",
            [expression],
            output_field=BooleanField(),
        )
        entries = entries.alias(fts_match=match).filter(fts_match=True)
    elif vendor == "sqlite":
        expression = search_selectors._fts5_expression(terms, prefix=prefix)
        entries = entries.filter(
            pk__in=RawSQL("SELECT rowid FROM search_fts WHERE search_fts MATCH %s", [expression])
        )
    else:  # pragma: no cover - Peyvand supports SQLite and PostgreSQL only
        raise NotImplementedError(f"Search is not implemented for {vendor}.")
    return entries.values("id", "kind", "object_id", "title", "subtitle", "url", "terms")[
        : search_selectors.CANDIDATE_LIMIT
    ]


def _ranked_article_ids(terms, articles: QuerySet, limit: int) -> list[int]:
    connection = connections[router.db_for_read(SearchEntry)]
    vendor = connection.vendor
    exact = _entries(terms, articles, vendor, prefix=False)
    prefix = _entries(terms, articles, vendor, prefix=True)
    exact_sql, exact_params = exact.query.sql_with_params()
    prefix_sql, prefix_params = prefix.query.sql_with_params()
    position = "strpos" if vendor == "postgresql" else "instr"
    ranking, ranking_params = search_selectors._ranking(terms, position)
    # Exact matches are candidates even when a prefix matches more than CANDIDATE_LIMIT.
    sql = f"""
        SELECT c.object_id FROM (
            SELECT * FROM ({exact_sql}) exact_matches
            UNION
            SELECT * FROM ({prefix_sql}) prefix_matches
        ) c
        ORDER BY {ranking}
        LIMIT %s
    """
    with connection.cursor() as cursor:
        cursor.execute(sql, [*exact_params, *prefix_params, *ranking_params, limit])
        return [row[0] for row in cursor.fetchall()]


def translation_of(article: Article) -> Article | None:
    if not article.translation_id:
        return None
    return Article.objects.filter(pk=article.translation_id).only("id", "title", "language").first()


def related_articles(article: Article, *, public_only: bool = False, limit: int = 5) -> list:
    """Other published articles of the same category and language."""
    if not article.category_id:
        return []
    qs = (
        Article.objects.published()
        .filter(category_id=article.category_id, language=article.language)
        .exclude(pk=article.pk)
        .only("id", "title", "language")
        .order_by("-helpful_count", "-view_count", "-id")
    )
    if public_only:
        qs = qs.filter(visibility=Visibility.PUBLIC)
    return list(qs[:limit])


def public_article(pk: int) -> Article | None:
    """One article a customer may read (the portal), or None."""
    return Article.objects.public().select_related("category").filter(pk=pk).first()


def public_articles(*, language: str | None = None, category: int | None = None) -> QuerySet:
    """Customers' list of articles (paginate with LIST_ORDER)."""
    return searchable_articles(language=language, public_only=True, category=category)


# --- Canned responses -----------------------------------------------------------------------


def canned_responses_for(
    user,
    *,
    language: str = "",
    category: int | None = None,
    q: str = "",
    include_retired: bool = False,
) -> QuerySet:
    """Shared responses and `user`'s own, by title."""
    qs = CannedResponse.objects.visible_to(user).select_related("category", "owner")
    if not include_retired:
        qs = qs.filter(is_active=True)
    if language in Language.values:
        qs = qs.filter(language=language)
    if category:
        qs = qs.filter(category_id__in=category_with_descendants(category))
    # A few dozen responses per agent: a substring match over the stored (normalised) text.
    for word in normalize_text(q).split()[:8]:
        qs = qs.filter(Q(title__icontains=word) | Q(body__icontains=word))
    return qs.order_by("title", "id")


def usable_by(user, ids: Iterable[int]) -> QuerySet:
    return CannedResponse.objects.visible_to(user).active().filter(pk__in=list(ids))
