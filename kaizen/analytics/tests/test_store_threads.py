"""Threads of one process (the task worker's: the minute sync writing while a KPI measurement
reads) take turns on the store: DuckDB refuses, within a process, to open a file for writing
while it is open read-only and the other way round. Before the turn-taking the sync failed
with "Can't open a connection to same database file with a different configuration" and the
worker process could abort."""

import os
import subprocess
import sys
import threading
import time

import pytest

from kaizen.analytics import store


def test_a_writer_thread_waits_for_a_reader_thread_of_the_same_process(db):
    with store.connect():
        pass  # the store exists
    reading = threading.Event()
    release = threading.Event()
    outcome: dict[str, object] = {}

    def reader() -> None:
        with store.connect(read_only=True) as connection:
            connection.execute("SELECT 1").fetchall()
            reading.set()
            release.wait(10)
            outcome["reader_closed_at"] = time.monotonic()

    def writer() -> None:
        try:
            with store.connect(wait_seconds=10) as connection:
                outcome["writer_opened_at"] = time.monotonic()
                connection.execute("SELECT 1").fetchall()
        except Exception as error:  # noqa: BLE001 - the test reports it
            outcome["writer_error"] = error

    first = threading.Thread(target=reader)
    first.start()
    assert reading.wait(10)
    second = threading.Thread(target=writer)
    second.start()
    time.sleep(0.3)
    assert "writer_opened_at" not in outcome  # it waits for the reader...
    release.set()
    first.join(10)
    second.join(10)
    assert "writer_error" not in outcome, outcome.get("writer_error")
    assert outcome["writer_opened_at"] >= outcome["reader_closed_at"]  # ...then opens


def test_readers_of_the_same_process_share_and_a_writer_gives_up_after_its_wait(db):
    with store.connect():
        pass
    with store.connect(read_only=True), store.connect(read_only=True) as second:
        assert second.execute("SELECT 1").fetchall() == [(1,)]
        outcome: dict[str, Exception] = {}

        def writer() -> None:
            try:
                with store.connect(wait_seconds=0.2):
                    pass
            except Exception as error:  # noqa: BLE001 - the test looks at it
                outcome["error"] = error

        thread = threading.Thread(target=writer)
        thread.start()
        thread.join(10)
    assert "another thread of this process" in str(outcome["error"])
    with store.connect():  # once the readers are gone, the writer opens
        pass


@pytest.fixture(autouse=True)
def _no_leftover_turns():
    yield
    assert all(count == 0 for _, count in store._open_here.values())


READ_BACK_TO_BACK = """
import sys, time
import django
django.setup()
from kaizen.analytics.store import connect
deadline = time.monotonic() + float(sys.argv[2])
print("reading", flush=True)
while time.monotonic() < deadline:
    with connect(read_only=True) as connection:  # the live store, through its gate
        connection.execute("SELECT count(*) FROM incident_facts").fetchall()
        time.sleep(0.3)
"""


def test_a_writer_gets_in_between_readers_that_read_back_to_back(db):
    """Two processes reading without pause always had the file open between them, and the
    sync waited for a moment with no reader in vain (it gave up after its wait, a minute's
    facts late; seen in bench/load_test.py). A waiting writer now stops new readers."""
    path = store.store_path()
    with store.connect():
        pass
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "kaizen.test_settings",
        "KAIZEN_ANALYTICS_PATH": str(path),
    }
    readers = [
        subprocess.Popen(
            [sys.executable, "-c", READ_BACK_TO_BACK, str(path), "20"],
            stdout=subprocess.PIPE,
            text=True,
            env=env,
        )
        for _ in range(2)
    ]
    try:
        for reader in readers:
            assert reader.stdout.readline().strip() == "reading"
        time.sleep(1.0)  # both are in their loops
        started = time.monotonic()
        with store.connect(wait_seconds=8) as connection:
            connection.execute("SELECT count(*) FROM incident_facts").fetchall()
        assert time.monotonic() - started < 8
        assert all(reader.poll() is None for reader in readers)  # they were still reading
    finally:
        for reader in readers:
            reader.kill()
            reader.wait(timeout=10)
