"""A KPI's stored periods as people read them: names, holes kept, unfinished periods "so far",
runs of empty periods folded into one line."""

import datetime as dt
from types import SimpleNamespace

from django.utils import timezone

from kaizen.kpis import series
from kaizen.kpis.presenting import stretches

D = dt.date


def stored(day: dt.date, value: float | None, computed: dt.datetime | None = None):
    """A stored measurement, measured long after its period ended unless told otherwise."""
    computed = computed or timezone.make_aware(dt.datetime(2026, 12, 6, 22, 43))
    return SimpleNamespace(
        period_start=day, value=value, n=0 if value is None else 3, computed_at=computed
    )


def test_it_names_periods_as_people_do():
    assert series.period_label(D(2014, 3, 1), "month") == "Mar 2014"
    assert series.period_label("2014-03-01", "month") == "Mar 2014"
    assert series.period_label(D(2026, 3, 2), "week") == "Week of 2 Mar 2026"
    assert series.period_label(D(2026, 4, 1), "quarter") == "Q2 2026"
    assert series.span_label(D(2015, 1, 1), D(2023, 12, 1), "month") == "Jan 2015 – Dec 2023"
    assert series.span_label(D(2015, 1, 1), D(2015, 1, 1), "month") == "Jan 2015"
    assert series.count_of(108, "month") == "108 months" and series.count_of(1, "week") == "1 week"


def test_it_keeps_every_period_of_the_range_with_holes_where_nothing_is_stored():
    rows = [stored(D(2012, 3, 1), 2), stored(D(2012, 4, 1), None), stored(D(2012, 6, 1), 5)]
    periods = series.periods(rows, "month", D(2012, 2, 1), D(2012, 6, 1))
    assert [(p.label, p.value, p.measurement is not None) for p in periods] == [
        ("Feb 2012", None, False),
        ("Mar 2012", 2, True),
        ("Apr 2012", None, True),
        ("May 2012", None, False),
        ("Jun 2012", 5, True),
    ]
    assert series.data_range(rows) == (D(2012, 3, 1), D(2012, 6, 1))


def test_it_says_so_far_for_a_period_measured_before_it_ended():
    measured = timezone.make_aware(dt.datetime(2026, 12, 6, 22, 43))
    assert series.so_far(D(2026, 12, 1), "month", measured) == "so far, 6 days of 31"
    assert series.so_far(D(2026, 11, 30), "week", measured) == "so far, 7 days of 7"
    assert series.so_far(D(2026, 12, 6), "day", measured) == "so far, up to 22:43"
    assert series.so_far(D(2026, 11, 1), "month", measured) == ""  # measured after it ended
    assert series.so_far(D(1970, 1, 1), "all", measured) == ""


def test_a_point_in_time_figure_of_an_unfinished_period_says_when_it_was_counted():
    measured = timezone.make_aware(dt.datetime(2026, 12, 6, 22, 43))
    backlog = {"point_in_time": True}
    assert series.so_far(D(2026, 12, 1), "month", measured, **backlog) == "as of 6 Dec"
    assert series.so_far(D(2026, 12, 6), "day", measured, **backlog) == "as of 22:43"
    assert series.so_far(D(2026, 11, 1), "month", measured, **backlog) == ""


def test_it_folds_runs_of_empty_periods_and_keeps_measured_empty_apart_from_never_measured():
    rows = [
        stored(D(2014, 12, 1), 4),
        *(stored(D(year, month, 1), None) for year in range(2015, 2024) for month in range(1, 13)),
        stored(D(2024, 1, 1), 7),
    ]
    periods = series.periods(rows, "month", D(2014, 10, 1), D(2024, 1, 1))
    lines = series.fold(periods[::-1], "month")
    assert [(line.label, line.folded, line.count) for line in lines] == [
        ("Jan 2024", False, 1),
        ("Jan 2015 – Dec 2023", True, 108),
        ("Dec 2014", False, 1),
        ("Oct 2014 – Nov 2014", True, 2),
    ]
    assert lines[1].measured and not lines[3].measured
    assert lines[1].span == "108 months"


def test_oldest_first_runs_read_from_first_to_last():
    lines = series.fold(
        series.periods(
            [stored(D(2015, 1, 1), None), stored(D(2015, 2, 1), None)],
            "month",
            D(2015, 1, 1),
            D(2015, 2, 1),
        ),
        "month",
    )
    assert [line.label for line in lines] == ["Jan 2015 – Feb 2015"]


def test_stretches_are_consecutive_periods():
    starts = [D(2016, 2, 1), D(2016, 4, 1), D(2016, 5, 1), D(2016, 9, 1)]
    assert stretches(starts, "month") == [
        (D(2016, 2, 1), D(2016, 2, 1)),
        (D(2016, 4, 1), D(2016, 5, 1)),
        (D(2016, 9, 1), D(2016, 9, 1)),
    ]
