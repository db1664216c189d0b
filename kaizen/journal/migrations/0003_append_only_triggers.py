"""Make the journal append-only in the database itself, and stamp PostgreSQL transaction ids.

The only way past the triggers is a deliberate database-level purge permit that no
application code path grants: on PostgreSQL the session setting `kaizen.journal_purge = on`,
on SQLite a row in `journal_purge_permit`. The test suite grants it just before Django flushes
the tables between transactional tests (see kaizen/conftest.py).
"""

from django.db import migrations

SQLITE_FORWARD = [
    "CREATE TABLE journal_purge_permit (granted INTEGER NOT NULL)",
    """CREATE TRIGGER journal_event_no_update BEFORE UPDATE ON journal_journalevent
       WHEN NOT EXISTS (SELECT 1 FROM journal_purge_permit)
       BEGIN SELECT RAISE(ABORT, 'journal events are append-only'); END""",
    """CREATE TRIGGER journal_event_no_delete BEFORE DELETE ON journal_journalevent
       WHEN NOT EXISTS (SELECT 1 FROM journal_purge_permit)
       BEGIN SELECT RAISE(ABORT, 'journal events are append-only'); END""",
]
SQLITE_BACKWARD = [
    "DROP TRIGGER IF EXISTS journal_event_no_update",
    "DROP TRIGGER IF EXISTS journal_event_no_delete",
    "DROP TABLE IF EXISTS journal_purge_permit",
]

POSTGRES_FORWARD = [
    """CREATE FUNCTION journal_event_refuse_change() RETURNS trigger AS $$
       BEGIN
         IF current_setting('kaizen.journal_purge', true) = 'on' THEN
           RETURN COALESCE(NEW, OLD);
         END IF;
         RAISE EXCEPTION 'journal events are append-only';
       END; $$ LANGUAGE plpgsql""",
    """CREATE TRIGGER journal_event_no_change BEFORE UPDATE OR DELETE ON journal_journalevent
       FOR EACH ROW EXECUTE FUNCTION journal_event_refuse_change()""",
    """CREATE TRIGGER journal_event_no_truncate BEFORE TRUNCATE ON journal_journalevent
       FOR EACH STATEMENT EXECUTE FUNCTION journal_event_refuse_change()""",
    """CREATE FUNCTION journal_event_stamp_txid() RETURNS trigger AS $$
       BEGIN NEW.txid := pg_current_xact_id()::text::bigint; RETURN NEW; END; $$
       LANGUAGE plpgsql""",
    """CREATE TRIGGER journal_event_txid BEFORE INSERT ON journal_journalevent
       FOR EACH ROW EXECUTE FUNCTION journal_event_stamp_txid()""",
]
POSTGRES_BACKWARD = [
    "DROP TRIGGER IF EXISTS journal_event_txid ON journal_journalevent",
    "DROP FUNCTION IF EXISTS journal_event_stamp_txid()",
    "DROP TRIGGER IF EXISTS journal_event_no_truncate ON journal_journalevent",
    "DROP TRIGGER IF EXISTS journal_event_no_change ON journal_journalevent",
    "DROP FUNCTION IF EXISTS journal_event_refuse_change()",
]


def forward(apps, schema_editor):
    statements = {"sqlite": SQLITE_FORWARD, "postgresql": POSTGRES_FORWARD}.get(
        schema_editor.connection.vendor, []
    )
    for statement in statements:
        schema_editor.execute(statement)


def backward(apps, schema_editor):
    statements = {"sqlite": SQLITE_BACKWARD, "postgresql": POSTGRES_BACKWARD}.get(
        schema_editor.connection.vendor, []
    )
    for statement in statements:
        schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [("journal", "0002_initial")]
    operations = [migrations.RunPython(forward, backward)]
