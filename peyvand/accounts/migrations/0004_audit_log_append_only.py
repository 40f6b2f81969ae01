"""Database triggers that make the audit log (auditlog_logentry) append-only: UPDATE and DELETE of
an entry are refused, except where a permit row in accounts_auditpermit allows it inside the same
transaction (see peyvand.accounts.audit for why and who writes permits).

- UPDATE: the entry's identity (id, object, action, time, address, cid, actor e-mail) never changes;
  `actor_id` may only become NULL (deleting a user sets it NULL); the personal-data columns
  (object_repr, serialized_data, changes_text, changes, additional_data) change only with a permit
  for that entry id.
- DELETE (and TRUNCATE on PostgreSQL): only with the PURGE_ALL permit (0), which `manage.py flush`
  takes.

On SQLite a later migration that rebuilds auditlog_logentry (an ALTER TABLE Django emulates by
copying the table) drops these triggers with the old table; it must run SQLITE again."""

from django.db import migrations

MESSAGE = "audit log entries are append-only"
FIXED = (
    "id",
    "content_type_id",
    "object_pk",
    "object_id",
    "action",
    "cid",
    "remote_addr",
    "remote_port",
    "timestamp",
    "actor_email",
)
LINKS = ("actor_id",)
REDACTABLE = ("object_repr", "serialized_data", "changes_text", "changes", "additional_data")
PERMIT_FOR_OLD = "EXISTS (SELECT 1 FROM accounts_auditpermit WHERE entry_id = OLD.id)"
PURGE = "EXISTS (SELECT 1 FROM accounts_auditpermit WHERE entry_id = 0)"


def _sqlite_changed(columns, links=()) -> str:
    parts = [f"NEW.{c} IS NOT OLD.{c}" for c in columns]
    parts += [f"(NEW.{c} IS NOT NULL AND NEW.{c} IS NOT OLD.{c})" for c in links]
    return " OR ".join(parts)


def _pg_changed(columns, links=()) -> str:
    parts = [f"NEW.{c} IS DISTINCT FROM OLD.{c}" for c in columns]
    parts += [f"(NEW.{c} IS NOT NULL AND NEW.{c} IS DISTINCT FROM OLD.{c})" for c in links]
    return " OR ".join(parts)


PERMIT_TABLE = "CREATE TABLE accounts_auditpermit (entry_id bigint NOT NULL PRIMARY KEY)"

SQLITE = [
    PERMIT_TABLE,
    f"""CREATE TRIGGER accounts_audit_append_only_update
    BEFORE UPDATE ON auditlog_logentry
    WHEN ({_sqlite_changed(FIXED, LINKS)})
      OR (({_sqlite_changed(REDACTABLE)}) AND NOT {PERMIT_FOR_OLD})
    BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END""",
    f"""CREATE TRIGGER accounts_audit_append_only_delete
    BEFORE DELETE ON auditlog_logentry WHEN NOT {PURGE}
    BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END""",
]
SQLITE_DROP = [
    "DROP TRIGGER IF EXISTS accounts_audit_append_only_update",
    "DROP TRIGGER IF EXISTS accounts_audit_append_only_delete",
    "DROP TABLE IF EXISTS accounts_auditpermit",
]

POSTGRES = [
    PERMIT_TABLE,
    f"""CREATE FUNCTION accounts_audit_append_only() RETURNS trigger AS $$
    BEGIN
      IF TG_OP = 'UPDATE' THEN
        IF ({_pg_changed(FIXED, LINKS)})
           OR (({_pg_changed(REDACTABLE)}) AND NOT {PERMIT_FOR_OLD}) THEN
          RAISE EXCEPTION '{MESSAGE}' USING ERRCODE = 'integrity_constraint_violation';
        END IF;
        RETURN NEW;
      END IF;
      IF NOT {PURGE} THEN
        RAISE EXCEPTION '{MESSAGE}' USING ERRCODE = 'integrity_constraint_violation';
      END IF;
      IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
      RETURN NULL;
    END $$ LANGUAGE plpgsql""",
    """CREATE TRIGGER accounts_audit_append_only BEFORE UPDATE OR DELETE ON auditlog_logentry
    FOR EACH ROW EXECUTE FUNCTION accounts_audit_append_only()""",
    """CREATE TRIGGER accounts_audit_no_truncate BEFORE TRUNCATE ON auditlog_logentry
    FOR EACH STATEMENT EXECUTE FUNCTION accounts_audit_append_only()""",
]
POSTGRES_DROP = [
    "DROP TRIGGER IF EXISTS accounts_audit_no_truncate ON auditlog_logentry",
    "DROP TRIGGER IF EXISTS accounts_audit_append_only ON auditlog_logentry",
    "DROP FUNCTION IF EXISTS accounts_audit_append_only()",
    "DROP TABLE IF EXISTS accounts_auditpermit",
]


def _run(statements):
    def run(apps, schema_editor):
        vendor = schema_editor.connection.vendor
        chosen = statements.get(vendor)
        if chosen is None:
            raise RuntimeError(f"No audit log triggers for the {vendor} database.")
        for sql in chosen:
            schema_editor.execute(sql)

    return run


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0003_user_time_zone"),
        ("auditlog", "0017_add_actor_email"),
    ]
    operations = [
        migrations.RunPython(
            _run({"sqlite": SQLITE, "postgresql": POSTGRES}),
            _run({"sqlite": SQLITE_DROP, "postgresql": POSTGRES_DROP}),
        )
    ]
