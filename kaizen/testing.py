"""Test helpers: small factories that go through the domain services, and query-count guards."""

import json
import os
import sqlite3
import tempfile
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from itertools import count
from pathlib import Path
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import connection, connections
from django.http import HttpResponse
from django.test.utils import CaptureQueriesContext

from kaizen.catalog import services as catalog_services
from kaizen.catalog.models import ConfigurationItem, Lifecycle, Service, ServiceOffering
from kaizen.people import services as people_services
from kaizen.people.models import Team, User, UserKind

PASSWORD = "correct-horse-battery-staple"
_sequence = count(1)
# The checkout these tests belong to: a `kaizen` command they start imports Kaizen from here.
CHECKOUT = Path(__file__).resolve().parent.parent


def command_env(**env: str) -> dict[str, str]:
    """The environment of a `kaizen` command a test starts: none of the test process's own
    settings, this checkout's Kaizen (whatever folder the command runs in), and no local
    configuration file (a developer's .env must not change what the test sees)."""
    return {
        "PATH": os.environ.get("PATH", ""),
        "PYTHONPATH": str(CHECKOUT),
        "KAIZEN_ENV_FILE": os.devnull,
        **env,
    }


def make_user(username: str | None = None, *, kind: str = UserKind.AGENT, **fields: Any) -> User:
    username = username or f"user{next(_sequence)}"
    fields.setdefault("first_name", username.capitalize())
    fields.setdefault("email", f"{username}@example.com")
    return people_services.do_create_user(
        actor=None, username=username, kind=kind, password=PASSWORD, **fields
    )


def make_team(name: str | None = None, *, members: list[User] | None = None, **fields: Any) -> Team:
    name = name or f"Team {next(_sequence)}"
    fields.setdefault("slug", name.lower().replace(" ", "-"))
    return people_services.do_create_team(actor=None, name=name, members=members, **fields)


def make_service(
    name: str | None = None, *, lifecycle: str = Lifecycle.LIVE, **fields: Any
) -> Service:
    name = name or f"Service {next(_sequence)}"
    fields.setdefault("slug", name.lower().replace(" ", "-"))
    fields.setdefault("summary", f"{name} for everyone")
    if lifecycle != Lifecycle.PIPELINE and "owner" not in fields:
        fields["owner"] = make_user()
    return catalog_services.do_create_service(actor=None, name=name, lifecycle=lifecycle, **fields)


def make_offering(service: Service, name: str | None = None, **fields: Any) -> ServiceOffering:
    fields.setdefault("offering_type", "access")
    return catalog_services.do_create_offering(
        service, actor=None, name=name or f"Offering {next(_sequence)}", **fields
    )


def make_ci(name: str | None = None, **fields: Any) -> ConfigurationItem:
    fields.setdefault("ci_type", "server")
    return catalog_services.do_create_ci(actor=None, name=name or f"ci-{next(_sequence)}", **fields)


def _baseline_file(app: str) -> Path:
    return Path(__file__).resolve().parent / app / "tests" / "query_counts.json"


@contextmanager
def assert_query_count(app: str, key: str) -> Iterator[CaptureQueriesContext]:
    """Fail when the number of queries for `key` differs from the committed baseline.

    Baselines live in `<app>/tests/query_counts.json`, one per list page and list endpoint.
    Run with KAIZEN_UPDATE_QUERY_COUNTS=1 to (re)write them after a deliberate change, and
    commit the file with a word on why the count moved.
    """
    path = _baseline_file(app)
    baselines: dict[str, int] = json.loads(path.read_text()) if path.exists() else {}
    with CaptureQueriesContext(connection) as captured:
        yield captured
    actual = len(captured.captured_queries)
    if os.environ.get("KAIZEN_UPDATE_QUERY_COUNTS") == "1":
        baselines[key] = actual
        path.write_text(json.dumps(dict(sorted(baselines.items())), indent=2) + "\n")
        return
    if key not in baselines:
        raise AssertionError(
            f"no query-count baseline for {key!r} in {path}; run with KAIZEN_UPDATE_QUERY_COUNTS=1"
        )
    queries = "\n".join(q["sql"] for q in captured.captured_queries)
    assert actual == baselines[key], (
        f"{key}: {actual} queries, baseline {baselines[key]}:\n{queries}"
    )


def assert_constant_queries(
    app: str, key: str, fetch: Callable[[], HttpResponse], add_rows: Callable[[], object]
) -> None:
    """`fetch()` answers 200 in the committed baseline `key` of `app`'s queries, before and
    after `add_rows()` adds more rows (no N+1). The content-type cache is emptied first so the
    count does not depend on which test ran before."""
    counts = []
    for step in range(2):
        if step:
            add_rows()
        ContentType.objects.clear_cache()
        with assert_query_count(app, key) as captured:
            response = fetch()
            assert response.status_code == 200, response
        counts.append(len(captured.captured_queries))
    assert counts[0] == counts[1]


def restore_seeded_rows() -> None:
    """Put back the rows data migrations seed (the standard priority matrix, the default
    change approval policies), gone after a
    transactional or live-server test's flush (get or create: nothing happens when they are
    there). Number counters need no seed: the first number taken creates its counter."""
    from importlib import import_module

    from kaizen.incidents.models import PriorityMatrix

    seeded = import_module("kaizen.incidents.migrations.0002_seed_priority_matrix")
    for (impact, urgency), priority in seeded.STANDARD_MATRIX.items():
        PriorityMatrix.objects.get_or_create(
            impact=impact, urgency=urgency, defaults={"priority": priority}
        )
    # The default change approval policies (docs/change-cab.md), by name.
    from django.apps import apps

    import_module("kaizen.changes.migrations.0002_cab").seed_policies(apps, None)
    # The default risk questionnaire and rules (docs/change-risk.md).
    import_module("kaizen.changes.migrations.0002_risk").seed(apps, None)


@contextmanager
def database_for_threads() -> Iterator[None]:
    """Let threads write concurrently to the test database as they would to the real one.

    PostgreSQL needs nothing. SQLite's test database lives in memory, shared between threads
    through SQLite's shared cache, where a second writer fails at once ("database table is
    locked") instead of waiting its turn as on a database file (busy_timeout). So on SQLite the
    database is copied to a file, and connections opened by other threads meanwhile use the
    file: run the threads' work, and read what they wrote, through `in_thread`. This thread's
    own connection stays on the in-memory database (closing it would destroy that one).
    """
    if connection.vendor != "sqlite":
        yield
        return
    settings_dict = connections.settings["default"]  # shared by every thread's connection
    original = settings_dict["NAME"]
    with tempfile.TemporaryDirectory(prefix="kaizen-threads-") as folder:
        path = f"{folder}/db.sqlite3"
        connection.ensure_connection()
        target = sqlite3.connect(path)
        connection.connection.backup(target)
        target.close()
        settings_dict["NAME"] = path
        try:
            yield
        finally:
            settings_dict["NAME"] = original


def in_thread(function: Callable[[], Any]) -> Any:
    """Run `function` in a thread of its own (its own database connection) and return its
    result or raise its exception: to read what threads wrote under database_for_threads."""
    outcome: dict[str, Any] = {}

    def run() -> None:
        try:
            outcome["result"] = function()
        except BaseException as exc:  # handed to the caller
            outcome["error"] = exc
        finally:
            connections.close_all()

    thread = threading.Thread(target=run)
    thread.start()
    thread.join(60)
    if "error" in outcome:
        raise outcome["error"]
    return outcome["result"]
