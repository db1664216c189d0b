"""The cursor feed never skips an event whose transaction commits after a later id's."""

import threading

import pytest
from django.db import connection, connections, transaction

from kaizen.journal.models import JournalEvent
from kaizen.journal.selectors import audit_events, events_after
from kaizen.testing import make_service

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="SQLite has one writer: ids commit in order"
)


@pytest.mark.django_db(transaction=True)
def test_it_holds_back_events_until_earlier_transactions_commit():
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
    make_service("Fast", lifecycle="pipeline")  # higher id, committed first

    events, next_cursor = events_after(audit_events(), cursor, 100)
    assert events == []  # "Fast" is committed but an older transaction is still open
    assert next_cursor == cursor

    release.set()
    assert done.wait(10)
    thread.join()
    events, next_cursor = events_after(audit_events(), cursor, 100)
    assert [event.subject_repr for event in events] == ["Slow", "Fast"]
    assert next_cursor == events[-1].id
