"""On PostgreSQL a served Kaizen holds at most DATABASE_POOL_MAX_SIZE connections per process,
however many requests arrive at once; requests beyond the pool wait for a connection and are
answered, none fails."""

import os
import subprocess
import sys
import threading
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection

from kaizen.notifications.tests.helpers import wait_for
from kaizen.notifications.tests.test_serve import free_port

pytestmark = pytest.mark.django_db(transaction=True)

POOL = 3
CLIENTS = 40


def _answers(port: int) -> bool:
    try:
        urllib.request.urlopen(f"http://127.0.0.1:{port}/health/", timeout=2)
    except OSError:
        return False
    return True


def _backends_of(database: str) -> set[int]:
    """The server processes connected to `database`, the one asking included."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pid FROM pg_stat_activity WHERE datname = %s", [database])
        return {pid for (pid,) in cursor.fetchall()}


def _own_backend() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        return cursor.fetchone()[0]


def _database_url(settings_dict: dict) -> str:
    user = settings_dict["USER"] or "postgres"
    password = f":{settings_dict['PASSWORD']}" if settings_dict["PASSWORD"] else ""
    host = settings_dict["HOST"] or "127.0.0.1"
    port = settings_dict["PORT"] or "5432"
    return f"postgres://{user}{password}@{host}:{port}/{settings_dict['NAME']}"


def test_a_burst_of_requests_never_opens_more_connections_than_the_pool(tmp_path):
    if connection.vendor != "postgresql":
        pytest.skip("the connection pool is PostgreSQL's (SQLite has no server connections)")
    database = connection.settings_dict["NAME"]
    port = free_port()
    env = {
        "PATH": os.environ.get("PATH", ""),
        "KAIZEN_ENV_FILE": os.devnull,
        "DJANGO_SETTINGS_MODULE": "kaizen.settings",
        "KAIZEN_DEBUG": "true",
        "KAIZEN_DATA_DIR": str(tmp_path / "data"),
        "DATABASE_URL": _database_url(connection.settings_dict),
        "DATABASE_POOL_MAX_SIZE": str(POOL),
        "DATABASE_POOL_MIN_SIZE": "1",
        "PYTHONUNBUFFERED": "1",
    }
    log = tmp_path / "server.log"
    with log.open("w") as output:
        server = subprocess.Popen(
            [sys.executable, "-m", "kaizen", "runserver", f"127.0.0.1:{port}", "--noreload"],
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    peak = 0
    watching = threading.Event()
    watching.set()
    # The test's own connection, and the watcher's (it asks), are not the server's.
    ours = _backends_of(database)

    def watch() -> None:
        nonlocal peak
        try:
            own = _own_backend()
            while watching.is_set():
                peak = max(peak, len(_backends_of(database) - ours - {own}))
                time.sleep(0.01)
        finally:
            connection.close()

    try:
        wait_for(lambda: _answers(port), within=60)
        watcher = threading.Thread(target=watch)
        watcher.start()
        try:
            with ThreadPoolExecutor(CLIENTS) as clients:
                statuses = list(
                    clients.map(
                        lambda _: (
                            urllib.request.urlopen(
                                f"http://127.0.0.1:{port}/health/", timeout=30
                            ).status
                        ),
                        range(CLIENTS * 5),
                    )
                )
        finally:
            watching.clear()
            watcher.join()
    finally:
        server.terminate()
        server.wait(timeout=30)
    assert statuses == [200] * (CLIENTS * 5), log.read_text()
    assert 1 <= peak <= POOL, f"{peak} connections at the peak; the pool allows {POOL}"
