"""Availability figures from the stored records: the targets in force, the confirmed outages
(planned work without its parts inside maintenance windows), measured by engine.py.

Each function reads a fixed number of queries whatever the period's length: the targets, the
outages and the maintenance windows of the whole range at once."""

import bisect
import datetime as dt
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from itertools import groupby
from operator import itemgetter
from typing import Any, NamedTuple
from zoneinfo import ZoneInfo

from django.db import NotSupportedError
from django.db.models import BigIntegerField, Func, Q, prefetch_related_objects
from django.utils import timezone

from kaizen.availability.engine import (
    AvailabilityFigure,
    CountedSpan,
    Terms,
    TimedSpan,
    measure,
    measure_periods,
)
from kaizen.availability.models import AvailabilityTarget, Outage, OutageKind, OutageStatus
from kaizen.catalog.maintenance import maintenance_windows_of
from kaizen.catalog.models import Service
from kaizen.core.intervals import Interval, clipped, subtracted
from kaizen.sla.calendar import CalendarIndex, WorkingPeriod, epoch_us, instant_at
from kaizen.sla.models import BusinessCalendar
from kaizen.sla.targets import calendar_index


class OutageRow(NamedTuple):
    """What the figures read of a confirmed outage."""

    number: str
    kind: str
    share_affected: int
    started_at: dt.datetime
    ended_at: dt.datetime | None


# Without an agreed target the service is measured over every hour (and nothing is judged).
ALL_HOURS = CalendarIndex("UTC", [WorkingPeriod(day, 0, 24 * 60) for day in range(7)])


def _target_begins(target: AvailabilityTarget) -> dt.datetime:
    """The instant a target applies from: the start of its first day in its hours' zone."""
    return dt.datetime.combine(
        target.valid_from, dt.time(0), tzinfo=ZoneInfo(target.calendar.time_zone)
    )


def terms_between(
    targets: list[AvailabilityTarget],
    start: dt.datetime,
    end: dt.datetime,
    hours_of: Callable[[BusinessCalendar], CalendarIndex] = calendar_index,
) -> list[Terms]:
    """[start, end) cut where each target applies from (the start of its day in its hours'
    time zone); before the first target, every hour counts and nothing is judged."""
    cuts: list[tuple[dt.datetime, AvailabilityTarget | None]] = [(start, None)]
    for target in targets:
        begins = _target_begins(target)
        if begins <= start:
            cuts = [(start, target)]
        elif begins < end:
            cuts.append((begins.astimezone(dt.UTC), target))
    terms = []
    for index, (begins, target) in enumerate(cuts):
        finishes = cuts[index + 1][0] if index + 1 < len(cuts) else end
        hours = hours_of(target.calendar) if target else ALL_HOURS
        terms.append(Terms(begins, finishes, hours, target.target_percent if target else None))
    return terms


def spans_of(
    outages: Iterable[Outage | OutageRow],
    start: dt.datetime,
    end: dt.datetime,
    windows: list[Interval],
    now: dt.datetime,
) -> list[CountedSpan]:
    """The outages as they count in [start, end): an ongoing one up to `now`; planned work
    without its parts inside maintenance windows."""
    spans = []
    for outage in outages:
        intervals = clipped([(outage.started_at, outage.ended_at or now)], start, end)
        if outage.kind == OutageKind.PLANNED:
            intervals = subtracted(intervals, windows)
        if intervals:
            spans.append(
                CountedSpan(
                    number=outage.number,
                    intervals=tuple(intervals),
                    share=outage.share_affected,
                    is_break=outage.kind != OutageKind.DEGRADED,
                )
            )
    return spans


@dataclass
class ServiceAvailability:
    """A service's figures over a range, whole and month by month (in UTC months)."""

    service: Service
    whole: AvailabilityFigure
    months: list[AvailabilityFigure]
    has_target: bool


def month_starts(start: dt.datetime, end: dt.datetime) -> list[dt.datetime]:
    first = start.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    starts = []
    current = first
    while current < end:
        starts.append(current)
        current = (current + dt.timedelta(days=32)).replace(day=1)
    return starts


def service_availability(
    service: Service,
    start: dt.datetime,
    end: dt.datetime,
    *,
    now: dt.datetime | None = None,
    by_month: bool = False,
) -> ServiceAvailability:
    """The figures of `service` over [start, end) (up to `now` at most), and by month."""
    return services_availability([service], start, end, now=now, by_month=by_month)[service.pk]


def services_availability(
    services: list[Service],
    start: dt.datetime,
    end: dt.datetime,
    *,
    now: dt.datetime | None = None,
    by_month: bool = False,
) -> dict[int, ServiceAvailability]:
    """service_availability of several services, by service id, reading the targets and the
    outages of all of them at once (AvailabilityBook). Time before a service's first target
    is measured over every hour and not judged."""
    book = AvailabilityBook(start, end, now=now, services=services, targeted_only=False)
    end = book.end
    # The months' bounds: the range's start, each later month's first day, the range's end.
    bounds = [max(start, first) for first in month_starts(start, end)] + [end]
    result = {}
    for service in services:
        months = book.figures(service.pk, bounds, itemised=True) if by_month else []
        result[service.pk] = ServiceAvailability(
            service=service,
            whole=book.figure(service.pk, start, end),
            months=months,
            has_target=bool(book.targets.get(service.pk)),
        )
    return result


def month_start(moment: dt.datetime, months_back: int = 0) -> dt.datetime:
    """The start of the UTC month of `moment`, `months_back` months earlier."""
    first = moment.astimezone(dt.UTC).replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    for _ in range(months_back):
        first = (first - dt.timedelta(days=1)).replace(day=1)
    return first


def target_in_force(service: Service, on: dt.date) -> AvailabilityTarget | None:
    return (
        AvailabilityTarget.objects.filter(service=service, valid_from__lte=on)
        .select_related("calendar")
        .order_by("-valid_from")
        .first()
    )


class _EpochMicroseconds(Func):
    """A datetime column as whole µs since the Unix epoch, converted by the database: the
    figures read many outages' times, and making datetime objects of them (SQLite's text
    parsed in Python, row by row) costs more than all the arithmetic on them."""

    output_field = BigIntegerField()

    def as_sqlite(self, compiler: Any, connection: Any, **extra: Any) -> tuple[str, list]:
        column, params = compiler.compile(self.source_expressions[0])
        # Django stores a datetime as UTC text, 'YYYY-MM-DD HH:MM:SS[.ffffff]': whole seconds
        # from strftime, and the microseconds as written (none: '' counts as 0).
        return (
            f"(CAST(strftime(%s, {column}) AS INTEGER) * 1000000"
            f" + CAST(substr({column}, 21, 6) AS INTEGER))",
            ["%s", *params, *params],
        )

    def as_postgresql(self, compiler: Any, connection: Any, **extra: Any) -> tuple[str, list]:
        column, params = compiler.compile(self.source_expressions[0])
        # EXTRACT gives an exact numeric (seconds with six decimals).
        return f"CAST(EXTRACT(EPOCH FROM {column}) * 1000000 AS bigint)", params

    @property
    def convert_value(self) -> Callable[..., Any]:
        return self._convert_value_noop  # ints already: no conversion per value

    def as_sql(self, compiler: Any, connection: Any, **extra: Any) -> tuple[str, list]:
        raise NotSupportedError(
            f"availability figures are read from SQLite or PostgreSQL, not {connection.vendor}"
        )


# A confirmed outage as the book reads it: service id, number, kind, share affected, start
# and end (None: going on) in µs since the epoch.
_StoredOutage = tuple[int, str, str, int, int, int | None]


class AvailabilityBook:
    """Services' targets and confirmed outages, read once (a fixed number of queries: the
    targets with their calendars, the outages, the maintenance windows of the services with
    planned work), for figures over many services and periods: the KPIs, the overview, a
    service's page. Without `services`, every service with an availability target. With
    `targeted_only` (the KPIs), only time under a target counts: a service's time before its
    first target is not part of any total; otherwise it is measured over every hour.

    `figure` measures one period; `figures` consecutive periods (the months of a report) in
    one sweep, with the same results."""

    def __init__(
        self,
        start: dt.datetime,
        end: dt.datetime,
        *,
        now: dt.datetime | None = None,
        services: Iterable[Service] | None = None,
        targeted_only: bool = True,
    ) -> None:
        self.now = now or timezone.now()
        self.start, self.end = start, min(end, self.now)
        self.targeted_only = targeted_only
        self._hours: dict[int, CalendarIndex] = {}
        targets = AvailabilityTarget.objects.select_related("calendar", "service").order_by(
            "service_id", "valid_from"
        )
        self.services: dict[int, Service] = {}
        if services is not None:
            self.services = {service.pk: service for service in services}
            targets = targets.filter(service_id__in=list(self.services))
        self.targets: dict[int, list[AvailabilityTarget]] = {}
        calendars: dict[int, BusinessCalendar] = {}
        for target in targets:
            # One calendar object for all the targets on it: its hours are read once.
            target.calendar = calendars.setdefault(target.calendar_id, target.calendar)
            self.targets.setdefault(target.service_id, []).append(target)
            self.services.setdefault(target.service_id, target.service)
        prefetch_related_objects(list(calendars.values()), "periods", "closures")
        rows = (
            Outage.objects.filter(
                service_id__in=list(self.services),
                status=OutageStatus.CONFIRMED,
                started_at__lt=self.end,
            )
            .filter(Q(ended_at__isnull=True) | Q(ended_at__gt=self.start))
            .order_by("service_id", "started_at", "pk")
            .values_list(
                "service_id",
                "number",
                "kind",
                "share_affected",
                _EpochMicroseconds("started_at"),
                _EpochMicroseconds("ended_at"),
            )
        )
        # Plain rows by service in order of start, the times as numbers; made into OutageRows
        # (datetimes) only for what asks for them (`outages`, `figure`).
        self._stored: dict[int, list[_StoredOutage]] = {
            service_id: list(listed) for service_id, listed in groupby(rows, itemgetter(0))
        }
        self._rows: dict[int, list[OutageRow]] = {}
        self._spans: dict[int, list[TimedSpan]] = {}
        self._starts: dict[int, list[dt.datetime]] = {}
        self._longest: dict[int, dt.timedelta] = {}
        planned = [
            self.services[service_id]
            for service_id, listed in self._stored.items()
            if any(outage[2] == OutageKind.PLANNED for outage in listed)
        ]
        self.windows: dict[int, list[Interval]] = (
            maintenance_windows_of(planned, self.start, self.end) if planned else {}
        )

    @property
    def outages(self) -> dict[int, list[OutageRow]]:
        """The confirmed outages read, by service, in order of start."""
        return {service_id: self._outage_rows(service_id) for service_id in self._stored}

    def _outage_rows(self, service_id: int) -> list[OutageRow]:
        listed = self._rows.get(service_id)
        if listed is None:
            listed = self._rows[service_id] = [
                OutageRow(
                    number,
                    kind,
                    share,
                    instant_at(started),
                    None if ended is None else instant_at(ended),
                )
                for _, number, kind, share, started, ended in self._stored.get(service_id, [])
            ]
        return listed

    def hours_of(self, calendar: BusinessCalendar) -> CalendarIndex:
        """Each calendar's index built once for the book (the shared cache is too small for
        thousands of services with their own hours)."""
        index = self._hours.get(calendar.pk)
        if index is None:
            index = self._hours[calendar.pk] = calendar_index(calendar)
            index.prepare(self.start, self.end)
        return index

    def _terms(self, service_id: int, low: dt.datetime, high: dt.datetime) -> list[Terms]:
        return [
            term
            for term in terms_between(self.targets.get(service_id, []), low, high, self.hours_of)
            if term.target_percent is not None or not self.targeted_only
        ]

    def figure(
        self, service_id: int, low: dt.datetime, high: dt.datetime, *, itemised: bool = True
    ) -> AvailabilityFigure:
        """The service's figures over [low, high) (under its targets only, when so read)."""
        high = min(high, self.end)
        spans = spans_of(
            self._overlapping(service_id, low, high),
            low,
            high,
            self.windows.get(service_id, []),
            self.now,
        )
        return measure(low, high, self._terms(service_id, low, high), spans, itemised=itemised)

    def figures(
        self,
        service_id: int,
        bounds: Sequence[dt.datetime],
        *,
        itemised: bool = False,
    ) -> list[AvailabilityFigure]:
        """The service's figures over each of the consecutive periods [bounds[i],
        bounds[i + 1]) (bounds in increasing order), the same as `figure` gives for each
        period, in one sweep over the whole range (engine.measure_periods)."""
        ends = [min(bound, self.end) for bound in bounds]
        # The periods with time before the book's end; those after it are empty (`figure`).
        live = next(
            (number for number in range(len(ends) - 1) if ends[number] >= ends[number + 1]),
            len(ends) - 1,
        )
        targets = self.targets.get(service_id, [])
        begins = [_target_begins(target) for target in targets]
        if any(later < earlier for earlier, later in zip(begins, begins[1:], strict=False)):
            # Targets whose days begin out of order (their calendars' time zones a day apart):
            # a period's terms are no longer the whole range's terms within it.
            live = 0
        result = []
        if live:
            first, last = ends[0], ends[live]
            result = measure_periods(
                ends[: live + 1],
                self._terms(service_id, first, last),
                self._timed_spans(service_id),
                itemised=itemised,
            )
        return result + [
            self.figure(service_id, low, high, itemised=itemised)
            for low, high in zip(bounds[live:], bounds[live + 1 :], strict=False)
        ]

    def _timed_spans(self, service_id: int) -> list[TimedSpan]:
        """spans_of the service's outages, unclipped (measure_periods clips them), in µs since
        the epoch: an ongoing one up to now, planned work less the maintenance windows."""
        spans = self._spans.get(service_id)
        if spans is not None:
            return spans
        now = epoch_us(self.now)
        holes = [(epoch_us(low), epoch_us(high)) for low, high in self.windows.get(service_id, [])]
        hole_ends = [high for _, high in holes]
        planned, degraded = OutageKind.PLANNED, OutageKind.DEGRADED
        spans = self._spans[service_id] = [
            TimedSpan(
                number,
                _without_holes(started, now if ended is None else ended, holes, hole_ends)
                if kind == planned
                else ((started, now if ended is None else ended),),
                share,
                kind != degraded,
            )
            for _, number, kind, share, started, ended in self._stored.get(service_id, [])
        ]
        return spans

    def _overlapping(self, service_id: int, low: dt.datetime, high: dt.datetime) -> list[OutageRow]:
        """The service's outages that may overlap [low, high): those starting before `high`
        and after `low` less the longest outage's length."""
        listed = self._outage_rows(service_id)
        if not listed:
            return []
        starts = self._starts.get(service_id)
        if starts is None:
            starts = self._starts[service_id] = [row.started_at for row in listed]
            self._longest[service_id] = max(
                (row.ended_at or self.now) - row.started_at for row in listed
            )
        last = bisect.bisect_left(starts, high)
        first = bisect.bisect_left(starts, low - self._longest[service_id], hi=last)
        return listed[first:last]

    def first_day(self) -> dt.date | None:
        days = [targets[0].valid_from for targets in self.targets.values() if targets]
        return min(days) if days else None


def _without_holes(
    begin: int, finish: int, holes: list[tuple[int, int]], hole_ends: list[int]
) -> tuple[tuple[int, int], ...]:
    """[begin, finish) without the instants of `holes` (merged, in order): intervals.subtracted
    on one interval, finding the holes by bisection."""
    pieces = []
    position = bisect.bisect_right(hole_ends, begin)
    while position < len(holes) and holes[position][0] < finish:
        hole_start, hole_end = holes[position]
        if begin < hole_start:
            pieces.append((begin, hole_start))
        begin = max(begin, hole_end)
        position += 1
    if begin < finish:
        pieces.append((begin, finish))
    return tuple(pieces)
