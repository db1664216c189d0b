"""The nightly problem-candidate scan over a long incident history.

    .venv/bin/python bench/problem_candidates.py --incidents 1000000              # SQLite
    .venv/bin/python bench/problem_candidates.py --incidents 1000000 \\
        --database-url postgres://postgres@127.0.0.1:5432/kaizen_bench        # PostgreSQL

Seeds (seeded generator, bulk inserts: bench/seed.py's incident rows) three years of incidents
on services, CIs and categories with descriptions drawn from a few hundred phrasings of
common failures, each with its own host, user or error number; then adds, in the last week,
spikes on a few services, CIs and categories and one new failure described in several ways.
Measures `do_scan_candidates` as of the history's end: the read of the last 97 days (rate
tests: 7 days against the 84 before; text clusters: the last 90 days), the rate tests per
service, CI and category, the clusters, and the recording. An existing database that already
holds the history is reused (`--data-dir` for SQLite, or the PostgreSQL `--database-url`).
Prints one JSON object.
"""

import argparse
import datetime as dt
import json
import os
import random
import time

from _setup import setup_django

END = dt.datetime(2026, 11, 1, tzinfo=dt.UTC)
APPS = [
    "Outlook",
    "Teams",
    "SAP",
    "VPN client",
    "Salesforce",
    "the intranet",
    "Jira",
    "Zoom",
    "the printer",
    "OneDrive",
    "the payroll app",
    "Citrix",
    "the CRM",
    "the ERP portal",
    "SharePoint",
    "the laptop",
    "the docking station",
    "Wi-Fi",
    "the badge reader",
    "Excel",
]
SYMPTOMS = [
    "cannot connect",
    "is very slow",
    "crashes on start",
    "shows error {n}",
    "asks for the password again",
    "does not sync",
    "freezes when saving",
    "cannot log in",
    "times out after {n} seconds",
    "prints blank pages",
    "lost my files",
    "licence expired",
    "will not open attachments",
    "hangs at login",
]
CONTEXTS = [
    "since this morning",
    "for user u{n}",
    "on host srv-{n}",
    "after the update",
    "in building {n}",
    "when working from home",
    "",
    "for the whole team",
    "again, ticket {n} did not fix it",
    "on my new laptop",
]
NEW_FAILURE = [
    "Disk quota exceeded on the file share {n}",
    "File share {n} says disk quota exceeded",
    "cannot save to share {n}: disk quota exceeded",
]


def description(rng: random.Random) -> tuple[str, str]:
    app, symptom, context = rng.choice(APPS), rng.choice(SYMPTOMS), rng.choice(CONTEXTS)
    short = f"{app} {symptom} {context}".format(n=rng.randint(1, 999)).strip()
    return short[:160], rng.choice(["", "", "Please help.", "Urgent, a customer is waiting."])


def seed(rng, count: int, services: int, cis: int, categories: int) -> dict[str, int]:
    from changes_risk import seed_catalogue
    from django.db import transaction
    from seed import incident_rows, seed_people

    from kaizen.incidents.models import Category, Incident

    teams, members, callers = seed_people(rng)
    service_rows, ci_rows = seed_catalogue(rng, services, cis)
    category_rows = Category.objects.bulk_create(
        Category(name=f"Bench category {i}") for i in range(categories)
    )
    # A few subjects carry most incidents, as on a real desk (Zipf-like weights).
    service_weights = [1 / (index + 1) for index in range(len(service_rows))]
    category_weights = [1 / (index + 1) for index in range(len(category_rows))]
    written, pending = 0, []

    def flush() -> None:
        nonlocal written
        with transaction.atomic():
            Incident.objects.bulk_create(pending)
        written += len(pending)
        pending.clear()

    for fields, _ in incident_rows(rng, count, teams, members, callers, open_share=0.02):
        fields["short_description"], fields["description"] = description(rng)
        if rng.random() < 0.8:
            fields["service_id"] = rng.choices(service_rows, service_weights)[0].pk
        if rng.random() < 0.4:
            fields["configuration_item_id"] = rng.choice(ci_rows).pk
        if rng.random() < 0.9:
            fields["category_id"] = rng.choices(category_rows, category_weights)[0].pk
        pending.append(Incident(**fields))
        if len(pending) >= 10000:
            flush()
    # The last week: spikes on three services, two CIs and a category, and a new failure.
    number = count
    spikes = [("service_id", row.pk) for row in service_rows[5:8]]
    spikes += [("configuration_item_id", row.pk) for row in ci_rows[:2]]
    spikes += [("category_id", category_rows[3].pk)]
    for field, value in spikes:
        for _ in range(60):
            number += 1
            short, long = description(rng)
            pending.append(_extra(rng, number, short, long, teams, callers, **{field: value}))
    for _ in range(40):
        number += 1
        short = rng.choice(NEW_FAILURE).format(n=rng.randint(1, 9))
        pending.append(_extra(rng, number, short, "", teams, callers))
    flush()
    return {"incidents": written, "spikes": len(spikes), "new_failure": 40}


def _extra(rng, number, short, long, teams, callers, **fields):
    from kaizen.incidents.models import Incident

    opened = END - dt.timedelta(seconds=rng.randint(60, 7 * 86400 - 60))
    return Incident(
        number=f"INC{number:08d}",
        caller_id=rng.choice(callers).pk,
        short_description=short,
        description=long,
        assignment_group_id=rng.choice(teams).pk,
        state="assigned",
        opened_at=opened,
        updated_at=opened,
        **fields,
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--incidents", type=int, default=1_000_000)
    parser.add_argument("--services", type=int, default=300)
    parser.add_argument("--cis", type=int, default=5000)
    parser.add_argument("--categories", type=int, default=40)
    parser.add_argument("--database-url")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--data-dir", help="folder of the SQLite database (reused if it exists)")
    parser.add_argument("--runs", type=int, default=2, help="scans timed (the first records)")
    args = parser.parse_args()
    if args.data_dir:
        os.environ["KAIZEN_DATA_DIR"] = os.path.abspath(args.data_dir)
    vendor = setup_django(args.database_url)

    from kaizen.incidents.models import Incident
    from kaizen.problems import detection
    from kaizen.problems.models import Candidate, CandidateKind
    from kaizen.problems.services import candidates as services

    rng = random.Random(args.seed)
    started = time.perf_counter()
    existing = Incident.objects.count()
    written = (
        {"incidents": existing}
        if existing >= args.incidents
        else seed(rng, args.incidents, args.services, args.cis, args.categories)
    )
    seeded_s = time.perf_counter() - started

    # The phases of one scan, timed apart (the same calls do_scan_candidates makes).
    options = services.ScanSettings.from_settings()
    window_start = END - dt.timedelta(days=options.window_days)
    history_start = window_start - dt.timedelta(days=options.history_days)
    cluster_start = END - dt.timedelta(days=options.cluster_days)
    phases = {}
    clock = time.perf_counter()
    rows, _ = services.unexplained_rows(min(history_start, cluster_start), END)
    phases["read_s"] = round(time.perf_counter() - clock, 2)
    clock = time.perf_counter()
    findings = detection.rate_findings(
        [row for row in rows if row[1] >= history_start],
        now=END,
        window_days=options.window_days,
        history_days=options.history_days,
        min_count=options.min_count,
        false_discovery_rate=options.false_discovery_rate,
    )
    phases["rate_tests_s"] = round(time.perf_counter() - clock, 2)
    clock = time.perf_counter()
    clusters = detection.text_clusters(
        [row for row in rows if row[1] >= cluster_start],
        min_size=options.cluster_min_size,
        similarity=options.similarity,
        now=END,
    )
    phases["text_clusters_s"] = round(time.perf_counter() - clock, 2)

    scans = []
    for _ in range(args.runs):
        clock = time.perf_counter()
        result = services.do_scan_candidates(now=END)
        scans.append(round(time.perf_counter() - clock, 2))
    by_kind = {kind: Candidate.objects.filter(kind=kind).count() for kind in CandidateKind.values}
    largest = [len(cluster.numbers) for cluster in clusters[:5]]
    print(
        json.dumps(
            {
                "benchmark": "problem_candidates",
                "database": vendor,
                "incidents": Incident.objects.count(),
                "seeded": written,
                "seed_s": round(seeded_s, 1),
                "incidents_scanned": len(rows),
                "subjects_tested": result.subjects_tested,
                "rate_findings": len(findings),
                "clusters": len(clusters),
                "largest_clusters": largest,
                "new_failure_found": any("quota" in c.terms for c in clusters),
                "new_failure_rank": next(
                    (i + 1 for i, c in enumerate(clusters) if "quota" in c.terms), None
                ),
                "candidates": by_kind,
                "phases": phases,
                "scan_s": scans,
                "target_s": 60,
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
