"""The calendar index in µs since the epoch (EpochIndex) gives the same business time as the
CalendarIndex it is made from, to the microsecond: office hours, round the clock, and hours that
fall in the spring-forward gap (where a day's intervals come out of order in UTC)."""

import datetime as dt
import random

import pytest

from kaizen.sla.calendar import CalendarIndex, WorkingPeriod, epoch_us

CALENDARS = {
    "office, London": ("Europe/London", [(day, 9 * 60, 17 * 60) for day in range(5)]),
    "round the clock, New York": ("America/New_York", [(day, 0, 1440) for day in range(7)]),
    # 01:50-01:55 and 02:05-02:10 on the spring-forward Sunday: the first is in the gap and moves
    # an hour later in UTC than the second.
    "in the gap, London": ("Europe/London", [(6, 110, 115), (6, 125, 130), (6, 60, 100)]),
}


@pytest.mark.parametrize("name", CALENDARS)
def test_the_epoch_index_gives_the_calendars_business_time(name):
    zone, periods = CALENDARS[name]
    calendar = CalendarIndex(zone, [WorkingPeriod(*period) for period in periods])
    first = dt.datetime(2025, 1, 1, tzinfo=dt.UTC)
    last = dt.datetime(2026, 12, 31, tzinfo=dt.UTC)
    index = calendar.epoch_index(first, last)
    rng = random.Random(name)
    instants = [
        first + dt.timedelta(microseconds=rng.randrange(epoch_us(last) - epoch_us(first)))
        for _ in range(300)
    ]
    # Around the changes of 2026 (London 29 March and 25 October, New York 8 March and
    # 1 November), to the minute.
    for day in ("2026-03-29 00:00", "2026-10-25 00:00", "2026-03-08 05:00", "2026-11-01 04:00"):
        start = dt.datetime.fromisoformat(day).replace(tzinfo=dt.UTC)
        instants += [start + dt.timedelta(minutes=minute) for minute in range(0, 240, 5)]
    for low, high in zip(instants, instants[1:], strict=False):
        if low <= high:
            expected = calendar.business_us(low, high)
            assert index.cumulative(epoch_us(high)) - index.cumulative(epoch_us(low)) == expected
    assert index.first_us <= epoch_us(first) and epoch_us(last) <= index.last_us
