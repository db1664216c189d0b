"""The journal's hash chain: every writer chains its events, and `kaizen journal verify` names
the first event at which a change made past the triggers (with the purge permit) shows."""

import datetime as dt
import importlib
import json
import re
import threading
import types
import uuid
import zoneinfo
from contextlib import contextmanager
from io import StringIO

import pytest
from django.apps import apps as django_apps
from django.contrib.contenttypes.models import ContentType
from django.core.management import call_command
from django.db import connection, connections, transaction

from kaizen.core.bulk import update_values
from kaizen.journal.chain import event_hash
from kaizen.journal.events import EventType
from kaizen.journal.models import JournalEvent
from kaizen.journal.services import build_event, record_event, record_events
from kaizen.journal.verify import verify_chain
from kaizen.testing import database_for_threads, in_thread, make_service

pytestmark = pytest.mark.django_db


@contextmanager
def purge_permit():
    """What an intruder holding the database (or the owner) can do: get past the triggers."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT set_config('kaizen.journal_purge', 'on', true)")
        else:
            cursor.execute("INSERT INTO journal_purge_permit (granted) VALUES (3)")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                cursor.execute("SELECT set_config('kaizen.journal_purge', 'off', true)")
            else:
                cursor.execute("DELETE FROM journal_purge_permit WHERE granted = 3")


def execute(sql: str, params: list | None = None) -> None:
    with connection.cursor() as cursor:
        cursor.execute(sql, params or [])


def ids() -> list[int]:
    return list(JournalEvent.objects.values_list("id", flat=True))


def five_events() -> list[int]:
    for name in ("Mail", "Print", "Wiki"):
        make_service(name)  # an owner and a service each, the first owner reused
    return ids()


def verify(*options: str) -> tuple[int, str, str]:
    out, err = StringIO(), StringIO()
    try:
        call_command("journal", "verify", "--chain-only", *options, stdout=out, stderr=err)
    except SystemExit as exit:
        return int(exit.code), out.getvalue(), err.getvalue()
    return 0, out.getvalue(), err.getvalue()


def test_it_verifies_an_untouched_journal_and_prints_its_head():
    events = five_events()
    report = verify_chain()
    assert report.broken is None
    assert report.events == len(events) >= 4
    last = JournalEvent.objects.latest("id")
    assert (report.head, report.head_event) == (last.chain_hash, last.id)
    status, out, err = verify()
    assert (status, err) == (0, "")
    assert out == (
        f"The journal's hash chain is unbroken: {len(events)} events; "
        f"head {last.chain_hash} (event {last.id}).\n"
    )


def test_each_event_hashes_its_content_onto_the_one_before():
    five_events()
    first, second = JournalEvent.objects.order_by("id")[:2]
    assert first.previous_hash == ""
    assert second.previous_hash == first.chain_hash
    assert second.chain_hash == event_hash(
        first.chain_hash,
        occurred_at=second.occurred_at,
        event_type=second.event_type,
        actor_id=second.actor_id,
        actor_repr=second.actor_repr,
        subject_type=f"{second.subject_type.app_label}.{second.subject_type.model}",
        subject_id=second.subject_id,
        subject_repr=second.subject_repr,
        changes=second.changes,
        data=second.data,
        correlation_id=second.correlation_id,
    )


def test_an_instant_hashes_alike_in_any_zone_it_is_given_in():
    content = {
        "event_type": "catalog.service.updated",
        "actor_id": None,
        "actor_repr": "system",
        "subject_type": "catalog.service",
        "subject_id": "1",
        "subject_repr": "Mail",
        "changes": {"b": 1, "a": [1.5, None]},
        "data": {},
        "correlation_id": uuid.UUID(int=1),
    }
    utc = dt.datetime(2026, 3, 29, 1, 30, 0, 5, tzinfo=dt.UTC)
    paris = utc.astimezone(zoneinfo.ZoneInfo("Europe/Paris"))
    assert event_hash("", occurred_at=utc, **content) == event_hash(
        "", occurred_at=paris, **content
    )
    assert event_hash("", occurred_at=utc, **content) != event_hash(
        "", occurred_at=utc + dt.timedelta(microseconds=1), **content
    )


def test_the_bulk_writers_chain_their_events_onto_the_others():
    service = make_service("Mail")
    with transaction.atomic():
        record_events(
            [
                build_event(
                    EventType.SERVICE_UPDATED,
                    service,
                    actor=None,
                    changes={"summary": {"old": str(number), "new": str(number + 1)}},
                    occurred_at=dt.datetime(2020, 1, 1, tzinfo=dt.UTC),
                )
                for number in range(7)
            ],
            batch_size=3,
        )
        record_event(EventType.SERVICE_UPDATED, service, actor=None, data={"note": "é ☃"})
        JournalEvent.objects.bulk_create(
            [
                JournalEvent(
                    occurred_at=dt.datetime(2021, 1, 1, 12, 30, 0, 5, tzinfo=dt.UTC),
                    event_type=EventType.SERVICE_UPDATED,
                    actor_repr="importer",
                    subject_type=ContentType.objects.get_for_model(service),
                    subject_id=str(service.pk),
                    subject_repr="Mail",
                    correlation_id=uuid.uuid4(),
                    changes={"n": [1, 1.5, None, True]},
                )
                for _ in range(2)
            ]
        )
    report = verify_chain()
    assert report.broken is None
    assert report.events == JournalEvent.objects.count() == 2 + 7 + 1 + 2


def test_an_edited_event_is_named_as_changed():
    events = five_events()
    edited = events[2]
    with purge_permit():
        execute(
            "UPDATE journal_journalevent SET subject_repr = 'Something else' WHERE id = %s",
            [edited],
        )
    report = verify_chain()
    assert report.broken is not None
    assert report.broken.event_id == edited
    assert "does not match its hash: it was changed" in report.broken.reason
    assert report.events == 2
    status, out, err = verify()
    assert (status, out) == (1, "")
    assert err == (
        f"The journal's hash chain is broken at event {edited}: its content does not match its "
        "hash: it was changed after it was written (2 events before it hold).\n"
    )


def test_an_edit_of_an_events_data_is_named_too():
    service = make_service("Mail")
    with transaction.atomic():
        record_event(EventType.SERVICE_UPDATED, service, actor=None, data={"reason": "asked"})
    edited = JournalEvent.objects.latest("id").id
    make_service("Print")
    with purge_permit():
        event = JournalEvent.objects.filter(id=edited)
        update_values(JournalEvent, ("data",), [({"reason": "forced"}, edited)])
        assert event.get().data == {"reason": "forced"}
    assert verify_chain().broken.event_id == edited


def test_an_event_deleted_from_the_middle_is_named_by_the_event_after_it():
    events = five_events()
    with purge_permit():
        execute("DELETE FROM journal_journalevent WHERE id = %s", [events[2]])
    broken = verify_chain().broken
    assert broken is not None
    assert broken.event_id == events[3]
    assert f"inserted or removed between {events[1]} and {events[3]}" in broken.reason


def test_events_deleted_from_the_start_are_noticed():
    events = five_events()
    with purge_permit():
        execute("DELETE FROM journal_journalevent WHERE id < %s", [events[2]])
    broken = verify_chain().broken
    assert broken is not None
    assert broken.event_id == events[2]
    assert "first event but is chained to an earlier one" in broken.reason


def _skip_ids(count: int) -> None:
    """Leave a gap in the events' ids (a rolled-back transaction does that on PostgreSQL)."""
    if connection.vendor == "postgresql":
        execute(
            "SELECT setval(pg_get_serial_sequence('journal_journalevent', 'id'),"
            " (SELECT max(id) FROM journal_journalevent) + %s)",
            [count],
        )
    else:
        execute(
            "UPDATE sqlite_sequence SET seq = seq + %s WHERE name = 'journal_journalevent'",
            [count],
        )


def test_a_back_dated_forged_event_with_a_hash_of_its_own_is_noticed():
    service = make_service("Mail")
    before = JournalEvent.objects.latest("id")
    _skip_ids(5)
    make_service("Print")
    after = JournalEvent.objects.filter(id__gt=before.id).earliest("id")
    # Slipped into the gap after `before`, dated before it, and chained onto it correctly.
    forged = {
        "occurred_at": before.occurred_at - dt.timedelta(days=30),
        "event_type": EventType.SERVICE_UPDATED.value,
        "actor_id": None,
        "actor_repr": "system",
        "subject_type": "catalog.service",
        "subject_id": str(service.pk),
        "subject_repr": "Mail",
        "changes": {"owner": {"old": None, "new": None}},
        "data": {},
        "correlation_id": uuid.uuid4(),
    }
    forged_hash = event_hash(before.chain_hash, **forged)
    forged_id = before.id + 1
    correlation = forged["correlation_id"]
    with purge_permit():
        execute(
            "INSERT INTO journal_journalevent (id, occurred_at, event_type, actor_repr,"
            " subject_type_id, subject_id, subject_repr, changes, data, correlation_id,"
            " previous_hash, chain_hash) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)",
            [
                forged_id,
                connection.ops.adapt_datetimefield_value(forged["occurred_at"]),
                forged["event_type"],
                "system",
                ContentType.objects.get_for_model(service).pk,
                str(service.pk),
                "Mail",
                json.dumps(forged["changes"]),
                "{}",
                correlation.hex if connection.vendor == "sqlite" else correlation,
                before.chain_hash,
                forged_hash,
            ],
        )
    assert JournalEvent.objects.get(id=forged_id).chain_hash == forged_hash
    broken = verify_chain().broken
    assert broken is not None
    assert broken.event_id == after.id
    assert f"between {forged_id} and {after.id}" in broken.reason


def test_an_event_without_a_hash_is_named():
    make_service("Mail")
    with purge_permit():
        execute("UPDATE journal_journalevent SET chain_hash = NULL WHERE id = %s", [ids()[0]])
    assert "has no hash" in verify_chain().broken.reason


def rechain(batch: int = 5000) -> None:
    """Run the migration that chains the stored events (it withdraws the permit it takes)."""
    migration = importlib.import_module("kaizen.journal.migrations.0005_event_hash_chain")
    migration.BATCH, before = batch, migration.BATCH
    try:
        migration.chain_stored_events(django_apps, types.SimpleNamespace(connection=connection))
    finally:
        migration.BATCH = before


def test_an_expected_head_must_still_be_in_the_chain():
    events = five_events()
    status, out, _ = verify()
    head = re.search(r"head ([0-9a-f]{64})", out).group(1)
    make_service("Later")  # appended since the head was recorded: fine
    assert verify("--expect-head", head)[0] == 0

    # An intruder edits the recorded head's event and rehashes everything after it (here with
    # the migration that chains stored events): the chain holds, the recorded head is gone.
    with purge_permit():
        execute(
            "UPDATE journal_journalevent SET subject_repr = 'Forged' WHERE id = %s", [events[-1]]
        )
    rechain()
    assert verify()[0] == 0
    status, _, err = verify("--expect-head", head)
    assert status == 1
    assert f"The expected head {head} is not in the chain" in err


def test_the_migration_chains_events_stored_before_the_chain():
    five_events()
    original = list(JournalEvent.objects.values_list("previous_hash", "chain_hash"))
    with purge_permit():
        execute("UPDATE journal_journalevent SET previous_hash = NULL, chain_hash = NULL")
    assert verify_chain().broken is not None
    rechain(batch=2)  # in several batches
    assert list(JournalEvent.objects.values_list("previous_hash", "chain_hash")) == original
    assert verify_chain().broken is None
    with pytest.raises(Exception, match="append-only"), transaction.atomic():
        execute("DELETE FROM journal_journalevent")  # the permit was withdrawn


@pytest.mark.django_db(transaction=True)
def test_concurrent_writers_leave_an_unbroken_chain():
    start = threading.Barrier(4)
    errors: list[BaseException] = []

    def writer(number: int) -> None:
        try:
            start.wait(10)
            for round_number in range(5):
                make_service(f"Service {number}-{round_number}", lifecycle="pipeline")
        except BaseException as exc:  # reported below
            errors.append(exc)
        finally:
            connections.close_all()

    with database_for_threads():
        threads = [threading.Thread(target=writer, args=(number,)) for number in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)
        report = in_thread(verify_chain)
        count = in_thread(JournalEvent.objects.count)
    assert errors == []
    assert report.broken is None
    assert report.events == count >= 20
