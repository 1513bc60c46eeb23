"""On PostgreSQL, the log tables refuse UPDATE, DELETE and TRUNCATE.

Row-level BEFORE UPDATE OR DELETE triggers and statement-level BEFORE
TRUNCATE triggers on record_entry, record_checkpoint and record_node raise an
error. The one exception: TRUNCATE in a database whose name starts with
"test_", the throw-away databases Django's test runner creates and empties
between tests (TransactionTestCase flushes them with TRUNCATE). Name a
production database otherwise.

record_treestate (the size and right edge of each tree) is updated by every
append and is not protected: it is derived from the protected tables and
`asamblea record verify` recomputes it. The table owner or a superuser can
still drop these triggers; they stop the application and mistakes, not the
database's administrator, whom the signed checkpoints and the copies others
hold keep honest.

On other databases (SQLite) this migration does nothing; the verifier catches
any change there.
"""

from django.db import migrations

TABLES = ("record_entry", "record_checkpoint", "record_node")

FUNCTION = r"""
CREATE OR REPLACE FUNCTION record_refuse_change() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'TRUNCATE' AND current_database() LIKE 'test\_%' THEN
        RETURN NULL;
    END IF;
    RAISE EXCEPTION 'the public record is append-only: % on % is refused', TG_OP, TG_TABLE_NAME
        USING ERRCODE = 'integrity_constraint_violation',
              HINT = 'Entries, checkpoints and tree nodes are never changed or removed.';
END
$$;
"""


def trigger_statements(table):
    """The two CREATE TRIGGER statements that make `table` append-only."""
    return [
        f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
        "FOR EACH ROW EXECUTE FUNCTION record_refuse_change()",
        f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
        "FOR EACH STATEMENT EXECUTE FUNCTION record_refuse_change()",
    ]


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    # No parameters: the % signs of the function body are not placeholders.
    schema_editor.execute(FUNCTION, params=None)
    for table in TABLES:
        for statement in trigger_statements(table):
            schema_editor.execute(statement)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for table in TABLES:
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}")
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_no_truncate ON {table}")
    schema_editor.execute("DROP FUNCTION IF EXISTS record_refuse_change()")


class Migration(migrations.Migration):

    dependencies = [
        ("record", "0003_build_tree_state"),
    ]

    operations = [
        migrations.RunPython(forwards, backwards),
    ]
