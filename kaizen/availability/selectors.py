"""Availability figures from the stored records: the targets in force, the confirmed outages
(planned work without its parts inside maintenance windows), measured by engine.py.

Each function reads a fixed number of queries whatever the period's length: the targets, the
outages and the maintenance windows of the whole range at once."""

import bisect
import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import NamedTuple
from zoneinfo import ZoneInfo

from django.db.models import Q
from django.utils import timezone

from kaizen.availability.engine import AvailabilityFigure, CountedSpan, Terms, measure
from kaizen.availability.models import AvailabilityTarget, Outage, OutageKind, OutageStatus
from kaizen.catalog.maintenance import maintenance_windows
from kaizen.catalog.models import Service
from kaizen.core.intervals import Interval, clipped, subtracted
from kaizen.sla.calendar import CalendarIndex, WorkingPeriod
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
        zone = ZoneInfo(target.calendar.time_zone)
        begins = dt.datetime.combine(target.valid_from, dt.time(0), tzinfo=zone)
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
    result = {}
    for service in services:
        months = []
        if by_month:
            for first in month_starts(start, end):
                following = min(end, (first + dt.timedelta(days=32)).replace(day=1))
                months.append(book.figure(service.pk, max(start, first), following))
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


class AvailabilityBook:
    """Services' targets and confirmed outages, read once (a fixed number of queries: the
    targets with their calendars, the outages, the maintenance windows of the services with
    planned work), for figures over many services and periods: the KPIs, the overview, a
    service's page. Without `services`, every service with an availability target. With
    `targeted_only` (the KPIs), only time under a target counts: a service's time before its
    first target is not part of any total; otherwise it is measured over every hour."""

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
        targets = (
            AvailabilityTarget.objects.select_related("calendar", "service")
            .prefetch_related("calendar__periods", "calendar__closures")
            .order_by("service_id", "valid_from")
        )
        self.services: dict[int, Service] = {}
        if services is not None:
            self.services = {service.pk: service for service in services}
            targets = targets.filter(service_id__in=list(self.services))
        self.targets: dict[int, list[AvailabilityTarget]] = {}
        for target in targets:
            self.targets.setdefault(target.service_id, []).append(target)
            self.services.setdefault(target.service_id, target.service)
        rows = (
            Outage.objects.filter(
                service_id__in=list(self.services),
                status=OutageStatus.CONFIRMED,
                started_at__lt=self.end,
            )
            .filter(Q(ended_at__isnull=True) | Q(ended_at__gt=self.start))
            .order_by("started_at", "pk")
            .values_list("service_id", "number", "kind", "share_affected", "started_at", "ended_at")
        )
        # Plain rows, by service in order of start, with the longest one's length: a period's
        # outages are found by bisection, not by reading all of the service's.
        self.outages: dict[int, list[OutageRow]] = {}
        for service_id, *fields in rows:
            self.outages.setdefault(service_id, []).append(OutageRow(*fields))
        self._starts = {
            service_id: [row.started_at for row in listed]
            for service_id, listed in self.outages.items()
        }
        self._longest = {
            service_id: max((row.ended_at or self.now) - row.started_at for row in listed)
            for service_id, listed in self.outages.items()
        }
        self.windows: dict[int, list[Interval]] = {
            service_id: maintenance_windows(self.services[service_id], self.start, self.end)
            for service_id, listed in self.outages.items()
            if any(outage.kind == OutageKind.PLANNED for outage in listed)
        }

    def hours_of(self, calendar: BusinessCalendar) -> CalendarIndex:
        """Each calendar's index built once for the book (the shared cache is too small for
        thousands of services with their own hours)."""
        index = self._hours.get(calendar.pk)
        if index is None:
            index = self._hours[calendar.pk] = calendar_index(calendar)
            index.prepare(self.start, self.end)
        return index

    def figure(
        self, service_id: int, low: dt.datetime, high: dt.datetime, *, itemised: bool = True
    ) -> AvailabilityFigure:
        """The service's figures over [low, high) (under its targets only, when so read)."""
        high = min(high, self.end)
        terms = [
            term
            for term in terms_between(self.targets.get(service_id, []), low, high, self.hours_of)
            if term.target_percent is not None or not self.targeted_only
        ]
        spans = spans_of(
            self._overlapping(service_id, low, high),
            low,
            high,
            self.windows.get(service_id, []),
            self.now,
        )
        return measure(low, high, terms, spans, itemised=itemised)

    def _overlapping(self, service_id: int, low: dt.datetime, high: dt.datetime) -> list[OutageRow]:
        """The service's outages that may overlap [low, high): those starting before `high`
        and after `low` less the longest outage's length."""
        listed = self.outages.get(service_id)
        if not listed:
            return []
        starts = self._starts[service_id]
        last = bisect.bisect_left(starts, high)
        first = bisect.bisect_left(starts, low - self._longest[service_id], hi=last)
        return listed[first:last]

    def first_day(self) -> dt.date | None:
        days = [targets[0].valid_from for targets in self.targets.values() if targets]
        return min(days) if days else None
