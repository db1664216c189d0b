"""The journal's hash chain, and a purge permit that only the journal's owner can use.

- Each event gets `previous_hash` and `chain_hash` (kaizen/journal/chain.py); the events
  already stored are chained in id order, in batches.
- PostgreSQL: `journal_chain_head()` serialises appends (a transaction-level advisory lock)
  and returns the last event's hash from a snapshot taken after the lock.
- PostgreSQL: the triggers' purge permit (`kaizen.journal_purge = on`) now counts only for a
  role that can act as the journal table's owner (the owner, its members, a superuser): they
  could drop the triggers anyway, while the role the application runs as, when it does not own
  the schema, can no longer get past them by setting the variable. The functions fix their
  search path so that no role can shadow the catalogue functions they call.
"""

from django.db import migrations, models

from kaizen.core.bulk import update_values
from kaizen.journal.chain import CHAIN_LOCK_KEY, event_hash

POSTGRES_FORWARD = [
    """CREATE OR REPLACE FUNCTION journal_event_refuse_change() RETURNS trigger AS $$
       BEGIN
         IF current_setting('kaizen.journal_purge', true) = 'on'
            AND pg_has_role(
              current_user, (SELECT relowner FROM pg_class WHERE oid = TG_RELID), 'MEMBER'
            ) THEN
           RETURN COALESCE(NEW, OLD);
         END IF;
         RAISE EXCEPTION 'journal events are append-only';
       END; $$ LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp""",
    f"""CREATE FUNCTION journal_chain_head() RETURNS varchar AS $$
       BEGIN
         IF current_setting('transaction_isolation') <> 'read committed' THEN
           RAISE EXCEPTION 'journal events are chained under read committed isolation only';
         END IF;
         PERFORM pg_advisory_xact_lock({CHAIN_LOCK_KEY});
         -- A volatile function's next statement reads a new snapshot: the head committed by
         -- the transaction that held the lock before.
         RETURN COALESCE(
           (SELECT chain_hash FROM journal_journalevent ORDER BY id DESC LIMIT 1), ''
         );
       END; $$ LANGUAGE plpgsql VOLATILE""",
]
POSTGRES_BACKWARD = [
    "DROP FUNCTION IF EXISTS journal_chain_head()",
    """CREATE OR REPLACE FUNCTION journal_event_refuse_change() RETURNS trigger AS $$
       BEGIN
         IF current_setting('kaizen.journal_purge', true) = 'on' THEN
           RETURN COALESCE(NEW, OLD);
         END IF;
         RAISE EXCEPTION 'journal events are append-only';
       END; $$ LANGUAGE plpgsql""",
]

BATCH = 5000
COLUMNS = (
    "id",
    "occurred_at",
    "event_type",
    "actor_id",
    "actor_repr",
    "subject_type_id",
    "subject_id",
    "subject_repr",
    "changes",
    "data",
    "correlation_id",
)


def postgres_functions(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for statement in POSTGRES_FORWARD:
            schema_editor.execute(statement)


def drop_postgres_functions(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for statement in POSTGRES_BACKWARD:
            schema_editor.execute(statement)


def _purge_permit(connection, granted):
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT set_config('kaizen.journal_purge', %s, true)", ["on" if granted else "off"]
            )
        elif connection.vendor == "sqlite" and granted:
            cursor.execute("INSERT INTO journal_purge_permit (granted) VALUES (2)")
        elif connection.vendor == "sqlite":
            cursor.execute("DELETE FROM journal_purge_permit WHERE granted = 2")


def chain_stored_events(apps, schema_editor):
    """Chain the stored events in id order, BATCH at a time (the triggers let the owner's
    migration through with the purge permit, withdrawn at the end)."""
    connection = schema_editor.connection
    event_model = apps.get_model("journal", "JournalEvent")
    content_type = apps.get_model("contenttypes", "ContentType")
    labels = {
        pk: f"{app_label}.{model}"
        for pk, app_label, model in content_type.objects.values_list("pk", "app_label", "model")
    }
    _purge_permit(connection, True)
    previous_hash, last_id = "", 0
    while True:
        rows = list(
            event_model.objects.filter(id__gt=last_id).order_by("id").values_list(*COLUMNS)[:BATCH]
        )
        if not rows:
            break
        updates = []
        for pk, at, kind, actor, actor_repr, subject_type, subject, subject_repr, changes, data, correlation in rows:
            chain_hash = event_hash(
                previous_hash,
                occurred_at=at,
                event_type=kind,
                actor_id=actor,
                actor_repr=actor_repr,
                subject_type=labels[subject_type],
                subject_id=subject,
                subject_repr=subject_repr,
                changes=changes,
                data=data,
                correlation_id=correlation,
            )
            updates.append((previous_hash, chain_hash, pk))
            previous_hash = chain_hash
        update_values(event_model, ("previous_hash", "chain_hash"), updates)
        last_id = rows[-1][0]
    _purge_permit(connection, False)


class Migration(migrations.Migration):
    dependencies = [
        ("contenttypes", "0002_remove_content_type_name"),
        ("journal", "0004_alter_journalevent_event_type"),
    ]

    operations = [
        migrations.AddField(
            model_name="journalevent",
            name="chain_hash",
            field=models.CharField(blank=True, editable=False, max_length=64, null=True),
        ),
        migrations.AddField(
            model_name="journalevent",
            name="previous_hash",
            field=models.CharField(blank=True, editable=False, max_length=64, null=True),
        ),
        migrations.RunPython(postgres_functions, drop_postgres_functions),
        migrations.RunPython(chain_stored_events, migrations.RunPython.noop),
    ]
