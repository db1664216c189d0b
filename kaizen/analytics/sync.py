"""Keeping the analytics store in step with the journal.

Both go over the registered fact families (kaizen.analytics.families) and name none.

`sync()` reads the journal events after the store's cursor (kaizen.journal.selectors
.events_after, which holds back transactions still in flight), asks each record family which
of its records they touched, rewrites those records' fact rows, appends each event family's
rows and moves the cursor, batch by batch, each batch in one DuckDB transaction: a sync killed
mid-way leaves the last committed batch and the cursor that goes with it, and the next sync
re-does the rest. It never appends an event twice (the cursor moves in the transaction that
appends it).

`rebuild()` fills a staging store file from scratch, then puts it in the live store's place
in one rename, so readers see the old facts until the new ones are complete. Its chunks
(ranges of journal events per event family, ranges of records per record family) can be read
and turned into fact rows in worker processes, one per core, while this process writes what
they send into the store.
"""

import datetime as dt
import os
import time
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
from django.conf import settings
from django.db import connection as database
from django.db import transaction as database_transaction
from django.utils import timezone

from kaizen.analytics import store
from kaizen.analytics.business_time import BusinessCalendars
from kaizen.analytics.facts import Names, id_ranges
from kaizen.analytics.families import (
    EventFamily,
    FactContext,
    RecordFamily,
    event_families,
    get_family,
    record_families,
    versions,
)
from kaizen.core.processes import older_objects_frozen, run_jobs
from kaizen.journal.models import JournalEvent, JournalEventQuerySet
from kaizen.journal.selectors import committed_end, events_after

DEFAULT_BATCH_SIZE = 10_000
CURSOR = "journal_cursor"
CONFIGURATION = "facts_configuration"
SYNCED_AT = "synced_at"


@dataclass
class SyncReport:
    mode: str  # "sync" or "rebuild"
    events: int = 0  # journal events read
    event_facts: int = 0  # event fact rows appended (every event family: incident events)
    incidents: int = 0  # record fact rows written (every record family: incidents)
    refreshed_all: bool = False  # a family's every record was refreshed (e.g. SLA recompute)
    batches: int = 0
    cursor: int = 0
    seconds: float = 0.0
    rows: dict[str, int] = field(default_factory=dict)  # rows written, by fact table

    def count(self, table: str, rows: int) -> int:
        self.rows[table] = self.rows.get(table, 0) + rows
        return rows

    def written(self) -> str:
        """The rows written, per fact table, as people read them: "304 incidents, 303
        changes, 2,841 incident events"."""
        from kaizen.analytics.families import get_family

        parts = [f"{rows:,} {get_family(table).noun}" for table, rows in sorted(self.rows.items())]
        return ", ".join(parts) or "nothing"

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def facts_configuration() -> str:
    """What the stored facts depend on besides the journal: a store written under another
    set of families (or versions of them), reporting time zone or reporting calendar is
    rebuilt, not patched (a family added by a new process is filled by that rebuild)."""
    return f"{versions()}|{settings.TIME_ZONE}|{settings.KAIZEN_REPORTING_CALENDAR or ''}"


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
    facts of a batch are then read in bulk by each event family."""
    return JournalEvent.objects.values_list(
        "id", "txid", "event_type", "subject_type_id", "subject_id", named=True
    )


# Which records of each record family a batch touched: None means every one.
Touched = dict[str, set[int] | None]


def touched_records(events: Sequence[Any]) -> Touched:
    """By record family, the records whose facts these events may have changed."""
    return {family.name: family.touched(events) for family in record_families()}


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
    return pa.table({"id": pa.array(sorted(ids), pa.int64())})


def _insert(connection: duckdb.DuckDBPyConnection, table_name: str, rows: pa.Table) -> int:
    """Bulk insert through Arrow, no row-by-row binding."""
    if not rows.num_rows:
        return 0
    with _registered(connection, "arrow_rows", rows):
        connection.execute(f"INSERT INTO {table_name} BY NAME SELECT * FROM arrow_rows")
    return rows.num_rows


def _delete_records(
    connection: duckdb.DuckDBPyConnection, family: RecordFamily, ids: set[int] | None
) -> None:
    if ids is None:
        connection.execute(f"DELETE FROM {family.name}")
    elif ids:
        with _registered(connection, "touched", _id_table(ids)):
            connection.execute(
                f"DELETE FROM {family.name} WHERE {family.key} IN (SELECT id FROM touched)"
            )


def read_state(connection: duckdb.DuckDBPyConnection) -> dict[str, str]:
    return dict(connection.execute("SELECT name, value FROM sync_state").fetchall())


def _save_state(connection: duckdb.DuckDBPyConnection, values: dict[str, str]) -> None:
    for name, value in values.items():
        connection.execute("INSERT OR REPLACE INTO sync_state VALUES (?, ?)", [name, value])


def _state_after(cursor: int) -> dict[str, str]:
    return {CURSOR: str(cursor), SYNCED_AT: timezone.now().isoformat()}


LAST_EVENT_SQL = """
UPDATE {records} SET last_event_id = latest.event_id
FROM (
    SELECT {key}, max(event_id) AS event_id FROM {events} {where}
    GROUP BY {key}
) AS latest
WHERE {records}.{key} = latest.{key}
"""


def _set_last_event_ids(connection: duckdb.DuckDBPyConnection, touched: Touched) -> None:
    """Each rewritten record fact row's provenance: its record's latest event in the store."""
    for family in event_families():
        records = family.record_family
        ids = touched.get(records.name, set())
        if ids is not None and not ids:
            continue
        where = "" if ids is None else f"WHERE {records.key} IN (SELECT id FROM touched)"
        sql = LAST_EVENT_SQL.format(
            records=records.name, key=records.key, events=family.name, where=where
        )
        if ids is None:
            connection.execute(sql)
        else:
            with _registered(connection, "touched", _id_table(ids)):
                connection.execute(sql)


def _write_batch(
    connection: duckdb.DuckDBPyConnection,
    *,
    touched: Touched,
    record_tables: dict[str, Iterable[pa.Table]],
    event_tables: dict[str, pa.Table],
    cursor: int,
    report: SyncReport,
) -> None:
    """One batch, all or nothing: the touched records' rows replaced, the events' fact rows
    appended, the cursor moved past them."""
    records: dict[str, int] = {}
    events: dict[str, int] = {}
    with store.transaction(connection):
        for family in record_families():
            _delete_records(connection, family, touched[family.name])
            records[family.name] = sum(
                _insert(connection, family.name, rows) for rows in record_tables[family.name]
            )
        for name, rows in event_tables.items():
            events[name] = _insert(connection, name, rows)
        _set_last_event_ids(connection, touched)
        _save_state(connection, _state_after(cursor))
    report.incidents += sum(report.count(name, rows) for name, rows in records.items())
    report.event_facts += sum(report.count(name, rows) for name, rows in events.items())
    report.refreshed_all = report.refreshed_all or None in touched.values()
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
            touched = touched_records(events)
            if None in touched.values():
                self.calendars = BusinessCalendars()
            context = FactContext(calendars=self.calendars, names=Names())
            _write_batch(
                self.connection,
                touched=touched,
                record_tables={
                    family.name: self.record_tables(family, touched[family.name], context)
                    for family in record_families()
                },
                event_tables={
                    family.name: family.rows_between(cursor, next_cursor, context.names)
                    for family in event_families()
                },
                cursor=next_cursor,
                report=self.report,
            )
        return next_cursor

    def record_tables(
        self, family: RecordFamily, touched: set[int] | None, context: FactContext
    ) -> Iterable[pa.Table]:
        """A few records: read before writing. Every record: streamed by chunks."""
        if touched is None:
            return (
                family.rows_between(after, up_to, context)
                for after, up_to in id_ranges(family.model, self.batch_size)
            )
        return list(family.rows_of(touched, self.batch_size, context))


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


# What the rebuild's chunks are read with, set up once per process (a fork inherits it).
_rebuild_context: dict[str, FactContext] = {}


def _start_rebuild(context: FactContext) -> None:
    _rebuild_context["context"] = context


def _rebuild_chunk(chunk: tuple[str, int, int]) -> tuple[str, pa.Table]:
    """The fact rows of one chunk: a family's rows of the journal events (event family) or
    of the records (record family) with ids in (after, up_to]; in one snapshot on
    PostgreSQL."""
    name, after, up_to = chunk
    context = _rebuild_context["context"]
    family = get_family(name)
    with consistent_reads():
        if isinstance(family, EventFamily):
            return name, family.rows_between(after, up_to, context.names)
        assert isinstance(family, RecordFamily)
        return name, family.rows_between(after, up_to, context)


def _fill_staging(
    staging: duckdb.DuckDBPyConnection, batch_size: int, workers: int, report: SyncReport
) -> None:
    """Every event family's events up to the journal's safe end, and every record family's
    records (read after the end is known, so each record reflects at least the events
    before the cursor)."""
    names = Names()
    names.load_everyone()  # a rebuild names most of them anyway; workers then never look up
    context = FactContext(calendars=BusinessCalendars(), names=names)
    cursor, report.events = committed_end()
    event_ranges = id_ranges(JournalEvent, batch_size, up_to=cursor)
    chunks = [
        (family.name, after, up_to) for family in event_families() for after, up_to in event_ranges
    ]
    chunks += [
        (family.name, after, up_to)
        for family in record_families()
        for after, up_to in id_ranges(family.model, batch_size)
    ]
    event_names = {family.name for family in event_families()}
    # One transaction: DuckDB then writes the rows straight to the file's blocks, once,
    # instead of logging every chunk's insert first. One DuckDB thread while the workers
    # have the cores (appends gain nothing from more); all of them again for what follows.
    staging.execute("SET threads = 1")
    try:
        with older_objects_frozen(), store.transaction(staging):
            for name, rows in run_jobs(
                _rebuild_chunk,
                chunks,
                workers=workers,
                initializer=_start_rebuild,
                initargs=(context,),
            ):
                written = report.count(name, _insert(staging, name, rows))
                if name in event_names:
                    report.event_facts += written
                    report.batches += 1
                else:
                    report.incidents += written
    finally:
        _rebuild_context.clear()  # set here too when the chunks run in this process
    staging.execute("RESET threads")
    _set_last_event_ids(staging, dict.fromkeys(family.name for family in record_families()))
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
    """Drop every fact and fill the store again from the journal and the records, with
    `workers` processes reading (kaizen.core.processes.run_jobs says when that is one)."""
    started = time.perf_counter()
    with store.writer_lock(wait=wait):
        return _rebuild(batch_size, workers, started)


def last_synced_at(connection: duckdb.DuckDBPyConnection) -> dt.datetime | None:
    """When the store last caught up with the journal (None: never synced)."""
    value = read_state(connection).get(SYNCED_AT)
    return dt.datetime.fromisoformat(value) if value else None
