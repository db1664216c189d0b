"""`kaizen analytics rebuild` over a large history, then an incremental sync.

    .venv/bin/python bench/analytics_rebuild.py --incidents 100000

Seeds incidents with their journal events (bench/seed.py), a UK office-hours calendar with
English public holidays as the reporting calendar (so every incident's business hours are
computed), times a full rebuild of the analytics store, then resolves 1,000 open incidents
through the incident services and times the sync that follows. Prints one JSON object, with
wall-clock and CPU seconds (on a shared machine the wall time includes waiting for a core).
"""

import argparse
import datetime as dt
import json
import time

from _setup import setup_django


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--incidents", type=int, default=100_000)
    parser.add_argument("--changed", type=int, default=1_000)
    parser.add_argument("--database-url")
    parser.add_argument("--seed", type=int, default=42)
    args = parser.parse_args()
    vendor = setup_django(args.database_url)

    from django.conf import settings
    from seed import seed_incidents

    from kaizen.analytics.sync import rebuild, sync
    from kaizen.incidents.models import Incident
    from kaizen.incidents.services import do_change_incident_state
    from kaizen.sla.config_services import do_create_calendar

    written = seed_incidents(args.incidents, seed=args.seed, with_journal=True)
    do_create_calendar(
        actor=None,
        name="UK office",
        slug="uk-office",
        time_zone="Europe/London",
        holiday_country="GB",
        holiday_subdivision="ENG",
        periods=[(day, dt.time(8), dt.time(18)) for day in range(5)],
    )
    settings.KAIZEN_REPORTING_CALENDAR = "uk-office"

    started, cpu_started = time.perf_counter(), time.process_time()
    rebuilt = rebuild()
    rebuild_seconds = time.perf_counter() - started
    rebuild_cpu_seconds = time.process_time() - cpu_started

    for incident in Incident.objects.open().order_by("pk")[: args.changed]:
        do_change_incident_state(
            incident,
            "resolved",
            actor=None,
            expected_version=None,
            resolution_code="solved",
            resolution_notes="Benchmark",
            notify=False,
        )
    started, cpu_started = time.perf_counter(), time.process_time()
    synced = sync()
    sync_seconds = time.perf_counter() - started
    sync_cpu_seconds = time.process_time() - cpu_started

    print(
        json.dumps(
            {
                "benchmark": "analytics_rebuild",
                "database": vendor,
                "incidents": written["incidents"],
                "journal_events": written["events"],
                "rebuild_s": round(rebuild_seconds, 1),
                # CPU time of the process (all its threads): the wall time on a busy machine
                # includes waiting for a core.
                "rebuild_cpu_s": round(rebuild_cpu_seconds, 1),
                "rebuild_incidents_per_s": round(rebuilt.incidents / rebuild_seconds),
                "event_facts": rebuilt.event_facts,
                "changed_incidents": synced.incidents,
                "sync_events": synced.events,
                "sync_s": round(sync_seconds, 2),
                "sync_cpu_s": round(sync_cpu_seconds, 2),
            }
        )
    )


if __name__ == "__main__":
    main()
