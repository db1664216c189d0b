"""Availability by interval algebra on the business-time engine: pure functions of plain values
(no database), so each rule is tested on hand-made cases.

For a period and a service:

- **Agreed service time** is the business time of the agreed service hours (the calendar of
  the target in force, kaizen/sla/calendar.py) within the period; a target changed mid-period
  splits the period at the day it applies from, and each part is measured on its own hours.
- **Downtime** is the agreed service time during which the service was down: outages are
  turned into disjoint segments first (kaizen/core/intervals.py: two outages of the same
  instant count once), and a degraded segment counts for the share of users affected (a
  full outage over a degraded one counts in full). Only agreed service time counts: an outage
  at night against office-hours agreement costs nothing.
- **Availability** = (agreed service time - downtime) / agreed service time.
- A **service break** is a stretch of full outage (unplanned, or planned work outside a
  maintenance window; degraded service is not a break) with agreed service time in it;
  overlapping or touching outages are one break. MTRS (mean time to restore service) is the
  agreed service time lost to breaks per break; MTBF (mean time between failures) the agreed
  service time up per break; MTBSI (mean time between service incidents) their sum, the agreed
  service time per break.
- The **downtime budget** is what the targets allow (agreed time x (100 % - target)), and
  what is left of it.

Time is in whole microseconds; the ratios are exact fractions until they are shown.

`measure` gives one period's figures; `measure_periods` gives those of consecutive periods
(the months of a report) at once, equal to `measure` of each: one sweep over the whole range,
on instants as whole µs since the Unix epoch, where a period's agreed time, downtime and time
lost to breaks are differences of running sums of business time.
"""

import bisect
import datetime as dt
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction
from typing import NamedTuple

from kaizen.core.intervals import Interval, merged, weighted_segments
from kaizen.sla.calendar import CalendarIndex, EpochIndex, epoch_us

FULL = 100  # the share affected by an outage that stops the service for everyone


@dataclass(frozen=True)
class Terms:
    """What was agreed over [start, end): the service hours and the target (None when no
    target was set: the figures are measured, nothing is judged)."""

    start: dt.datetime
    end: dt.datetime
    hours: CalendarIndex
    target_percent: Decimal | None


@dataclass(frozen=True)
class CountedSpan:
    """An outage as it counts: its intervals inside the period (a planned outage without the
    parts inside maintenance windows), the share of users affected, whether it is a break."""

    number: str
    intervals: tuple[Interval, ...]
    share: int
    is_break: bool


class TimedSpan(NamedTuple):
    """A CountedSpan with its intervals in whole µs since the Unix epoch (measure_periods)."""

    number: str
    intervals: tuple[tuple[int, int], ...]
    share: int
    is_break: bool


@dataclass
class OutageShare:
    """One outage behind a figure: the agreed service time it took alone (overlaps with other
    outages are counted once in the total, so these may add up to more)."""

    number: str
    downtime_us: Fraction


@dataclass
class AvailabilityFigure:
    start: dt.datetime
    end: dt.datetime
    agreed_us: int = 0
    downtime_us: Fraction = Fraction(0)
    allowed_downtime_us: Fraction | None = None
    breaks: int = 0
    break_downtime_us: int = 0
    outages: list[OutageShare] = field(default_factory=list)

    @property
    def availability(self) -> Fraction | None:
        """A fraction of 1, or None when nothing was agreed in the period."""
        if not self.agreed_us:
            return None
        # 1 - downtime / agreed as one fraction (the same value, a third of the work).
        downtime = self.downtime_us
        whole = self.agreed_us * downtime.denominator
        return Fraction(whole - downtime.numerator, whole)

    @property
    def availability_percent(self) -> float | None:
        value = self.availability
        return None if value is None else float(value * 100)

    @property
    def target_percent(self) -> float | None:
        """The target of the period: the targets in force weighted by their agreed time."""
        if self.allowed_downtime_us is None or not self.agreed_us:
            return None
        return float(100 - self.allowed_downtime_us * 100 / self.agreed_us)

    @property
    def met(self) -> bool | None:
        if self.allowed_downtime_us is None or not self.agreed_us:
            return None
        return self.downtime_us <= self.allowed_downtime_us

    @property
    def budget_left_us(self) -> Fraction | None:
        if self.allowed_downtime_us is None:
            return None
        return self.allowed_downtime_us - self.downtime_us

    @property
    def mtrs_us(self) -> Fraction | None:
        return Fraction(self.break_downtime_us, self.breaks) if self.breaks else None

    @property
    def mtbf_us(self) -> Fraction | None:
        if not self.breaks:
            return None
        return Fraction(self.agreed_us - self.break_downtime_us, self.breaks)

    @property
    def mtbsi_us(self) -> Fraction | None:
        return Fraction(self.agreed_us, self.breaks) if self.breaks else None


def _agreed_within(terms: list[Terms], start: dt.datetime, end: dt.datetime) -> int:
    """Agreed service time in [start, end), each part on the hours in force then."""
    total = 0
    for term in terms:
        low, high = max(start, term.start), min(end, term.end)
        if low < high:
            total += term.hours.business_us(low, high)
    return total


def measure(
    start: dt.datetime,
    end: dt.datetime,
    terms: list[Terms],
    spans: list[CountedSpan],
    *,
    itemised: bool = True,
) -> AvailabilityFigure:
    """The figures of one service over [start, end). `terms` cover the period without gaps or
    overlaps (the caller splits it where the target changes); `spans` are the outages that
    count, their intervals already inside the period. `itemised`: also each outage's share
    (pages show them; totals over many services and periods do without)."""
    figure = AvailabilityFigure(start=start, end=end)
    figure.agreed_us = _agreed_within(terms, start, end)
    judged = [term for term in terms if term.target_percent is not None]
    if judged and len(judged) == len(terms):
        figure.allowed_downtime_us = sum(
            (
                Fraction(_agreed_within([term], start, end))
                * (100 - Fraction(term.target_percent))
                / 100
                for term in terms
            ),
            Fraction(0),
        )
    weighted = [
        (low, high, span.share) for span in spans for low, high in span.intervals if low < high
    ]
    # Summed in whole µs x percent, divided once: exact, and no fraction per segment.
    figure.downtime_us = Fraction(
        sum(
            _agreed_within(terms, low, high) * share
            for low, high, share in weighted_segments(weighted)
        ),
        FULL,
    )
    breaks = [
        interval
        for interval in merged(
            interval for span in spans if span.is_break for interval in span.intervals
        )
        if _agreed_within(terms, *interval) > 0
    ]
    figure.breaks = len(breaks)
    figure.break_downtime_us = sum(_agreed_within(terms, *interval) for interval in breaks)
    for span in spans if itemised else ():
        alone = Fraction(
            sum(_agreed_within(terms, low, high) for low, high in merged(span.intervals))
            * span.share,
            FULL,
        )
        if alone:
            figure.outages.append(OutageShare(span.number, alone))
    figure.outages.sort(key=lambda share: -share.downtime_us)
    return figure


class _Part(NamedTuple):
    """A term of measure_periods in µs: its agreed time is a running sum from `start`."""

    start: int
    end: int
    index: EpochIndex
    before: int  # agreed µs of the earlier terms
    at_start: int  # the index's cumulative value at `start`
    # (100 - target) / 100 as a multiple of the common denominator; None: nothing judged.
    allowed_factor: int | None


class _AgreedTime:
    """A(t): the agreed time from the first term's start to the instant t (µs since the
    epoch), so that the agreed time in [low, high) is A(high) - A(low)."""

    def __init__(self, terms: list[Terms], first: dt.datetime, last: dt.datetime) -> None:
        targets = [
            Fraction(term.target_percent) for term in terms if term.target_percent is not None
        ]
        # What each target allows, (100 - target) / 100, over one denominator.
        self.scale = math.lcm(1, *(100 * target.denominator for target in targets))
        self.parts: list[_Part] = []
        before = 0
        for term in terms:
            start, end = epoch_us(term.start), epoch_us(term.end)
            if start >= end:
                continue
            index = term.hours.epoch_index(min(term.start, first), max(term.end, last))
            at_start = index.cumulative(start)
            factor = None
            if term.target_percent is not None:
                allowed = (100 - Fraction(term.target_percent)) / 100
                factor = allowed.numerator * (self.scale // allowed.denominator)
            self.parts.append(_Part(start, end, index, before, at_start, factor))
            before += index.cumulative(end) - at_start
        # Terms on the same hours one after the other (a target changed, not the hours) are
        # one running sum: A(t) = index.cumulative(t) + offset from the first one's start on.
        self._starts: list[int] = []
        self._ends: list[int] = []
        self._sums: list[Callable[[int], int]] = []
        self._offsets: list[int] = []
        for part in self.parts:
            if (
                self._sums
                and self._ends[-1] == part.start
                and self._sums[-1] == part.index.cumulative
            ):
                self._ends[-1] = part.end
                continue
            self._starts.append(part.start)
            self._ends.append(part.end)
            self._sums.append(part.index.cumulative)
            self._offsets.append(part.before - part.at_start)
        # A(t) itself: the commonest case (one running sum) without a search.
        self.at: Callable[[int], int] = self._one if len(self._starts) == 1 else self._any

    def _any(self, instant: int) -> int:
        position = bisect.bisect_right(self._starts, instant) - 1
        if position < 0:
            return 0
        end = self._ends[position]
        return self._sums[position](instant if instant < end else end) + self._offsets[position]

    def _one(self, instant: int) -> int:
        if instant <= self._starts[0]:
            return 0
        end = self._ends[0]
        return self._sums[0](instant if instant < end else end) + self._offsets[0]


def measure_periods(
    bounds: Sequence[dt.datetime],
    terms: list[Terms],
    spans: Sequence[TimedSpan],
    *,
    itemised: bool = False,
) -> list[AvailabilityFigure]:
    """The figures of each period [bounds[i], bounds[i + 1]) (bounds in increasing order):
    equal to `measure` of each period on the terms and spans that overlap it, clipped to it.
    `terms` cover [bounds[0], bounds[-1]) as for `measure` over the whole range (in order,
    without overlaps); the spans' intervals (in µs since the epoch) count within that range.

    One sweep: A(t), the agreed time up to t, is read from each term's EpochIndex, and the
    agreed time of an interval is A(end) - A(start). The intervals are taken in order of start
    in runs of overlapping or touching ones; an interval alone in its run (the usual case) is
    its own segment and break, a longer run is cut into segments as `measure` does. Each
    piece that a segment or break makes within a period adds to the period's sums, all in
    whole µs as `measure` adds them: exactly the same numbers."""
    edges = [epoch_us(bound) for bound in bounds]
    periods = len(edges) - 1
    agreed_time = _AgreedTime(terms, bounds[0], bounds[-1])
    agreed_to = agreed_time.at
    at_edge = [agreed_to(edge) for edge in edges]
    figures = [
        AvailabilityFigure(
            start=bounds[number],
            end=bounds[number + 1],
            agreed_us=at_edge[number + 1] - at_edge[number],
        )
        for number in range(periods)
    ]
    _set_allowed(figures, edges, agreed_time)
    first, last = edges[0], edges[-1]
    items = [
        (low if low > first else first, high if high < last else last, span.share, span.is_break)
        for span in spans
        for low, high in span.intervals
        if low < last and first < high and low < high
    ]
    items.sort()
    weighted = [0] * periods  # downtime x FULL
    breaks = [0] * periods
    lost = [0] * periods

    def add(low: int, high: int, share: int, is_break: bool, number: int) -> None:
        """Count [low, high) (inside the range, starting in period `number` or later)."""
        while edges[number + 1] <= low:
            number += 1
        while True:
            cut = edges[number + 1]
            agreed = (agreed_to(high) if high <= cut else at_edge[number + 1]) - (
                at_edge[number] if low == edges[number] else agreed_to(low)
            )
            if share > 0:
                weighted[number] += agreed * share
            if is_break and agreed > 0:
                breaks[number] += 1
                lost[number] += agreed
            if high <= cut:
                return
            low = cut
            number += 1

    number, cut = 0, edges[1]
    position, count = 0, len(items)
    while position < count:
        low, high, share, is_break = items[position]
        position += 1
        while cut <= low:
            number += 1
            cut = edges[number + 1]
        if position == count or high < items[position][0]:
            # Alone in its run: its own segment and break (most intervals, at once when
            # within one period).
            if high > cut:
                add(low, high, share, is_break, number)
                continue
            agreed = agreed_to(high) - agreed_to(low)
            if share > 0:
                weighted[number] += agreed * share
            if is_break and agreed > 0:
                breaks[number] += 1
                lost[number] += agreed
            continue
        run = [items[position - 1]]
        while position < count and items[position][0] <= high:
            run.append(items[position])
            high = max(high, items[position][1])
            position += 1
        for segment in weighted_segments((low, high, share) for low, high, share, _ in run):
            add(*segment, False, number)
        for break_low, break_high in merged(
            (low, high) for low, high, _, is_break in run if is_break
        ):
            add(break_low, break_high, 0, True, number)
    for figure, downtime, count_, time_lost in zip(figures, weighted, breaks, lost, strict=True):
        figure.downtime_us = Fraction(downtime, FULL)
        figure.breaks, figure.break_downtime_us = count_, time_lost
    if itemised:
        _set_outages(figures, edges, agreed_to, spans)
    return figures


def _set_allowed(figures: list[AvailabilityFigure], edges: list[int], agreed: _AgreedTime) -> None:
    """What the targets allow in each period: none unless every term in it has a target."""
    parts = agreed.parts
    position = 0  # the first term not over before the period
    for number, figure in enumerate(figures):
        low, high = edges[number], edges[number + 1]
        while position < len(parts) and parts[position].end <= low:
            position += 1
        if position == len(parts) or parts[position].start >= high:
            continue  # no term in the period: nothing agreed, nothing judged
        part = parts[position]
        if high <= part.end:  # within one term (the usual case)
            if part.allowed_factor is not None:
                figure.allowed_downtime_us = Fraction(
                    figure.agreed_us * part.allowed_factor, agreed.scale
                )
            continue
        overlapping = [part for part in parts[position:] if part.start < high]
        if all(part.allowed_factor is not None for part in overlapping):
            total = sum(
                (
                    part.index.cumulative(min(high, part.end))
                    - part.index.cumulative(max(low, part.start))
                )
                * part.allowed_factor  # type: ignore[operator]
                for part in overlapping
            )
            figure.allowed_downtime_us = Fraction(total, agreed.scale)


def _set_outages(
    figures: list[AvailabilityFigure],
    edges: list[int],
    agreed_to: Callable[[int], int],
    spans: Sequence[TimedSpan],
) -> None:
    """Each period's outages with the agreed time each took alone, largest first."""
    first, last = edges[0], edges[-1]
    for span in spans:
        alone: dict[int, int] = {}
        for low, high in merged(
            (max(low, first), min(high, last))
            for low, high in span.intervals
            if low < last and first < high and low < high
        ):
            number = bisect.bisect_right(edges, low) - 1
            while number < len(figures) and edges[number] < high:
                piece = agreed_to(min(high, edges[number + 1])) - agreed_to(max(low, edges[number]))
                alone[number] = alone.get(number, 0) + piece
                number += 1
        for number, agreed in alone.items():
            if agreed * span.share:
                figures[number].outages.append(
                    OutageShare(span.number, Fraction(agreed * span.share, FULL))
                )
    for figure in figures:
        figure.outages.sort(key=lambda share: -share.downtime_us)
