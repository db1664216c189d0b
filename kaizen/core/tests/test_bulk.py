"""The one bulk writer: what it stores is exactly what the ORM stores, on either database."""

import datetime as dt
import uuid
import zoneinfo

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection, transaction

from kaizen.core import bulk
from kaizen.incidents.models import Incident
from kaizen.incidents.tests.helpers import make_incident
from kaizen.journal.models import JournalEvent
from kaizen.people.models import User

pytestmark = pytest.mark.django_db

PARIS = zoneinfo.ZoneInfo("Europe/Paris")
# Every kind of value the writers adapt: UTC and other zones, microseconds, a repeated
# instant (the adapter's cache), nested and non-ASCII JSON, empty JSON, a shared UUID.
INSTANTS = [
    dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC),
    dt.datetime(2026, 3, 2, 9, 0, 0, 123456, tzinfo=dt.UTC),
    dt.datetime(2026, 3, 29, 3, 30, tzinfo=PARIS),  # just after the spring change
    dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC),
    dt.datetime(2025, 12, 31, 23, 59, 59, 999999, tzinfo=dt.UTC),
]
CORRELATION = uuid.UUID("12345678-1234-5678-1234-567812345678")


def _event_values(number: int, subject_type: ContentType) -> dict:
    return {
        "occurred_at": INSTANTS[number % len(INSTANTS)],
        "event_type": "incidents.incident.created",
        "actor_id": None,
        "actor_repr": "système",
        "subject_type_id": subject_type.pk,
        "subject_id": str(number),
        "subject_repr": f"INC{number:07d} L'imprimante « 3e étage »",
        "changes": {"state": {"old": None, "new": "new"}, "n": [number, 1.5, None]}
        if number % 2
        else {},
        "data": {"note": "naïve – ☃", "nested": {"a": [True, False]}},
        "correlation_id": CORRELATION,
    }


def _stored(ids: list[int]) -> list[tuple]:
    """The events' columns as the database holds them (not as the ORM reads them back),
    but their ids, the trigger-filled transaction id and the hash chain (the ORM's path chains
    the events; the bulk writer writes what it is given)."""
    columns = [
        field.column
        for field in JournalEvent._meta.concrete_fields
        if field.attname not in {"id", "txid", "previous_hash", "chain_hash"}
    ]
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {', '.join(quote(c) for c in columns)}"
            f" FROM {quote(JournalEvent._meta.db_table)}"
            f" WHERE id IN ({', '.join(['%s'] * len(ids))}) ORDER BY id",
            ids,
        )
        return cursor.fetchall()


def _new_ids(before: int) -> list[int]:
    return list(JournalEvent.objects.filter(id__gt=before).values_list("id", flat=True))


def _last_id() -> int:
    return JournalEvent.objects.order_by("-id").values_list("id", flat=True).first() or 0


def test_inserted_rows_are_stored_as_the_orm_stores_them_across_batches():
    subject_type = ContentType.objects.get_for_model(User)
    values = [_event_values(number, subject_type) for number in range(7)]

    with transaction.atomic():
        start = _last_id()
        JournalEvent.objects.bulk_create([JournalEvent(**row) for row in values])
        by_orm = _stored(_new_ids(start))
        start = _last_id()
        bulk.insert_rows(
            JournalEvent,
            [{**row, "txid": None, "previous_hash": None, "chain_hash": None} for row in values],
            batch_size=3,
        )
        by_writer = _new_ids(start)

    assert len(by_writer) == 7  # three batches, none lost or repeated
    assert _stored(by_writer) == by_orm
    read_back = list(
        JournalEvent.objects.filter(id__in=by_writer).values_list(
            "occurred_at", "changes", "data", "correlation_id", "subject_repr"
        )
    )
    assert read_back == [
        (row["occurred_at"], row["changes"], row["data"], CORRELATION, row["subject_repr"])
        for row in values
    ]


def test_insert_values_writes_named_fields_in_their_order():
    subject_type = ContentType.objects.get_for_model(User)
    names = ("subject_repr", "occurred_at", "event_type", "actor_repr", "subject_type")
    names += ("subject_id", "changes", "data", "correlation_id")
    row = _event_values(3, subject_type)
    with transaction.atomic():
        start = _last_id()
        bulk.insert_values(
            JournalEvent,
            names,
            [tuple(row[name if name != "subject_type" else "subject_type_id"] for name in names)],
        )
        (event,) = JournalEvent.objects.filter(id__gt=start)
    assert (event.subject_repr, event.occurred_at, event.changes) == (
        row["subject_repr"],
        row["occurred_at"],
        row["changes"],
    )
    assert event.actor_id is None and event.subject_type == subject_type


@pytest.mark.parametrize("count", [3, bulk.STAGED_UPDATE_ROWS + 2])
def test_update_values_sets_each_row_its_own_values(count):
    """Below and above the size from which PostgreSQL stages the rows in a temporary table."""
    incidents = [make_incident() for _ in range(count)]
    untouched = make_incident()
    rows = [
        (INSTANTS[n % len(INSTANTS)] if n % 3 else None, ["ok", "warning", "breached"][n % 3], i.pk)
        for n, i in enumerate(incidents)
    ]
    with transaction.atomic():
        bulk.update_values(Incident, ["sla_due_at", "sla_state"], rows)
        bulk.update_values(Incident, ["sla_state"], [])  # nothing to do is no error

    stored = dict(
        (pk, (due, state))
        for pk, due, state in Incident.objects.values_list("pk", "sla_due_at", "sla_state")
    )
    assert {pk: stored[pk] for _, _, pk in rows} == {pk: (due, state) for due, state, pk in rows}
    assert stored[untouched.pk] == (untouched.sla_due_at, untouched.sla_state)


def test_a_datetime_on_sqlite_is_the_text_django_stores():
    if connection.vendor != "sqlite":
        pytest.skip("SQLite stores datetimes as text")
    adapt = bulk.datetime_adapter(connection)
    for instant in INSTANTS:
        assert adapt(instant) == connection.ops.adapt_datetimefield_value(instant)
