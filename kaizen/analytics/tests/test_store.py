"""The store file: DuckDB's process locks are waited for, not failed on."""

import subprocess
import sys
import time

import duckdb
import pytest

from kaizen.analytics.store import connect, store_path

HOLD_READ_ONLY = """
import sys, time, duckdb
connection = duckdb.connect(sys.argv[1], read_only=True)
print("open", flush=True)
time.sleep(float(sys.argv[2]))
"""


def test_a_writer_waits_while_another_process_reads(db):
    with connect():
        pass  # create the store
    reader = subprocess.Popen(
        [sys.executable, "-c", HOLD_READ_ONLY, str(store_path()), "1.0"],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert reader.stdout.readline().strip() == "open"
        started = time.monotonic()
        with connect() as connection:
            connection.execute("SELECT count(*) FROM incident_facts").fetchall()
        assert time.monotonic() - started > 0.3
    finally:
        reader.wait(timeout=10)


def test_it_gives_up_after_the_wait(db):
    with connect():
        pass
    reader = subprocess.Popen(
        [sys.executable, "-c", HOLD_READ_ONLY, str(store_path()), "3.0"],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert reader.stdout.readline().strip() == "open"
        with pytest.raises(duckdb.IOException, match="lock"), connect(wait_seconds=0.2):
            pass
    finally:
        reader.wait(timeout=10)
