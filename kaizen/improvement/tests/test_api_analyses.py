"""Step 5 over the API: analysing a KPI, the numbers behind every chart, and baselines."""

import datetime as dt

import pytest
import yaml
from rest_framework.test import APIClient

from kaizen.improvement import services
from kaizen.improvement.models import Analysis, Baseline
from kaizen.improvement.tests.facts import seed_resolution_history
from kaizen.improvement.tests.helpers import add_kpi, make_goal, make_initiative
from kaizen.journal.events import EventType
from kaizen.journal.models import JournalEvent
from kaizen.testing import assert_constant_queries

pytestmark = pytest.mark.django_db


def kpi_url(ikpi, action=""):
    return f"/api/v1/initiative-kpis/{ikpi.pk}/{action + '/' if action else ''}"


@pytest.fixture
def ikpi(process_owner):
    """Median resolution time, weekly over the seeded half-year, split at the change."""
    seed_resolution_history()
    initiative = make_initiative(owner=process_owner, goals=[make_goal()])
    return add_kpi(
        initiative,
        target=15,
        warning=20,
        period_kind="week",
        analysis_starts_on=dt.date(2026, 1, 5),
        analysis_ends_on=dt.date(2026, 6, 28),
        change_on=dt.date(2026, 4, 6),
    )


def test_it_keeps_analyses_from_requesters_and_other_agents(api, requester, agent, ikpi):
    analysis = services.do_analyse_kpi(ikpi, actor=None)
    assert api().get(kpi_url(ikpi, "analyses")).status_code == 401
    assert api(requester).get(kpi_url(ikpi, "analyses")).status_code == 403
    assert api(requester).get(f"/api/v1/analyses/{analysis.pk}/").status_code == 403
    assert api(agent).get(f"/api/v1/analyses/{analysis.pk}/").status_code == 200
    assert api(agent).post(kpi_url(ikpi, "analyses")).status_code == 403
    assert api(agent).post(kpi_url(ikpi, "baselines"), {}).status_code == 403
    assert Analysis.objects.count() == 1 and not Baseline.objects.exists()


def test_it_answers_404_for_a_missing_kpi_or_analysis(api, csi_manager):
    assert api(csi_manager).post("/api/v1/initiative-kpis/999/analyses/").status_code == 404
    assert api(csi_manager).get("/api/v1/analyses/999/").status_code == 404


def test_it_analyses_a_kpi_and_serves_the_numbers_behind_every_chart(
    api, agent, process_owner, ikpi
):
    response = api(process_owner).post(kpi_url(ikpi, "analyses"))
    assert response.status_code == 201, response.json()
    assert JournalEvent.objects.filter(event_type=EventType.ANALYSIS_COMPUTED).exists()
    analysis = api(agent).get(f"/api/v1/analyses/{response.json()['id']}/").json()
    assert analysis["kpi_key"] == "incident.resolution_hours_median"
    assert analysis["period_kind"] == "week" and analysis["change_on"] == "2026-04-06"
    result = analysis["result"]
    assert result["kpi"]["target"] == 15 and result["range"] == {
        "start": "2026-01-05",
        "end": "2026-06-28",
    }

    series = result["series"]
    assert len(series) == 25 and series[0] == {
        "period": "2026-01-05",
        "value": series[0]["value"],
        "n": 42,
    }
    before = [row["value"] for row in series if row["period"] < "2026-04-06"]
    after = [row["value"] for row in series if row["period"] >= "2026-04-06"]
    assert min(before) > max(after)  # the seeded drop, week by week

    baseline = result["baseline"]
    assert baseline["n"] == 13 and baseline["start"] == "2026-01-05"
    assert baseline["ci_low"] < baseline["mean"] < baseline["ci_high"]
    assert baseline["mean"] == pytest.approx(sum(before) / len(before))

    trend = result["trend"]
    assert trend["significant"] is True and trend["movement"] == "falling"
    assert trend["verdict"] == "improving" and trend["slope"] < 0

    chart = result["control_chart"]
    assert chart["limits_from"] == 13 and len(chart["points"]) == 25
    assert chart["lcl"] < chart["centre"] < chart["ucl"]
    assert chart["centre"] == pytest.approx(baseline["mean"])
    assert chart["in_control"] is False and chart["signals"]
    assert all(signal["adverse"] is False for signal in chart["signals"])

    pareto = result["pareto"]
    assert pareto["dimension"] == "category" and pareto["items"][0]["label"] == "network"
    assert pareto["items"][-1]["cumulative_share"] == pytest.approx(1.0)

    before_after = result["before_after"]
    assert before_after["outcome"] == "improved" and before_after["p_value"] < 0.05
    assert before_after["median_before"] > 15 > before_after["median_after"]
    assert before_after["ci_high"] < 0 and before_after["n_before"] == 13

    for part in ("baseline", "trend", "control_chart", "pareto", "before_after"):
        assert result[part]["explanation"], part
    assert result["explanation"]


def test_it_refuses_to_analyse_a_kpi_that_cannot_be_measured(api, process_owner):
    initiative = make_initiative(owner=process_owner)
    ikpi = services.do_add_initiative_kpi(
        initiative, actor=None, kpi_key="improvement.ideas_submitted"
    )
    response = api(process_owner).post(kpi_url(ikpi, "analyses"))
    assert response.status_code == 400 and "kpi_key" in response.json()


def test_it_refuses_to_analyse_a_kpi_with_no_data_in_its_range(api, process_owner):
    """Analysed over 2025, before the seeded history: a 400 naming the KPI and the range, and
    no empty analysis stored for the step 5 gate to count."""
    seed_resolution_history()
    initiative = make_initiative(owner=process_owner)
    ikpi = add_kpi(
        initiative,
        analysis_starts_on=dt.date(2025, 1, 6),
        analysis_ends_on=dt.date(2025, 6, 29),
        change_on=dt.date(2025, 4, 7),
    )
    response = api(process_owner).post(kpi_url(ikpi, "analyses"))
    assert response.status_code == 400
    (message,) = response.json()["kpi_key"]
    assert message.startswith("Median time to resolve has no data from 6 Jan 2025 to 29 Jun")
    assert not Analysis.objects.exists()


def test_it_records_baselines_from_the_latest_or_a_chosen_analysis(api, agent, process_owner, ikpi):
    client = api(process_owner)
    response = client.post(kpi_url(ikpi, "baselines"), {})
    assert response.status_code == 400 and "analysis" in response.json()
    first = services.do_analyse_kpi(ikpi, actor=None)
    latest = services.do_analyse_kpi(ikpi, actor=None)
    response = client.post(kpi_url(ikpi, "baselines"), {})
    assert response.status_code == 201, response.json()
    assert response.json()["analysis"] == latest.pk and response.json()["version"] == 1
    assert response.json()["value"] == pytest.approx(latest.result["baseline"]["mean"])
    response = client.post(kpi_url(ikpi, "baselines"), {"analysis": first.pk})
    assert response.status_code == 201 and response.json()["version"] == 2
    versions = api(agent).get(kpi_url(ikpi, "baselines")).json()
    assert [row["version"] for row in versions] == [2, 1]
    assert api(agent).get(kpi_url(ikpi)).json()["baseline"]["version"] == 2


def test_it_takes_a_baseline_only_from_the_kpis_own_analyses(api, process_owner, ikpi):
    other = add_kpi(ikpi.initiative, "incident.resolution_hours_mean")
    foreign = services.do_analyse_kpi(other, actor=None)
    response = api(process_owner).post(kpi_url(ikpi, "baselines"), {"analysis": foreign.pk})
    assert response.status_code == 400 and "analysis" in response.json()


def test_it_lists_analyses_and_baselines_in_a_constant_number_of_queries(
    api, agent, process_owner, ikpi
):
    def analyse():
        analysis = services.do_analyse_kpi(ikpi, actor=process_owner)
        services.do_record_baseline(ikpi, actor=process_owner, analysis=analysis)

    analyse()
    client = api(agent)
    assert_constant_queries(
        "improvement",
        "api_analysis_list",
        lambda: client.get(kpi_url(ikpi, "analyses")),
        analyse,
    )
    rows = client.get(kpi_url(ikpi, "analyses")).json()
    assert len(rows) == 2 and rows[0]["explanation"] and "result" not in rows[0]
    assert_constant_queries(
        "improvement",
        "api_baseline_list",
        lambda: client.get(kpi_url(ikpi, "baselines")),
        analyse,
    )


def test_it_documents_the_keys_of_every_chart_in_the_openapi_schema(db):
    schema = yaml.safe_load(APIClient().get("/api/v1/schema/").content)
    components = schema["components"]["schemas"]

    def keys(name):
        return set(components[name]["properties"])

    result = components["Analysis"]["properties"]["result"]
    assert result["allOf"][0]["$ref"] == "#/components/schemas/AnalysisResult"
    assert {"series", "baseline", "trend", "control_chart", "pareto", "before_after"} <= keys(
        "AnalysisResult"
    )
    assert {"period", "value", "n"} == keys("SeriesPoint")
    assert {"mean", "ci_low", "ci_high", "explanation"} <= keys("ChartBaseline")
    assert {"p_value", "slope", "verdict", "explanation"} <= keys("Trend")
    assert {"centre", "ucl", "lcl", "points", "signals", "explanation"} <= keys("ControlChart")
    assert {"items", "vital_few_count", "explanation"} <= keys("Pareto")
    assert {"difference", "p_value", "effect_size", "outcome", "explanation"} <= keys("BeforeAfter")
