"""The change calendar's month and week pages as data: the booked changes of a period and the
windows in force, per local day of the reader's time zone.

A month with thousands of changes must not draw thousands of boxes: each day shows its first
few changes (by start) and "+N more", which links to that day in the list. The rows are read
as plain tuples of the columns shown, in two indexed queries (services/conflicts.booked_between).
"""

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone

from kaizen.changes.calendar_filters import local_midnight
from kaizen.changes.calendar_windows import window_intervals
from kaizen.changes.models import ChangeWindow, State, WindowKind
from kaizen.changes.services.conflicts import booked_between

ONE_DAY = dt.timedelta(days=1)
COLUMNS = ("pk", "number", "title", "state", "planned_start", "planned_end")


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
    windows: list[Occurrence] = field(default_factory=list)

    @property
    def more(self) -> int:
        return self.count - len(self.bookings)

    @property
    def blackout(self) -> bool:
        return any(occurrence.is_blackout for occurrence in self.windows)


def booked_rows(
    start: dt.datetime, end: dt.datetime, narrow: Callable[[QuerySet], QuerySet]
) -> list[Booking]:
    """The booked changes overlapping [start, end) that `narrow` (the filters) keeps, by start."""
    rows: dict[int, Booking] = {}
    for part in booked_between(start, end):
        for values in narrow(part).order_by().values_list(*COLUMNS):
            rows[values[0]] = Booking(*values)
    return sorted(rows.values(), key=lambda row: (row.start, row.number))


def _local_days(start: dt.datetime, end: dt.datetime) -> Iterable[dt.date]:
    """The local dates an interval [start, end) touches."""
    zone = timezone.get_current_timezone()
    day = start.astimezone(zone).date()
    last = (end - dt.timedelta(microseconds=1)).astimezone(zone).date()
    while day <= last:
        yield day
        day += ONE_DAY


def build_days(
    first: dt.date,
    last: dt.date,
    bookings: list[Booking],
    windows: Iterable[ChangeWindow],
    *,
    per_day: int,
    period: tuple[dt.date, dt.date] | None = None,
) -> list[Day]:
    """One Day per local date from `first` to `last`, each with its first `per_day` bookings
    and its count, and the windows' occurrences touching it."""
    today = timezone.localdate()
    in_from, in_to = period or (first, last)
    days: dict[dt.date, Day] = {}
    day = first
    while day <= last:
        days[day] = Day(day, in_from <= day <= in_to, day == today, day.isoformat())
        day += ONE_DAY
    zone = timezone.get_current_timezone()
    # The change page's address with a placeholder, reversed once.
    url = reverse("changes:detail", args=["CHG0"]).replace("CHG0", "{}")
    for booking in bookings:
        shown = False
        for local in _local_days(booking.start, booking.end):
            cell = days.get(local)
            if cell is None:
                continue
            cell.count += 1
            if len(cell.bookings) < per_day:
                cell.bookings.append(booking)
                shown = True
        if shown:
            start, end = booking.start.astimezone(zone), booking.end.astimezone(zone)
            booking.url = url.format(booking.number)
            booking.start_text = f"{start:%H:%M}"
            booking.hours_text = f"{start:%H:%M}–{end:%H:%M}"
            until = f"{end:%H:%M}" if end.date() == start.date() else f"{end:%a %d %b, %H:%M}"
            booking.span_text = f"{start:%a %d %b %Y, %H:%M} to {until}"
    start, end = local_midnight(first), local_midnight(last + ONE_DAY)
    for window in windows:
        for begin, finish in window_intervals(window, start, end):
            occurrence = Occurrence(window, begin.astimezone(zone), finish.astimezone(zone))
            for local in _local_days(begin, finish):
                if local in days:
                    days[local].windows.append(occurrence)
    for cell in days.values():
        cell.windows.sort(key=lambda o: (not o.is_blackout, o.start, o.window.name))
    return list(days.values())


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
