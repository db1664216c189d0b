"""Availability on hand-computed cases: overlapping outages counted once, an outage across the
end of agreed hours, degraded service weighted by the share affected, planned work inside and
outside a maintenance window, a target changed mid-period, a day with a DST change."""

import datetime as dt
from decimal import Decimal
from fractions import Fraction

from kaizen.availability.engine import CountedSpan, Terms, measure
from kaizen.availability.selectors import ALL_HOURS, month_starts
from kaizen.core.intervals import subtracted
from kaizen.sla.calendar import CalendarIndex, WorkingPeriod

HOUR = 3600 * 10**6
OFFICE = CalendarIndex("Europe/London", [WorkingPeriod(day, 9 * 60, 17 * 60) for day in range(5)])
ROUND_THE_CLOCK_LONDON = CalendarIndex(
    "Europe/London", [WorkingPeriod(day, 0, 24 * 60) for day in range(7)]
)


def utc(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).replace(tzinfo=dt.UTC)


def span(number: str, start: str, end: str, share: int = 100, is_break: bool = True):
    return CountedSpan(number, ((utc(start), utc(end)),), share, is_break)


# The week of Monday 9 March 2026 (London is on GMT: local time is UTC).
WEEK = (utc("2026-03-09 00:00"), utc("2026-03-16 00:00"))


def office_week(target: str | None = "99.5") -> list[Terms]:
    return [Terms(*WEEK, OFFICE, Decimal(target) if target else None)]


def test_overlapping_outages_count_once_and_only_agreed_hours_count():
    spans = [
        span("OUT1", "2026-03-10 10:00", "2026-03-10 12:00"),
        span("OUT2", "2026-03-10 11:00", "2026-03-10 13:00"),  # overlaps OUT1: 10-13 is 3 h
        span("OUT3", "2026-03-11 16:00", "2026-03-12 10:00"),  # Wed 16-17 and Thu 9-10: 2 h
        span("OUT4", "2026-03-14 08:00", "2026-03-14 20:00"),  # Saturday: outside the hours
    ]
    figure = measure(*WEEK, office_week(), spans)
    assert figure.agreed_us == 40 * HOUR  # Monday to Friday, 8 hours a day
    assert figure.downtime_us == 5 * HOUR
    assert figure.availability == Fraction(35, 40)
    assert figure.availability_percent == 87.5
    # Two breaks (OUT1 and OUT2 are one; OUT4 took no agreed time): MTRS 2.5 h, MTBF 17.5 h,
    # MTBSI 20 h.
    assert figure.breaks == 2
    assert figure.mtrs_us == Fraction(5 * HOUR, 2)
    assert figure.mtbf_us == Fraction(35 * HOUR, 2)
    assert figure.mtbsi_us == 20 * HOUR
    # 99.5 % of 40 h allows 12 minutes: 4 h 48 min over budget.
    assert figure.allowed_downtime_us == Fraction(40 * HOUR) * Fraction(5, 1000)
    assert figure.budget_left_us == Fraction(40 * HOUR) * Fraction(5, 1000) - 5 * HOUR
    assert figure.met is False
    # The outages behind the figure, each with what it took alone, largest first.
    assert [(share.number, share.downtime_us) for share in figure.outages] == [
        ("OUT1", 2 * HOUR),
        ("OUT2", 2 * HOUR),
        ("OUT3", 2 * HOUR),
    ]


def test_degraded_service_counts_for_the_share_affected_and_is_not_a_break():
    spans = [
        span("OUT1", "2026-03-13 09:00", "2026-03-13 13:00", share=50, is_break=False),
        span("OUT2", "2026-03-13 10:00", "2026-03-13 11:00"),  # a full outage inside it
    ]
    figure = measure(*WEEK, office_week(), spans)
    # 9-10 and 11-13 at half (1.5 h) and 10-11 in full (1 h).
    assert figure.downtime_us == Fraction(5, 2) * HOUR
    assert figure.breaks == 1 and figure.break_downtime_us == HOUR


def test_planned_work_counts_only_outside_the_maintenance_window():
    window = [(utc("2026-03-15 02:00"), utc("2026-03-15 06:00"))]
    planned = subtracted([(utc("2026-03-15 01:00"), utc("2026-03-15 05:00"))], window)
    inside = subtracted([(utc("2026-03-15 03:00"), utc("2026-03-15 05:00"))], window)
    assert inside == []
    spans = [CountedSpan("OUT1", tuple(planned), 100, True)]
    terms = [Terms(*WEEK, ALL_HOURS, Decimal("99.9"))]
    figure = measure(*WEEK, terms, spans)
    assert figure.agreed_us == 7 * 24 * HOUR
    assert figure.downtime_us == HOUR  # 01:00-02:00, before the window opened


def test_a_target_changed_mid_month_judges_each_part_on_its_own_hours_and_target():
    march = (utc("2026-03-01 00:00"), utc("2026-04-01 00:00"))
    change = utc("2026-03-16 00:00")
    terms = [
        Terms(march[0], change, ALL_HOURS, Decimal("99")),
        Terms(change, march[1], OFFICE, Decimal("99.9")),
    ]
    figure = measure(*march, terms, [span("OUT1", "2026-03-20 16:00", "2026-03-20 18:00")])
    # 15 days round the clock (360 h), then office hours on 12 weekdays (96 h; the clocks go
    # forward on 29 March but 9-17 stays 8 hours).
    assert figure.agreed_us == (360 + 96) * HOUR
    assert figure.downtime_us == HOUR  # 16:00-17:00 on the office calendar
    allowed = Fraction(360 * HOUR) / 100 + Fraction(96 * HOUR) / 1000
    assert figure.allowed_downtime_us == allowed
    assert figure.target_percent == float(100 - allowed * 100 / ((360 + 96) * HOUR))


def test_a_day_with_a_dst_change_has_23_hours_of_round_the_clock_service():
    day = (utc("2026-03-29 00:00"), utc("2026-03-29 23:00"))  # London midnight to midnight
    terms = [Terms(*day, ROUND_THE_CLOCK_LONDON, Decimal("99"))]
    # 00:00 to 04:00 local time: 3 real hours (01:00 became 02:00).
    figure = measure(*day, terms, [span("OUT1", "2026-03-29 00:00", "2026-03-29 03:00")])
    assert figure.agreed_us == 23 * HOUR
    assert figure.downtime_us == 3 * HOUR
    assert figure.availability == Fraction(20, 23)


def test_without_a_target_nothing_is_judged_and_no_break_leaves_the_means_empty():
    figure = measure(*WEEK, office_week(target=None), [])
    assert figure.availability == 1 and figure.met is None and figure.target_percent is None
    assert figure.mtrs_us is None and figure.mtbf_us is None


def test_months_are_cut_at_their_first_day():
    starts = month_starts(utc("2026-01-15 00:00"), utc("2026-03-02 00:00"))
    assert starts == [utc("2026-01-01 00:00"), utc("2026-02-01 00:00"), utc("2026-03-01 00:00")]


def test_totals_without_the_outages_behind_them_are_the_same_figures():
    spans = [
        span("OUT1", "2026-03-10 10:00", "2026-03-10 12:00"),
        span("OUT2", "2026-03-13 09:00", "2026-03-13 13:00", share=50, is_break=False),
    ]
    itemised = measure(*WEEK, office_week(), spans)
    totals = measure(*WEEK, office_week(), spans, itemised=False)
    assert (totals.downtime_us, totals.breaks, totals.availability) == (
        itemised.downtime_us,
        itemised.breaks,
        itemised.availability,
    )
    assert totals.outages == [] and len(itemised.outages) == 2
