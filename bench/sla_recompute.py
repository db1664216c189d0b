"""`kaizen sla recompute` over a large history, from the journal.

    .venv/bin/python bench/sla_recompute.py --incidents 100000 [--workers 2]

Seeds incidents with their journal events (the `changes` the incident services record: opened,
in progress with first response, sometimes on hold and back, resolved, mostly closed), and
per-priority definitions on an office-hours calendar with public holidays, then times three
recomputes: the first writes every clock; the second, with nothing changed, recomputes only the
open tickets (settled ones are left as they are); the third is `--full`, every ticket read
again and nothing written. Prints one JSON object with the rate and the time extrapolated to
1,000,000 incidents, the CPU time of each run (this process and its workers) and the load
average before each: the machine may be shared.
"""

import argparse
import datetime as dt
import json
import os
import time

from _setup import setup_django


def cpu_seconds() -> float:
    """CPU time of this process and of its worker processes that have ended. On a shared
    machine the wall time includes waiting for a core; this is what the run itself costs.
    (The database's own CPU is not in it: PostgreSQL's server processes are not children.)"""
    times = os.times()
    return times.user + times.system + times.children_user + times.children_system


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--incidents", type=int, default=100_000)
    parser.add_argument("--database-url")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--workers", type=int, help="default: as `kaizen sla recompute`")
    parser.add_argument("--batch-size", type=int, default=2000)
    args = parser.parse_args()
    vendor = setup_django(args.database_url)

    from django.db import transaction
    from seed import seed_incidents, uk_office_calendar

    from kaizen.core.processes import workers_default
    from kaizen.sla.services import do_create_sla_definition, do_recompute_clocks

    written = seed_incidents(args.incidents, seed=args.seed, with_journal=True)
    with transaction.atomic():
        office = uk_office_calendar()
        for priority, (response, resolution) in {
            1: (15, 240),
            2: (30, 480),
            3: (240, 1800),
            4: (480, 3000),
            5: (1200, 6000),
        }.items():
            for kind, minutes in (("response", response), ("resolution", resolution)):
                do_create_sla_definition(
                    actor=None,
                    name=f"P{priority} {kind}",
                    kind=kind,
                    target_minutes=minutes,
                    calendar=office,
                    priorities=[priority],
                    pause_reasons=["awaiting_caller"],
                    warning_thresholds=[50, 75, 90],
                )
    now = dt.datetime(2026, 11, 1, 12, tzinfo=dt.UTC)
    workers = args.workers or workers_default()
    timings = []
    cpu_timings = []
    runs = []
    loads = []
    for full in (False, False, True):
        loads.append(round(os.getloadavg()[0], 2))
        started, cpu_started = time.perf_counter(), cpu_seconds()
        run = do_recompute_clocks(
            actor=None, now=now, batch_size=args.batch_size, workers=workers, full=full
        )
        timings.append(time.perf_counter() - started)
        cpu_timings.append(cpu_seconds() - cpu_started)
        runs.append(run)
    rate = written["incidents"] / timings[0]
    print(
        json.dumps(
            {
                "benchmark": "sla_recompute",
                "database": vendor,
                "workers": workers,
                "batch_size": args.batch_size,
                "incidents": written["incidents"],
                "journal_events": written["events"],
                "clocks": runs[0].clocks,
                "first_run_s": round(timings[0], 1),
                "first_run_cpu_s": round(cpu_timings[0], 1),
                "first_run_changed": runs[0].changed_clocks,
                "second_run_s": round(timings[1], 1),
                "second_run_cpu_s": round(cpu_timings[1], 1),
                "second_run_changed": runs[1].changed_clocks,
                "second_run_tickets": runs[1].tickets,
                "second_run_settled": runs[1].settled_tickets,
                "full_rerun_s": round(timings[2], 1),
                "full_rerun_cpu_s": round(cpu_timings[2], 1),
                "full_rerun_changed": runs[2].changed_clocks,
                "load_average_before_each": loads,
                "incidents_per_s": round(rate),
                "extrapolated_1m_s": round(1_000_000 / rate),
            }
        )
    )


if __name__ == "__main__":
    main()
