"""The change calendar's month and week pages as data: the booked changes of a period and the
windows in force, per local day of the reader's time zone.

A month with thousands of changes must not draw thousands of boxes: each day shows its first
few changes (by start) and "+N more", which links to that day in the list. The period's
changes are read as (id, start, end) tuples in two indexed queries
(services/conflicts.booked_between), and the number, title and state of the few shown in one
more.
"""

import bisect
import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from django.core.exceptions import EmptyResultSet
from django.db import connections
from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone

from kaizen.changes.calendar_filters import local_midnight
from kaizen.changes.calendar_windows import window_intervals
from kaizen.changes.models import Change, ChangeWindow, State, WindowKind
from kaizen.changes.services.conflicts import booked_between

ONE_DAY = dt.timedelta(days=1)


@dataclass
class Booking:
    pk: int
    number: str
    title: str
    state: str
    start: dt.datetime
    end: dt.datetime
    # Filled in by build_days, in the reader's time zone: a month has thousands of these, and
    # formatting them in the template cost more than reading them.
    url: str = ""
    start_text: str = ""
    hours_text: str = ""
    span_text: str = ""

    @property
    def is_implementing(self) -> bool:
        return self.state == State.IMPLEMENT

    @property
    def state_label(self) -> str:
        return State(self.state).label


@dataclass
class Occurrence:
    """A window's occurrence on one day, in the reader's time zone."""

    window: ChangeWindow
    start: dt.datetime
    end: dt.datetime

    @property
    def span_text(self) -> str:
        return f"{self.start:%H:%M}–{self.end:%H:%M}"

    @property
    def is_blackout(self) -> bool:
        return self.window.kind == WindowKind.BLACKOUT


@dataclass
class Day:
    day: dt.date
    in_period: bool = True
    is_today: bool = False
    iso: str = ""
    bookings: list[Booking] = field(default_factory=list)
    count: int = 0
    shown: list[int] = field(default_factory=list)
    windows: list[Occurrence] = field(default_factory=list)

    @property
    def more(self) -> int:
        return self.count - len(self.bookings)

    @property
    def blackout(self) -> bool:
        return any(occurrence.is_blackout for occurrence in self.windows)


# (id, planned start, planned end), the times as seconds since the epoch: the database gives
# them as plain numbers, and a change's days are found by bisecting the days' boundaries,
# with no datetime built per change (a month can hold thousands).
Span = tuple[int, float, float]
EPOCH_SQL = {
    # SQLite keeps UTC texts; rounded to the millisecond, a whole second is exact.
    "sqlite": "ROUND((julianday({column}) - 2440587.5) * 86400.0, 3)",
    "postgresql": "EXTRACT(EPOCH FROM {column})::float8",
}


def booked_spans(
    start: dt.datetime, end: dt.datetime, narrow: Callable[[QuerySet], QuerySet]
) -> list[Span]:
    """The booked changes overlapping [start, end) that `narrow` (the filters) keeps, by
    start, read through the cursor as numbers (see Span)."""
    spans: dict[int, Span] = {}
    for part in booked_between(start, end):
        rows = narrow(part).order_by().values_list("pk", "planned_start", "planned_end")
        try:
            sql, params = rows.query.sql_with_params()
        except EmptyResultSet:
            continue
        connection = connections[rows.db]
        epoch = EPOCH_SQL.get(connection.vendor)
        if epoch is None:  # another database: through the ORM
            for pk, begin, finish in rows:
                spans[pk] = (pk, begin.timestamp(), finish.timestamp())
            continue
        columns = ", ".join(epoch.format(column=f'"{c}"') for c in ("planned_start", "planned_end"))
        with connection.cursor() as cursor:
            cursor.execute(f'SELECT "pk", {columns} FROM ({sql}) "spans"', params)
            for row in cursor.fetchall():
                spans[row[0]] = row
    return sorted(spans.values(), key=lambda span: (span[1], span[0]))


def count_between(spans: Iterable[Span], start: dt.datetime, end: dt.datetime) -> int:
    """How many of the spans overlap [start, end)."""
    low, high = start.timestamp(), end.timestamp()
    return sum(1 for _pk, begin, finish in spans if begin < high and finish > low)


def bookings_of(pks: Iterable[int]) -> dict[int, Booking]:
    """The changes' numbers, titles, states and planned windows, in one query."""
    rows = (
        Change.objects.filter(pk__in=list(pks))
        .order_by()
        .values_list("pk", "number", "title", "state", "planned_start", "planned_end")
    )
    return {row[0]: Booking(*row) for row in rows}


def booked_rows(
    start: dt.datetime, end: dt.datetime, narrow: Callable[[QuerySet], QuerySet]
) -> list[Booking]:
    """Every booked change overlapping [start, end) that `narrow` keeps, by start (the API)."""
    spans = booked_spans(start, end, narrow)
    found = bookings_of(span[0] for span in spans)
    return [found[span[0]] for span in spans if span[0] in found]


def _local_days(start: dt.datetime, end: dt.datetime, zone: dt.tzinfo) -> Iterable[dt.date]:
    """The local dates an interval [start, end) touches."""
    day = start.astimezone(zone).date()
    last = (end - dt.timedelta(microseconds=1)).astimezone(zone).date()
    while day <= last:
        yield day
        day += ONE_DAY


def build_days(
    first: dt.date,
    last: dt.date,
    spans: list[Span],
    windows: Iterable[ChangeWindow],
    *,
    per_day: int,
    period: tuple[dt.date, dt.date] | None = None,
) -> list[Day]:
    """One Day per local date from `first` to `last`, each with its first `per_day` booked
    changes (of `spans`, by start) and its count, and the windows' occurrences touching it."""
    today = timezone.localdate()
    zone = timezone.get_current_timezone()
    in_from, in_to = period or (first, last)
    cells: list[Day] = []
    day = first
    while day <= last:
        cells.append(Day(day, in_from <= day <= in_to, day == today, day.isoformat()))
        day += ONE_DAY
    # The days' boundaries in naive UTC: a change's days are found by bisection.
    bounds = [local_midnight(cell.day).timestamp() for cell in cells]
    bounds.append(local_midnight(last + ONE_DAY).timestamp())
    shown: set[int] = set()
    for pk, begin, finish in spans:
        first_index = max(bisect.bisect_right(bounds, begin) - 1, 0)
        last_index = min(bisect.bisect_left(bounds, finish) - 1, len(cells) - 1)
        for cell in cells[first_index : last_index + 1]:
            cell.count += 1
            if len(cell.shown) < per_day:
                cell.shown.append(pk)
                shown.add(pk)
    found = bookings_of(shown)
    # The change page's address with a placeholder, reversed once.
    url = reverse("changes:detail", args=["CHG0"]).replace("CHG0", "{}")
    for booking in found.values():
        begin, finish = booking.start.astimezone(zone), booking.end.astimezone(zone)
        booking.url = url.format(booking.number)
        booking.start_text = f"{begin:%H:%M}"
        booking.hours_text = f"{begin:%H:%M}–{finish:%H:%M}"
        until = f"{finish:%H:%M}" if finish.date() == begin.date() else f"{finish:%a %d %b, %H:%M}"
        booking.span_text = f"{begin:%a %d %b %Y, %H:%M} to {until}"
    for cell in cells:
        cell.bookings = [found[pk] for pk in cell.shown if pk in found]
    by_day = {cell.day: cell for cell in cells}
    start, end = local_midnight(first), local_midnight(last + ONE_DAY)
    for window in windows:
        for begin, finish in window_intervals(window, start, end):
            occurrence = Occurrence(window, begin.astimezone(zone), finish.astimezone(zone))
            for local in _local_days(begin, finish, zone):
                if local in by_day:
                    by_day[local].windows.append(occurrence)
    for cell in cells:
        cell.windows.sort(key=lambda o: (not o.is_blackout, o.start, o.window.name))
    return cells


def month_bounds(month: dt.date) -> tuple[dt.date, dt.date, dt.date, dt.date]:
    """The month's first and last day, and the Monday and Sunday its grid runs from and to."""
    first = month.replace(day=1)
    following = (first + dt.timedelta(days=32)).replace(day=1)
    last = following - ONE_DAY
    grid_first = first - dt.timedelta(days=first.weekday())
    grid_last = last + dt.timedelta(days=6 - last.weekday())
    return first, last, grid_first, grid_last


def weeks(days: list[Day]) -> list[list[Day]]:
    return [days[index : index + 7] for index in range(0, len(days), 7)]
