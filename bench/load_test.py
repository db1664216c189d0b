"""Load test of the production set-up: gunicorn with several processes on PostgreSQL, the task
queue on Redis worked by two `kaizen run_huey` workers (whose minute task syncs the analytics
store), under N simulated agents, plus processes reading the DuckDB store while the sync
writes it. Loopback only, bounded by --duration.

    .venv/bin/python bench/load_test.py                                  # 50 agents, 5 minutes
    .venv/bin/python bench/load_test.py --agents 20 --duration 90        # shorter
    .venv/bin/python bench/load_test.py \\
        --database-url postgres://postgres@127.0.0.1:5432/kaizen_load --redis-url redis://127.0.0.1:6379/14

The database is created if missing and migrated; the bench's people, team and service are
made once and reused, and `--incidents` history (with its journal) is seeded into a database
that holds none. The Redis database number given is emptied first: use one nothing else uses.

Each agent signs in (a session, as a browser) and holds an API token; in a loop, after a
think time drawn around `--think` seconds, it does one of: its team's queue page, an incident's
page, open an incident (API), comment on one (API), the KPI scorecard, a KPI's page. Timings
are measured by the client (from sending the request to reading the whole answer), per page.
Any answer other than the expected status, or no answer, is an error. Meanwhile `--readers`
processes compute every measurable incident KPI from the DuckDB store in a loop (read-only
connections, as the web pages open them) and count failed reads; the store's sync cursor they
see shows the sync writing in between. Prints one JSON object.
"""

import argparse
import http.cookiejar
import json
import os
import random
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "load-test-password-1234"
# Page kinds and their weights in an agent's loop.
ACTIONS = {
    "queue": 30,
    "incident": 25,
    "comment": 15,
    "open_incident": 10,
    "kpi_scorecard": 10,
    "kpi_detail": 10,
}
READER = """
import json, time
from kaizen.kpis import engine
from kaizen.kpis.library import all_kpis
from kaizen.kpis.selectors import synced_event_id
chosen = [d for d in all_kpis() if d.measurable and d.key.startswith("incident.")]
deadline = time.monotonic() + DURATION
reads, failures, errors, cursors, timings = 0, 0, [], set(), []
while time.monotonic() < deadline:
    began = time.perf_counter()
    try:
        engine.scorecard(chosen, period="month")
        cursors.add(synced_event_id())
        reads += 1
        timings.append(time.perf_counter() - began)
    except Exception as error:
        failures += 1
        errors.append(f"{type(error).__name__}: {error}"[:300])
    time.sleep(0.05)
print(json.dumps({"reads": reads, "failures": failures, "errors": errors[:5],
                  "cursors": sorted(c for c in cursors if c is not None),
                  "seconds": timings}))
"""


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    index = max(0, min(len(ordered) - 1, round(share * len(ordered) + 0.5) - 1))
    return ordered[index]


def create_database(database_url: str) -> None:
    import psycopg

    parts = urllib.parse.urlparse(database_url)
    name = parts.path.lstrip("/")
    server = parts._replace(scheme="postgresql", path="/postgres").geturl()
    with psycopg.connect(server, autocommit=True) as admin:
        exists = admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if not exists:
            admin.execute(f'CREATE DATABASE "{name}"')


def prepare(args: argparse.Namespace) -> dict:
    """Migrate, collect static files, make the people, seed history, sync the store once."""
    sys.path.insert(0, str(ROOT / "bench"))
    from _setup import setup_django

    setup_django(args.database_url)
    from django.db import transaction
    from seed import seed_incidents

    from kaizen.analytics.sync import sync
    from kaizen.catalog import services as catalog_services
    from kaizen.catalog.models import Lifecycle, Service
    from kaizen.incidents.models import Incident
    from kaizen.people import services as people_services
    from kaizen.people.models import Process, Role, Team, User

    if not Incident.objects.exists():
        seed_incidents(args.incidents, seed=args.seed, with_journal=True)
    team, _ = Team.objects.get_or_create(slug="load-desk", defaults={"name": "Load desk"})
    caller, _ = User.objects.get_or_create(username="load-caller", defaults={"kind": "requester"})
    agents = []
    with transaction.atomic():
        for number in range(args.agents):
            user, created = User.objects.get_or_create(
                username=f"load-agent-{number}",
                defaults={"first_name": f"Agent {number}", "kind": "agent"},
            )
            if created:
                user.set_password(PASSWORD)
                user.save()
                people_services.do_grant_process_role(
                    user, Process.INCIDENT, Role.PRACTITIONER, actor=None
                )
                team.members.add(user)
            _, token = people_services.do_create_api_token(user, "load test", actor=None)
            agents.append({"username": user.username, "token": token})
    service = Service.objects.filter(
        slug="load-mail"
    ).first() or catalog_services.do_create_service(
        actor=None,
        name="Load mail",
        slug="load-mail",
        summary="Mail for the load test",
        lifecycle=Lifecycle.LIVE,
        owner=User.objects.get(username="load-agent-0"),
    )
    numbers = list(
        Incident.objects.filter(state__in=["new", "assigned", "in_progress"])
        .order_by("-id")
        .values_list("number", flat=True)[:500]
    )
    sync()  # the store starts from the seeded history, as a running site's would
    return {
        "agents": agents,
        "team": team.slug,
        "service": service.slug,
        "caller": caller.pk,
        "numbers": numbers,
        "incidents": Incident.objects.count(),
    }


class Agent:
    """One simulated agent: a signed-in browser session and an API token."""

    def __init__(
        self, base: str, account: dict, world: dict, rng: random.Random, results: "Results"
    ) -> None:
        self.base, self.account, self.world, self.rng = base, account, world, rng
        self.results = results
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar())
        )

    def sign_in(self) -> None:
        page = self.opener.open(f"{self.base}/login/", timeout=60).read().decode()
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
        data = urllib.parse.urlencode(
            {
                "username": self.account["username"],
                "password": PASSWORD,
                "csrfmiddlewaretoken": token,
            }
        ).encode()
        request = urllib.request.Request(
            f"{self.base}/login/", data=data, headers={"Referer": f"{self.base}/login/"}
        )
        answer = self.opener.open(request, timeout=60)
        if "/login/" in answer.geturl():
            raise RuntimeError(f"{self.account['username']} could not sign in")

    def call(self, kind: str, path: str, data: dict | None = None, expect: int = 200) -> dict:
        headers = {}
        body = None
        if data is not None:
            headers = {
                "Authorization": f"Bearer {self.account['token']}",
                "Content-Type": "application/json",
            }
            body = json.dumps(data).encode()
        request = urllib.request.Request(f"{self.base}{path}", data=body, headers=headers)
        began = time.perf_counter()
        status, payload = None, b""
        try:
            with self.opener.open(request, timeout=120) as answer:
                status, payload = answer.status, answer.read()
        except urllib.error.HTTPError as error:
            status, payload = error.code, error.read()
        except OSError as error:
            self.results.error(kind, path, f"{type(error).__name__}: {error}")
            return {}
        elapsed = time.perf_counter() - began
        if status != expect:
            self.results.error(kind, path, f"{status}: {payload[:200]!r}")
            return {}
        self.results.timing(kind, elapsed)
        return json.loads(payload) if data is not None else {}

    def step(self) -> None:
        kind = self.rng.choices(list(ACTIONS), weights=list(ACTIONS.values()))[0]
        numbers = self.world["numbers"]
        if kind == "queue":
            state = self.rng.choice(["open", "assigned", "in_progress", "new"])
            group = self.rng.choice(["", self.world["team"]])
            query = urllib.parse.urlencode(
                {"state": state, "assignment_group": group, "sort": "sla_due"}
            )
            self.call(kind, f"/incidents/queues/all/?{query}")
        elif kind == "incident":
            self.call(kind, f"/incidents/{self.rng.choice(numbers)}/")
        elif kind == "comment":
            number = self.rng.choice(numbers)
            note = {"body": f"Looked at it ({self.account['username']})", "is_work_note": True}
            self.call(kind, f"/api/v1/incidents/{number}/comments/", note, expect=201)
        elif kind == "open_incident":
            data = {
                "caller": self.world["caller"],
                "service": self.world["service"],
                "urgency": self.rng.choice([1, 2, 3]),
                "impact": self.rng.choice([1, 2, 3]),
                "assignment_group": self.world["team"],
                "short_description": "Cannot reach the mail server",
            }
            row = self.call(kind, "/api/v1/incidents/", data, expect=201)
            if row:
                numbers.append(row["number"])
        elif kind == "kpi_scorecard":
            self.call(kind, "/kpis/")
        else:
            key = self.rng.choice(
                ["incident.opened", "incident.resolution_hours_median", "incident.backlog"]
            )
            self.call(kind, f"/kpis/{key}/")


class Results:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.timings: dict[str, list[float]] = {kind: [] for kind in ACTIONS}
        self.errors: list[dict] = []

    def timing(self, kind: str, seconds: float) -> None:
        with self.lock:
            self.timings[kind].append(seconds)

    def error(self, kind: str, path: str, what: str) -> None:
        with self.lock:
            self.errors.append({"page": kind, "path": path, "error": what})


def work(agent: Agent, deadline: float, think: float) -> None:
    while time.monotonic() < deadline:
        time.sleep(agent.rng.uniform(0, 2 * think))
        if time.monotonic() >= deadline:
            break
        agent.step()


def watch_connections(database_url: str, running: threading.Event, peak: list[int]) -> None:
    import psycopg

    parts = urllib.parse.urlparse(database_url)
    with psycopg.connect(parts._replace(scheme="postgresql").geturl(), autocommit=True) as db:
        own = db.execute("SELECT pg_backend_pid()").fetchone()[0]
        while running.is_set():
            (count,) = db.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = %s AND pid <> %s",
                [parts.path.lstrip("/"), own],
            ).fetchone()
            peak[0] = max(peak[0], count)
            time.sleep(0.2)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--agents", type=int, default=50)
    parser.add_argument("--duration", type=float, default=300, help="seconds of load")
    parser.add_argument("--think", type=float, default=1.0, help="mean seconds between steps")
    parser.add_argument("--web-processes", type=int, default=4, help="gunicorn workers")
    parser.add_argument("--task-workers", type=int, default=2, help="`kaizen run_huey` processes")
    parser.add_argument("--readers", type=int, default=4, help="DuckDB reader processes")
    parser.add_argument("--incidents", type=int, default=5000, help="seeded history")
    parser.add_argument("--database-url", default="postgres://postgres@127.0.0.1:5432/kaizen_load")
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/14")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--seed", type=int, default=42)
    args = parser.parse_args()
    if not args.database_url.startswith(("postgres://", "postgresql://")):
        parser.error("--database-url: the production set-up runs on PostgreSQL")
    if args.duration > 3600 or args.agents > 500:
        parser.error("bounded: at most 500 agents and 3600 seconds")

    import redis

    redis.Redis.from_url(args.redis_url).flushdb()
    create_database(args.database_url)
    data_dir = tempfile.mkdtemp(prefix="kaizen-load-")
    env = {
        "PATH": os.environ.get("PATH", ""),
        "KAIZEN_ENV_FILE": os.devnull,
        "DJANGO_SETTINGS_MODULE": "kaizen.settings",
        "SECRET_KEY": "load-test-only-secret-key-0123456789abcdefghijklmnopqrstuvwxyz",
        "ALLOWED_HOSTS": "127.0.0.1",
        "KAIZEN_SECURE_SSL_REDIRECT": "false",
        "KAIZEN_SECURE_COOKIES": "false",
        "KAIZEN_SIGNIN_LOCKOUT": "true",
        "KAIZEN_DATA_DIR": data_dir,
        "DATABASE_URL": args.database_url,
        "REDIS_URL": args.redis_url,
        "KAIZEN_TASK_QUEUE": "redis",
        "EMAIL_URL": "console://",
        "KAIZEN_LOG_LEVEL": "WARNING",
        "KAIZEN_SITE_URL": f"http://127.0.0.1:{args.port}",
    }
    os.environ.update(env)
    started = time.perf_counter()
    world = prepare(args)
    prepared_s = time.perf_counter() - started

    logs = Path(data_dir) / "logs"
    logs.mkdir()
    children: list[subprocess.Popen] = []

    def spawn(name: str, command: list[str], **options) -> subprocess.Popen:
        output = (logs / f"{name}.log").open("w")
        child = subprocess.Popen(
            command, env=env, cwd=ROOT, stderr=output, **{"stdout": output, **options}
        )
        children.append(child)
        return child

    spawn(
        "gunicorn",
        [sys.executable, "-m", "gunicorn", "--workers", str(args.web_processes)]
        + ["--bind", f"127.0.0.1:{args.port}", "--timeout", "120", "kaizen.wsgi:application"],
    )
    for number in range(args.task_workers):
        spawn(f"worker-{number}", [sys.executable, "-m", "kaizen", "run_huey"])
    base = f"http://127.0.0.1:{args.port}"
    results = Results()
    rng = random.Random(args.seed)
    agents = []
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                urllib.request.urlopen(f"{base}/health/", timeout=5)
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise SystemExit("gunicorn did not answer within 120 s") from None
                time.sleep(0.5)
        for account in world["agents"]:
            agent = Agent(base, account, world, random.Random(rng.random()), results)
            agent.sign_in()
            agents.append(agent)
        readers = [
            spawn(
                f"reader-{number}",
                [sys.executable, "-m", "kaizen", "shell", "-c"]
                + [READER.replace("DURATION", str(args.duration))],
                stdout=subprocess.PIPE,
            )
            for number in range(args.readers)
        ]
        running = threading.Event()
        running.set()
        peak = [0]
        watcher = threading.Thread(
            target=watch_connections, args=(args.database_url, running, peak), daemon=True
        )
        watcher.start()
        load_began = time.monotonic()
        deadline = load_began + args.duration
        threads = [
            threading.Thread(target=work, args=(agent, deadline, args.think), daemon=True)
            for agent in agents
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        elapsed = time.monotonic() - load_began
        reader_reports = []
        for reader in readers:
            output, _ = reader.communicate(timeout=args.duration + 300)
            lines = output.decode().strip().splitlines()
            reader_reports.append(
                json.loads(lines[-1]) if lines else {"reads": 0, "failures": 1, "errors": []}
            )
        running.clear()
        watcher.join()
    finally:
        for child in children:
            if child.poll() is None:
                child.send_signal(signal.SIGTERM)
        for child in children:
            try:
                child.wait(timeout=30)
            except subprocess.TimeoutExpired:
                child.kill()

    pages = {}
    total = 0
    for kind, values in results.timings.items():
        total += len(values)
        pages[kind] = {
            "requests": len(values),
            "per_second": round(len(values) / elapsed, 2),
            "p50_ms": round(percentile(values, 0.50) * 1000, 1) if values else None,
            "p95_ms": round(percentile(values, 0.95) * 1000, 1) if values else None,
            "p99_ms": round(percentile(values, 0.99) * 1000, 1) if values else None,
        }
    read_seconds = [s for report in reader_reports for s in report.pop("seconds", [])]
    cursors = sorted({c for report in reader_reports for c in report["cursors"]})
    print(
        json.dumps(
            {
                "bench": "load_test",
                "database": "postgresql",
                "agents": args.agents,
                "duration_s": round(elapsed, 1),
                "think_s": args.think,
                "web_processes": args.web_processes,
                "task_workers": args.task_workers,
                "seeded_incidents": world["incidents"],
                "prepare_s": round(prepared_s, 1),
                "requests": total,
                "requests_per_second": round(total / elapsed, 2),
                "errors": len(results.errors),
                "error_samples": results.errors[:10],
                "pages": pages,
                "duckdb_readers": {
                    "processes": args.readers,
                    "reads": sum(report["reads"] for report in reader_reports),
                    "failures": sum(report["failures"] for report in reader_reports),
                    "error_samples": [e for report in reader_reports for e in report["errors"]][:5],
                    "read_p50_ms": round(statistics.median(read_seconds) * 1000, 1)
                    if read_seconds
                    else None,
                    "sync_cursors_seen": len(cursors),
                    "first_cursor": cursors[0] if cursors else None,
                    "last_cursor": cursors[-1] if cursors else None,
                },
                "postgresql_peak_connections": peak[0],
                "logs": str(logs),
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
