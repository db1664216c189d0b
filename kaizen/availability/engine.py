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
"""

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction

from kaizen.core.intervals import Interval, merged, weighted_segments
from kaizen.sla.calendar import CalendarIndex

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
        return 1 - self.downtime_us / self.agreed_us

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
