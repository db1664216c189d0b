import uuid

import pytest
from django.db import (
    IntegrityError,
    InternalError,
    OperationalError,
    ProgrammingError,
    connection,
    transaction,
)

from kaizen.journal.events import EventType
from kaizen.journal.models import AppendOnlyError, JournalEvent
from kaizen.journal.services import record_event
from kaizen.testing import make_service

try:
    import psycopg
except ImportError:  # SQLite installations need no driver
    psycopg = None

DATABASE_REFUSALS = (IntegrityError, InternalError, OperationalError, ProgrammingError)


@pytest.mark.django_db
def test_it_refuses_to_save_an_existing_event():
    make_service("Mail")
    event = JournalEvent.objects.latest("id")
    event.subject_repr = "tampered"
    with pytest.raises(AppendOnlyError):
        event.save()


@pytest.mark.django_db
def test_it_refuses_delete_through_the_orm():
    make_service("Mail")
    with pytest.raises(AppendOnlyError):
        JournalEvent.objects.latest("id").delete()
    with pytest.raises(AppendOnlyError):
        JournalEvent.objects.all().delete()
    with pytest.raises(AppendOnlyError):
        JournalEvent.objects.update(subject_repr="x")


@pytest.mark.django_db
@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE journal_journalevent SET subject_repr = 'tampered'",
        "DELETE FROM journal_journalevent",
    ],
)
def test_it_refuses_raw_sql_update_and_delete_in_the_database(statement):
    make_service("Mail")
    before = list(JournalEvent.objects.values_list("id", "subject_repr"))
    with pytest.raises(DATABASE_REFUSALS), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(statement)
    assert list(JournalEvent.objects.values_list("id", "subject_repr")) == before


@pytest.mark.django_db(transaction=True)
def test_it_writes_events_only_inside_a_transaction():
    service = make_service("Mail")
    with pytest.raises(RuntimeError):
        record_event(EventType.SERVICE_UPDATED, service, actor=None)


@pytest.mark.django_db
def test_it_rolls_back_the_event_with_the_change():
    service = make_service("Mail")
    count_before = JournalEvent.objects.count()
    with pytest.raises(ValueError), transaction.atomic():
        record_event(
            EventType.SERVICE_UPDATED,
            service,
            actor=None,
            changes={"name": {"old": "a", "new": "b"}},
        )
        raise ValueError("the change failed after the event was written")
    assert JournalEvent.objects.count() == count_before


@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="SQLite has no roles: whoever can write the database file can change anything in "
    "it (the hash chain is what shows such a change)",
)
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE journal_journalevent SET subject_repr = 'tampered'",
        "DELETE FROM journal_journalevent",
        "TRUNCATE journal_journalevent",
    ],
)
def test_the_purge_permit_is_refused_to_a_role_that_does_not_own_the_journal(statement):
    make_service("Mail")
    before = list(JournalEvent.objects.values_list("id", "subject_repr"))
    role, password = f"kz_writer_{uuid.uuid4().hex[:12]}", uuid.uuid4().hex
    settings = connection.settings_dict
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE ROLE {role} LOGIN PASSWORD '{password}'")
    try:
        with connection.cursor() as cursor:
            # Every right on the table, as an application role is often given.
            cursor.execute(f"GRANT ALL ON journal_journalevent TO {role}")
        with (
            psycopg.connect(
                host=settings["HOST"] or "127.0.0.1",
                port=settings["PORT"] or 5432,
                dbname=settings["NAME"],
                user=role,
                password=password,
            ) as intruder,
            intruder.cursor() as cursor,
        ):
            # It may append: take the chain's turn and read its head, as Kaizen's writers do.
            cursor.execute("SELECT journal_chain_head()")
            assert cursor.fetchone()[0] == JournalEvent.objects.latest("id").chain_hash
            intruder.rollback()
            cursor.execute("SET kaizen.journal_purge = 'on'")
            with pytest.raises(psycopg.errors.RaiseException, match="append-only"):
                cursor.execute(statement)
            intruder.rollback()
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"DROP OWNED BY {role}")
            cursor.execute(f"DROP ROLE {role}")
    assert list(JournalEvent.objects.values_list("id", "subject_repr")) == before
