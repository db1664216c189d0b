"""The cursor feed never skips an event whose transaction commits after a later id's."""

import threading
import uuid

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection, connections, transaction

from kaizen.catalog.models import Service
from kaizen.core.bulk import insert_values
from kaizen.journal.models import JournalEvent
from kaizen.journal.selectors import audit_events, events_after
from kaizen.journal.verify import verify_chain
from kaizen.testing import make_service

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="SQLite has one writer: ids commit in order"
)


def _waiting_on_the_chain() -> int:
    """How many sessions wait for the journal's chain lock."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted"
            " AND database = (SELECT oid FROM pg_database WHERE datname = current_database())"
        )
        return cursor.fetchone()[0]


@pytest.mark.django_db(transaction=True)
def test_a_second_writer_waits_for_the_first_to_commit_so_ids_follow_the_chain():
    make_service("Before")
    cursor = JournalEvent.objects.order_by("-id").values_list("id", flat=True).first()
    written, release = threading.Event(), threading.Event()

    def slow_writer() -> None:
        try:
            with transaction.atomic():
                make_service("Slow", lifecycle="pipeline")
                written.set()
                release.wait(10)
        finally:
            connections.close_all()

    def second_writer() -> None:
        try:
            make_service("Fast", lifecycle="pipeline")
        finally:
            connections.close_all()

    slow = threading.Thread(target=slow_writer)
    slow.start()
    assert written.wait(10)
    fast = threading.Thread(target=second_writer)
    fast.start()
    for _ in range(1000):  # until the second writer queues for the chain (not a time limit)
        if _waiting_on_the_chain():
            break
        threading.Event().wait(0.01)
    assert _waiting_on_the_chain() == 1
    assert not JournalEvent.objects.filter(id__gt=cursor).exists()  # neither has committed

    release.set()
    slow.join(10)
    fast.join(10)
    # Read directly, not through the feed: a transaction open in another test's database would
    # hold the feed back (the snapshot's xmin spans the server).
    events = list(JournalEvent.objects.filter(id__gt=cursor).order_by("id"))
    assert [event.subject_repr for event in events] == ["Slow", "Fast"]
    assert events[1].previous_hash == events[0].chain_hash
    assert verify_chain().broken is None


@pytest.mark.django_db(transaction=True)
def test_it_holds_back_events_until_earlier_transactions_commit():
    """The journal's writers take turns on the chain, but the feed does not rely on it: an
    event written past them (raw rows, as a restore or another tool might) is held back too."""
    make_service("Before")
    cursor = JournalEvent.objects.order_by("-id").values_list("id", flat=True).first()
    written, release, done = threading.Event(), threading.Event(), threading.Event()

    def slow_writer() -> None:
        try:
            with transaction.atomic():
                make_service("Slow", lifecycle="pipeline")  # takes the lower id
                written.set()
                release.wait(10)
        finally:
            connections.close_all()
            done.set()

    thread = threading.Thread(target=slow_writer)
    thread.start()
    assert written.wait(10)
    with transaction.atomic():  # higher id, committed first
        insert_values(
            JournalEvent,
            (
                "occurred_at",
                "event_type",
                "actor_repr",
                "subject_type",
                "subject_id",
                "subject_repr",
                "changes",
                "data",
                "correlation_id",
            ),
            [
                (
                    JournalEvent.objects.latest("id").occurred_at,
                    "catalog.service.created",
                    "system",
                    ContentType.objects.get_for_model(Service).pk,
                    "0",
                    "Raw",
                    {},
                    {},
                    uuid.uuid4(),
                )
            ],
        )
    events, next_cursor = events_after(audit_events(), cursor, 100)
    assert events == []  # the raw row is committed but an older transaction is still open
    assert next_cursor == cursor

    release.set()
    assert done.wait(10)
    thread.join()
    # A later call returns them once no older transaction is open, in any database (the
    # snapshot's xmin spans the server): other tests running beside this one may hold one.
    for _ in range(3000):
        events, next_cursor = events_after(audit_events(), cursor, 100)
        if events:
            break
        threading.Event().wait(0.01)
    assert [event.subject_repr for event in events] == ["Slow", "Raw"]
    assert next_cursor == events[-1].id
