"""Reading the global search index: `search(user, query)` returns ranked, visible hits.

    from peyvand.search.selectors import search
    hits = search(request.user, "علی ۹۳۸۲", kinds=["contact"], limit=20)
    # [SearchHit(kind="contact", object_id=7, title=..., subtitle=..., url=..., kind_label=...)]

Matching. The query is cut into tokens with core.persian.search_query_tokens (Persian letter
variants, ZWNJ, digit scripts and case folded exactly as the index was), and every token must
prefix-match a token of the record ("علی رض" finds "علی رضایی"). A token of digits also matches
the end of a phone number ("۹۳۸۲" finds +989121269382) through the reversed-digits token written
by services.build_terms; a query that is only a phone number ("0912 126 9382", "+98 912...",
"0098...") is read as one number, which the stored variants (98912..., 0912..., 0098912..., 912...)
match however it starts.

Ranking. Records matching more query words exactly come first ("علی" ranks "علی رضایی" above
"علیرضا ..."), then records whose match comes earlier (the title's words are stored first),
then shorter records, then newer ones.

Visibility. Only kinds registered with registry.register_kind whose module the user may VIEW
are searched, and within them only the records the module's sharing rule lets the user see
(accounts.permissions.visible_filter over the entry's owner_id/team_id). Matching, visibility
and ranking are one SQL statement.

Cost. The full-text index (FTS5 on SQLite, GIN on PostgreSQL) finds the matches; at most
CANDIDATE_LIMIT visible records matching every word exactly, plus as many matching them as
prefixes, are ranked, so a one-letter query over a million records costs about what a precise
one does. A query matching more than that is too broad to rank exhaustively (exact matches
still come first); typing one more letter narrows it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import reduce
from operator import or_

from django.core.exceptions import EmptyResultSet, FullResultSet
from django.db import connections, router
from django.db.models import Q

from peyvand.accounts.permissions import VIEW, has_perm, visible_filter
from peyvand.core.persian import INVISIBLE_RE, search_query_tokens, to_latin_digits

from . import registry
from .models import SearchEntry
from .services import reversed_phone_token

DEFAULT_LIMIT = 20
MAX_LIMIT = 100
MAX_QUERY_LENGTH = 200
MAX_TOKENS = 8
MAX_TOKEN_LENGTH = 100
# Digits shorter than this are too ambiguous to look for at the end of phone numbers.
MIN_SUFFIX_DIGITS = 3
# How many visible matches are ranked at most (see "Cost" above).
CANDIDATE_LIMIT = 1000

# PostgreSQL's stored tsvector of `terms`, GIN-indexed (migrations/0002_full_text_index.py).
PG_VECTOR = '"search_searchentry"."search_vector"'

_PHONE_QUERY = re.compile(r"[\d\s+\-().]*\d[\d\s+\-().]*")
_PHONE_TOKEN = re.compile(r"\+?\d[\d\-]*")
_NON_DIGITS = re.compile(r"\D")


@dataclass(frozen=True)
class SearchHit:
    kind: str
    object_id: int
    title: str
    subtitle: str
    url: str
    kind_label: str


@dataclass(frozen=True)
class QueryTerm:
    """One query word: a record matches if one of its tokens starts with any alternative."""

    alternatives: tuple[str, ...]

    @property
    def word(self) -> str:
        return self.alternatives[0]


def _digit_term(digits: str) -> QueryTerm:
    alternatives = [digits]
    if len(digits) >= MIN_SUFFIX_DIGITS:
        alternatives.append(reversed_phone_token(digits))
    return QueryTerm(tuple(alternatives))


def parse_query(query: str | None) -> list[QueryTerm]:
    """The words of a search query, normalised as the index is; [] for a blank query."""
    text = to_latin_digits(INVISIBLE_RE.sub("", query or ""))[:MAX_QUERY_LENGTH].strip()
    if not text:
        return []
    if _PHONE_QUERY.fullmatch(text):
        # "0912 126 9382" or "+98 (912) 126-9382": one number, however it was grouped.
        return [_digit_term(_NON_DIGITS.sub("", text))]
    terms = []
    for token in search_query_tokens(text)[:MAX_TOKENS]:
        if _PHONE_TOKEN.fullmatch(token):
            terms.append(_digit_term(_NON_DIGITS.sub("", token)))
        else:
            terms.append(QueryTerm((token[:MAX_TOKEN_LENGTH],)))
    return terms


def _fts5_expression(terms: list[QueryTerm], *, prefix: bool = True) -> str:
    """'("9382"* OR "r2839"*) AND "علی"*': each word a quoted (prefix) phrase, all required.

    AND is explicit: FTS5's implicit AND does not accept a parenthesised group."""

    def phrase(token: str) -> str:
        return '"' + token.replace('"', '""') + ('"*' if prefix else '"')

    groups = []
    for term in terms:
        phrases = [phrase(token) for token in term.alternatives]
        groups.append(phrases[0] if len(phrases) == 1 else "(" + " OR ".join(phrases) + ")")
    return " AND ".join(groups)


def _tsquery_expression(terms: list[QueryTerm], *, prefix: bool = True) -> str:
    """ "('9382':* | 'r2839':*) & 'علی':*" in tsquery input syntax (lexemes taken verbatim)."""

    def lexeme(token: str) -> str:
        return "'" + token.replace("\\", "\\\\").replace("'", "''") + ("':*" if prefix else "'")

    groups = []
    for term in terms:
        lexemes = [lexeme(token) for token in term.alternatives]
        groups.append(lexemes[0] if len(lexemes) == 1 else "(" + " | ".join(lexemes) + ")")
    return " & ".join(groups)


def searchable_kinds(user, kinds: Iterable[str] | None = None) -> list[registry.SearchKind]:
    """Registered kinds (all, or those named) whose module `user` may view."""
    wanted = set(kinds) if kinds is not None else None
    return [
        kind
        for kind in registry.kinds()
        if (wanted is None or kind.kind in wanted) and has_perm(user, kind.module, VIEW)
    ]


def _visibility_sql(user, kinds: list[registry.SearchKind], connection) -> tuple[str, list]:
    by_module: dict[str, list[str]] = {}
    for kind in kinds:
        by_module.setdefault(kind.module, []).append(kind.kind)
    condition = reduce(
        or_,
        (
            Q(kind__in=codes) & visible_filter(user, module, owner_field="owner", team_field="team")
            for module, codes in by_module.items()
        ),
    )
    query = SearchEntry.objects.filter(condition).query
    compiler = query.get_compiler(connection=connection)
    try:
        sql, params = compiler.compile(query.where)
    except FullResultSet:
        return "1 = 1", []
    return sql, list(params)


def search(
    user, query: str | None, *, kinds: Iterable[str] | None = None, limit: int = DEFAULT_LIMIT
) -> list[SearchHit]:
    """Ranked hits for `query` among the records `user` may see (one SQL query)."""
    terms = parse_query(query)
    if not terms or user is None or not user.is_authenticated:
        return []
    allowed = searchable_kinds(user, kinds)
    if not allowed:
        return []
    limit = max(1, min(int(limit), MAX_LIMIT))
    connection = connections[router.db_for_read(SearchEntry)]
    try:
        visibility, visibility_params = _visibility_sql(user, allowed, connection)
    except EmptyResultSet:
        return []

    if connection.vendor == "postgresql":
        rows = _search_postgresql(connection, terms, visibility, visibility_params, limit)
    elif connection.vendor == "sqlite":
        rows = _search_sqlite(connection, terms, visibility, visibility_params, limit)
    else:  # pragma: no cover - Peyvand supports SQLite and PostgreSQL only
        raise NotImplementedError(f"Search is not implemented for {connection.vendor}.")

    labels = {kind.kind: str(kind.label) for kind in allowed}
    return [
        SearchHit(kind, object_id, title, subtitle, url, labels[kind])
        for kind, object_id, title, subtitle, url in rows
    ]


def _ranking(terms: list[QueryTerm], position_function: str) -> tuple[str, list]:
    """ORDER BY over the candidates `c`: exact words, earliest match, shortest, newest."""
    exact = " + ".join(
        f"CASE WHEN {position_function}(' ' || c.terms || ' ', %s) > 0 THEN 1 ELSE 0 END"
        for _ in terms
    )
    exact_params = [f" {term.word} " for term in terms]
    first = f"{position_function}(' ' || c.terms, %s)"
    position = f"CASE WHEN {first} = 0 THEN length(c.terms) + 1 ELSE {first} END"
    first_word = " " + terms[0].word
    sql = f"({exact}) DESC, {position} ASC, length(c.terms) ASC, c.id DESC"
    return sql, [*exact_params, first_word, first_word]


_COLUMNS = """
    "search_searchentry"."id", "search_searchentry"."kind", "search_searchentry"."object_id",
    "search_searchentry"."title", "search_searchentry"."subtitle", "search_searchentry"."url",
    "search_searchentry"."terms"
"""


def _ranked(candidates: str, terms: list[QueryTerm], position_function: str) -> tuple[str, list]:
    ranking, params = _ranking(terms, position_function)
    sql = f"""
        SELECT c.kind, c.object_id, c.title, c.subtitle, c.url FROM ({candidates}) c
        ORDER BY {ranking}
        LIMIT %s
    """
    return sql, params


def _run(connection, sql: str, params: list) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


# Candidates are the visible records matching every word exactly, plus those matching every
# word as a prefix: when a prefix matches more than CANDIDATE_LIMIT records ("محمد" among
# thousands of "محمدی"), the exact matches are still among those ranked.


def _search_sqlite(connection, terms, visibility, visibility_params, limit) -> list[tuple]:
    matching = f"""
        SELECT * FROM (
            SELECT {_COLUMNS}
            FROM search_fts
            JOIN "search_searchentry" ON "search_searchentry"."id" = search_fts.rowid
            WHERE search_fts MATCH %s AND ({visibility})
            LIMIT %s
        )
    """
    sql, ranking_params = _ranked(f"{matching} UNION {matching}", terms, "instr")
    params = [
        _fts5_expression(terms, prefix=False),
        *visibility_params,
        CANDIDATE_LIMIT,
        _fts5_expression(terms),
        *visibility_params,
        CANDIDATE_LIMIT,
        *ranking_params,
        limit,
    ]
    return _run(connection, sql, params)


def _search_postgresql(connection, terms, visibility, visibility_params, limit) -> list[tuple]:
    matching = f"""
        (SELECT {_COLUMNS}
         FROM "search_searchentry"
         WHERE {PG_VECTOR} @@ %s::tsquery AND ({visibility})
         LIMIT %s)
    """
    sql, ranking_params = _ranked(f"{matching} UNION {matching}", terms, "strpos")
    params = [
        _tsquery_expression(terms, prefix=False),
        *visibility_params,
        CANDIDATE_LIMIT,
        _tsquery_expression(terms),
        *visibility_params,
        CANDIDATE_LIMIT,
        *ranking_params,
        limit,
    ]
    return _run(connection, sql, params)
