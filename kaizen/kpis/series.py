"""A KPI's stored measurements as people read them: every period of a range in order, its
name ("Mar 2014"), whether it was measured before it ended ("so far, 6 days of 31"), and the
runs of empty periods folded into one line ("Jan 2015 – Dec 2023").

Pure functions over stored `Measurement` rows (or anything with `period_start`, `value`, `n`
and `computed_at`): the KPI page's chart and table, and the scorecard, are built from them, so
they agree on what a period is called, which periods are empty and which one is unfinished.
"""

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from django.utils import timezone

from kaizen.kpis.models import ALL_TIME_START, PeriodKind, period_after, period_floor

# What a run of empty periods is called in a folded line ("108 months").
PERIOD_NOUNS = {
    "day": ("day", "days"),
    "week": ("week", "weeks"),
    "month": ("month", "months"),
    "quarter": ("quarter", "quarters"),
    "year": ("year", "years"),
    "all": ("period", "periods"),
}


class Stored(Protocol):
    period_start: dt.date
    value: float | None
    n: int
    computed_at: dt.datetime


def period_label(start: dt.date | str | None, kind: str) -> str:
    """How people name a period: "Mar 2026", "Week of 2 Mar 2026", "Q1 2026", "2026"."""
    if start is None or start == "":
        return ""
    if isinstance(start, str):
        if start == "all":
            return "All time"
        start = dt.date.fromisoformat(start[:10])
    if kind == PeriodKind.ALL:
        return "All time" if start == ALL_TIME_START else f"Since {start:%-d %b %Y}"
    if kind == PeriodKind.MONTH:
        return f"{start:%b %Y}"
    if kind == PeriodKind.WEEK:
        return f"Week of {start:%-d %b %Y}"
    if kind == PeriodKind.QUARTER:
        return f"Q{(start.month - 1) // 3 + 1} {start.year}"
    if kind == PeriodKind.YEAR:
        return str(start.year)
    return f"{start:%-d %b %Y}"


def span_label(first: dt.date, last: dt.date, kind: str) -> str:
    """A run of periods: "Jan 2015 – Dec 2023"; one period alone is its own name."""
    if first == last:
        return period_label(first, kind)
    return f"{period_label(first, kind)} – {period_label(last, kind)}"


def count_of(count: int, kind: str) -> str:
    """ "1 month", "108 months"."""
    one, many = PERIOD_NOUNS.get(kind, ("period", "periods"))
    return f"{count} {one if count == 1 else many}"


def period_starts(first: dt.date, last: dt.date, kind: str) -> list[dt.date]:
    """Every period start from the period of `first` to the period of `last`, both included."""
    if kind == PeriodKind.ALL:
        return [first]
    current, end = period_floor(first, kind), period_floor(last, kind)
    starts = []
    while current <= end:
        starts.append(current)
        current = period_after(current, kind)
    return starts


def period_end(start: dt.date, kind: str) -> dt.date | None:
    """The first day after the period (None for "all": it has no end)."""
    return None if kind == PeriodKind.ALL else period_after(start, kind)


def has_data(measurement: Stored | None) -> bool:
    return measurement is not None and measurement.value is not None


def so_far(
    start: dt.date, kind: str, computed_at: dt.datetime | None, *, point_in_time: bool = False
) -> str:
    """ "so far, 6 days of 31" when the period was measured before it ended (its figure covers
    only part of it); "" for a finished one. A day measured during itself is "so far, up to
    14:05". A point-in-time figure (a backlog, counted at an instant) covers no stretch of
    the period: it is "as of 6 Dec" (a day's: "as of 14:05")."""
    end = period_end(start, kind)
    if end is None or computed_at is None:
        return ""
    measured = timezone.localtime(computed_at) if timezone.is_aware(computed_at) else computed_at
    if measured.date() >= end:
        return ""
    if point_in_time:
        return f"as of {measured:%H:%M}" if kind == PeriodKind.DAY else f"as of {measured:%-d %b}"
    if kind == PeriodKind.DAY:
        return f"so far, up to {measured:%H:%M}"
    days = (end - start).days
    elapsed = min(max((measured.date() - start).days + 1, 1), days)
    return f"so far, {elapsed} day{'s' if elapsed != 1 else ''} of {days}"


@dataclass
class Period:
    start: dt.date
    label: str
    measurement: Any  # the stored row, or None when nothing was stored for the period
    so_far: str  # "" for a finished period

    @property
    def value(self) -> float | None:
        return self.measurement.value if self.measurement is not None else None

    @property
    def n(self) -> int:
        return self.measurement.n if self.measurement is not None else 0

    @property
    def empty(self) -> bool:
        return not has_data(self.measurement)

    @property
    def partial(self) -> bool:
        return bool(self.so_far)


def data_range(measurements: Iterable[Stored]) -> tuple[dt.date, dt.date] | None:
    """The first and the last period with a value (None: nothing measured)."""
    starts = [m.period_start for m in measurements if has_data(m)]
    return (min(starts), max(starts)) if starts else None


def periods(
    measurements: Iterable[Stored],
    kind: str,
    first: dt.date,
    last: dt.date,
    *,
    point_in_time: bool = False,
) -> list[Period]:
    """Every period from `first` to `last` (their periods, both included), oldest first, each
    with its stored row or None: the holes keep their place, so a chart draws a gap there
    rather than a line across it."""
    by_start = {m.period_start: m for m in measurements}
    return [
        Period(
            start=start,
            label=period_label(start, kind),
            measurement=by_start.get(start),
            so_far=so_far(start, kind, by_start[start].computed_at, point_in_time=point_in_time)
            if start in by_start
            else "",
        )
        for start in period_starts(first, last, kind)
    ]


@dataclass
class Row:
    """A line of the measurements table: one period, or a run of empty periods folded."""

    periods: list[Period]
    kind: str

    @property
    def folded(self) -> bool:
        return self.periods[0].empty

    @property
    def period(self) -> Period:
        return self.periods[0]

    @property
    def label(self) -> str:
        """The period's name, or the run's from its first to its last period whatever the
        table's order ("Jan 2015 – Dec 2023")."""
        starts = [period.start for period in self.periods]
        return span_label(min(starts), max(starts), self.kind)

    @property
    def span(self) -> str:
        """ "108 months" """
        return count_of(len(self.periods), self.kind)

    @property
    def count(self) -> int:
        return len(self.periods)

    @property
    def measured(self) -> bool:
        """Whether the empty periods were measured (as empty) or never measured at all."""
        return self.periods[0].measurement is not None


def fold(rows: Sequence[Period], kind: str) -> list[Row]:
    """The periods as table lines: each period with data on its own line, each run of empty
    periods as one line (measured as empty and never measured are told apart), in the order
    given."""
    lines: list[Row] = []
    for period in rows:
        previous = lines[-1] if lines else None
        if (
            period.empty
            and previous is not None
            and previous.folded
            and previous.measured == (period.measurement is not None)
        ):
            previous.periods.append(period)
            continue
        lines.append(Row([period], kind))
    return lines
