"""Scale-out on the engines Kaizen already uses, with real processes (docs/deployment.md):
two application nodes and two worker nodes, each with its own data folder (as on four
machines), against one PostgreSQL and one Redis.

- Each node keeps its own analytics store, synced from the shared journal: incidents recorded
  through node A's API (gunicorn) show in node B's KPI figures once node B has synced, and the
  figures both nodes compute are the same.
- Huey on Redis hands a task to one worker and forgets it (BRPOP: at most once). A worker
  killed (SIGKILL) in the middle of sending an e-mail loses the task; the mail is not lost,
  because the outbox row is the truth and the minute retry of another worker sends it.

PostgreSQL only: SQLite is one file on one machine, there is nothing to scale out.
"""

import json
import os
import signal
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path

import psycopg
import pytest
import redis
from django.db import connection

import kaizen
from kaizen.incidents.models import Incident
from kaizen.notifications.models import Notification
from kaizen.notifications.tests.helpers import wait_for
from kaizen.notifications.tests.test_serve import free_port
from kaizen.people import services as people_services
from kaizen.people.models import Process, Role, UserKind
from kaizen.testing import make_service, make_user

pytestmark = pytest.mark.django_db(transaction=True)

REDIS_URL = "redis://127.0.0.1:6379/12"  # a database number no other Kaizen test uses
CHECKOUT = Path(kaizen.__file__).resolve().parent.parent
# What a node prints: every measurable incident KPI over all time computed from its own store
# (what the KPI pages read) and how far that store has synced, before and after it syncs.
FIGURES = """
import json
from kaizen.analytics.sync import sync
from kaizen.kpis import engine
from kaizen.kpis.library import all_kpis
from kaizen.kpis.selectors import synced_event_id
chosen = [d for d in all_kpis() if d.measurable and d.key.startswith("incident.")]
def figures():
    results = engine.scorecard(chosen, period="all")
    return {"cursor": synced_event_id(),
            "kpis": {key: result.rows for key, result in results.items()}}
before = figures()
sync()
print(json.dumps({"before": before, "after": figures()}, default=str))
"""


def _database_url() -> str:
    settings_dict = connection.settings_dict
    user = settings_dict["USER"] or "postgres"
    password = f":{settings_dict['PASSWORD']}" if settings_dict["PASSWORD"] else ""
    host = settings_dict["HOST"] or "127.0.0.1"
    port = settings_dict["PORT"] or "5432"
    return f"postgres://{user}{password}@{host}:{port}/{settings_dict['NAME']}"


def node_env(data_dir: Path) -> dict[str, str]:
    """Production settings (not debug) of one node: its own data folder, the shared database
    and Redis (queue and cache)."""
    return {
        "PATH": os.environ.get("PATH", ""),
        "KAIZEN_ENV_FILE": os.devnull,
        "DJANGO_SETTINGS_MODULE": "kaizen.settings",
        "SECRET_KEY": "scale-out-test-secret-key-0123456789-0123456789-0123456789",
        "ALLOWED_HOSTS": "127.0.0.1",
        "KAIZEN_SECURE_SSL_REDIRECT": "false",
        "KAIZEN_SECURE_COOKIES": "false",
        "KAIZEN_DATA_DIR": str(data_dir),
        "DATABASE_URL": _database_url(),
        "DATABASE_POOL_MAX_SIZE": "2",
        "REDIS_URL": REDIS_URL,
        "KAIZEN_TASK_QUEUE": "redis",
        "EMAIL_URL": "console://",
        "PYTHONUNBUFFERED": "1",
        # PostgreSQL checks every 100 ms that the client of a running statement is still
        # there, so a killed worker's statement is abandoned, not finished (deployment.md).
        "PGOPTIONS": "-c client_connection_check_interval=100",
    }


def figures_of(*data_dirs: Path) -> list[dict]:
    """Each node's figures before and after its sync (the nodes run at once)."""
    nodes = [
        subprocess.Popen(
            [sys.executable, "-m", "kaizen", "shell", "-c", FIGURES],
            env=node_env(data_dir),
            cwd=CHECKOUT,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for data_dir in data_dirs
    ]
    printed = [node.communicate(timeout=120) for node in nodes]
    for node, (_, errors) in zip(nodes, printed, strict=True):
        assert node.returncode == 0, errors
    return [json.loads(output.strip().splitlines()[-1]) for output, _ in printed]


def value(figures: dict, key: str) -> object:
    (row,) = figures["kpis"][key]
    return row["value"]


def call(port: int, path: str, token: str, data: dict) -> dict:
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}{path}",
        data=json.dumps(data).encode(),
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.loads(response.read())


def answers(port: int) -> bool:
    try:
        urllib.request.urlopen(f"http://127.0.0.1:{port}/health/", timeout=2)
    except urllib.error.HTTPError:
        return True
    except OSError:
        return False
    return True


@pytest.fixture
def shared_redis():
    if connection.vendor != "postgresql":
        pytest.skip(
            "scale-out needs PostgreSQL: SQLite is one file on one machine "
            "(the CI's PostgreSQL run covers this test)"
        )
    client = redis.Redis.from_url(REDIS_URL)
    try:
        client.ping()
    except redis.ConnectionError:
        pytest.skip("no Redis server at 127.0.0.1:6379")
    client.flushdb()
    yield client
    client.flushdb()


@pytest.fixture
def processes():
    started: list[subprocess.Popen] = []
    yield started
    for process in started:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
    for process in started:
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def test_node_b_shows_the_kpi_figures_of_what_node_a_recorded(tmp_path, shared_redis, processes):
    node_a, node_b = tmp_path / "node-a", tmp_path / "node-b"
    agent = make_user("alan", first_name="Alan", last_name="Agent")
    people_services.do_grant_process_role(agent, Process.INCIDENT, Role.PRACTITIONER, actor=None)
    caller = make_user("rita", kind=UserKind.REQUESTER)
    make_service("Email", slug="email")
    _, token = people_services.do_create_api_token(agent, "scale-out", actor=None)
    port = free_port()
    log = (tmp_path / "node-a.log").open("w")
    processes.append(
        subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "--workers", "2", "--bind", f"127.0.0.1:{port}"]
            + ["kaizen.wsgi:application"],
            env=node_env(node_a),
            cwd=CHECKOUT,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    )
    wait_for(lambda: answers(port), within=60)

    def open_incident(urgency: int) -> dict:
        data = {"caller": caller.pk, "service": "email", "urgency": urgency}
        return call(port, "/api/v1/incidents/", token, {**data, "short_description": "No mail"})

    first = [open_incident(urgency) for urgency in (1, 2, 3)]
    a, b = figures_of(node_a, node_b)
    assert b["before"]["cursor"] is None  # a new node: an empty store
    assert value(a["after"], "incident.opened") == 3
    assert a["after"] == b["after"]

    # Node A records more: one incident cancelled, one more opened.
    cancelled = call(
        port,
        f"/api/v1/incidents/{first[0]['number']}/transition/",
        token,
        {"state": "cancelled", "version": first[0]["version"]},
    )
    assert cancelled["state"] == "cancelled"
    open_incident(3)
    assert Incident.objects.count() == 4
    a2, b2 = figures_of(node_a, node_b)
    # Until it syncs, node B's own store still holds the first three incidents.
    assert b2["before"] == b["after"]
    assert b2["after"]["cursor"] > b["after"]["cursor"]
    after = b2["after"]
    assert (value(after, "incident.opened"), value(after, "incident.cancelled_pct")) == (4, 25.0)
    assert a2["after"] == b2["after"]
    assert (node_a / "analytics.duckdb").exists() and (node_b / "analytics.duckdb").exists()


def _blocked_claims() -> list[int]:
    """Backends waiting for a row lock to claim an outbox row."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pid FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
            "AND query LIKE 'UPDATE \"notifications_notification\"%%'"
        )
        return [pid for (pid,) in cursor.fetchall()]


def test_a_worker_killed_mid_task_loses_no_mail(tmp_path, shared_redis, processes):
    row = Notification.objects.create(
        address="rita@example.com",
        category="incident_updates",
        subject="INC0000042 was assigned to you",
        text="Please have a look.",
    )
    # Hold the row so the first worker's claim waits on it: that worker is then caught in
    # the middle of the task, deterministically.
    holder = psycopg.connect(_database_url().replace("postgres://", "postgresql://"))
    holder.execute("SELECT id FROM notifications_notification WHERE id = %s FOR UPDATE", [row.pk])
    first_log = tmp_path / "worker-1.log"
    with first_log.open("w") as output:
        first = subprocess.Popen(
            [sys.executable, "-m", "kaizen", "run_huey"],
            env=node_env(tmp_path / "worker-1"),
            cwd=CHECKOUT,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    processes.append(first)
    # Its scheduler enqueues the minute tasks as it starts; the retry takes the row.
    wait_for(lambda: _blocked_claims(), within=60)
    first.send_signal(signal.SIGKILL)
    first.wait(timeout=10)
    wait_for(lambda: not _blocked_claims(), within=10)  # PostgreSQL dropped its statement
    holder.rollback()
    holder.close()
    row.refresh_from_db()
    assert (row.sent_at, row.claimed_at, row.attempts) == (None, None, 0)
    # Huey took the task out of Redis when the worker started it: it is gone with the worker.
    assert "retry_notifications" not in str(shared_redis.lrange("huey.redis.kaizen", 0, -1))

    second_log = tmp_path / "worker-2.log"
    with second_log.open("w") as output:
        processes.append(
            subprocess.Popen(
                [sys.executable, "-m", "kaizen", "run_huey", "--flush-locks"],
                env=node_env(tmp_path / "worker-2"),
                cwd=CHECKOUT,
                stdout=output,
                stderr=subprocess.STDOUT,
            )
        )
    # The other worker's minute retry (enqueued as its scheduler starts) sends the mail.
    wait_for(
        lambda: Notification.objects.filter(pk=row.pk, sent_at__isnull=False).exists(), within=60
    )
    row.refresh_from_db()
    assert row.attempts == 1
    wait_for(lambda: "INC0000042 was assigned to you" in second_log.read_text(), within=10)
    assert second_log.read_text().count("Subject: INC0000042 was assigned to you") == 1
    assert "INC0000042" not in first_log.read_text()


def test_a_new_nodes_first_sync_rebuilds_in_worker_processes_with_the_pool(tmp_path):
    """A new node's first `kaizen analytics sync` is a rebuild by forked worker processes, on
    PostgreSQL with the connection pool on (the production default). The workers inherited
    the pool's open connections and used their sockets with the parent: the command failed
    with "lost synchronization with server" (kaizen.core.processes closes the pools before
    forking now)."""
    if connection.vendor != "postgresql":
        pytest.skip("the connection pool is PostgreSQL's; SQLite has no server connections")
    from kaizen.incidents import services as incident_services

    caller = make_user("rita", kind=UserKind.REQUESTER)
    service = make_service("Email", slug="email")
    for number in range(6):
        incident_services.do_open_incident(
            actor=None, caller=caller, service=service, short_description=f"Mail {number}"
        )
    result = subprocess.run(
        [sys.executable, "-m", "kaizen", "analytics", "sync", "--workers", "2"]
        + ["--batch-size", "2", "--json"],
        env=node_env(tmp_path / "new-node"),
        cwd=CHECKOUT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    report = json.loads(result.stdout)
    assert (report["mode"], report["rows"]["incident_facts"]) == ("rebuild", 6)
