"""Business-time arithmetic, checked against hand-computed expectations and properties."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kaizen.sla.calendar import CalendarIndex, WorkingPeriod

LONDON = ZoneInfo("Europe/London")
NEW_YORK = ZoneInfo("America/New_York")
HOURS = 3600 * 1_000_000
MINUTES = 60 * 1_000_000
GB_CLOSED = {dt.date(2026, 4, 3), dt.date(2026, 4, 6), dt.date(2026, 12, 25)}


def weekdays(*spans: tuple[str, str]) -> list[WorkingPeriod]:
    def minute(text: str) -> int:
        hours, minutes = text.split(":")
        return int(hours) * 60 + int(minutes)

    return [
        WorkingPeriod(day, minute(start), minute(end)) for day in range(5) for start, end in spans
    ]


# Mon-Fri 09:00-12:30 and 13:30-17:30 (lunch closed), English bank holidays closed.
OFFICE = CalendarIndex(
    "Europe/London", weekdays(("09:00", "12:30"), ("13:30", "17:30")), GB_CLOSED.__contains__
)
ALWAYS = CalendarIndex("Europe/London", [WorkingPeriod(day, 0, 1440) for day in range(7)])
NEW_YORK_OFFICE = CalendarIndex("America/New_York", weekdays(("08:00", "17:00")))
NIGHT_SHIFT = CalendarIndex(
    "Europe/London", [WorkingPeriod(0, 22 * 60, 1440), WorkingPeriod(1, 0, 6 * 60)]
)


def at(zone: ZoneInfo, text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).replace(tzinfo=zone)


CASES = [
    # (name, calendar, zone, start, end, business µs)
    ("inside one interval", OFFICE, LONDON, "2026-03-02 10:00", "2026-03-02 11:00", 1 * HOURS),
    ("across lunch", OFFICE, LONDON, "2026-03-02 12:00", "2026-03-02 14:00", 60 * MINUTES),
    ("across a weekend", OFFICE, LONDON, "2026-03-06 17:00", "2026-03-09 10:00", 90 * MINUTES),
    ("opened on a Saturday", OFFICE, LONDON, "2026-03-07 10:00", "2026-03-09 09:30", 30 * MINUTES),
    ("opened at night", OFFICE, LONDON, "2026-03-03 02:00", "2026-03-03 09:15", 15 * MINUTES),
    ("over Easter", OFFICE, LONDON, "2026-04-02 17:00", "2026-04-07 09:30", 60 * MINUTES),
    ("a whole week", OFFICE, LONDON, "2026-03-02 00:00", "2026-03-09 00:00", 5 * 7.5 * HOURS),
    ("spring forward, 24x7", ALWAYS, LONDON, "2026-03-28 12:00", "2026-03-29 12:00", 23 * HOURS),
    ("fall back, 24x7", ALWAYS, LONDON, "2026-10-24 12:00", "2026-10-25 12:00", 25 * HOURS),
    (
        "spring forward weekend",
        OFFICE,
        LONDON,
        "2026-03-27 17:00",
        "2026-03-30 10:00",
        90 * MINUTES,
    ),
    (
        "New York overnight",
        NEW_YORK_OFFICE,
        NEW_YORK,
        "2026-03-02 16:00",
        "2026-03-03 09:00",
        2 * HOURS,
    ),
    (
        "night shift over midnight",
        NIGHT_SHIFT,
        LONDON,
        "2026-03-02 23:00",
        "2026-03-03 01:00",
        2 * HOURS,
    ),
    ("end before start", OFFICE, LONDON, "2026-03-02 11:00", "2026-03-02 10:00", 0),
    ("zero length", OFFICE, LONDON, "2026-03-02 11:00", "2026-03-02 11:00", 0),
]


@pytest.mark.parametrize(
    ("calendar", "zone", "start", "end", "expected"),
    [case[1:] for case in CASES],
    ids=[case[0] for case in CASES],
)
def test_it_counts_business_time(calendar, zone, start, end, expected):
    assert calendar.business_us(at(zone, start), at(zone, end)) == int(expected)


DUE_CASES = [
    # (name, calendar, zone, start, amount µs, expected due (local))
    ("same afternoon", OFFICE, LONDON, "2026-03-02 14:00", 2 * HOURS, "2026-03-02 16:00"),
    ("over lunch", OFFICE, LONDON, "2026-03-02 12:00", 1 * HOURS, "2026-03-02 14:00"),
    ("over the weekend", OFFICE, LONDON, "2026-03-06 16:30", 2 * HOURS, "2026-03-09 10:00"),
    ("used up at closing", OFFICE, LONDON, "2026-03-06 16:30", 1 * HOURS, "2026-03-06 17:30"),
    ("opened outside hours", OFFICE, LONDON, "2026-03-07 22:00", 30 * MINUTES, "2026-03-09 09:30"),
    ("over Easter", OFFICE, LONDON, "2026-04-02 17:00", 1 * HOURS, "2026-04-07 09:30"),
    ("over the DST change", OFFICE, LONDON, "2026-03-27 17:00", 90 * MINUTES, "2026-03-30 10:00"),
    ("24x7 over spring forward", ALWAYS, LONDON, "2026-03-29 00:30", 2 * HOURS, "2026-03-29 03:30"),
    ("zero", OFFICE, LONDON, "2026-03-07 10:00", 0, "2026-03-07 10:00"),
    # 20 working days of 7.5 h from Monday 2 March: used up at closing on Friday 27 March.
    (
        "four weeks of office hours",
        OFFICE,
        LONDON,
        "2026-03-02 09:00",
        150 * HOURS,
        "2026-03-27 17:30",
    ),
]


@pytest.mark.parametrize(
    ("calendar", "zone", "start", "amount", "expected"),
    [case[1:] for case in DUE_CASES],
    ids=[case[0] for case in DUE_CASES],
)
def test_it_finds_when_an_amount_of_business_time_is_used_up(
    calendar, zone, start, amount, expected
):
    due = calendar.instant_reaching(at(zone, start), int(amount))
    assert due == at(zone, expected)


def test_it_finds_when_time_counts_again_after_a_target_used_up_at_closing():
    closing = at(LONDON, "2026-03-06 17:30")
    assert OFFICE.first_counted_instant_after(closing) == at(LONDON, "2026-03-09 09:00")
    inside = at(LONDON, "2026-03-06 10:00")
    assert OFFICE.first_counted_instant_after(inside) == inside
    assert OFFICE.first_counted_instant_after(at(LONDON, "2026-03-06 12:45")) == at(
        LONDON, "2026-03-06 13:30"
    )


def test_it_lists_the_counted_intervals():
    intervals = OFFICE.intervals_between(
        at(LONDON, "2026-03-06 12:00"), at(LONDON, "2026-03-09 10:00")
    )
    assert intervals == [
        (at(LONDON, "2026-03-06 12:00"), at(LONDON, "2026-03-06 12:30")),
        (at(LONDON, "2026-03-06 13:30"), at(LONDON, "2026-03-06 17:30")),
        (at(LONDON, "2026-03-09 09:00"), at(LONDON, "2026-03-09 10:00")),
    ]


def test_it_works_across_years_and_grows_its_index():
    calendar = CalendarIndex("Europe/London", weekdays(("09:00", "17:00")), GB_CLOSED.__contains__)
    start, end = at(LONDON, "2026-12-24 16:00"), at(LONDON, "2027-01-04 10:00")
    # Dec 24 1h; Dec 25 closed; Dec 28-31 4 x 8h; Jan 1 (Fri, not in this closed list) 8h; Jan 4 1h
    assert calendar.business_us(start, end) == (1 + 32 + 8 + 1) * HOURS
    assert calendar.instant_reaching(start, (1 + 32 + 8 + 1) * HOURS) == end


def test_it_refuses_a_calendar_without_working_time():
    with pytest.raises(ValueError, match="at least one working period"):
        CalendarIndex("Europe/London", [])
    with pytest.raises(ValueError, match="start before it ends"):
        WorkingPeriod(0, 600, 540)


instants = st.datetimes(
    min_value=dt.datetime(2025, 1, 1),
    max_value=dt.datetime(2028, 12, 31),
    timezones=st.just(dt.UTC),
)


@settings(max_examples=300, deadline=None)
@given(a=instants, b=instants, c=instants)
def test_business_time_is_additive_and_never_exceeds_wall_time(a, b, c):
    a, b, c = sorted([a, b, c])
    ab, bc, ac = OFFICE.business_us(a, b), OFFICE.business_us(b, c), OFFICE.business_us(a, c)
    assert ab + bc == ac
    assert 0 <= ac <= (c - a) // dt.timedelta(microseconds=1)


@settings(max_examples=300, deadline=None)
@given(start=instants, amount=st.integers(min_value=0, max_value=400 * HOURS))
def test_the_due_instant_uses_up_exactly_the_amount(start, amount):
    due = OFFICE.instant_reaching(start, amount)
    assert due >= start
    assert OFFICE.business_us(start, due) == amount
    if amount and due > start:
        # Nothing earlier would do: one microsecond before, the amount was not yet used up.
        assert OFFICE.business_us(start, due - dt.timedelta(microseconds=1)) < amount
