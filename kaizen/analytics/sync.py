"""Keeping the analytics store in step with the journal.

`sync()` reads the journal events after the store's cursor (kaizen.journal.selectors
.events_after, which holds back transactions still in flight), works out which incidents they
touched, rewrites those incidents' fact rows, appends the incident events' rows and moves the
cursor, batch by batch, each batch in one DuckDB transaction: a sync killed mid-way leaves the
last committed batch and the cursor that goes with it, and the next sync re-does the rest. It
never appends an event twice (the cursor moves in the transaction that appends it).

`rebuild()` fills a staging store file from scratch, then puts it in the live store's place
in one rename, so readers see the old facts until the new ones are complete. Its chunks
(ranges of journal events, ranges of incidents) can be read and turned into fact rows in
worker processes, one per core, while this process writes what they send into the store.
"""

import datetime as dt
import os
import time
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
from django.conf import settings
from django.db import connection as database
from django.db import transaction as database_transaction
from django.db.models import Count, Max, Min, Q
from django.utils import timezone

from kaizen.analytics import store
from kaizen.analytics.business_time import BusinessCalendars
from kaizen.analytics.facts import (
    FACTS_VERSION,
    Names,
    event_fact_table,
    id_ranges,
    incident_content_type_id,
    incident_event_rows,
    incident_fact_tables,
    incident_facts_between,
)
from kaizen.core.processes import older_objects_frozen, run_jobs
from kaizen.incidents.models import Incident
from kaizen.journal.events import EventType
from kaizen.journal.models import JournalEvent, JournalEventQuerySet
from kaizen.journal.selectors import _transaction_horizon, events_after

DEFAULT_BATCH_SIZE = 10_000
CURSOR = "journal_cursor"
CONFIGURATION = "facts_configuration"
SYNCED_AT = "synced_at"

# Events after which any incident's facts may have changed: a recompute re-measures SLA clocks,
# a calendar change moves business hours.
REFRESH_ALL_EVENTS = frozenset(
    {EventType.SLA_RECOMPUTED, EventType.CALENDAR_CREATED, EventType.CALENDAR_UPDATED}
)
# Events that may rename a record incident facts show by name, with the incident fields that
# point at it.
RENAME_EVENTS: dict[str, tuple[str, ...]] = {
    EventType.TEAM_UPDATED: ("assignment_group",),
    EventType.USER_UPDATED: ("caller", "assignee"),
    EventType.SERVICE_UPDATED: ("service",),
    EventType.OFFERING_UPDATED: ("offering",),
    EventType.CI_UPDATED: ("configuration_item",),
}


@dataclass
class SyncReport:
    mode: str  # "sync" or "rebuild"
    events: int = 0  # journal events read
    event_facts: int = 0  # incident event rows appended
    incidents: int = 0  # incident fact rows written
    refreshed_all: bool = False  # a recompute or calendar change refreshed every incident
    batches: int = 0
    cursor: int = 0
    seconds: float = 0.0

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def facts_configuration() -> str:
    """What the stored facts depend on besides the journal: a store written under another
    version, reporting time zone or reporting calendar is rebuilt, not patched."""
    return f"{FACTS_VERSION}|{settings.TIME_ZONE}|{settings.KAIZEN_REPORTING_CALENDAR or ''}"


# -- reading the OLTP database -----------------------------------------------------------------


@contextmanager
def consistent_reads() -> Iterator[None]:
    """On PostgreSQL, one read-only REPEATABLE READ transaction, so the events, the incidents
    and events_after's look at the transactions in flight all see one snapshot (under READ
    COMMITTED every query sees its own). Not inside an outer transaction, whose isolation is
    already set; not on SQLite, where a transaction takes the write lock (immediate mode) and
    the single writer commits ids in order anyway."""
    if database.vendor != "postgresql" or database.in_atomic_block:
        yield
        return
    with database_transaction.atomic():
        with database.cursor() as cursor:
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        yield


def journal_rows() -> JournalEventQuerySet:
    """Every journal event as a light named row for events_after, which reads only `id` and
    `txid`: model instances would cost several times more per event at rebuild volume. The
    facts of a batch are then read in bulk (facts.incident_event_rows)."""
    return JournalEvent.objects.values_list(
        "id", "txid", "event_type", "subject_type_id", "subject_id", named=True
    )


def incident_events(events: Sequence[Any]) -> list[Any]:
    incident_type = incident_content_type_id()
    return [event for event in events if event.subject_type_id == incident_type]


def renamed_incident_ids(events: Sequence[Any]) -> set[int]:
    """Incidents that show a record renamed (or otherwise edited) in these events."""
    edited: dict[str, set[int]] = defaultdict(set)
    for event in events:
        for field in RENAME_EVENTS.get(event.event_type, ()):
            edited[field].add(int(event.subject_id))
    if not edited:
        return set()
    condition = Q()
    for field, ids in edited.items():
        condition |= Q(**{f"{field}_id__in": ids})
    return set(Incident.objects.filter(condition).values_list("pk", flat=True))


def touched_incident_ids(events: Sequence[Any]) -> set[int] | None:
    """The incidents whose facts these events may have changed; None means every incident."""
    if any(event.event_type in REFRESH_ALL_EVENTS for event in events):
        return None
    return {int(event.subject_id) for event in incident_events(events)} | renamed_incident_ids(
        events
    )


# -- writing the store -------------------------------------------------------------------------


@contextmanager
def _registered(connection: duckdb.DuckDBPyConnection, name: str, rows: pa.Table) -> Iterator[None]:
    """`rows` visible to SQL as `name`: DuckDB scans the Arrow table in place."""
    connection.register(name, rows)
    try:
        yield
    finally:
        connection.unregister(name)


def _id_table(ids: set[int]) -> pa.Table:
    return pa.table({"incident_id": pa.array(sorted(ids), pa.int64())})


def _insert(connection: duckdb.DuckDBPyConnection, table_name: str, rows: pa.Table) -> int:
    """Bulk insert through Arrow, no row-by-row binding."""
    if not rows.num_rows:
        return 0
    with _registered(connection, "arrow_rows", rows):
        connection.execute(f"INSERT INTO {table_name} BY NAME SELECT * FROM arrow_rows")
    return rows.num_rows


def _delete_incident_facts(connection: duckdb.DuckDBPyConnection, ids: set[int] | None) -> None:
    if ids is None:
        connection.execute("DELETE FROM incident_facts")
    elif ids:
        with _registered(connection, "touched", _id_table(ids)):
            connection.execute(
                "DELETE FROM incident_facts WHERE incident_id IN (SELECT incident_id FROM touched)"
            )


def read_state(connection: duckdb.DuckDBPyConnection) -> dict[str, str]:
    return dict(connection.execute("SELECT name, value FROM sync_state").fetchall())


def _save_state(connection: duckdb.DuckDBPyConnection, values: dict[str, str]) -> None:
    for name, value in values.items():
        connection.execute("INSERT OR REPLACE INTO sync_state VALUES (?, ?)", [name, value])


def _state_after(cursor: int) -> dict[str, str]:
    return {CURSOR: str(cursor), SYNCED_AT: timezone.now().isoformat()}


LAST_EVENT_SQL = """
UPDATE incident_facts SET last_event_id = latest.event_id
FROM (
    SELECT incident_id, max(event_id) AS event_id FROM incident_event_facts {where}
    GROUP BY incident_id
) AS latest
WHERE incident_facts.incident_id = latest.incident_id
"""


def _set_last_event_ids(connection: duckdb.DuckDBPyConnection, ids: set[int] | None) -> None:
    """Each rewritten fact row's provenance: its incident's latest event in the store."""
    if ids is None:
        connection.execute(LAST_EVENT_SQL.format(where=""))
    elif ids:
        with _registered(connection, "touched", _id_table(ids)):
            connection.execute(
                LAST_EVENT_SQL.format(
                    where="WHERE incident_id IN (SELECT incident_id FROM touched)"
                )
            )


def _write_batch(
    connection: duckdb.DuckDBPyConnection,
    *,
    touched: set[int] | None,
    incident_tables: Iterable[pa.Table],
    events: pa.Table,
    cursor: int,
    report: SyncReport,
) -> None:
    """One batch, all or nothing: the touched incidents' rows replaced, the events' fact rows
    appended, the cursor moved past them."""
    with store.transaction(connection):
        _delete_incident_facts(connection, touched)
        incidents = sum(_insert(connection, "incident_facts", rows) for rows in incident_tables)
        appended = _insert(connection, "incident_event_facts", events)
        _set_last_event_ids(connection, touched)
        _save_state(connection, _state_after(cursor))
    report.incidents += incidents
    report.event_facts += appended
    report.refreshed_all = report.refreshed_all or touched is None
    report.cursor = cursor
    report.batches += 1


# -- sync --------------------------------------------------------------------------------------


class _SyncRun:
    """One sync: batches of events applied in turn. Calendars are prepared once per run (and
    again after a batch that changed one); names are looked up per batch, so a rename in
    one batch shows in the next."""

    def __init__(self, connection: duckdb.DuckDBPyConnection, batch_size: int, report: SyncReport):
        self.connection = connection
        self.batch_size = batch_size
        self.report = report
        self.calendars = BusinessCalendars()

    def apply_batch(self, cursor: int) -> int | None:
        """Sync the next batch of events; returns the new cursor, or None when caught up."""
        with consistent_reads():
            events, next_cursor = events_after(journal_rows(), cursor, self.batch_size)
            if not events:
                return None
            self.report.events += len(events)
            touched = touched_incident_ids(events)
            if touched is None:
                self.calendars = BusinessCalendars()
            names = Names()
            _write_batch(
                self.connection,
                touched=touched,
                incident_tables=self.incident_tables(touched, names),
                events=event_fact_table(incident_event_rows(cursor, next_cursor), names=names),
                cursor=next_cursor,
                report=self.report,
            )
        return next_cursor

    def incident_tables(self, touched: set[int] | None, names: Names) -> Iterable[pa.Table]:
        """A few incidents: read before writing. Every incident: streamed by chunks."""
        if touched is None:
            return (
                incident_facts_between(after, up_to, calendars=self.calendars, names=names)
                for after, up_to in id_ranges(Incident, self.batch_size)
            )
        return list(
            incident_fact_tables(
                touched, chunk_size=self.batch_size, calendars=self.calendars, names=names
            )
        )


def sync(
    *, batch_size: int = DEFAULT_BATCH_SIZE, wait: bool = True, workers: int = 1
) -> SyncReport:
    """Bring the store up to date with the journal (a rebuild, with `workers` processes, when
    it is empty or was written under another facts configuration). With `wait=False`,
    raises StoreBusy when another sync or rebuild is running instead of waiting for it."""
    started = time.perf_counter()
    with store.writer_lock(wait=wait):
        with store.connect() as connection:
            state = read_state(connection)
        if CURSOR not in state or state.get(CONFIGURATION) != facts_configuration():
            return _rebuild(batch_size, workers, started)
        report = SyncReport(mode="sync", cursor=int(state[CURSOR]))
        cursor: int | None = report.cursor
        with store.connect() as connection:
            run = _SyncRun(connection, batch_size, report)
            while cursor is not None:
                cursor = run.apply_batch(cursor)
    report.seconds = round(time.perf_counter() - started, 3)
    return report


# -- rebuild -----------------------------------------------------------------------------------


def staging_path() -> Path:
    return store.store_path().with_name(store.store_path().name + ".rebuild")


def _wal_path(path: Path) -> Path:
    return path.with_name(path.name + ".wal")


def _remove_store_files(path: Path) -> None:
    for leftover in (path, _wal_path(path)):
        leftover.unlink(missing_ok=True)


def journal_end() -> tuple[int, int]:
    """(cursor, events): where events_after, called from 0 until it returns nothing, would
    stop (before the first event of a PostgreSQL transaction still in flight), and how many
    events it would have returned; in a few queries instead of reading every event.

    Every event up to the cursor is committed, so any later read sees them all, and every
    incident read later reflects at least those events: the rebuild's chunks need not share
    one snapshot (what a chunk sees beyond the cursor, the next sync re-reads)."""
    events = JournalEvent.objects.all()
    if database.vendor == "postgresql":
        horizon, own = _transaction_horizon()
        held = JournalEvent.objects.filter(txid__gte=horizon)
        if own is not None:
            held = held.exclude(txid=own)
        first_held = held.aggregate(first=Min("id"))["first"]
        if first_held is not None:
            events = events.filter(id__lt=first_held)
    end = events.aggregate(cursor=Max("id"), events=Count("id"))
    return end["cursor"] or 0, end["events"]


EVENTS, INCIDENTS = "events", "incidents"
# What the rebuild's chunks are read with, set up once per process (a fork inherits it).
_rebuild_context: dict[str, Any] = {}


def _start_rebuild(calendars: BusinessCalendars, names: Names) -> None:
    _rebuild_context.update(calendars=calendars, names=names)


def _rebuild_chunk(chunk: tuple[str, int, int]) -> tuple[str, pa.Table]:
    """The fact rows of one chunk: the incident events, or the incidents, with ids in
    (after, up_to]; in one snapshot on PostgreSQL."""
    kind, after, up_to = chunk
    names = _rebuild_context["names"]
    with consistent_reads():
        if kind == EVENTS:
            return kind, event_fact_table(incident_event_rows(after, up_to), names=names)
        calendars = _rebuild_context["calendars"]
        return kind, incident_facts_between(after, up_to, calendars=calendars, names=names)


def _fill_staging(
    staging: duckdb.DuckDBPyConnection, batch_size: int, workers: int, report: SyncReport
) -> None:
    """Every incident event up to the journal's safe end, and every incident (read after the
    end is known, so each incident reflects at least the events before the cursor)."""
    names = Names()
    names.load_everyone()  # a rebuild names most of them anyway; workers then never look up
    calendars = BusinessCalendars()
    cursor, report.events = journal_end()
    chunks = [
        (EVENTS, after, up_to) for after, up_to in id_ranges(JournalEvent, batch_size, up_to=cursor)
    ]
    chunks += [(INCIDENTS, after, up_to) for after, up_to in id_ranges(Incident, batch_size)]
    # One transaction: DuckDB then writes the rows straight to the file's blocks, once,
    # instead of logging every chunk's insert first. One DuckDB thread while the workers
    # have the cores (appends gain nothing from more); all of them again for what follows.
    staging.execute("SET threads = 1")
    try:
        with older_objects_frozen(), store.transaction(staging):
            for kind, rows in run_jobs(
                _rebuild_chunk,
                chunks,
                workers=workers,
                initializer=_start_rebuild,
                initargs=(calendars, names),
            ):
                if kind == EVENTS:
                    report.event_facts += _insert(staging, "incident_event_facts", rows)
                    report.batches += 1
                else:
                    report.incidents += _insert(staging, "incident_facts", rows)
    finally:
        _rebuild_context.clear()  # set here too when the chunks run in this process
    staging.execute("RESET threads")
    _set_last_event_ids(staging, None)
    _save_state(staging, {**_state_after(cursor), CONFIGURATION: facts_configuration()})
    report.cursor = cursor


def _put_in_place(staging: Path) -> None:
    """The staging file becomes the store, in one rename: readers that have the old file
    open go on reading it, the next ones open the new. The old file's write-ahead log (left
    only by a writer that crashed) goes first: replayed into the new file, it would corrupt
    it."""
    live = store.store_path()
    _wal_path(live).unlink(missing_ok=True)
    os.replace(staging, live)
    directory = os.open(live.parent, os.O_RDONLY)
    try:
        os.fsync(directory)  # the rename itself survives a power cut
    finally:
        os.close(directory)


def _rebuild(batch_size: int, workers: int, started: float) -> SyncReport:
    report = SyncReport(mode="rebuild")
    staging = staging_path()
    _remove_store_files(staging)  # what a killed rebuild left behind
    try:
        with store.connect(path=staging) as connection:
            _fill_staging(connection, batch_size, workers, report)
            connection.execute("CHECKPOINT")  # everything in the file, no log beside it
        _put_in_place(staging)
    finally:
        _remove_store_files(staging)
    report.refreshed_all = True
    report.seconds = round(time.perf_counter() - started, 3)
    return report


def rebuild(
    *, batch_size: int = DEFAULT_BATCH_SIZE, wait: bool = True, workers: int = 1
) -> SyncReport:
    """Drop every fact and fill the store again from the journal and the incidents, with
    `workers` processes reading (kaizen.core.processes.run_jobs says when that is one)."""
    started = time.perf_counter()
    with store.writer_lock(wait=wait):
        return _rebuild(batch_size, workers, started)


def last_synced_at(connection: duckdb.DuckDBPyConnection) -> dt.datetime | None:
    """When the store last caught up with the journal (None: never synced)."""
    value = read_state(connection).get(SYNCED_AT)
    return dt.datetime.fromisoformat(value) if value else None
