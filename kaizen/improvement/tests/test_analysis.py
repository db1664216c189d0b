"""Step 5: a KPI analysed on the seeded history (a drop of resolution times from 6 April
2026), and the baselines recorded from it."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from kaizen.analytics.store import connect
from kaizen.improvement import services
from kaizen.improvement.analysis import contribution, split_at
from kaizen.improvement.gates import gate
from kaizen.improvement.models import BaselineSource, Initiative
from kaizen.improvement.tests.helpers import (
    CHANGE_DAY,
    add_kpi,
    ensure_history,
    make_goal,
    make_initiative,
    walk_to_step,
)
from kaizen.journal.events import EventType
from kaizen.journal.models import JournalEvent
from kaizen.kpis.library import get_kpi

pytestmark = pytest.mark.django_db
TODAY = dt.date(2026, 7, 6)


@pytest.fixture
def initiative(process_owner):
    ensure_history()
    return make_initiative(owner=process_owner, goals=[make_goal()])


def analysed(initiative, key="incident.resolution_hours_median", **fields):
    fields.setdefault("analysis_starts_on", dt.date(2026, 1, 5))
    fields.setdefault("analysis_ends_on", dt.date(2026, 6, 28))
    fields.setdefault("change_on", CHANGE_DAY)
    ikpi = add_kpi(initiative, key, **fields)
    return ikpi, services.do_analyse_kpi(ikpi, actor=initiative.owner, today=TODAY)


def test_it_analyses_a_kpi_around_its_change_and_journals_it(initiative, process_owner):
    ikpi, analysis = analysed(initiative, target=15, warning=20)
    result = analysis.result
    assert (analysis.purpose, analysis.period_kind) == ("analysis", "week")
    assert (analysis.range_start, analysis.range_end) == (dt.date(2026, 1, 5), dt.date(2026, 6, 28))
    assert analysis.change_on == CHANGE_DAY and result["change_on"] == "2026-04-06"
    assert result["kpi"] == {
        "key": "incident.resolution_hours_median",
        "name": "Median time to resolve",
        "unit": "hours",
        "direction": "lower",
        "target": 15.0,
        "warning": 20.0,
    }
    assert len(result["series"]) == 25 and all(row["n"] == 42 for row in result["series"])
    baseline = result["baseline"]
    assert baseline["n"] == 13 and 18 < baseline["mean"] < 25
    assert (baseline["start"], baseline["end"]) == ("2026-01-05", "2026-04-05")
    assert result["actual"]["period"] == "2026-06-22"
    assert result["actual"]["value"] < 15 and result["actual"]["status"] == "green"
    assert result["before_after"]["outcome"] == "improved"
    assert result["before_after"]["n_before"] == 13 and result["before_after"]["n_after"] == 12
    assert result["trend"]["verdict"] == "improving"
    assert result["control_chart"]["limits_from"] == 13
    assert any(signal["adverse"] is False for signal in result["control_chart"]["signals"])
    assert "since 6 Apr 2026: improved" in result["explanation"]
    event = JournalEvent.objects.for_subject(initiative).latest("id")
    assert event.event_type == EventType.ANALYSIS_COMPUTED
    assert event.data["analysis"] == analysis.pk and event.data["initiative_kpi"] == ikpi.pk
    assert event.data["before_after"] == "improved"


def test_it_ranks_the_categories_by_the_hours_they_carry(initiative):
    _, analysis = analysed(initiative)
    pareto = analysis.result["pareto"]
    assert pareto["dimension"] == "category"
    assert pareto["rule"].startswith("Each value's total: n × value")
    labels = [item["label"] for item in pareto["items"]]
    assert labels[0] == "network"  # twice as many, and 1.6 times slower
    assert set(labels) == {"network", "email", "hardware", "software", "access"}


def test_it_counts_the_incidents_outside_sla_for_a_share_kpi(initiative):
    _, analysis = analysed(initiative, "incident.sla_met_pct", change_on=None)
    pareto = analysis.result["pareto"]
    assert pareto["rule"].startswith("Each value's rows on the bad side: n × (100 − value)")
    with connect() as connection:
        missed = dict(
            connection.execute(
                "SELECT category, count(*) FROM incident_facts WHERE NOT sla_met"
                " AND resolved_at >= '2026-01-05' AND resolved_at < '2026-06-29' GROUP BY 1"
            ).fetchall()
        )
    assert {i["label"]: round(i["value"]) for i in pareto["items"]} == missed
    assert analysis.result["before_after"] is None
    assert analysis.result["control_chart"]["limits_from"] is None
    assert analysis.result["baseline"]["n"] == 25  # no change date: every period


def test_it_has_a_contribution_rule_per_kind_of_kpi():
    assert contribution(get_kpi("incident.opened"), 40.0, 40) == 40.0
    assert contribution(get_kpi("incident.reopened_pct"), 10.0, 200) == pytest.approx(20.0)
    assert contribution(get_kpi("incident.sla_met_pct"), 90.0, 200) == pytest.approx(20.0)
    assert contribution(get_kpi("incident.resolution_hours_mean"), 12.5, 8) == 100.0
    assert contribution(get_kpi("incident.resolution_hours_mean"), None, 0) is None


def test_it_leaves_the_period_a_change_falls_inside_out_of_before_and_after():
    weeks = [dt.date(2026, 3, 23), dt.date(2026, 3, 30), dt.date(2026, 4, 6), dt.date(2026, 4, 13)]
    assert split_at(weeks, "week", dt.date(2026, 4, 6)) == ([0, 1], [2, 3])
    assert split_at(weeks, "week", dt.date(2026, 4, 8)) == ([0, 1], [3])
    assert split_at(weeks, "week", None) == ([0, 1, 2, 3], [])


def test_it_refuses_a_kpi_that_cannot_be_measured(initiative):
    ikpi = add_kpi(initiative, "improvement.ideas_submitted")
    with pytest.raises(ValidationError) as error:
        services.do_analyse_kpi(ikpi, actor=None, today=TODAY)
    assert "kpi_key" in error.value.message_dict


def test_it_records_baseline_versions_from_analyses(initiative, process_owner):
    ikpi, analysis = analysed(initiative)
    first = services.do_record_baseline(ikpi, actor=process_owner)
    assert (first.version, first.source, first.analysis) == (1, BaselineSource.MEASURED, analysis)
    assert first.value == pytest.approx(analysis.result["baseline"]["mean"])
    assert (first.ci_low, first.ci_high) == (
        pytest.approx(analysis.result["baseline"]["ci_low"]),
        pytest.approx(analysis.result["baseline"]["ci_high"]),
    )
    assert (first.starts_on, first.ends_on, first.n) == (
        dt.date(2026, 1, 5),
        dt.date(2026, 4, 5),
        13,
    )
    event = JournalEvent.objects.for_subject(initiative).latest("id")
    assert event.event_type == EventType.BASELINE_RECORDED
    assert event.data["baseline"] == first.pk and event.data["version"] == 1
    second = services.do_record_baseline(ikpi, actor=process_owner, analysis=analysis)
    assert second.version == 2 and ikpi.baselines.count() == 2


def test_it_refuses_a_baseline_without_an_analysis_of_the_kpi(initiative):
    ikpi = add_kpi(initiative)
    with pytest.raises(ValidationError) as error:
        services.do_record_baseline(ikpi, actor=None)
    assert "analysis" in error.value.message_dict
    _, other = analysed(initiative, "incident.sla_met_pct")
    with pytest.raises(ValidationError) as error:
        services.do_record_baseline(ikpi, actor=None, analysis=other)
    assert "analysis" in error.value.message_dict


def test_it_asks_for_a_new_analysis_when_the_processing_changes(initiative, process_owner):
    walk_to_step(initiative, 6, actor=process_owner)
    Initiative.objects.filter(pk=initiative.pk).update(current_step=5)
    initiative.refresh_from_db()
    assert gate(initiative).passed
    ikpi = initiative.kpis.get()
    services.do_update_initiative_kpi(ikpi, actor=process_owner, breakdown="priority")
    assert "analyse it again" in gate(initiative).missing[0]
    analysis = services.do_analyse_kpi(ikpi, actor=process_owner, today=TODAY)
    assert analysis.result["pareto"]["dimension"] == "priority"
    assert gate(initiative).passed
