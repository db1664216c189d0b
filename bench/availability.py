"""Availability, MTBF and MTRS for many services over three years, each on its own agreed
hours.

    .venv/bin/python bench/availability.py                                   # SQLite
    .venv/bin/python bench/availability.py --database-url \\
        postgres://postgres@127.0.0.1:5432/kaizen_bench                      # PostgreSQL

Seeds (seeded generator, bulk inserts) 2,000 services, each with its agreed hours (office hours
of varied lengths in one of several time zones, some round the clock; 50 distinct calendars by
default, `--calendars 2000` for one each) and an availability target changed once mid-way, and
200,000 confirmed outages over 36 months (unplanned, degraded with a share affected, planned
work), overlapping at times. Then times the figures people read: every service's availability,
downtime, breaks, MTBF and MTRS for each of the 36 months (72,000 figures), read from the
database (targets with their calendars, outages) and computed by the exact engine
(kaizen/availability/engine.py), as `AvailabilityBook` does for the overview and the KPIs.
Prints one JSON object.
"""

import argparse
import datetime as dt
import json
import random
import time

from _setup import setup_django

END = dt.datetime(2026, 11, 1, tzinfo=dt.UTC)
MONTHS = 36
ZONES = ["Europe/London", "Europe/Paris", "America/New_York", "Asia/Tokyo", "UTC"]


def seed(services: int, outages: int, calendar_count: int, rng: random.Random) -> None:
    from decimal import Decimal

    from django.db import transaction

    from kaizen.availability.models import AvailabilityTarget, Outage, OutageKind, OutageStatus
    from kaizen.catalog.models import Service
    from kaizen.sla.models import BusinessCalendar, WorkingPeriod

    start = END - dt.timedelta(days=MONTHS * 31)
    now = END
    with transaction.atomic():
        calendars = BusinessCalendar.objects.bulk_create(
            [
                BusinessCalendar(
                    name=f"Hours {index}",
                    slug=f"hours-{index}",
                    time_zone=rng.choice(ZONES),
                    holiday_country=rng.choice(["GB", "FR", "US", ""]),
                )
                for index in range(calendar_count)
            ]
        )
        periods = []
        for calendar in calendars:
            if rng.random() < 0.2:  # round the clock
                hours = [(day, dt.time(0), dt.time(0)) for day in range(7)]
            else:
                begin = rng.choice((7, 8, 9))
                end = begin + rng.choice((8, 9, 10, 12))
                hours = [(day, dt.time(begin), dt.time(end)) for day in range(5)]
            periods += [
                WorkingPeriod(calendar=calendar, weekday=day, start_time=low, end_time=high)
                for day, low, high in hours
            ]
        WorkingPeriod.objects.bulk_create(periods, batch_size=5000)
        rows = Service.objects.bulk_create(
            [
                Service(
                    name=f"Service {index:04d}",
                    slug=f"service-{index:04d}",
                    summary="Benchmark service",
                )
                for index in range(services)
            ],
            batch_size=2000,
        )
        changed = (start + dt.timedelta(days=MONTHS * 31 // 2)).date()
        targets = []
        for index, service in enumerate(rows):
            calendar = calendars[index % len(calendars)]
            targets.append(
                AvailabilityTarget(
                    service=service,
                    calendar=calendar,
                    valid_from=start.date(),
                    target_percent=Decimal("99.5"),
                    created_at=now,
                    updated_at=now,
                )
            )
            targets.append(
                AvailabilityTarget(
                    service=service,
                    calendar=calendar,
                    valid_from=changed,
                    target_percent=Decimal("99.9"),
                    created_at=now,
                    updated_at=now,
                )
            )
        AvailabilityTarget.objects.bulk_create(targets, batch_size=5000)
        span = int((END - start).total_seconds())
        batch = []
        for index in range(outages):
            kind = rng.choices(
                (OutageKind.UNPLANNED, OutageKind.DEGRADED, OutageKind.PLANNED), (6, 3, 1)
            )[0]
            began = start + dt.timedelta(seconds=rng.randrange(span))
            batch.append(
                Outage(
                    number=f"OUT{index:07d}",
                    service=rng.choice(rows),
                    kind=kind,
                    share_affected=rng.choice((20, 50)) if kind == OutageKind.DEGRADED else 100,
                    started_at=began,
                    ended_at=began + dt.timedelta(minutes=rng.choice((10, 30, 60, 150, 600))),
                    title="Benchmark outage",
                    status=OutageStatus.CONFIRMED,
                    origin="manual",
                    created_at=now,
                    updated_at=now,
                )
            )
            if len(batch) == 10000:
                Outage.objects.bulk_create(batch)
                batch = []
        Outage.objects.bulk_create(batch)


def measure_all() -> dict[str, object]:
    from kaizen.availability.selectors import AvailabilityBook, month_starts

    began = time.perf_counter()
    first = END - dt.timedelta(days=MONTHS * 31)
    months = month_starts(first.replace(day=1), END)[-MONTHS:]
    book = AvailabilityBook(months[0], END, now=END)
    loaded = time.perf_counter()
    figures = 0
    down = 0.0
    for service_id in book.services:
        for figure in book.figures(service_id, [*months, END]):
            figures += 1
            down += float(figure.downtime_us)
            _ = (figure.availability, figure.mtbf_us, figure.mtrs_us)
    done = time.perf_counter()
    return {
        "figures": figures,
        "seconds_total": round(done - began, 3),
        "seconds_reading": round(loaded - began, 3),
        "seconds_computing": round(done - loaded, 3),
        "downtime_hours_total": round(down / 3.6e9, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--services", type=int, default=2000)
    parser.add_argument("--outages", type=int, default=200_000)
    parser.add_argument(
        "--calendars",
        type=int,
        default=50,
        help="distinct agreed-hours calendars the services' targets use (--services: one each)",
    )
    parser.add_argument("--database-url")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    vendor = setup_django(args.database_url)
    from kaizen.availability.models import Outage

    if not Outage.objects.exists():
        seeded = time.perf_counter()
        seed(args.services, args.outages, args.calendars, random.Random(args.seed))
        seeding = round(time.perf_counter() - seeded, 1)
    else:
        seeding = 0.0
    runs = [measure_all() for _ in range(args.runs)]
    print(
        json.dumps(
            {
                "benchmark": "availability",
                "database": vendor,
                "services": args.services,
                "outages": args.outages,
                "calendars": args.calendars,
                "months": MONTHS,
                "seeding_seconds": seeding,
                "runs": runs,
                "best_seconds": min(run["seconds_total"] for run in runs),
                "target_seconds": 2.0,
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
