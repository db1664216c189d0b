"""The periodic SLA scan with many open clocks.

    .venv/bin/python bench/sla_scan.py --open-clocks 100000 [--due-share 0.01]

Seeds `--open-clocks` running clocks (half response, half resolution) on open incidents, of
which `--due-share` have a warning or breach due now (a busy minute), then times one scan run:
finding the due clocks through the partial index and firing each (journal event, escalation
notifications queued). Prints one JSON object.
"""

import argparse
import datetime as dt
import json
import random
import time

from _setup import setup_django


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--open-clocks", type=int, default=100_000)
    parser.add_argument("--due-share", type=float, default=0.01)
    parser.add_argument("--database-url")
    parser.add_argument("--seed", type=int, default=42)
    args = parser.parse_args()
    vendor = setup_django(args.database_url)

    from django.contrib.contenttypes.models import ContentType
    from django.db import transaction
    from django.urls import get_resolver
    from seed import seed_incidents

    from kaizen.incidents.models import Incident
    from kaizen.sla.models import SLAClock
    from kaizen.sla.scan import scan_due_clocks
    from kaizen.sla.services import do_create_calendar, do_create_sla_definition

    rng = random.Random(args.seed)
    incidents = args.open_clocks // 2
    seed_incidents(incidents, seed=args.seed, open_share=1.0)
    with transaction.atomic():
        calendar = do_create_calendar(
            actor=None,
            name="24x7",
            slug="24x7",
            time_zone="UTC",
            periods=[(day, dt.time(0), dt.time(0)) for day in range(7)],
        )
        escalations = [
            {"at": 75, "action": "notify_assignee"},
            {"at": 100, "action": "notify_group"},
        ]
        definitions = {
            kind: do_create_sla_definition(
                actor=None,
                name=kind,
                kind=kind,
                target_minutes=minutes,
                calendar=calendar,
                warning_thresholds=[50, 75, 90],
                escalations=escalations,
            )
            for kind, minutes in (("response", 60), ("resolution", 480))
        }
    now = dt.datetime(2026, 11, 1, 12, tzinfo=dt.UTC)
    rows = []
    incident_type = ContentType.objects.get_for_model(Incident)
    for incident_id in Incident.objects.values_list("pk", flat=True).iterator():
        for sequence, (kind, definition) in enumerate(definitions.items()):
            target_us = definition.target_minutes * 60_000_000
            due_now = rng.random() < args.due_share
            started = now - dt.timedelta(microseconds=target_us * (0.8 if due_now else 0.2))
            rows.append(
                SLAClock(
                    ticket_type=incident_type,
                    ticket_id=incident_id,
                    sequence=sequence,
                    definition=definition,
                    kind=kind,
                    state="running",
                    target_us=target_us,
                    elapsed_us=0,
                    computed_at=started,
                    started_at=started,
                    running_since=started,
                    elapsed_at_running_since_us=0,
                    due_at=started + dt.timedelta(microseconds=target_us),
                    breach_at=started + dt.timedelta(microseconds=target_us),
                    warned_percent=50 if due_now else 0,
                    next_action_at=now - dt.timedelta(minutes=1)
                    if due_now
                    else started + dt.timedelta(microseconds=target_us // 2),
                )
            )
    SLAClock.objects.bulk_create(rows, batch_size=5000)
    due = SLAClock.objects.filter(next_action_at__lte=now).count()
    # The task worker that runs the scan has its URL configuration loaded (the mails link to
    # each ticket's page) long before a busy minute; loading it, which imports every app's
    # views, is a one-off per process and not part of any scan's time.
    get_resolver().url_patterns  # noqa: B018
    started = time.perf_counter()
    report = scan_due_clocks(now=now, limit=1_000_000)
    elapsed = time.perf_counter() - started
    print(
        json.dumps(
            {
                "benchmark": "sla_scan",
                "database": vendor,
                "open_clocks": len(rows),
                "due_clocks": due,
                "fired_warnings": report.warnings,
                "fired_breaches": report.breaches,
                "scan_s": round(elapsed, 3),
                "per_due_clock_ms": round(elapsed / max(due, 1) * 1000, 2),
            }
        )
    )


if __name__ == "__main__":
    main()
