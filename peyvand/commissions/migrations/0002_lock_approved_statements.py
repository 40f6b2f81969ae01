"""Database triggers that keep approved commission statements, their lines and the adjustments
paid on them unchangeable, whatever code (or person with a SQL prompt) tries.

Only links may be cleared (a deleted deal, order or team nulls its reference); amounts, rates,
descriptions and status never change once a statement is approved."""

from django.db import migrations

MESSAGE = "approved commission statements are locked"

# Columns of a line that may go from a value to NULL on an approved statement (ON DELETE SET NULL).
LINE_LINKS = ("deal_id", "order_id")
LINE_FIXED = (
    "statement_id",
    "kind",
    "adjustment_id",
    "description",
    "category",
    "date",
    "base_amount",
    "rate",
    "tier_from",
    "commission",
    "position",
)
STATEMENT_FIXED = (
    "user_id",
    "plan_id",
    "status",
    "currency",
    "calendar",
    "period_kind",
    "period_start",
    "period_end",
    "target",
    "sales",
    "base_total",
    "commission_total",
    "adjustment_total",
    "total",
    "computed_at",
    "reviewed_by_id",
    "reviewed_at",
    "approved_by_id",
    "approved_at",
)
ADJUSTMENT_FIXED = ("user_id", "corrects_id", "applied_to_id", "amount", "reason")


def _changed(columns, links=()) -> str:
    parts = [f"NEW.{c} IS DISTINCT FROM OLD.{c}" for c in columns]
    parts += [f"(NEW.{c} IS NOT NULL AND NEW.{c} IS DISTINCT FROM OLD.{c})" for c in links]
    return " OR ".join(parts)


def _sqlite_changed(columns, links=()) -> str:
    parts = [f"NEW.{c} IS NOT OLD.{c}" for c in columns]
    parts += [f"(NEW.{c} IS NOT NULL AND NEW.{c} IS NOT OLD.{c})" for c in links]
    return " OR ".join(parts)


APPROVED_STATEMENT = (
    "(SELECT status FROM commissions_commissionstatement WHERE id = {ref}) = 'approved'"
)

SQLITE = [
    f"""CREATE TRIGGER commissions_statement_locked_update
    BEFORE UPDATE ON commissions_commissionstatement
    WHEN OLD.status = 'approved' AND ({_sqlite_changed(STATEMENT_FIXED)})
    BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END""",
    f"""CREATE TRIGGER commissions_statement_locked_delete
    BEFORE DELETE ON commissions_commissionstatement WHEN OLD.status = 'approved'
    BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END""",
    f"""CREATE TRIGGER commissions_line_locked_insert
    BEFORE INSERT ON commissions_statementline
    WHEN {APPROVED_STATEMENT.format(ref="NEW.statement_id")}
    BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END""",
    f"""CREATE TRIGGER commissions_line_locked_update
    BEFORE UPDATE ON commissions_statementline
    WHEN {APPROVED_STATEMENT.format(ref="OLD.statement_id")}
      AND ({_sqlite_changed(LINE_FIXED, LINE_LINKS)})
    BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END""",
    f"""CREATE TRIGGER commissions_line_locked_delete
    BEFORE DELETE ON commissions_statementline
    WHEN {APPROVED_STATEMENT.format(ref="OLD.statement_id")}
    BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END""",
    f"""CREATE TRIGGER commissions_adjustment_locked_update
    BEFORE UPDATE ON commissions_adjustment
    WHEN {APPROVED_STATEMENT.format(ref="OLD.applied_to_id")}
      AND ({_sqlite_changed(ADJUSTMENT_FIXED)})
    BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END""",
    f"""CREATE TRIGGER commissions_adjustment_locked_delete
    BEFORE DELETE ON commissions_adjustment
    WHEN {APPROVED_STATEMENT.format(ref="OLD.applied_to_id")}
    BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END""",
]
SQLITE_DROP = [
    f"DROP TRIGGER IF EXISTS {name}"
    for name in (
        "commissions_statement_locked_update",
        "commissions_statement_locked_delete",
        "commissions_line_locked_insert",
        "commissions_line_locked_update",
        "commissions_line_locked_delete",
        "commissions_adjustment_locked_update",
        "commissions_adjustment_locked_delete",
    )
]

POSTGRES = [
    f"""CREATE FUNCTION commissions_statement_locked() RETURNS trigger AS $$
    BEGIN
      IF OLD.status = 'approved' AND (TG_OP = 'DELETE' OR {_changed(STATEMENT_FIXED)}) THEN
        RAISE EXCEPTION '{MESSAGE}' USING ERRCODE = 'integrity_constraint_violation';
      END IF;
      IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
      RETURN NEW;
    END $$ LANGUAGE plpgsql""",
    """CREATE TRIGGER commissions_statement_locked BEFORE UPDATE OR DELETE
    ON commissions_commissionstatement FOR EACH ROW EXECUTE FUNCTION commissions_statement_locked()""",
    f"""CREATE FUNCTION commissions_line_locked() RETURNS trigger AS $$
    BEGIN
      IF TG_OP = 'INSERT' THEN
        IF {APPROVED_STATEMENT.format(ref="NEW.statement_id")} THEN
          RAISE EXCEPTION '{MESSAGE}' USING ERRCODE = 'integrity_constraint_violation';
        END IF;
        RETURN NEW;
      END IF;
      IF {APPROVED_STATEMENT.format(ref="OLD.statement_id")} AND (TG_OP = 'DELETE'
          OR {_changed(LINE_FIXED, LINE_LINKS)}) THEN
        RAISE EXCEPTION '{MESSAGE}' USING ERRCODE = 'integrity_constraint_violation';
      END IF;
      IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
      RETURN NEW;
    END $$ LANGUAGE plpgsql""",
    """CREATE TRIGGER commissions_line_locked BEFORE INSERT OR UPDATE OR DELETE
    ON commissions_statementline FOR EACH ROW EXECUTE FUNCTION commissions_line_locked()""",
    f"""CREATE FUNCTION commissions_adjustment_locked() RETURNS trigger AS $$
    BEGIN
      IF OLD.applied_to_id IS NOT NULL AND {APPROVED_STATEMENT.format(ref="OLD.applied_to_id")}
         AND (TG_OP = 'DELETE' OR {_changed(ADJUSTMENT_FIXED)}) THEN
        RAISE EXCEPTION '{MESSAGE}' USING ERRCODE = 'integrity_constraint_violation';
      END IF;
      IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
      RETURN NEW;
    END $$ LANGUAGE plpgsql""",
    """CREATE TRIGGER commissions_adjustment_locked BEFORE UPDATE OR DELETE
    ON commissions_adjustment FOR EACH ROW EXECUTE FUNCTION commissions_adjustment_locked()""",
]
POSTGRES_DROP = [
    "DROP TRIGGER IF EXISTS commissions_statement_locked ON commissions_commissionstatement",
    "DROP TRIGGER IF EXISTS commissions_line_locked ON commissions_statementline",
    "DROP TRIGGER IF EXISTS commissions_adjustment_locked ON commissions_adjustment",
    "DROP FUNCTION IF EXISTS commissions_statement_locked()",
    "DROP FUNCTION IF EXISTS commissions_line_locked()",
    "DROP FUNCTION IF EXISTS commissions_adjustment_locked()",
]


def _run(statements):
    def run(apps, schema_editor):
        vendor = schema_editor.connection.vendor
        chosen = statements.get(vendor)
        if chosen is None:
            raise RuntimeError(f"No commission lock triggers for the {vendor} database.")
        for sql in chosen:
            schema_editor.execute(sql)

    return run


class Migration(migrations.Migration):
    dependencies = [("commissions", "0001_initial")]
    operations = [
        migrations.RunPython(
            _run({"sqlite": SQLITE, "postgresql": POSTGRES}),
            _run({"sqlite": SQLITE_DROP, "postgresql": POSTGRES_DROP}),
        )
    ]
