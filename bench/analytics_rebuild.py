"""`kaizen analytics rebuild` over a large history, then an incremental sync.

    .venv/bin/python bench/analytics_rebuild.py --incidents 100000

Seeds incidents with their journal events (bench/seed.py), a UK office-hours calendar with
English public holidays as the reporting calendar (so every incident's business hours are
computed), times a full rebuild of the analytics store (--workers processes reading, by
default one per CPU up to 4), then resolves 1,000 open incidents through the incident services
and times the sync that follows, then writes 10,000 more journal events through the incident
services on the open incidents (work notes, comments, assignments, state changes: the mix an
agent team makes) and times the sync that picks them up (the target: 10,000 new events <= 1
s). Prints one JSON object, with wall-clock and CPU seconds (on a shared
machine the wall time includes waiting for a core).
"""

import argparse
import json
import os
import resource
import time
from itertools import cycle

from _setup import setup_django


def latest_event_id() -> int:
    from django.db.models import Max

    from kaizen.journal.models import JournalEvent

    return JournalEvent.objects.aggregate(latest=Max("id"))["latest"] or 0


def write_events(count: int) -> int:
    """`count` new journal events (a few more if a step writes several) through the incident
    services, round after round over open incidents: a work note, a comment, a reassignment
    within the team, a move to on hold or back to in progress. Returns how many were written."""
    from kaizen.incidents.models import Incident, State
    from kaizen.incidents.services import (
        do_add_incident_comment,
        do_assign_incident,
        do_change_incident_state,
    )
    from kaizen.people.models import Team

    members = {team.pk: list(team.members.order_by("pk")) for team in Team.objects.all()}

    def work_note(incident: Incident) -> None:
        do_add_incident_comment(incident, "Looking", actor=None, is_work_note=True, notify=False)

    def comment(incident: Incident) -> None:
        do_add_incident_comment(incident, "On it", actor=None, notify=False)

    def reassign(incident: Incident) -> None:
        others = [
            person
            for person in members.get(incident.assignment_group_id, [])
            if person.pk != incident.assignee_id
        ]
        if others:
            do_assign_incident(
                incident,
                assignment_group=incident.assignment_group,
                assignee=others[incident.pk % len(others)],
                actor=None,
                expected_version=None,
                notify=False,
            )

    def hold_or_resume(incident: Incident) -> None:
        if incident.state == State.ON_HOLD:
            do_change_incident_state(
                incident, "in_progress", actor=None, expected_version=None, notify=False
            )
        else:
            do_change_incident_state(
                incident,
                "on_hold",
                actor=None,
                expected_version=None,
                on_hold_reason="awaiting_caller",
                notify=False,
            )

    first = latest_event_id()
    # Not the seed's on-hold incidents: they carry no on-hold reason, which any edit requires.
    workable = Incident.objects.open().exclude(state=State.ON_HOLD).order_by("pk")
    ids = list(workable.values_list("pk", flat=True)[: count // 4])
    for incident_id in cycle(ids):
        for step in (work_note, comment, reassign, hold_or_resume):
            if latest_event_id() - first >= count:
                return latest_event_id() - first
            step(Incident.objects.get(pk=incident_id))
    return 0  # no open incidents


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--incidents", type=int, default=100_000)
    parser.add_argument("--changed", type=int, default=1_000)
    parser.add_argument("--events", type=int, default=10_000)
    parser.add_argument("--database-url")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--profile", help="write a cProfile of the rebuild to this file")
    parser.add_argument("--workers", type=int, help="rebuild workers (default: the CPUs, max 4)")
    parser.add_argument(
        "--data-dir",
        help="folder of the SQLite database and the store (reused if already seeded: the "
        "sync steps then add their events on top)",
    )
    args = parser.parse_args()
    if args.data_dir:
        os.environ["KAIZEN_DATA_DIR"] = os.path.abspath(args.data_dir)
    vendor = setup_django(args.database_url)

    from django.conf import settings
    from seed import seed_incidents, uk_office_calendar

    from kaizen.analytics.sync import rebuild, sync
    from kaizen.core.processes import workers_default
    from kaizen.incidents.models import Incident
    from kaizen.incidents.services import do_change_incident_state
    from kaizen.journal.models import JournalEvent

    if Incident.objects.count() >= args.incidents:  # seeded by an earlier run (--data-dir)
        written = {"incidents": Incident.objects.count(), "events": JournalEvent.objects.count()}
    else:
        written = seed_incidents(args.incidents, seed=args.seed, with_journal=True)
    uk_office_calendar()
    settings.KAIZEN_REPORTING_CALENDAR = "uk-office"
    workers = args.workers or workers_default()

    started, cpu_started = time.perf_counter(), time.process_time()
    if args.profile:  # this process only: the workers' share is not in it
        import cProfile

        with cProfile.Profile() as profile:
            rebuilt = rebuild(workers=workers)
        profile.dump_stats(args.profile)
    else:
        rebuilt = rebuild(workers=workers)
    rebuild_seconds = time.perf_counter() - started
    rebuild_cpu_seconds = time.process_time() - cpu_started
    workers_usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    workers_cpu_seconds = workers_usage.ru_utime + workers_usage.ru_stime

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

    new_events = write_events(args.events)
    started, cpu_started = time.perf_counter(), time.process_time()
    caught_up = sync()
    events_sync_seconds = time.perf_counter() - started
    events_sync_cpu_seconds = time.process_time() - cpu_started

    print(
        json.dumps(
            {
                "benchmark": "analytics_rebuild",
                "database": vendor,
                "incidents": written["incidents"],
                "journal_events": written["events"],
                "workers": workers,
                "rebuild_s": round(rebuild_seconds, 1),
                # CPU time of this process (all its threads) and of the worker processes: the
                # wall time on a busy machine includes waiting for a core.
                "rebuild_cpu_s": round(rebuild_cpu_seconds, 1),
                "rebuild_workers_cpu_s": round(workers_cpu_seconds, 1),
                "rebuild_incidents_per_s": round(rebuilt.incidents / rebuild_seconds),
                "event_facts": rebuilt.event_facts,
                "changed_incidents": synced.incidents,
                "sync_events": synced.events,
                "sync_s": round(sync_seconds, 2),
                "sync_cpu_s": round(sync_cpu_seconds, 2),
                "new_events": new_events,
                "new_events_synced": caught_up.events,
                "new_events_incidents": caught_up.incidents,
                f"sync_{args.events}_events_s": round(events_sync_seconds, 2),
                f"sync_{args.events}_events_cpu_s": round(events_sync_cpu_seconds, 2),
            }
        )
    )


if __name__ == "__main__":
    main()
