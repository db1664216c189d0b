"""Business hours for fact rows: which calendar measures an incident, and fast lookups on it.

An incident's durations are measured on the calendar of its resolution SLA clock's definition
when it has one, else on the reporting calendar (settings.KAIZEN_REPORTING_CALENDAR, a slug),
else not at all. The arithmetic is the SLA engine's (kaizen.sla.calendar.CalendarIndex); for
whole columns at once a `BusinessTimeline` lays a span of a calendar's working intervals out
as plain integers, so each duration is two binary searches, and a column of them two NumPy
`searchsorted` calls.
"""

import bisect
import datetime as dt
from collections.abc import Iterable

import numpy as np
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from kaizen.sla.calendar import CalendarIndex, WorkingPeriod, to_us
from kaizen.sla.models import BusinessCalendar
from kaizen.sla.targets import calendar_index

EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)


def epoch_us(instant: dt.datetime) -> int:
    return to_us(instant - EPOCH)


class BusinessTimeline:
    """One calendar's working intervals over a span, in µs since the epoch, with the business
    time before each interval. Exact to the microsecond, like the CalendarIndex it comes from;
    only instants inside the span may be asked about."""

    def __init__(self, index: CalendarIndex, first_us: int, last_us: int) -> None:
        self.starts: list[int] = []
        self.lengths: list[int] = []
        self.before: list[int] = []  # business µs in the span before each interval
        total = 0
        span = (
            EPOCH + dt.timedelta(microseconds=first_us),
            EPOCH + dt.timedelta(microseconds=last_us + 1),
        )
        for start, end in index.intervals_between(*span):
            length = to_us(end - start)
            self.starts.append(epoch_us(start))
            self.lengths.append(length)
            self.before.append(total)
            total += length

    def cumulative(self, instant_us: int) -> int:
        """Business µs from the start of the span to the instant."""
        position = bisect.bisect_right(self.starts, instant_us) - 1
        if position < 0:
            return 0
        return self.before[position] + min(
            instant_us - self.starts[position], self.lengths[position]
        )

    def business_us(self, start_us: int, end_us: int) -> int:
        if end_us <= start_us:
            return 0
        return self.cumulative(end_us) - self.cumulative(start_us)

    def cumulative_array(self, instants_us: np.ndarray) -> np.ndarray:
        """`cumulative` of each instant (int64 µs), in integers, so exactly the same."""
        if not self.starts:
            return np.zeros(len(instants_us), dtype=np.int64)
        starts = np.asarray(self.starts, dtype=np.int64)
        lengths = np.asarray(self.lengths, dtype=np.int64)
        before = np.asarray(self.before, dtype=np.int64)
        positions = np.searchsorted(starts, instants_us, side="right") - 1
        inside = positions >= 0  # before the first interval: no business time yet
        at = np.where(inside, positions, 0)
        value = before[at] + np.minimum(instants_us - starts[at], lengths[at])
        return np.where(inside, value, 0)

    def business_us_array(self, starts_us: np.ndarray, ends_us: np.ndarray) -> np.ndarray:
        """`business_us` of each (start, end) pair of the two int64 µs columns."""
        between = self.cumulative_array(ends_us) - self.cumulative_array(starts_us)
        return np.where(ends_us > starts_us, between, 0)


class BusinessCalendars:
    """The business calendars of one sync run, each prepared once.

    The indexes are this run's own, not the SLA engine's cached ones: an index grows its range
    in place when asked about another year, and the task worker runs the SLA scan in another
    thread beside the sync, so a shared index must not be extended from here.
    """

    def __init__(self) -> None:
        self._calendars = {
            calendar.pk: calendar
            for calendar in BusinessCalendar.objects.prefetch_related("periods", "closures")
        }
        self._indexes: dict[int, CalendarIndex] = {}
        self.reporting_id = self._reporting_calendar_id()

    def _reporting_calendar_id(self) -> int | None:
        slug = settings.KAIZEN_REPORTING_CALENDAR
        if not slug:
            return None
        for calendar in self._calendars.values():
            if calendar.slug == slug:
                return calendar.pk
        raise ImproperlyConfigured(
            f"KAIZEN_REPORTING_CALENDAR: there is no business calendar with the slug {slug!r}"
        )

    def index(self, calendar_id: int) -> CalendarIndex:
        if calendar_id not in self._indexes:
            calendar = self._calendars[calendar_id]
            periods = [
                WorkingPeriod(period.weekday, period.start_minute, period.end_minute)
                for period in calendar.periods.all()
            ]
            # The closed dates (public holidays, the organisation's own) are read-only: shared.
            closed = calendar_index(calendar).is_closed
            self._indexes[calendar_id] = CalendarIndex(calendar.time_zone, periods, closed)
        return self._indexes[calendar_id]

    def timelines(self, spans: Iterable[tuple[int, int, int]]) -> dict[int, BusinessTimeline]:
        """A timeline per calendar for (calendar id, first µs, last µs) spans."""
        return {
            calendar_id: BusinessTimeline(self.index(calendar_id), first, last)
            for calendar_id, first, last in spans
        }
