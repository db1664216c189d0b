"""Time arithmetic of the change calendar: windows expanded into instants, and intervals.

Pure functions over plain values (a ChangeWindow is only read), so the rules are tested
without a database. Conventions:

- An interval is (start, end) in aware UTC datetimes, half-open: [start, end). Two intervals
  overlap only when each starts before the other ends, so a change ending at 04:00 and one
  starting at 04:00 do not overlap.
- A weekly window's times are wall-clock times in its time zone, converted with the offset in
  force on that date (zoneinfo), so "Sunday 02:00-06:00 Europe/London" is 01:00-05:00 UTC in
  summer and 02:00-06:00 UTC in winter. A time in the spring-forward gap is moved forward by
  the gap and an ambiguous one in the autumn is the first of the two (PEP 495, fold=0), as the
  SLA calendars do (kaizen/sla/calendar.py).
"""

import datetime as dt
from collections.abc import Iterable
from typing import Protocol
from zoneinfo import ZoneInfo

from kaizen.core.intervals import Interval, merged, overlaps

UTC = dt.UTC
ONE_DAY = dt.timedelta(days=1)


class WindowLike(Protocol):
    recurrence: str
    starts_at: dt.datetime | None
    ends_at: dt.datetime | None
    weekday: int | None
    start_time: dt.time | None
    end_time: dt.time | None
    time_zone: str
    valid_from: dt.date | None
    valid_until: dt.date | None


def weekly_intervals(
    weekday: int,
    start_time: dt.time,
    end_time: dt.time,
    zone: ZoneInfo,
    start: dt.datetime,
    end: dt.datetime,
    valid_from: dt.date | None = None,
    valid_until: dt.date | None = None,
) -> list[Interval]:
    """The occurrences of a weekly wall-clock window that overlap [start, end), in UTC. An
    end time at or before the start time ends on the next day. `valid_from` and
    `valid_until` bound the local dates an occurrence may start on (both included)."""
    # An occurrence starting the local day before `start` may still be running.
    first = start.astimezone(zone).date() - ONE_DAY
    last = end.astimezone(zone).date()
    first += dt.timedelta(days=(weekday - first.weekday()) % 7)
    crosses = end_time <= start_time
    found: list[Interval] = []
    day = first
    while day <= last:
        if (valid_from is None or day >= valid_from) and (
            valid_until is None or day <= valid_until
        ):
            local_start = dt.datetime.combine(day, start_time, tzinfo=zone)
            local_end = dt.datetime.combine(
                day + ONE_DAY if crosses else day, end_time, tzinfo=zone
            )
            occurrence = (local_start.astimezone(UTC), local_end.astimezone(UTC))
            if occurrence[0] < occurrence[1] and overlaps(*occurrence, start, end):
                found.append(occurrence)
        day += dt.timedelta(days=7)
    return found


def window_intervals(window: WindowLike, start: dt.datetime, end: dt.datetime) -> list[Interval]:
    """The concrete intervals of a window (one-off or weekly) that overlap [start, end)."""
    if window.recurrence == "weekly":
        assert window.weekday is not None and window.start_time and window.end_time
        return weekly_intervals(
            window.weekday,
            window.start_time,
            window.end_time,
            ZoneInfo(window.time_zone),
            start,
            end,
            window.valid_from,
            window.valid_until,
        )
    assert window.starts_at is not None and window.ends_at is not None
    if overlaps(window.starts_at, window.ends_at, start, end):
        return [(window.starts_at, window.ends_at)]
    return []


def covering(
    intervals: Iterable[Interval], start: dt.datetime, end: dt.datetime
) -> Interval | None:
    """The merged interval that holds all of [start, end), or None."""
    for begin, finish in merged(intervals):
        if begin <= start and end <= finish:
            return (begin, finish)
    return None
