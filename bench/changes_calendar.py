"""The change calendar at volume: the conflict check of one change, and the month page.

    .venv/bin/python bench/changes_calendar.py                                   # SQLite
    .venv/bin/python bench/changes_calendar.py \\
        --database-url postgres://postgres@127.0.0.1:5432/kaizen_bench         # PostgreSQL

Seeds (random.Random(--seed)) 200 services with two dependencies each on earlier services,
50,000 CIs each linked to a service, 200 agents in 20 teams, --changes scheduled changes (one
service and one or two CIs each, an implementer, 1 to 6 hours long) spread evenly over 600 days
from 1 Jan 2027 (so a 30-day month holds about 5,000 of them), weekly maintenance windows for
20 services and two blackouts. An existing database that already holds the changes is reused.

conflict_check: `unacknowledged_conflicts(change)` (what scheduling calls) for --probes draft
changes with a random window, service, two CIs and implementer, each read fresh.
month_view: the month page (March 2027) for --requests requests, server time measured
in-process around the whole request (middleware, view, queries, template) with Django's test
client, without and with a service filter. Prints one JSON object.
"""

import argparse
import datetime as dt
import gc
import json
import os
import random
import statistics
import time

from _setup import setup_django

START = dt.datetime(2027, 1, 1, tzinfo=dt.UTC)
DAYS = 600
SERVICES = 200


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return round(ordered[max(int(len(ordered) * 0.95) - 1, 0)] * 1000, 2)


def ms(value: float) -> float:
    return round(value * 1000, 2)


def seed(rng: random.Random, changes: int, cis: int) -> None:
    from django.contrib.auth.hashers import make_password
    from django.db import transaction

    from kaizen.catalog.models import ConfigurationItem, Service, ServiceDependency
    from kaizen.changes.models import Change, ChangeWindow
    from kaizen.people.models import Team, User

    with transaction.atomic():
        password = make_password(None)
        agents = User.objects.bulk_create(
            User(username=f"agent{i}", kind="agent", first_name=f"Agent{i}", password=password)
            for i in range(200)
        )
        teams = Team.objects.bulk_create(
            Team(name=f"Team {i}", slug=f"team-{i}") for i in range(20)
        )
        for index, team in enumerate(teams):
            team.members.set(agents[index::20])
        services = Service.objects.bulk_create(
            Service(name=f"Service {i}", slug=f"service-{i}", summary="x", lifecycle="live")
            for i in range(SERVICES)
        )
        ServiceDependency.objects.bulk_create(
            ServiceDependency(service=service, depends_on=target)
            for index, service in enumerate(services[2:], start=2)
            for target in rng.sample(services[:index], 2)
        )
        items = ConfigurationItem.objects.bulk_create(
            (ConfigurationItem(name=f"ci-{i:05d}", ci_type="server") for i in range(cis)),
            batch_size=5000,
        )
        ConfigurationItem.services.through.objects.bulk_create(
            (
                ConfigurationItem.services.through(
                    configurationitem_id=item.pk, service_id=rng.choice(services).pk
                )
                for item in items
            ),
            batch_size=5000,
        )
        rows = []
        for number in range(1, changes + 1):
            start = START + dt.timedelta(minutes=30 * rng.randrange(DAYS * 48))
            team_index = rng.randrange(20)
            rows.append(
                Change(
                    number=f"CHG{number:07d}",
                    title=f"Bench change {number}",
                    requester=agents[0],
                    assignment_group=teams[team_index],
                    implementer=agents[team_index + 20 * rng.randrange(10)],
                    state="scheduled",
                    planned_start=start,
                    planned_end=start + dt.timedelta(hours=rng.randint(1, 6)),
                    opened_at=START - dt.timedelta(days=30),
                    updated_at=START - dt.timedelta(days=30),
                )
            )
        created = Change.objects.bulk_create(rows, batch_size=5000)
        Change.services.through.objects.bulk_create(
            (
                Change.services.through(change_id=change.pk, service_id=rng.choice(services).pk)
                for change in created
            ),
            batch_size=5000,
        )
        Change.configuration_items.through.objects.bulk_create(
            (
                Change.configuration_items.through(change_id=change.pk, configurationitem_id=ci)
                for change in created
                for ci in {rng.choice(items).pk for _ in range(rng.randint(1, 2))}
            ),
            batch_size=5000,
        )
        at = START - dt.timedelta(days=60)
        for index, service in enumerate(services[:20]):
            window = ChangeWindow.objects.create(
                kind="maintenance",
                name=f"{service.name} weekly",
                recurrence="weekly",
                weekday=index % 7,
                start_time=dt.time(20),
                end_time=dt.time(4),
                time_zone="Europe/London",
                created_at=at,
                updated_at=at,
            )
            window.services.set([service])
        for year in (2027, 2028):
            ChangeWindow.objects.create(
                kind="blackout",
                name=f"Year-end freeze {year}",
                all_services=True,
                recurrence="once",
                starts_at=dt.datetime(year, 12, 20, tzinfo=dt.UTC),
                ends_at=dt.datetime(year + 1, 1, 4, tzinfo=dt.UTC),
                created_at=at,
                updated_at=at,
            )


def probes(rng: random.Random, count: int) -> list[int]:
    from kaizen.catalog.models import ConfigurationItem, Service
    from kaizen.changes.models import Change
    from kaizen.people.models import User

    services = list(Service.objects.values_list("pk", flat=True))
    ci_ids = list(ConfigurationItem.objects.values_list("pk", flat=True))
    agents = list(User.objects.filter(kind="agent").values_list("pk", flat=True))
    made = []
    for index in range(count):
        start = START + dt.timedelta(minutes=30 * rng.randrange((DAYS - 30) * 48))
        change = Change.objects.create(
            number=f"PRB{index:07d}",
            title="Probe",
            requester_id=agents[0],
            implementer_id=rng.choice(agents),
            state="draft",
            planned_start=start,
            planned_end=start + dt.timedelta(hours=rng.randint(1, 4)),
            opened_at=START,
            updated_at=START,
        )
        change.services.set([rng.choice(services)])
        change.configuration_items.set(rng.sample(ci_ids, 2))
        made.append(change.pk)
    return made


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--changes", type=int, default=100_000)
    parser.add_argument("--cis", type=int, default=50_000)
    parser.add_argument("--probes", type=int, default=300)
    parser.add_argument("--requests", type=int, default=60)
    parser.add_argument("--database-url")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--data-dir", help="folder of the SQLite database (reused if it exists)")
    args = parser.parse_args()
    if args.data_dir:
        os.environ["KAIZEN_DATA_DIR"] = os.path.abspath(args.data_dir)
    vendor = setup_django(args.database_url)

    from django.db import connection
    from django.test import Client

    from kaizen.changes.models import Change
    from kaizen.changes.services.conflicts import unacknowledged_conflicts
    from kaizen.people.models import User

    rng = random.Random(args.seed)
    started = time.perf_counter()
    if Change.objects.filter(state="scheduled").count() < args.changes:
        seed(rng, args.changes, args.cis)
    Change.objects.filter(number__startswith="PRB").delete()
    probe_ids = probes(rng, args.probes)
    seeded_s = time.perf_counter() - started
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE" if vendor == "postgresql" else "ANALYZE")

    check_timings, conflicts_found = [], []
    for pk in probe_ids:
        begin = time.perf_counter()
        change = Change.objects.get(pk=pk)
        found = unacknowledged_conflicts(change)
        check_timings.append(time.perf_counter() - begin)
        conflicts_found.append(len(found))

    gc.collect()
    import kaizen.wsgi  # noqa: F401

    agent = User.objects.filter(kind="agent").first()
    client = Client()
    client.force_login(agent)
    month_start = dt.datetime(2027, 3, 1, tzinfo=dt.UTC)
    in_month = Change.objects.filter(
        state="scheduled",
        planned_start__lt=dt.datetime(2027, 4, 1, tzinfo=dt.UTC),
        planned_end__gt=month_start,
    ).count()
    month = {}
    for label, params in (
        ("all", {"month": "2027-03"}),
        ("service_filter", {"month": "2027-03", "service": "service-7"}),
    ):
        timings = []
        for number in range(args.requests + 5):
            begin = time.perf_counter()
            response = client.get("/changes/calendar/", params)
            elapsed = time.perf_counter() - begin
            assert response.status_code == 200, response.status_code
            if number >= 5:  # the first requests warm caches and connections
                timings.append(elapsed)
        month[label] = {
            "requests": len(timings),
            "p50_ms": ms(statistics.median(timings)),
            "p95_ms": p95(timings),
            "max_ms": ms(max(timings)),
            "bytes": len(response.content),
        }
    print(
        json.dumps(
            {
                "benchmark": "changes_calendar",
                "database": vendor,
                "scheduled_changes": Change.objects.filter(state="scheduled").count(),
                "cis": args.cis,
                "services": SERVICES,
                "seed_s": round(seeded_s, 1),
                "conflict_check": {
                    "probes": len(check_timings),
                    "conflicts_mean": round(statistics.mean(conflicts_found), 2),
                    "p50_ms": ms(statistics.median(check_timings)),
                    "p95_ms": p95(check_timings),
                    "max_ms": ms(max(check_timings)),
                },
                "month_view": {"changes_in_month": in_month, **month},
            }
        )
    )


if __name__ == "__main__":
    main()
