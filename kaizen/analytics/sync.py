"""Keeping the analytics store in step with the journal.

`sync()` reads the journal events after the store's cursor (kaizen.journal.selectors
.events_after, which holds back transactions still in flight), works out which incidents they
touched, rewrites those incidents' fact rows, appends the incident events' rows and moves the
cursor, batch by batch, each batch in one DuckDB transaction: a sync killed mid-way leaves the
last committed batch and the cursor that goes with it, and the next sync re-does the rest. It
never appends an event twice (the cursor moves in the transaction that appends it).

`rebuild()` fills a staging store from scratch, then swaps its facts into the live store in
one transaction, so readers see the old facts until the new ones are complete.
"""

import datetime as dt
import time
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
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
    incident_content_type_id,
    incident_event_rows,
    incident_fact_tables,
    insert_event_facts,
)
from kaizen.incidents.models import Incident
from kaizen.journal.events import EventType
from kaizen.journal.models import JournalEvent, JournalEventQuerySet
from kaizen.journal.selectors import _transaction_horizon, events_after

DEFAULT_BATCH_SIZE = 10_000
FACT_TABLES = ("incident_facts", "incident_event_facts")
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
    names: Names,
    cursor: int,
    report: SyncReport,
) -> None:
    """One batch, all or nothing: the touched incidents' rows replaced, the events appended,
    the cursor moved past them."""
    with store.transaction(connection):
        _delete_incident_facts(connection, touched)
        incidents = sum(_insert(connection, "incident_facts", rows) for rows in incident_tables)
        appended = insert_event_facts(connection, events, names=names)
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
            tables = incident_fact_tables(
                touched, chunk_size=self.batch_size, calendars=self.calendars, names=names
            )
            _write_batch(
                self.connection,
                touched=touched,
                # A few incidents: read before writing. Every incident: streamed by chunks.
                incident_tables=tables if touched is None else list(tables),
                events=incident_event_rows(cursor, next_cursor),
                names=names,
                cursor=next_cursor,
                report=self.report,
            )
        return next_cursor


def sync(*, batch_size: int = DEFAULT_BATCH_SIZE, wait: bool = True) -> SyncReport:
    """Bring the store up to date with the journal (a rebuild when it is empty or was written
    under another facts configuration). With `wait=False`, raises StoreBusy when another
    sync or rebuild is running instead of waiting for it."""
    started = time.perf_counter()
    with store.writer_lock(wait=wait):
        with store.connect() as connection:
            state = read_state(connection)
        if CURSOR not in state or state.get(CONFIGURATION) != facts_configuration():
            return _rebuild(batch_size, started)
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


def _remove_store_files(path: Path) -> None:
    for leftover in (path, path.with_name(path.name + ".wal")):
        leftover.unlink(missing_ok=True)


def journal_end() -> tuple[int, int]:
    """(cursor, events): where events_after, called from 0 until it returns nothing, would
    stop (before the first event of a PostgreSQL transaction still in flight), and how many
    events it would have returned; in a few queries instead of reading every event."""
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


class _Writer:
    """DuckDB's inserts in a thread of their own, one at a time in order, while the caller
    reads the next chunk from the OLTP database: DuckDB and the database drivers release
    the GIL, so on two cores the two overlap. Whatever runs here must not touch Django (its
    connections are per thread, and the reads must stay in the caller's snapshot)."""

    def __init__(self, executor: ThreadPoolExecutor) -> None:
        self._executor = executor
        self._pending: Future | None = None

    def submit(self, write: Callable[..., int], *args: Any, **kwargs: Any) -> Future:
        """Queue a write; waits for the one before (a chunk in memory at most on each side)."""
        self.wait()
        self._pending = self._executor.submit(write, *args, **kwargs)
        return self._pending

    def wait(self) -> None:
        if self._pending is not None:
            pending, self._pending = self._pending, None
            pending.result()  # raises what the write raised


def _fill_staging(staging: duckdb.DuckDBPyConnection, batch_size: int, report: SyncReport) -> None:
    """Every incident event up to the journal's safe end, then every incident (read after the
    events, so each incident reflects at least the events before the cursor)."""
    calendars, names = BusinessCalendars(), Names()
    names.load_everyone()  # the writer thread names the event rows without Django
    cursor, report.events = journal_end()
    event_writes: list[Future] = []
    incident_writes: list[Future] = []
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="analytics-writer") as executor:
        writer = _Writer(executor)
        after = 0
        while (rows := incident_event_rows(after, cursor, limit=batch_size)).num_rows:
            after = rows["event_id"][-1].as_py()
            event_writes.append(writer.submit(insert_event_facts, staging, rows, names=names))
            report.batches += 1
        for rows in incident_fact_tables(
            None, chunk_size=batch_size, calendars=calendars, names=names
        ):
            incident_writes.append(writer.submit(_insert, staging, "incident_facts", rows))
        writer.wait()
    report.event_facts = sum(future.result() for future in event_writes)
    report.incidents = sum(future.result() for future in incident_writes)
    _set_last_event_ids(staging, None)
    report.cursor = cursor


def _swap_in(staging: Path, cursor: int) -> None:
    """Replace the live store's facts with the staging store's, in one transaction; tables
    other than the facts (if any) are left as they are."""
    with store.connect() as connection:
        connection.execute("ATTACH ? AS staging (READ_ONLY)", [str(staging)])
        try:
            with store.transaction(connection):
                for table in FACT_TABLES:
                    connection.execute(f"DROP TABLE IF EXISTS {table}")
                store.create_schema(connection)
                for table in FACT_TABLES:
                    connection.execute(f"INSERT INTO {table} BY NAME SELECT * FROM staging.{table}")
                _save_state(
                    connection, {**_state_after(cursor), CONFIGURATION: facts_configuration()}
                )
        finally:
            connection.execute("DETACH staging")


def _rebuild(batch_size: int, started: float) -> SyncReport:
    report = SyncReport(mode="rebuild")
    staging = staging_path()
    _remove_store_files(staging)  # what a killed rebuild left behind
    try:
        with consistent_reads(), store.connect(path=staging) as connection:
            _fill_staging(connection, batch_size, report)
        _swap_in(staging, report.cursor)
    finally:
        _remove_store_files(staging)
    report.refreshed_all = True
    report.seconds = round(time.perf_counter() - started, 3)
    return report


def rebuild(*, batch_size: int = DEFAULT_BATCH_SIZE, wait: bool = True) -> SyncReport:
    """Drop every fact and fill the store again from the journal and the incidents."""
    started = time.perf_counter()
    with store.writer_lock(wait=wait):
        return _rebuild(batch_size, started)


def last_synced_at(connection: duckdb.DuckDBPyConnection) -> dt.datetime | None:
    """When the store last caught up with the journal (None: never synced)."""
    value = read_state(connection).get(SYNCED_AT)
    return dt.datetime.fromisoformat(value) if value else None
