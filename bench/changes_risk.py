"""Risk evidence for one change over a long change and incident history.

    .venv/bin/python bench/changes_risk.py --changes 200000 --incidents 1000000    # SQLite
    .venv/bin/python bench/changes_risk.py --changes 200000 --incidents 1000000 \\
        --database-url postgres://postgres@127.0.0.1:5432/kaizen_bench           # PostgreSQL

Seeds (seeded generator, bulk inserts) services, CIs, categories, standard templates, the
closed changes with their affected services and CIs and closure codes, some confirmed
caused-incident links, and incidents on the services and CIs (bench/seed.py's incident rows
with a service and CI added); then, for `--requests` new changes with random services, CIs,
category, team and (for a fifth) a template, measures in-process what the risk panel computes:
the stated risk with its reasons and the evidence (tier, outcomes, estimate). An existing
database that already holds the history is reused (`--data-dir` for SQLite, or the PostgreSQL
`--database-url`). Prints one JSON object.
"""

import argparse
import datetime as dt
import json
import os
import random
import statistics
import time

from _setup import setup_django

START = dt.datetime(2023, 11, 1, tzinfo=dt.UTC)
END = dt.datetime(2026, 11, 1, tzinfo=dt.UTC)
# What the evidence's incident test probes: an incident on this service (or CI) opened in this
# window. Without them each probe walks every incident of the service.
INCIDENT_INDEXES = [
    ("bench_incident_service_opened", "service_id"),
    ("bench_incident_ci_opened", "configuration_item_id"),
]


def seed_catalogue(rng: random.Random, services: int, cis: int):
    from kaizen.catalog.models import ConfigurationItem, Criticality, Service

    criticalities = [Criticality.LOW, Criticality.MEDIUM, Criticality.MEDIUM, Criticality.HIGH]
    service_rows = Service.objects.bulk_create(
        Service(
            name=f"Bench service {i}",
            slug=f"bench-service-{i}",
            summary="Seeded",
            lifecycle="live",
            criticality=rng.choice(criticalities),
        )
        for i in range(services)
    )
    types = ["server", "database", "application", "network", "storage"]
    ci_rows = ConfigurationItem.objects.bulk_create(
        ConfigurationItem(name=f"bench-ci-{i}", ci_type=rng.choice(types)) for i in range(cis)
    )
    return service_rows, ci_rows


def seed_changes(rng, count, teams, members, services, cis) -> dict[str, int]:
    from django.db import transaction

    from kaizen.changes.models import CausedIncident, Change, ChangeCategory, ChangeTemplate

    categories = ChangeCategory.objects.bulk_create(
        ChangeCategory(name=f"Bench category {i}") for i in range(12)
    )
    templates = ChangeTemplate.objects.bulk_create(
        ChangeTemplate(
            key=f"bench-template-{i}",
            name=f"Bench template {i}",
            implementation_plan="Seeded",
            backout_plan="Seeded",
            status="approved",
            proposed_at=START,
            updated_at=START,
        )
        for i in range(40)
    )
    span = (END - START).total_seconds()
    codes = ["successful"] * 85 + ["successful_with_issues"] * 5 + ["failed"] * 6
    codes += ["backed_out"] * 4
    written = {"changes": 0, "confirmed_links": 0}
    through_services = Change.services.through
    through_cis = Change.configuration_items.through
    batch: list[tuple[Change, list, list, bool]] = []

    def flush() -> None:
        with transaction.atomic():
            created = Change.objects.bulk_create(change for change, *_ in batch)
            through_services.objects.bulk_create(
                through_services(change_id=change.pk, service_id=service.pk)
                for change, (_, on_services, _, _) in zip(created, batch, strict=True)
                for service in on_services
            )
            through_cis.objects.bulk_create(
                through_cis(change_id=change.pk, configurationitem_id=ci.pk)
                for change, (_, _, on_cis, _) in zip(created, batch, strict=True)
                for ci in on_cis
            )
            links = [
                CausedIncident(
                    change_id=change.pk,
                    incident_number=f"INC{rng.randint(1, 1_000_000):08d}",
                    status="confirmed",
                    created_at=change.closed_at,
                )
                for change, (*_, caused) in zip(created, batch, strict=True)
                if caused
            ]
            CausedIncident.objects.bulk_create(links)
            written["changes"] += len(created)
            written["confirmed_links"] += len(links)
        batch.clear()

    for number in range(1, count + 1):
        ended = START + dt.timedelta(seconds=span * number / (count + 1))
        team = rng.choice(teams)
        template = rng.choice(templates) if rng.random() < 0.2 else None
        change = Change(
            number=f"CHG{number:08d}",
            title=f"Seeded change {number}",
            change_type="standard" if template else rng.choice(["normal"] * 9 + ["emergency"]),
            category=rng.choice(categories),
            template=template,
            requester=rng.choice(members[team.pk]),
            assignment_group=team,
            state="closed",
            closure_code=rng.choice(codes),
            opened_at=ended - dt.timedelta(days=7),
            submitted_at=ended - dt.timedelta(days=6),
            authorised_at=None if template else ended - dt.timedelta(days=3),
            actual_start=ended - dt.timedelta(hours=2),
            actual_end=ended,
            reviewed_at=ended + dt.timedelta(days=1),
            closed_at=ended + dt.timedelta(days=2),
            updated_at=ended + dt.timedelta(days=2),
        )
        on_services = rng.sample(services, rng.choice([1, 1, 2]))
        on_cis = rng.sample(cis, rng.choice([0, 1, 1, 2]))
        batch.append((change, on_services, on_cis, rng.random() < 0.02))
        if len(batch) >= 5000:
            flush()
    if batch:
        flush()
    return written


def seed_incidents(rng, count, teams, members, callers, services, cis) -> int:
    from django.db import transaction
    from seed import incident_rows

    from kaizen.incidents.models import Incident

    written = 0
    pending: list[Incident] = []
    for fields, _ in incident_rows(rng, count, teams, members, callers, open_share=0.02):
        # Most incidents name their service, fewer their CI (as in real desks' data).
        if rng.random() < 0.7:
            fields["service_id"] = rng.choice(services).pk
        if rng.random() < 0.3:
            fields["configuration_item_id"] = rng.choice(cis).pk
        pending.append(Incident(**fields))
        if len(pending) >= 10000:
            with transaction.atomic():
                Incident.objects.bulk_create(pending)
            written += len(pending)
            pending.clear()
    if pending:
        Incident.objects.bulk_create(pending)
        written += len(pending)
    return written


def new_changes(rng, count, teams, members, services, cis):
    """Open changes to assess, raised as the services would (the rows only)."""
    from kaizen.changes.models import Change, ChangeCategory, ChangeTemplate

    categories = list(ChangeCategory.objects.all())
    templates = list(ChangeTemplate.objects.all())
    changes = []
    for number in range(count):
        team = rng.choice(teams)
        template = rng.choice(templates) if rng.random() < 0.2 else None
        change = Change.objects.create(
            number=f"CHGNEW{number:05d}",
            title="Assess me",
            change_type="standard" if template else "normal",
            template=template,
            category=rng.choice(categories),
            requester=rng.choice(members[team.pk]),
            assignment_group=team,
            opened_at=END,
            updated_at=END,
        )
        change.services.set(rng.sample(services, rng.choice([1, 1, 2])))
        change.configuration_items.set(rng.sample(cis, rng.choice([0, 1, 1, 2])))
        changes.append(change)
    return changes


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--changes", type=int, default=200_000)
    parser.add_argument("--incidents", type=int, default=1_000_000)
    parser.add_argument("--services", type=int, default=1000)
    parser.add_argument("--cis", type=int, default=20000)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--database-url")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--data-dir", help="folder of the SQLite database (reused if it exists)")
    parser.add_argument(
        "--incident-indexes",
        action="store_true",
        help="create the incidents' (service, opened_at) and (configuration_item, opened_at) "
        "indexes docs/change-risk.md asks the incidents app for (else drop them)",
    )
    args = parser.parse_args()
    if args.data_dir:
        os.environ["KAIZEN_DATA_DIR"] = os.path.abspath(args.data_dir)
    vendor = setup_django(args.database_url)

    from django.db import connection, reset_queries
    from django.test.utils import CaptureQueriesContext
    from seed import seed_people

    from kaizen.catalog.models import ConfigurationItem, Service
    from kaizen.changes.models import Change
    from kaizen.changes.services.evidence import evidence_for
    from kaizen.changes.services.risk import assess_stated_risk
    from kaizen.incidents.models import Incident

    rng = random.Random(args.seed)
    started = time.perf_counter()
    if Change.objects.filter(state="closed").count() >= args.changes:
        services = list(Service.objects.filter(slug__startswith="bench-service-"))
        cis = list(ConfigurationItem.objects.filter(name__startswith="bench-ci-"))
        from kaizen.people.models import Team

        teams = list(Team.objects.prefetch_related("members"))
        members = {team.pk: list(team.members.all()) for team in teams}
        written = {"changes": Change.objects.filter(state="closed").count()}
        incidents = Incident.objects.count()
    else:
        teams, members, callers = seed_people(rng)
        services, cis = seed_catalogue(rng, args.services, args.cis)
        written = seed_changes(rng, args.changes, teams, members, services, cis)
        incidents = seed_incidents(rng, args.incidents, teams, members, callers, services, cis)
    seeded_s = time.perf_counter() - started
    with connection.cursor() as cursor:
        for name, column in INCIDENT_INDEXES:
            cursor.execute(f"DROP INDEX IF EXISTS {name}")
            if args.incident_indexes:
                cursor.execute(f"CREATE INDEX {name} ON incidents_incident ({column}, opened_at)")
        cursor.execute("VACUUM ANALYZE" if vendor == "postgresql" else "ANALYZE")

    changes = new_changes(rng, args.requests + 10, teams, members, services, cis)
    timings, queries, samples, tiers, went_wrong = [], [], [], {}, []
    for index, change in enumerate(changes):
        change = Change.objects.select_related("template").get(pk=change.pk)
        reset_queries()
        with CaptureQueriesContext(connection) as captured:
            begin = time.perf_counter()
            assess_stated_risk(change)
            found = evidence_for(change)
            elapsed = time.perf_counter() - begin
        if index >= 10:  # the first ones warm caches and connections
            timings.append(elapsed)
            queries.append(len(captured.captured_queries))
            samples.append(found.estimate.sample_size)
            tier = found.tier.key if found.tier else "none"
            tiers[tier] = tiers.get(tier, 0) + 1
            went_wrong.append(found.estimate.bad_outcomes / max(1, found.estimate.sample_size))
    Change.objects.filter(number__startswith="CHGNEW").delete()
    timings.sort()
    print(
        json.dumps(
            {
                "benchmark": "changes_risk",
                "database": vendor,
                "closed_changes": written["changes"],
                "incidents": incidents,
                "incident_indexes": args.incident_indexes,
                "seed_s": round(seeded_s, 1),
                "requests": len(timings),
                "tiers": tiers,
                "sample_size_median": statistics.median(samples),
                "went_wrong_share_median": round(statistics.median(went_wrong), 3),
                "queries_max": max(queries),
                "p50_ms": round(statistics.median(timings) * 1000, 1),
                "p95_ms": round(timings[int(len(timings) * 0.95) - 1] * 1000, 1),
                "max_ms": round(timings[-1] * 1000, 1),
            }
        )
    )


if __name__ == "__main__":
    main()
