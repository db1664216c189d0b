"""The figures of consecutive periods in one sweep (`AvailabilityBook.figures`,
`engine.measure_periods`) are exactly those of each period measured alone (`figure`,
`measure`): on seeded random services, targets changed mid-way on calendars across DST
changes, outages of every kind (planned work in and out of maintenance windows, degraded
service, outages going on now, unconfirmed ones), and periods of every length."""

import datetime as dt
import random
from decimal import Decimal
from typing import Any

import pytest

from kaizen.availability.engine import (
    AvailabilityFigure,
    CountedSpan,
    Terms,
    TimedSpan,
    measure,
    measure_periods,
)
from kaizen.availability.models import (
    AvailabilityTarget,
    Outage,
    OutageKind,
    OutageOrigin,
    OutageStatus,
)
from kaizen.availability.selectors import (
    AvailabilityBook,
    OutageRow,
    month_starts,
    services_availability,
)
from kaizen.core.intervals import clipped, subtracted
from kaizen.sla.calendar import CalendarIndex, WorkingPeriod, epoch_us, instant_at
from kaizen.sla.services import do_create_calendar
from kaizen.testing import make_service

HOUR_US = 3600 * 10**6
START = dt.datetime(2025, 1, 1, tzinfo=dt.UTC)
NOW = dt.datetime(2026, 10, 17, 13, 27, 5, 250_001, tzinfo=dt.UTC)
TARGETS = ["99.5", "99.9", "95", "99.95", "100", "0", "97.125"]
ZONES = ["Europe/London", "America/New_York", "Australia/Sydney", "Asia/Tokyo", "UTC"]
# Working hours as (weekdays, start minute, end minute): office hours, split shifts, round the
# clock, night shifts, and hours across the spring-forward gap of European and American zones.
HOURS = [
    (range(5), 9 * 60, 17 * 60),
    (range(5), 8 * 60, 12 * 60 + 30),
    (range(5), 13 * 60 + 30, 18 * 60),
    (range(7), 0, 24 * 60),
    (range(6), 22 * 60, 24 * 60),
    (range(7), 90, 150),  # 01:30-02:30: in the gap on spring-forward days
    (range(7), 2 * 60 + 10, 3 * 60 + 45),
]


def exact(figure: AvailabilityFigure) -> tuple[Any, ...]:
    """Every field of a figure with its type: Fraction(0) and 0 are equal but not the same."""
    fields = (
        figure.start,
        figure.end,
        figure.agreed_us,
        figure.downtime_us,
        figure.allowed_downtime_us,
        figure.breaks,
        figure.break_downtime_us,
    )
    outages = [
        (share.number, share.downtime_us, type(share.downtime_us)) for share in figure.outages
    ]
    return (*fields, tuple(type(value) for value in fields), outages)


def random_hours(rng: random.Random) -> list[tuple[int, int, int]]:
    chosen = rng.sample(HOURS, rng.choice((1, 1, 2)))
    return [(day, low, high) for days, low, high in chosen for day in days]


def random_instant(rng: random.Random, first: dt.datetime, last: dt.datetime) -> dt.datetime:
    """An instant in [first, last): often on the hour, sometimes to the microsecond."""
    moment = first + dt.timedelta(microseconds=rng.randrange(epoch_us(last) - epoch_us(first)))
    if rng.random() < 0.6:
        moment = moment.replace(minute=0, second=0, microsecond=0)
    return max(moment, first)


def random_bounds(rng: random.Random, first: dt.datetime, last: dt.datetime) -> list[dt.datetime]:
    """Consecutive periods: months, weeks from a Wednesday noon, or random cuts."""
    choice = rng.randrange(3)
    if choice == 0:
        bounds = month_starts(first, last) + [last]
        bounds[0] = first
        return bounds
    if choice == 1:
        bounds = [first]
        while bounds[-1] < last:
            bounds.append(bounds[-1] + dt.timedelta(days=7))
        return bounds
    cuts = {random_instant(rng, first, last) for _ in range(rng.randrange(1, 12))}
    return sorted({first, last} | cuts)


# -- the engine: measure_periods against measure of each period --------------------------------


def test_measure_periods_equals_measure_of_each_period():
    rng = random.Random(20261207)
    indexes = [
        CalendarIndex(zone, [WorkingPeriod(*period) for period in random_hours(rng)])
        for zone in ZONES
        for _ in range(2)
    ]
    for _ in range(60):
        first = random_instant(rng, START, START + dt.timedelta(days=300))
        last = first + dt.timedelta(days=rng.randrange(1, 200), hours=rng.randrange(24))
        cuts = sorted({random_instant(rng, first, last) for _ in range(rng.randrange(3))} - {first})
        terms = [
            Terms(
                low,
                high,
                rng.choice(indexes),
                None if low == first and rng.random() < 0.4 else Decimal(rng.choice(TARGETS)),
            )
            for low, high in zip([first, *cuts], [*cuts, last], strict=True)
        ]
        spans = []
        for number in range(rng.randrange(25)):
            low = random_instant(rng, first - dt.timedelta(days=3), last)
            high = low + dt.timedelta(minutes=rng.choice((1, 30, 90, 600, 3000, 20000)))
            pieces = clipped([(low, high)], first, last)
            if rng.random() < 0.2:  # planned work, less a maintenance window inside it
                hole_low = random_instant(rng, low, high)
                pieces = subtracted(pieces, [(hole_low, hole_low + dt.timedelta(hours=2))])
            if pieces:
                share = 100 if rng.random() < 0.6 else rng.randrange(1, 100)
                spans.append(CountedSpan(f"OUT{number}", tuple(pieces), share, share == 100))
        bounds = random_bounds(rng, first, last)
        timed = [
            TimedSpan(
                span.number,
                tuple((epoch_us(low), epoch_us(high)) for low, high in span.intervals),
                span.share,
                span.is_break,
            )
            for span in spans
        ]
        for itemised in (False, True):
            swept = measure_periods(bounds, terms, timed, itemised=itemised)
            alone = [
                measure(
                    low,
                    high,
                    terms_within(terms, low, high),
                    spans_within(spans, low, high),
                    itemised=itemised,
                )
                for low, high in zip(bounds, bounds[1:], strict=False)
            ]
            assert [exact(figure) for figure in swept] == [exact(figure) for figure in alone]


def terms_within(terms: list[Terms], low: dt.datetime, high: dt.datetime) -> list[Terms]:
    return [
        Terms(max(low, term.start), min(high, term.end), term.hours, term.target_percent)
        for term in terms
        if term.start < high and low < term.end
    ]


def spans_within(
    spans: list[CountedSpan], low: dt.datetime, high: dt.datetime
) -> list[CountedSpan]:
    result = []
    for span in spans:
        pieces = clipped(span.intervals, low, high)
        if pieces:
            result.append(CountedSpan(span.number, tuple(pieces), span.share, span.is_break))
    return result


# -- the book: figures against figure of each period, from stored records ----------------------


def seed_services(rng: random.Random) -> list[Any]:
    from kaizen.changes.services.calendar import do_create_window

    calendars = [
        do_create_calendar(
            actor=None,
            name=f"Hours {number}",
            slug=f"hours-{number}",
            time_zone=zone,
            holiday_country=rng.choice(["GB", "US", ""]),
            periods=[
                (day, dt.time(low // 60, low % 60), dt.time(high // 60 % 24, high % 60))
                for day, low, high in random_hours(rng)
            ],
            closures=[(dt.date(2026, 2, rng.randrange(1, 28)), "Closed")],
        )
        for number, zone in enumerate(ZONES * 2)
    ]
    services = [make_service(f"Service {number}") for number in range(14)]
    for number, service in enumerate(services[:12]):
        days = sorted(rng.sample(range(0, 640), rng.choice((1, 2, 3))))
        for day in days if number else []:  # the first service has no target
            AvailabilityTarget.objects.create(
                service=service,
                calendar=rng.choice(calendars),
                valid_from=START.date() + dt.timedelta(days=day),
                target_percent=Decimal(rng.choice(TARGETS)),
                created_at=NOW,
                updated_at=NOW,
            )
    # Targets on consecutive days whose days begin out of order (Pago Pago is 25 hours behind
    # Kiritimati) or at the same instant (Honolulu is 24 hours behind).
    for service, zone in ((services[12], "Pacific/Pago_Pago"), (services[13], "Pacific/Honolulu")):
        for offset, (time_zone, percent) in enumerate(((zone, "99"), ("Pacific/Kiritimati", "98"))):
            calendar = do_create_calendar(
                actor=None,
                name=f"Round the clock {service.pk} {offset}",
                slug=f"round-{service.pk}-{offset}",
                time_zone=time_zone,
                periods=[(day, dt.time(0), dt.time(0)) for day in range(7)],
            )
            AvailabilityTarget.objects.create(
                service=service,
                calendar=calendar,
                valid_from=dt.date(2026, 3, 10 + offset),
                target_percent=Decimal(percent),
                created_at=NOW,
                updated_at=NOW,
            )
    for service in services[:8]:
        opens = rng.randrange(24)
        do_create_window(
            actor=None,
            kind="maintenance",
            name=f"Weekly {service.pk}",
            recurrence="weekly",
            weekday=rng.randrange(7),
            start_time=dt.time(opens),
            end_time=dt.time((opens + rng.randrange(1, 23)) % 24),
            time_zone=rng.choice(ZONES),
            services=[service],
        )
    window_low = random_instant(rng, START, NOW)
    do_create_window(
        actor=None,
        kind="maintenance",
        name="Once",
        starts_at=window_low,
        ends_at=window_low + dt.timedelta(hours=30),
        services=services[:5],
    )
    outages = []
    for number in range(900):
        kind = rng.choice(list(OutageKind))
        started = random_instant(rng, START - dt.timedelta(days=20), NOW)
        ongoing = rng.random() < 0.02
        ended = started + dt.timedelta(
            minutes=rng.choice((0.5, 10, 45, 130, 600, 2000, 9000)),
            microseconds=rng.randrange(2),
        )
        outages.append(
            Outage(
                number=f"OUT{number:07d}",
                service=rng.choice(services),
                kind=kind,
                share_affected=rng.randrange(1, 100) if kind == OutageKind.DEGRADED else 100,
                started_at=started,
                ended_at=None if ongoing else ended,
                title="Down",
                status=rng.choices(list(OutageStatus), (1, 8, 1))[0],
                origin=OutageOrigin.MANUAL,
                created_at=NOW,
                updated_at=NOW,
            )
        )
    Outage.objects.bulk_create(outages)
    return services


@pytest.mark.django_db
def test_the_books_figures_of_consecutive_periods_equal_each_periods_figure():
    rng = random.Random(7)
    services = seed_services(rng)
    checked = 0
    for _ in range(6):
        first = random_instant(rng, START - dt.timedelta(days=30), NOW - dt.timedelta(days=5))
        last = random_instant(rng, first + dt.timedelta(days=1), NOW + dt.timedelta(days=40))
        bounds = random_bounds(rng, first, last)
        for targeted_only in (True, False):
            book = AvailabilityBook(first, last, now=NOW, targeted_only=targeted_only)
            for service in services:
                for itemised in (False, True):
                    swept = book.figures(service.pk, bounds, itemised=itemised)
                    alone = [
                        book.figure(service.pk, low, high, itemised=itemised)
                        for low, high in zip(bounds, bounds[1:], strict=False)
                    ]
                    assert [exact(figure) for figure in swept] == [
                        exact(figure) for figure in alone
                    ]
                    checked += sum(1 for figure in swept if figure.downtime_us)
    assert checked > 500  # the periods compared had downtime in them


@pytest.mark.django_db
def test_services_availability_by_month_gives_each_months_figure():
    rng = random.Random(11)
    services = seed_services(rng)
    start = dt.datetime(2025, 11, 14, 6, 30, tzinfo=dt.UTC)
    result = services_availability(services, start, NOW, now=NOW, by_month=True)
    book = AvailabilityBook(start, NOW, now=NOW, services=services, targeted_only=False)
    for service in services:
        months = result[service.pk].months
        assert [figure.start for figure in months] == [start] + month_starts(start, NOW)[1:]
        assert [exact(figure) for figure in months] == [
            exact(book.figure(service.pk, figure.start, figure.end)) for figure in months
        ]
    assert sum(len(figure.outages) for figure in result[services[2].pk].months) > 5


@pytest.mark.django_db
def test_the_book_reads_the_times_as_django_does_to_the_microsecond():
    services = seed_services(random.Random(3))
    book = AvailabilityBook(START - dt.timedelta(days=30), NOW, now=NOW, services=services)
    confirmed = Outage.objects.filter(status=OutageStatus.CONFIRMED).order_by("started_at", "pk")
    assert book.outages == {
        service.pk: [
            OutageRow(
                outage.number,
                outage.kind,
                outage.share_affected,
                outage.started_at,
                outage.ended_at,
            )
            for outage in confirmed.filter(service=service)
        ]
        for service in services
        if confirmed.filter(service=service).exists()
    }
    assert any(row.started_at.microsecond for rows in book.outages.values() for row in rows)
    assert any(row.ended_at is None for rows in book.outages.values() for row in rows)


def test_microseconds_since_the_epoch_round_trip_before_1970_too():
    moment = dt.datetime(1969, 12, 31, 23, 59, 59, 500_000, tzinfo=dt.UTC)
    assert epoch_us(moment) == -500_000 and instant_at(-500_000) == moment
