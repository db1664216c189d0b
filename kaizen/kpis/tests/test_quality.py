"""Data quality of a KPI: measurable or not, coverage of required fields, sample sizes, holes
in the series and the verdict."""

import datetime as dt
import json

from kaizen.kpis.library import get_kpi
from kaizen.kpis.quality import data_quality
from kaizen.kpis.tests.test_engine import T, incident, insert_facts, story  # noqa: F401


def test_it_says_why_a_kpi_is_not_measurable():
    report = data_quality(get_kpi("improvement.ideas_submitted"))
    assert report["measurable"] is False and report["verdict"] == "not_measurable"
    assert "no idea box" in report["reason"]
    assert report["issues"] == [f"not measurable: {report['reason']}"]
    json.dumps(report)


def test_it_reports_no_data_on_an_empty_store():
    report = data_quality(get_kpi("incident.opened"))
    assert report["measurable"] is True and report["verdict"] == "no_data"
    assert report["rows_in_scope"] == 0
    assert report["required_fields"] == [
        {
            "field": "opened_at",
            "label": "Opened at",
            "filled": 0,
            "missing": 0,
            "coverage_pct": None,
        }
    ]


def test_it_measures_coverage_of_required_fields_before_the_kpis_own_filters(story):  # noqa: F811
    # Resolved incidents: 1, 2, 3, 5; incident 3 has no SLA verdict. The KPI's filter
    # "sla_met is not null" must not hide it.
    report = data_quality(get_kpi("incident.sla_met_pct"))
    assert report["rows_in_scope"] == 4
    assert report["required_fields"] == [
        {
            "field": "resolved_at",
            "label": "Resolved at",
            "filled": 4,
            "missing": 0,
            "coverage_pct": 100.0,
        },
        {
            "field": "sla_met",
            "label": "SLA verdict",
            "filled": 3,
            "missing": 1,
            "coverage_pct": 75.0,
        },
    ]
    assert report["verdict"] == "poor"  # under 80 % filled
    assert "sla_met is missing in 1 of 4 rows (75 % filled)" in report["issues"]
    assert report["sample_sizes"] == [
        {"period": "2016-03-01", "n": 2},
        {"period": "2016-04-01", "n": 1},
    ]
    assert report["min_sample_size"] == 1 and report["median_sample_size"] == 1.5
    json.dumps(report)


def test_it_keeps_to_the_range(story):  # noqa: F811
    report = data_quality(
        get_kpi("incident.sla_met_pct"), start=dt.date(2016, 3, 1), end=dt.date(2016, 4, 1)
    )
    assert report["rows_in_scope"] == 2 and report["required_fields"][1]["coverage_pct"] == 100
    assert report["start"] == "2016-03-01" and report["end"] == "2016-04-01"


def test_the_backlog_scope_is_every_interval_overlapping_the_range(story):  # noqa: F811
    # From Apr 1: 3 (resolved Apr 2), 4 (open), 5 (opened Apr 5), 6 (cancelled Apr 10).
    report = data_quality(get_kpi("incident.backlog"), start=dt.date(2016, 4, 1))
    assert report["rows_in_scope"] == 4


def test_it_finds_periods_without_data_between_the_first_and_the_last():
    insert_facts(*(incident(T(2016, month, 3)) for month in (1, 3, 3, 6)))
    report = data_quality(get_kpi("incident.opened"))
    assert report["first_period"] == "2016-01-01" and report["last_period"] == "2016-06-01"
    assert report["empty_periods"] == ["2016-02-01", "2016-04-01", "2016-05-01"]
    assert report["verdict"] == "fair"
    assert report["issues"] == ["3 period(s) without data between 2016-01-01 and 2016-06-01"]


def test_a_complete_count_is_good_whatever_its_size(story):  # noqa: F811
    report = data_quality(get_kpi("incident.opened"))
    assert report["verdict"] == "good" and report["issues"] == []


def test_small_samples_behind_a_median_make_it_fair():
    opened = T(2016, 3, 1)
    insert_facts(
        *(incident(opened, resolved=opened + dt.timedelta(hours=hours)) for hours in (1, 2, 3))
    )
    report = data_quality(get_kpi("incident.resolution_hours_median"))
    assert report["verdict"] == "fair"
    assert report["issues"] == ["1 period(s) with fewer than 30 values behind the figure"]
