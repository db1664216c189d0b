"""The embedded columnar analytics store (DuckDB, one file under the data folder).

DuckDB allows one writing process per file; readers in other processes open it read-only, and
only while no process has it open for writing (DuckDB locks the file: a writer excludes
readers and readers exclude a writer). Every user of the store goes through `connect()`, which
waits a while for such a lock instead of failing at once, and creates the schema on first use.
Writers (the sync, the rebuild) also hold `writer_lock()` for the whole run, so two of them
never interleave batches, whichever process or thread they run in.
"""

import fcntl
import os
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from pathlib import Path

import duckdb
from django.conf import settings

from kaizen.analytics.schema import schema


class StoreBusy(Exception):
    """Another sync or rebuild holds the store's writer lock."""


def store_path() -> Path:
    return Path(settings.KAIZEN_ANALYTICS_PATH)


def create_schema(connection: duckdb.DuckDBPyConnection) -> None:
    for statement in schema():
        connection.execute(statement)


def _open(path: Path, read_only: bool, wait_seconds: float) -> duckdb.DuckDBPyConnection:
    """Open the file, retrying while another process holds a conflicting lock (a sync
    writing for a moment, or a reader computing KPIs)."""
    deadline = time.monotonic() + wait_seconds
    pause = 0.05
    while True:
        try:
            return duckdb.connect(str(path), read_only=read_only)
        except duckdb.IOException as exc:
            if "lock" not in str(exc).lower() or time.monotonic() + pause > deadline:
                raise
        time.sleep(pause)
        pause = min(pause * 2, 0.5)


# Within one process DuckDB refuses to open a file read-only while a connection of this
# process has it open for writing, and the other way round ("Can't open a connection to same
# database file with a different configuration"): the task worker's threads (the minute sync
# writing, a KPI measurement reading) take turns here. Connections of the same mode share.
_modes = threading.Condition()
_open_here: dict[str, tuple[bool, int]] = {}  # file -> (read_only, connections open)


@contextmanager
def _mode_turn(path: Path, read_only: bool, wait_seconds: float) -> Iterator[None]:
    key = str(path.resolve())
    with _modes:
        if not _modes.wait_for(
            lambda: _open_here.get(key, (read_only, 0))[0] == read_only or _open_here[key][1] == 0,
            timeout=wait_seconds,
        ):
            raise duckdb.IOException(
                f"Could not set lock on {path}: another thread of this process has it open"
            )
        _open_here[key] = (read_only, _open_here.get(key, (read_only, 0))[1] + 1)
    try:
        yield
    finally:
        with _modes:
            mode, count = _open_here[key]
            _open_here[key] = (mode, count - 1)
            _modes.notify_all()


@contextmanager
def _gate(path: Path, *, writer: bool, wait_seconds: float) -> Iterator[None]:
    """Writers first, across processes. DuckDB lets a writer open the file only when no
    process has it open, so readers reading back to back (KPI pages, many web processes)
    would keep the sync out for good. A writer holds an exclusive lock on `<store>.gate` for
    as long as it has the store open; a reader passes the gate (a shared lock, let go at
    once) before it opens the store. So a waiting writer stops new readers, the readers
    already in finish, and the writer gets in; the readers then wait for the writer only."""
    descriptor = os.open(f"{path}.gate", os.O_RDWR | os.O_CREAT, 0o600)
    try:
        deadline = time.monotonic() + wait_seconds
        pause = 0.01
        while True:
            try:
                fcntl.flock(
                    descriptor, (fcntl.LOCK_EX if writer else fcntl.LOCK_SH) | fcntl.LOCK_NB
                )
                break
            except BlockingIOError:
                if time.monotonic() + pause > deadline:
                    raise duckdb.IOException(
                        f"Could not set lock on {path}: another process is writing it"
                    ) from None
            time.sleep(pause)
            pause = min(pause * 2, 0.1)
        if not writer:
            fcntl.flock(descriptor, fcntl.LOCK_UN)
        yield
    finally:
        os.close(descriptor)  # closing releases a writer's lock


@contextmanager
def connect(
    *, read_only: bool = False, path: Path | None = None, wait_seconds: float = 30.0
) -> Iterator[duckdb.DuckDBPyConnection]:
    """A connection to the store (or to another store file, e.g. a rebuild's staging copy);
    a missing store is created (schema included) first. Waits up to `wait_seconds` while
    another process, or another thread of this one, has the file open in a conflicting mode."""
    live = path is None  # the gate is the live store's; a rebuild's staging file has no reader
    path = path or store_path()
    if read_only and not path.exists():
        read_only = False  # nothing to read yet: create the empty store once
    path.parent.mkdir(parents=True, exist_ok=True)
    with (
        _mode_turn(path, read_only, wait_seconds),
        _gate(path, writer=not read_only, wait_seconds=wait_seconds) if live else nullcontext(),
    ):
        connection = _open(path, read_only, wait_seconds)
        try:
            if not read_only:
                create_schema(connection)
            yield connection
        finally:
            connection.close()


@contextmanager
def transaction(connection: duckdb.DuckDBPyConnection) -> Iterator[None]:
    """Everything inside commits together or not at all (a crash mid-way leaves nothing)."""
    connection.execute("BEGIN TRANSACTION")
    try:
        yield
    except BaseException:
        connection.execute("ROLLBACK")
        raise
    connection.execute("COMMIT")


@contextmanager
def writer_lock(*, wait: bool = True) -> Iterator[None]:
    """Exclusive right to write the store, across processes (an advisory lock on a file next
    to the store; the kernel releases it when the holder dies, so a killed sync never leaves
    the store locked). With `wait=False`, raises StoreBusy instead of waiting."""
    path = store_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(f"{path}.lock", os.O_RDWR | os.O_CREAT, 0o600)
    try:
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX | (0 if wait else fcntl.LOCK_NB))
        except BlockingIOError as exc:
            raise StoreBusy(f"another sync or rebuild is writing {path}") from exc
        yield
    finally:
        os.close(descriptor)  # closing releases the lock
