"""The full-text index over SearchEntry.terms, per database engine.

SQLite: an FTS5 external-content table `search_fts` (it stores only the index; the text stays
in search_searchentry) kept in step by triggers. The tokenizer keeps @ . + _ - inside tokens so
an e-mail address or "+98..." stays one token, exactly as services.build_terms wrote it.

PostgreSQL: a stored generated column `search_vector` holding the tokens verbatim
(array_to_tsvector: no text-search parser, which would split e-mails and hyphenated tokens
differently from SQLite), with a GIN index. Stored rather than an expression index because
rechecking and filtering rows would otherwise rebuild the vector for every row read (measured
at 1M entries: broad queries 3-10x slower). The column is not in the Django model: PostgreSQL
fills it, Django never reads or writes it.

NOTE: if a later migration makes Django's SQLite backend rebuild search_searchentry (most
ALTER TABLE changes do: new table, copy, drop, rename), the triggers are dropped with the old
table. Such a migration must run SQLITE_TRIGGERS again and then
"INSERT INTO search_fts(search_fts) VALUES ('rebuild')".
"""

from django.db import migrations

SQLITE_TABLE = """
CREATE VIRTUAL TABLE search_fts USING fts5(
    terms,
    content='search_searchentry',
    content_rowid='id',
    tokenize="unicode61 remove_diacritics 2 tokenchars '@.+_-'",
    prefix='2 3'
)
"""

SQLITE_TRIGGERS = [
    """
    CREATE TRIGGER search_fts_after_insert AFTER INSERT ON search_searchentry BEGIN
        INSERT INTO search_fts(rowid, terms) VALUES (new.id, new.terms);
    END
    """,
    """
    CREATE TRIGGER search_fts_after_delete AFTER DELETE ON search_searchentry BEGIN
        INSERT INTO search_fts(search_fts, rowid, terms) VALUES ('delete', old.id, old.terms);
    END
    """,
    """
    CREATE TRIGGER search_fts_after_update AFTER UPDATE OF id, terms ON search_searchentry BEGIN
        INSERT INTO search_fts(search_fts, rowid, terms) VALUES ('delete', old.id, old.terms);
        INSERT INTO search_fts(rowid, terms) VALUES (new.id, new.terms);
    END
    """,
]

SQLITE_DROP = [
    "DROP TRIGGER IF EXISTS search_fts_after_insert",
    "DROP TRIGGER IF EXISTS search_fts_after_delete",
    "DROP TRIGGER IF EXISTS search_fts_after_update",
    "DROP TABLE IF EXISTS search_fts",
]

POSTGRES_CREATE = [
    """
    ALTER TABLE search_searchentry ADD COLUMN search_vector tsvector
    GENERATED ALWAYS AS (array_to_tsvector(string_to_array(terms, ' '))) STORED
    """,
    "CREATE INDEX search_entry_vector_gin ON search_searchentry USING gin (search_vector)",
]
POSTGRES_DROP = [
    "DROP INDEX IF EXISTS search_entry_vector_gin",
    "ALTER TABLE search_searchentry DROP COLUMN IF EXISTS search_vector",
]


def create_index(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "sqlite":
        schema_editor.execute(SQLITE_TABLE)
        for sql in SQLITE_TRIGGERS:
            schema_editor.execute(sql)
        # Index entries written before this migration, if any.
        schema_editor.execute("INSERT INTO search_fts(search_fts) VALUES ('rebuild')")
    elif vendor == "postgresql":
        for sql in POSTGRES_CREATE:
            schema_editor.execute(sql)


def drop_index(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "sqlite":
        for sql in SQLITE_DROP:
            schema_editor.execute(sql)
    elif vendor == "postgresql":
        for sql in POSTGRES_DROP:
            schema_editor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [("search", "0001_initial")]

    operations = [migrations.RunPython(create_index, drop_index, elidable=False)]
