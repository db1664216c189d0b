"""Agent queue page at volume: filter by team and state, sort by SLA due, 50 rows.

    .venv/bin/python bench/agent_queue.py --incidents 1000000                 # SQLite
    .venv/bin/python bench/agent_queue.py --incidents 1000000 \\
        --database-url postgres://postgres@127.0.0.1:5432/kaizen_bench      # PostgreSQL

An existing database that already holds the incidents is reused (seeding a million takes
minutes): a PostgreSQL `--database-url`, or for SQLite a `--data-dir` kept between runs
(without it, each run seeds a fresh SQLite file in a temp folder). Server time is measured
in-process around the whole request (middleware, view, queries, template), with Django's test
client, for `--requests` requests cycling through teams and open states, after starting the
application as kaizen/wsgi.py does. Prints one JSON object.
"""

import argparse
import gc
import json
import os
import random
import statistics
import time

from _setup import setup_django


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--incidents", type=int, default=1_000_000)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--database-url")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument(
        "--data-dir", help="folder of the SQLite database (reused if it exists already)"
    )
    args = parser.parse_args()
    if args.data_dir:
        os.environ["KAIZEN_DATA_DIR"] = os.path.abspath(args.data_dir)
    vendor = setup_django(args.database_url)

    from django.db import connection
    from django.test import Client
    from seed import seed_incidents

    from kaizen.incidents.models import Incident
    from kaizen.people.models import Team, User

    started = time.perf_counter()
    existing = Incident.objects.count()
    if existing >= args.incidents:  # a database seeded by an earlier run (--database-url)
        written = {"incidents": existing}
    else:
        written = seed_incidents(args.incidents, seed=args.seed)
    seeded_s = time.perf_counter() - started
    with connection.cursor() as cursor:
        # What autovacuum would have done by the time such a history exists.
        cursor.execute("VACUUM ANALYZE" if vendor == "postgresql" else "ANALYZE")

    agent = User.objects.filter(kind="agent").first()
    teams = list(Team.objects.values_list("slug", flat=True))
    # Start the application the way production does (kaizen/wsgi.py freezes what start-up
    # loaded); the seeding above is not part of a web process, so collect it first.
    gc.collect()
    import kaizen.wsgi  # noqa: F401

    client = Client()
    client.force_login(agent)
    states = ["assigned", "in_progress", "on_hold", "open"]
    rng = random.Random(args.seed)
    timings = []
    rows_seen = []
    for number in range(args.requests + 10):
        params = {
            "assignment_group": rng.choice(teams),
            "state": rng.choice(states),
            "sort": "sla_due",
            "per_page": 50,
        }
        begin = time.perf_counter()
        response = client.get("/incidents/queues/all/", params)
        elapsed = time.perf_counter() - begin
        assert response.status_code == 200, response.status_code
        if number >= 10:  # the first requests warm caches and connections
            timings.append(elapsed)
            rows_seen.append(response.content.count(b'name="incidents"'))
    timings.sort()
    print(
        json.dumps(
            {
                "benchmark": "agent_queue",
                "database": vendor,
                "incidents": written["incidents"],
                "seed_s": round(seeded_s, 1),
                "requests": len(timings),
                "rows_per_page_max": max(rows_seen),
                "p50_ms": round(statistics.median(timings) * 1000, 1),
                "p95_ms": round(timings[int(len(timings) * 0.95) - 1] * 1000, 1),
                "max_ms": round(timings[-1] * 1000, 1),
            }
        )
    )


if __name__ == "__main__":
    main()
