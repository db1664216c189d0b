"""The data quality panel in words: counts with their noun, field labels instead of keys, the
empty stretches as the measurements table folds them, the sample sizes behind the figures."""

import pytest

from kaizen.kpis.library import get_kpi
from kaizen.kpis.presenting import nothing_in, quality_panel, what_counts

pytestmark = pytest.mark.django_db  # custom KPIs are looked up in the database


def report(**overrides):
    base = {
        "verdict": "fair",
        "rows_in_scope": 253,
        "required_fields": [
            {"field": "resolved_at", "filled": 253, "missing": 0, "coverage_pct": 100.0},
            {"field": "sla_met", "filled": 190, "missing": 63, "coverage_pct": 75.1},
        ],
        "sample_sizes": [
            {"period": "2012-03-01", "n": 40},
            {"period": "2012-04-01", "n": 0},
            {"period": "2012-05-01", "n": 0},
            {"period": "2012-06-01", "n": 12},
            {"period": "2012-07-01", "n": 0},
            {"period": "2012-08-01", "n": 138},
        ],
        "min_sample_size": 12,
        "median_sample_size": 40,
        "first_period": "2012-03-01",
        "last_period": "2012-08-01",
        "empty_periods": ["2012-04-01", "2012-05-01", "2012-07-01"],
    }
    return {**base, **overrides}


def test_it_says_the_report_in_sentences_with_field_labels():
    panel = quality_panel(report(), get_kpi("incident.sla_met_pct"), "month")
    assert panel.label == "Fair"
    assert panel.lines == [
        "253 incidents in Mar 2012 – Aug 2012.",
        "Resolved at filled for all of them.",
        "SLA verdict filled for 190 of them (75.1 %), missing for 63.",
        "No incidents resolved in Apr 2012 – May 2012 (2 months).",
        "No incidents resolved in Jul 2012.",
        "Each month's figure rests on 12 to 138 values (median 40).",
        "Fewer than 30 values behind the figure in 1 month: such a figure moves with chance as "
        "much as with performance.",
    ]


def test_a_count_has_no_sample_size_lines_and_one_incident_is_singular():
    panel = quality_panel(
        report(
            rows_in_scope=1,
            required_fields=[
                {"field": "opened_at", "filled": 1, "missing": 0, "coverage_pct": 100}
            ],
            sample_sizes=[{"period": "2013-11-01", "n": 1}],
            first_period="2013-11-01",
            last_period="2013-11-01",
            empty_periods=[],
            verdict="good",
        ),
        get_kpi("incident.opened"),
        "month",
    )
    assert panel.label == "Good"
    assert panel.lines == ["1 incident in Nov 2013.", "Opened at filled for all of them."]


def test_it_says_plainly_when_the_range_has_no_data():
    panel = quality_panel(
        report(verdict="no_data", rows_in_scope=0, first_period=None, empty_periods=[]),
        get_kpi("incident.backlog"),
        "month",
    )
    assert panel.label == "No data" and panel.lines == ["No incidents open in this range."]


@pytest.mark.parametrize(
    ("key", "words"),
    [
        ("incident.opened", "no incidents opened"),
        ("incident.resolution_hours_median", "no incidents resolved"),
        ("incident.first_response_hours_median", "no incidents responded to"),
        ("incident.backlog", "no incidents open"),
        ("incident.escalations", "no incident events"),
        ("improvement.ideas_submitted", "nothing measured"),
        ("request.fulfilled", "no requests fulfilled"),
        ("request.approval_hours_median", "no requests approved or rejected"),
        ("request.task_ola_met_pct", "no tasks finished"),
        ("problem.opened", "no problems opened"),
    ],
)
def test_it_names_what_an_empty_period_held(key, words):
    assert nothing_in(get_kpi(key)) == words


def test_what_counts_for_a_database_source_is_its_noun():
    assert what_counts(get_kpi("improvement.initiatives_open")) == "register entries"
