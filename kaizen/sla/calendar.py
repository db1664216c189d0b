"""Business-time arithmetic on a calendar, on intervals, never minute by minute.

A calendar is a time zone, weekly working periods (several per day: split shifts, lunch
breaks) and closed dates (public holidays from the `holidays` library plus the organisation's
own). `CalendarIndex` turns it into, for each local day, the day's working intervals in UTC and
the business time accumulated before the day starts. Then

- business time between two instants is a difference of two cumulative values, and
- the instant a given amount of business time runs out is a binary search plus a walk over at
  most a day's intervals,

so every operation costs O(log days), however long the period. Time is counted in whole
microseconds (ints): no floating-point drift at exact boundaries.

Semantics worth knowing:
- Working periods are local wall-clock times in the calendar's zone. On a DST change day the
  day's intervals are converted with the offset in force at each boundary, so a 09:00-17:00
  day is 8 real hours, and a 00:00-24:00 day is 23 or 25 real hours (the real time that passed).
  A boundary that falls in the spring-forward gap is moved forward by the gap (PEP 495 fold=0).
- `instant_reaching(start, amount)` gives the earliest instant at which `amount` of business
  time has passed since `start`: a target used up at 17:00 on Friday is due at 17:00 on Friday,
  not at 09:00 on Monday. `first_counted_instant_after(t)` gives the first instant after `t`
  at which business time counts again (Monday 09:00 in that example): the moment a clock can
  actually exceed its target.
"""

import bisect
import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from zoneinfo import ZoneInfo

UTC = dt.UTC
MICROSECOND = dt.timedelta(microseconds=1)
DAY_MINUTES = 24 * 60
EPOCH = dt.datetime(1970, 1, 1, tzinfo=UTC)


def to_us(delta: dt.timedelta) -> int:
    return delta // MICROSECOND


def from_us(microseconds: int) -> dt.timedelta:
    return dt.timedelta(microseconds=microseconds)


def epoch_us(instant: dt.datetime) -> int:
    """An aware instant as whole µs since the Unix epoch."""
    return to_us(instant - EPOCH)


def instant_at(microseconds: int) -> dt.datetime:
    """The UTC instant `microseconds` µs after the Unix epoch (the inverse of epoch_us)."""
    return EPOCH + from_us(microseconds)


@dataclass(frozen=True)
class WorkingPeriod:
    """Working time on one weekday (0 = Monday), in minutes after local midnight; end <= 1440."""

    weekday: int
    start_minute: int
    end_minute: int

    def __post_init__(self) -> None:
        if not 0 <= self.weekday <= 6:
            raise ValueError(f"weekday must be 0 (Monday) to 6 (Sunday), not {self.weekday}")
        if not 0 <= self.start_minute < self.end_minute <= DAY_MINUTES:
            raise ValueError(
                f"a working period must start before it ends within the day "
                f"({self.start_minute} - {self.end_minute} minutes)"
            )


def merge_periods(periods: Iterable[WorkingPeriod]) -> dict[int, list[tuple[int, int]]]:
    """Per weekday, the working periods sorted with overlapping or touching ones merged."""
    by_day: dict[int, list[tuple[int, int]]] = {day: [] for day in range(7)}
    for period in sorted(periods, key=lambda p: (p.weekday, p.start_minute)):
        day = by_day[period.weekday]
        if day and period.start_minute <= day[-1][1]:
            day[-1] = (day[-1][0], max(day[-1][1], period.end_minute))
        else:
            day.append((period.start_minute, period.end_minute))
    return by_day


class EpochIndex:
    """A CalendarIndex's days as it was built, with instants as whole µs since the Unix epoch:
    the same cumulative business time (the same days, intervals and running sums, so exactly
    the same values) without datetime arithmetic, for readers that ask about many instants.
    A snapshot: growing the index later builds a new one and leaves this one as it was, so
    differences of values read from one snapshot are always consistent. Only instants from
    `first_us` to `last_us` may be asked about."""

    def __init__(
        self, day_starts: list[int], cum: list[int], intervals: list[tuple[tuple[int, int], ...]]
    ) -> None:
        self.day_starts = day_starts
        self.cum = cum
        self.intervals = intervals
        # A day of margin either side, as CalendarIndex._ensure keeps.
        self.first_us, self.last_us = day_starts[1], day_starts[-1] - 1

    def cumulative(self, instant: int) -> int:
        """CalendarIndex.cumulative of the instant (µs since the epoch), step for step."""
        index = bisect.bisect_right(self.day_starts, instant) - 1
        total = self.cum[index]
        for start, end in self.intervals[index]:
            if instant <= start:
                break
            total += min(end, instant) - start
        return total


class CalendarIndex:
    """A calendar prepared for fast, exact business-time arithmetic (see the module doc).

    `is_closed(date)` tells whether a local date is a holiday. The index covers whole years and
    grows on demand when asked about instants outside them.
    """

    def __init__(
        self,
        time_zone: str,
        periods: Iterable[WorkingPeriod],
        is_closed: Callable[[dt.date], bool] = lambda day: False,
    ) -> None:
        self.zone = ZoneInfo(time_zone)
        self.week = merge_periods(periods)
        if not any(self.week.values()):
            raise ValueError("a calendar needs at least one working period")
        self.is_closed = is_closed
        self._first_day: dt.date | None = None
        self._day_starts: list[dt.datetime] = []  # UTC instant of each local midnight
        self._intervals: list[list[tuple[dt.datetime, dt.datetime]]] = []
        self._cum: list[int] = [0]  # business µs before day i; one more entry than days
        self._cum_end: list[int] = []  # business µs up to the end of day i
        self._epoch_index: EpochIndex | None = None  # of the current build, made on demand

    # -- building -------------------------------------------------------------------------

    def _local(self, day: dt.date, minute: int) -> dt.datetime:
        if minute == DAY_MINUTES:
            return self._local(day + dt.timedelta(days=1), 0)
        wall = dt.datetime.combine(day, dt.time(minute // 60, minute % 60), tzinfo=self.zone)
        # Round-trip through UTC so a wall time in the spring-forward gap moves forward.
        return wall.astimezone(UTC)

    def _day_intervals(self, day: dt.date) -> list[tuple[dt.datetime, dt.datetime]]:
        if self.is_closed(day):
            return []
        return [
            (self._local(day, start), self._local(day, end))
            for start, end in self.week[day.weekday()]
        ]

    def _build(self, first: dt.date, last: dt.date) -> None:
        """(Re)build the index for every local date from `first` to `last` inclusive."""
        self._first_day = first
        self._day_starts, self._intervals, self._cum, self._cum_end = [], [], [0], []
        self._epoch_index = None
        day = first
        while day <= last:
            intervals = self._day_intervals(day)
            total = sum(to_us(end - start) for start, end in intervals)
            self._day_starts.append(self._local(day, 0))
            self._intervals.append(intervals)
            self._cum_end.append(self._cum[-1] + total)
            self._cum.append(self._cum[-1] + total)
            day += dt.timedelta(days=1)

    def _ensure(self, instant: dt.datetime) -> None:
        # Fast path: well inside the indexed range (a day of margin at both ends).
        if self._day_starts and self._day_starts[1] <= instant < self._day_starts[-1]:
            return
        local_day = instant.astimezone(self.zone).date()
        # A day of margin either side: instants near midnight UTC belong to a neighbouring
        # local date in zones far from UTC.
        low = dt.date(local_day.year - 1, 12, 31) if local_day.month == 1 else local_day
        high = dt.date(local_day.year + 1, 1, 1) if local_day.month == 12 else local_day
        if self._first_day is not None:
            last_day = self._first_day + dt.timedelta(days=len(self._day_starts) - 1)
            if self._first_day <= low and high <= last_day:
                return
            low = min(low, self._first_day)
            high = max(high, last_day)
        self._build(dt.date(low.year, 1, 1), dt.date(high.year, 12, 31))

    def prepare(self, start: dt.datetime, end: dt.datetime) -> None:
        """Index every day from `start` to `end` in one build, for a reader about to ask across
        years (the index otherwise grows, and is rebuilt, a year at a time)."""
        first = start.astimezone(self.zone).date() - dt.timedelta(days=1)
        last = end.astimezone(self.zone).date() + dt.timedelta(days=1)
        if self._first_day is not None:
            indexed_last = self._first_day + dt.timedelta(days=len(self._day_starts) - 1)
            if self._first_day <= first and last <= indexed_last:
                return
            first, last = min(first, self._first_day), max(last, indexed_last)
        self._build(dt.date(first.year, 1, 1), dt.date(last.year, 12, 31))

    def epoch_index(self, start: dt.datetime, end: dt.datetime) -> EpochIndex:
        """The index in µs since the epoch, covering every instant from `start` to `end`
        (prepared for them first)."""
        self.prepare(start, end)
        snapshot = self._epoch_index
        if snapshot is None:
            snapshot = self._epoch_index = EpochIndex(
                [epoch_us(day_start) for day_start in self._day_starts],
                self._cum,
                [
                    tuple((epoch_us(low), epoch_us(high)) for low, high in intervals)
                    for intervals in self._intervals
                ],
            )
        return snapshot

    def _day_index(self, instant: dt.datetime) -> int:
        return bisect.bisect_right(self._day_starts, instant) - 1

    # -- queries ---------------------------------------------------------------------------

    def cumulative(self, instant: dt.datetime) -> int:
        """Business µs from the start of the index to `instant` (only differences matter)."""
        self._ensure(instant)
        index = self._day_index(instant)
        total = self._cum[index]
        for start, end in self._intervals[index]:
            if instant <= start:
                break
            total += to_us(min(end, instant) - start)
        return total

    def business_us(self, start: dt.datetime, end: dt.datetime) -> int:
        """Business time between two instants, in µs (0 when end <= start)."""
        if end <= start:
            return 0
        self._ensure(start)
        self._ensure(end)
        return self.cumulative(end) - self.cumulative(start)

    def instant_reaching(self, start: dt.datetime, amount_us: int) -> dt.datetime:
        """The earliest instant at or after `start` by which `amount_us` of business time
        has passed since `start`."""
        if amount_us <= 0:
            return start
        target = self.cumulative(start) + amount_us
        while target > self._cum_end[-1]:
            # Extend by a year at a time; a calendar always has some working time in a year
            # unless every day is closed, which _build would make an endless loop, so cap it.
            last = self._day_starts[-1]
            if len(self._day_starts) > 366 * 200:
                raise ValueError("the calendar has no working time left to reach the target")
            self._ensure(last + dt.timedelta(days=370))
            target = self.cumulative(start) + amount_us
        index = bisect.bisect_left(self._cum_end, target)
        remaining = target - self._cum[index]
        for interval_start, interval_end in self._intervals[index]:
            length = to_us(interval_end - interval_start)
            if remaining <= length:
                return max(start, interval_start + from_us(remaining))
            remaining -= length
        raise AssertionError("cumulative index out of step with its intervals")

    def first_counted_instant_after(self, instant: dt.datetime) -> dt.datetime:
        """The instant from which business time counts again after `instant` (itself when
        `instant` lies inside a working interval, before its end)."""
        self._ensure(instant)
        index = self._day_index(instant)
        while True:
            for start, end in self._intervals[index]:
                if instant < end:
                    return max(start, instant)
            index += 1
            if index >= len(self._day_starts):
                self._ensure(self._day_starts[-1] + dt.timedelta(days=370))

    def intervals_between(
        self, start: dt.datetime, end: dt.datetime
    ) -> list[tuple[dt.datetime, dt.datetime]]:
        """The working intervals clipped to [start, end): what a clock would count."""
        if end <= start:
            return []
        self._ensure(start)
        self._ensure(end)
        result = []
        for index in range(self._day_index(start), self._day_index(end) + 1):
            for interval_start, interval_end in self._intervals[index]:
                low, high = max(start, interval_start), min(end, interval_end)
                if low < high:
                    result.append((low, high))
        return result
