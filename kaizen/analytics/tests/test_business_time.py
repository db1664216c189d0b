"""Business-hour lookups on a timeline agree with the SLA engine's calendar arithmetic."""

import datetime as dt

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kaizen.analytics.business_time import BusinessCalendars, BusinessTimeline, epoch_us
from kaizen.sla.calendar import CalendarIndex, WorkingPeriod

# A split shift on weekdays and a Saturday morning in London, with a closed day: the timeline
# must agree across both 2026 clock changes (29 March and 25 October) and the closure.
CALENDAR = CalendarIndex(
    "Europe/London",
    [WorkingPeriod(day, 8 * 60, 12 * 60) for day in range(5)]
    + [WorkingPeriod(day, 13 * 60, 17 * 60 + 30) for day in range(5)]
    + [WorkingPeriod(5, 9 * 60, 12 * 60)],
    lambda day: day == dt.date(2026, 3, 30),
)
FIRST = dt.datetime(2026, 3, 20, tzinfo=dt.UTC)
LAST = dt.datetime(2026, 11, 5, tzinfo=dt.UTC)
TIMELINE = BusinessTimeline(CALENDAR, epoch_us(FIRST), epoch_us(LAST))
instants = st.datetimes(
    min_value=FIRST.replace(tzinfo=None), max_value=LAST.replace(tzinfo=None)
).map(lambda naive: naive.replace(tzinfo=dt.UTC))


@settings(max_examples=300, deadline=None)
@given(start=instants, end=instants)
def test_it_gives_the_calendars_business_time_between_any_two_instants(start, end):
    assert TIMELINE.business_us(epoch_us(start), epoch_us(end)) == CALENDAR.business_us(start, end)


@settings(max_examples=100, deadline=None)
@given(pairs=st.lists(st.tuples(instants, instants), min_size=1, max_size=50))
def test_a_whole_column_gives_what_each_pair_gives(pairs):
    starts = np.array([epoch_us(start) for start, _ in pairs], dtype=np.int64)
    ends = np.array([epoch_us(end) for _, end in pairs], dtype=np.int64)
    assert TIMELINE.business_us_array(starts, ends).tolist() == [
        TIMELINE.business_us(start, end) for start, end in zip(starts, ends, strict=True)
    ]


def test_it_counts_a_weekend_as_nothing():
    friday = dt.datetime(2026, 3, 27, 16, 0, tzinfo=dt.UTC)  # GMT: 16:00 London
    monday = dt.datetime(2026, 3, 31, 9, 0, tzinfo=dt.UTC)  # BST: 10:00 London, Tuesday
    # Friday 16:00-17:30, Saturday 09:00-12:00, Monday 30th closed, Tuesday 08:00-10:00.
    hours = TIMELINE.business_us(epoch_us(friday), epoch_us(monday)) / 3_600_000_000
    assert hours == 1.5 + 3 + 2


@pytest.mark.django_db
def test_it_names_a_missing_reporting_calendar(settings):
    from django.core.exceptions import ImproperlyConfigured

    settings.KAIZEN_REPORTING_CALENDAR = "no-such-calendar"
    with pytest.raises(ImproperlyConfigured, match="no-such-calendar"):
        BusinessCalendars()
