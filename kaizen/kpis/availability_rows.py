"""The availability KPIs, measured from outage records and availability targets by the
availability app's exact engine (kaizen/availability/engine.py), as a database source of the
KPI engine: rows in the engine's shape, `{"period": "2026-03-01" (the period's first day) or
"all", "service": name (when broken down by service), "value": float | None, "n": services
measured}`, a complete series of periods from the first target's day to today (or the range
asked for).

Over several services the figures pool their time, not their percentages: availability is
100 x (sum of agreed service time - sum of downtime) / sum of agreed service time, MTRS the
time lost to breaks over the breaks, MTBF the time up over the breaks. Only the services with
an availability target count, and only while a target is in force; downtime is confirmed
outages in agreed service hours (planned work inside a maintenance window left out, overlaps
counted once, degraded service weighted by the share affected). A breakdown by service gives
each service's own figures; the other dimensions (team, priority...) mean nothing to an
outage and give no rows.
"""

import datetime as dt
from collections.abc import Sequence
from fractions import Fraction
from typing import Any

from django.utils import timezone

from kaizen.availability.models import Outage, OutageStatus
from kaizen.availability.selectors import AvailabilityBook
from kaizen.kpis.models import (
    ALL_TIME_START,
    MeasurementSource,
    PeriodKind,
    period_after,
    period_floor,
)
from kaizen.kpis.sources import DatabaseSource
from kaizen.kpis.spec import KPIDefinition, Source

AVAILABILITY_PCT = "availability.service_availability_pct"
DOWNTIME_HOURS = "availability.outage_hours"
MTBF_HOURS = "availability.mtbf_hours"
MTRS_HOURS = "availability.mtrs_hours"
HOUR_US = 3600 * 10**6


def _local_start(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time()))


def series_periods(
    period: str, start: dt.date | None, end: dt.date | None, first: dt.date | None
) -> list[tuple[str, dt.date, dt.date]]:
    """(label, first day, day after) of each period of the series: from `start` (else
    `first`, the first day anything was agreed) to `end` (else today); the database sources
    that measure agreed figures share it (kaizen.servicelevels.kpi_source)."""
    today = timezone.localdate()
    low = start or first
    high = end or today + dt.timedelta(days=1)
    if low is None or high <= low:
        return []
    if period == PeriodKind.ALL:
        return [("all", low, high)]
    periods, current = [], period_floor(low, period)
    while current < high:
        following = period_after(current, period)
        periods.append((current.isoformat(), max(current, low), min(following, high)))
        current = following
    return periods


def _value(key: str, agreed: int, downtime: Fraction, breaks: int, lost: int) -> float | None:
    if key == AVAILABILITY_PCT:
        return float(100 - downtime * 100 / agreed) if agreed else None
    if key == DOWNTIME_HOURS:
        return float(downtime / HOUR_US) if agreed else None
    if not breaks:
        return None  # no break in the period: no mean time between or to restore
    if key == MTRS_HOURS:
        return float(Fraction(lost, breaks) / HOUR_US)
    return float(Fraction(agreed - lost, breaks) / HOUR_US)


def availability_rows(
    definition: KPIDefinition,
    *,
    period: str,
    by: Sequence[str],
    start: dt.date | None,
    end: dt.date | None,
) -> list[dict[str, Any]]:
    if any(name != "service" for name in by):
        return []
    range_start = _local_start(start) if start else _local_start(ALL_TIME_START)
    range_end = _local_start(end) if end else timezone.now()
    book = AvailabilityBook(range_start, range_end)
    periods = series_periods(period, start, end, book.first_day())
    if not periods or not book.services:
        return []
    keys: list[tuple[Any, ...]] = (
        sorted((service.name,) for service in book.services.values()) if by else [()]
    )
    by_name = {service.name: pk for pk, service in book.services.items()}
    # The periods follow one another: each service's figures of all of them in one sweep.
    bounds = [_local_start(periods[0][1])] + [_local_start(after) for _, _, after in periods]
    figures = {service_id: book.figures(service_id, bounds) for service_id in book.services}
    rows = []
    for position, (label, _, _) in enumerate(periods):
        for key in keys:
            service_ids = [by_name[key[0]]] if key else list(book.services)
            agreed, downtime, breaks, lost, measured = 0, Fraction(0), 0, 0, 0
            for service_id in service_ids:
                figure = figures[service_id][position]
                if not figure.agreed_us:
                    continue
                measured += 1
                agreed += figure.agreed_us
                downtime += figure.downtime_us
                breaks += figure.breaks
                lost += figure.break_downtime_us
            value = _value(definition.key, agreed, downtime, breaks, lost)
            rows.append(
                {
                    "period": label,
                    **dict(zip(by, key, strict=True)),
                    "value": value,
                    "n": measured if value is not None else 0,
                }
            )
    return rows


def rows_in_scope(definition: KPIDefinition, *, start: dt.date | None, end: dt.date | None) -> int:
    """The confirmed outages the KPI reads over the range."""
    outages = Outage.objects.filter(status=OutageStatus.CONFIRMED)
    if start:
        outages = outages.exclude(ended_at__lt=_local_start(start))
    if end:
        outages = outages.filter(started_at__lt=_local_start(end))
    return outages.count()


AVAILABILITY_SOURCE = DatabaseSource(
    name=Source.AVAILABILITY,
    rows=availability_rows,
    rows_in_scope=rows_in_scope,
    measured_as=MeasurementSource.ENGINE,
    noun="services measured",
)
