"""The outputs of steps 1-4 and 6 over the API: an initiative's KPIs and their settings, the
data assessment and its gaps, the collection status, cleaning rules, decisions and the
shared report link."""

from itertools import count

import pytest

from kaizen.improvement import services
from kaizen.improvement.models import DecisionKind, Gap, GapStatus, InitiativeKPI, Status
from kaizen.improvement.tests.facts import seed_resolution_history
from kaizen.improvement.tests.helpers import add_kpi, make_goal, make_initiative, walk_to_step
from kaizen.journal.events import EventType
from kaizen.journal.models import JournalEvent
from kaizen.testing import assert_constant_queries

pytestmark = pytest.mark.django_db

KPI = "incident.resolution_hours_median"
MEASURABLE = (
    "incident.resolution_hours_mean",
    "incident.resolution_hours_p90",
    "incident.sla_met_pct",
    "incident.opened",
    "incident.resolved",
)
_rationales = count(1)


def url(initiative, action=""):
    return f"/api/v1/initiatives/{initiative.pk}/{action + '/' if action else ''}"


def kpi_url(ikpi, action=""):
    return f"/api/v1/initiative-kpis/{ikpi.pk}/{action + '/' if action else ''}"


@pytest.fixture
def goal(db):
    return make_goal()


@pytest.fixture
def initiative(process_owner, goal):
    """Paul's initiative at step 1, serving one goal, measuring nothing yet."""
    return make_initiative(owner=process_owner, goals=[goal])


# -- step 1: the KPIs ---------------------------------------------------------------------------


def test_it_keeps_the_kpis_from_requesters_and_lets_agents_read_them(
    api, requester, agent, initiative
):
    ikpi = add_kpi(initiative)
    for path in (url(initiative, "kpis"), kpi_url(ikpi), kpi_url(ikpi, "collection")):
        assert api(requester).get(path).status_code == 403, path
    assert api().get(kpi_url(ikpi)).status_code == 401
    rows = api(agent).get(url(initiative, "kpis")).json()
    assert [row["kpi_key"] for row in rows] == [KPI]
    assert api(agent).get(kpi_url(ikpi)).json()["kpi"] == {
        "name": "Median time to resolve",
        "unit": "hours",
        "direction": "lower",
    }


def test_it_adds_a_kpi_with_the_librarys_thresholds(api, agent, process_owner, initiative, goal):
    body = {"kpi_key": KPI, "goal": goal.pk}
    assert api(agent).post(url(initiative, "kpis"), body).status_code == 403
    response = api(process_owner).post(url(initiative, "kpis"), body)
    assert response.status_code == 201, response.json()
    data = response.json()
    assert data["target"] == 8 and data["warning"] == 16 and data["goal"] == goal.pk
    assert data["initiative"] == initiative.pk and data["baseline"] is None
    assert JournalEvent.objects.filter(event_type=EventType.INITIATIVE_KPI_ADDED).exists()


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"kpi_key": "incident.no_such_kpi"}, "kpi_key"),
        ({"kpi_key": KPI, "target": 12, "warning": 10}, "warning"),
        ({"kpi_key": KPI, "goal": "other"}, "goal"),
        ({"kpi_key": KPI, "target": "soon"}, "target"),
    ],
)
def test_it_names_the_field_of_a_bad_kpi(api, process_owner, initiative, body, field):
    if body.get("goal") == "other":
        body = {**body, "goal": make_goal("A goal it does not serve").pk}
    response = api(process_owner).post(url(initiative, "kpis"), body)
    assert response.status_code == 400 and field in response.json(), response.json()


def test_it_refuses_the_same_kpi_twice_and_kpis_after_step_2(api, process_owner, initiative):
    add_kpi(initiative, target=12)
    response = api(process_owner).post(url(initiative, "kpis"), {"kpi_key": KPI})
    assert response.status_code == 400 and "kpi_key" in response.json()
    walk_to_step(initiative, 3, actor=process_owner)
    response = api(process_owner).post(url(initiative, "kpis"), {"kpi_key": "incident.opened"})
    assert response.status_code == 400 and "kpi_key" in response.json()


def test_it_sets_a_kpis_collection_and_processing(api, agent, process_owner, initiative):
    ikpi = add_kpi(initiative)
    changes = {
        "source_description": "Kaizen's incident records",
        "schedule": "daily",
        "period_kind": "month",
        "breakdown": "service",
        "processing_confirmed": True,
        "analysis_starts_on": "2026-01-01",
        "analysis_ends_on": "2026-06-30",
        "change_on": "2026-04-06",
        "target": 10,
        "warning": 14,
    }
    assert api(agent).patch(kpi_url(ikpi), {**changes, "version": 1}).status_code == 403
    response = api(process_owner).patch(kpi_url(ikpi), {**changes, "version": 1})
    assert response.status_code == 200, response.json()
    assert {name: response.json()[name] for name in changes} == {
        **changes,
        "target": 10.0,
        "warning": 14.0,
    }
    ikpi.refresh_from_db()
    assert ikpi.breakdown == "service" and str(ikpi.change_on) == "2026-04-06"


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"period_kind": "year"}, "period_kind"),
        ({"schedule": "sometimes"}, "schedule"),
        ({"breakdown": "colour"}, "breakdown"),
        ({"warning": 4}, "warning"),
        (
            {"analysis_starts_on": "2026-03-01", "analysis_ends_on": "2026-02-01"},
            "analysis_ends_on",
        ),
        ({"analysis_starts_on": "2026-03-01", "change_on": "2026-01-01"}, "change_on"),
    ],
)
def test_it_names_the_field_of_a_bad_kpi_setting(api, process_owner, initiative, changes, field):
    ikpi = add_kpi(initiative)
    response = api(process_owner).patch(kpi_url(ikpi), {**changes, "version": ikpi.version})
    assert response.status_code == 400 and field in response.json(), response.json()


def test_it_keeps_the_kpi_key_and_removes_a_kpi(api, agent, process_owner, initiative):
    ikpi = add_kpi(initiative)
    response = api(process_owner).patch(
        kpi_url(ikpi), {"kpi_key": "incident.opened", "version": ikpi.version}
    )
    assert response.status_code == 200 and response.json()["kpi_key"] == KPI
    assert api(agent).delete(kpi_url(ikpi)).status_code == 403
    assert api(process_owner).delete(kpi_url(ikpi)).status_code == 204
    assert not InitiativeKPI.objects.exists()
    assert JournalEvent.objects.filter(event_type=EventType.INITIATIVE_KPI_REMOVED).exists()
    assert api(process_owner).get(kpi_url(ikpi)).status_code == 404


def test_it_lists_an_initiatives_kpis_in_a_constant_number_of_queries(
    api, agent, process_owner, initiative
):
    seed_resolution_history()
    keys = iter(MEASURABLE)

    def add_analysed_kpi():
        ikpi = add_kpi(initiative, next(keys))
        analysis = services.do_analyse_kpi(ikpi, actor=process_owner)
        services.do_record_baseline(ikpi, actor=process_owner, analysis=analysis)

    add_analysed_kpi()
    client = api(agent)
    assert_constant_queries(
        "improvement",
        "api_initiative_kpi_list",
        lambda: client.get(url(initiative, "kpis")),
        add_analysed_kpi,
    )


# -- step 2: the data assessment and its gaps ---------------------------------------------------


def test_it_assesses_the_data_and_lists_the_gaps(api, agent, process_owner, initiative):
    add_kpi(initiative)
    assert api(agent).post(url(initiative, "assessments")).status_code == 403
    response = api(process_owner).post(url(initiative, "assessments"))
    assert response.status_code == 201, response.json()
    entry = response.json()["results"][0]
    assert entry["kpi_key"] == KPI and entry["rows_in_scope"] == 0  # an empty store
    assert [gap["code"] for gap in entry["gaps"]] == ["no_data"]
    assert api(agent).get(url(initiative, "assessments")).json()[0]["id"] == response.json()["id"]
    gaps = api(agent).get(url(initiative, "gaps")).json()
    assert [(gap["kpi_key"], gap["code"], gap["status"]) for gap in gaps] == [
        (KPI, "no_data", "open")
    ]


def test_it_needs_a_kpi_to_assess(api, process_owner, initiative):
    response = api(process_owner).post(url(initiative, "assessments"))
    assert response.status_code == 400 and "kpis" in response.json()


def test_it_lets_the_owner_settle_a_gap(api, agent, process_owner, initiative):
    add_kpi(initiative)
    services.do_assess_data(initiative, actor=process_owner)
    gap = Gap.objects.get()
    path = f"/api/v1/gaps/{gap.pk}/"
    body = {
        "action": "Import last year's tickets",
        "owner": agent.pk,
        "status": "accepted",
        "version": 1,
    }
    assert api(agent).patch(path, body).status_code == 403
    response = api(process_owner).patch(path, body)
    assert response.status_code == 200, response.json()
    assert response.json()["owner_name"] == str(agent)
    gap.refresh_from_db()
    assert gap.status == GapStatus.ACCEPTED and gap.action == "Import last year's tickets"
    response = api(process_owner).patch(path, {"code": "other", "status": "done", "version": 2})
    assert response.status_code == 400 and "status" in response.json()
    assert api(process_owner).patch("/api/v1/gaps/999/", body).status_code == 404


def test_it_lists_assessments_and_gaps_in_a_constant_number_of_queries(
    api, agent, process_owner, initiative
):
    keys = iter(MEASURABLE)

    def assess_another_kpi():
        add_kpi(initiative, next(keys))
        services.do_assess_data(initiative, actor=process_owner)
        for gap in Gap.objects.filter(owner=None):
            services.do_update_gap(gap, actor=process_owner, owner=process_owner)

    assess_another_kpi()
    client = api(agent)
    assert_constant_queries(
        "improvement",
        "api_assessment_list",
        lambda: client.get(url(initiative, "assessments")),
        assess_another_kpi,
    )
    assert_constant_queries(
        "improvement",
        "api_gap_list",
        lambda: client.get(url(initiative, "gaps")),
        assess_another_kpi,
    )


# -- step 3: collection ---------------------------------------------------------------------------


def test_it_says_whether_the_data_arrives(api, agent, initiative):
    ikpi = add_kpi(initiative, schedule="daily")
    data = api(agent).get(kpi_url(ikpi, "collection")).json()
    assert data["status"] == "no data" and data["schedule"] == "daily"
    assert "no data" in data["explanation"].lower()
    seed_resolution_history()
    data = api(agent).get(kpi_url(ikpi, "collection")).json()
    assert data["status"] == "stale"  # the seeded history ends in July 2026
    assert data["last_data_at"].startswith("2026-07-03")


# -- step 4: cleaning rules -----------------------------------------------------------------------

RULE = {"kind": "cap", "column": "resolution_hours", "value": 500, "reason": "Holiday backlog"}


def test_it_records_and_removes_cleaning_rules(api, agent, process_owner, initiative):
    ikpi = add_kpi(initiative)
    rules = kpi_url(ikpi, "cleaning-rules")
    assert api(agent).post(rules, RULE).status_code == 403
    response = api(process_owner).post(rules, RULE)
    assert response.status_code == 201, response.json()
    rule = response.json()
    assert (
        rule["kind"] == "cap" and rule["value"] == 500 and rule["created_by"] == str(process_owner)
    )
    assert [row["id"] for row in api(agent).get(rules).json()] == [rule["id"]]
    path = f"/api/v1/cleaning-rules/{rule['id']}/"
    assert api(agent).delete(path).status_code == 403
    assert api(process_owner).delete(path).status_code == 204
    assert api(process_owner).delete(path).status_code == 404
    assert JournalEvent.objects.filter(event_type=EventType.CLEANING_RULE_REMOVED).exists()


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({**RULE, "column": "colour"}, "column"),
        ({**RULE, "kind": "smooth"}, "kind"),
        ({**RULE, "value": None}, "value"),
        ({**RULE, "reason": ""}, "reason"),
        ({**RULE, "kind": "outlier_iqr", "value": None, "factor": -1}, "factor"),
        ({**RULE, "kind": "exclude", "operator": "like", "value": 1}, "operator"),
    ],
)
def test_it_names_the_field_of_a_bad_rule(api, process_owner, initiative, body, field):
    ikpi = add_kpi(initiative)
    response = api(process_owner).post(kpi_url(ikpi, "cleaning-rules"), body)
    assert response.status_code == 400 and field in response.json(), response.json()


def test_it_lists_cleaning_rules_in_a_constant_number_of_queries(
    api, agent, process_owner, initiative
):
    ikpi = add_kpi(initiative)

    def add_rule():
        services.do_add_cleaning_rule(
            ikpi, actor=process_owner, kind="outlier_iqr", column="resolution_hours", reason="x"
        )

    add_rule()
    client = api(agent)
    assert_constant_queries(
        "improvement",
        "api_cleaning_rule_list",
        lambda: client.get(kpi_url(ikpi, "cleaning-rules")),
        add_rule,
    )


# -- step 6: the decision and the report link -----------------------------------------------------


def test_it_records_decisions_only_at_step_6(api, agent, process_owner, initiative):
    body = {"decision": "implement", "rationale": "The analysis is clear"}
    response = api(process_owner).post(url(initiative, "decisions"), body)
    assert response.status_code == 400 and "decision" in response.json()
    walk_to_step(initiative, 6, actor=process_owner)
    assert api(agent).post(url(initiative, "decisions"), body).status_code == 403
    response = api(process_owner).post(url(initiative, "decisions"), {**body, "rationale": ""})
    assert response.status_code == 400 and "rationale" in response.json()
    response = api(process_owner).post(url(initiative, "decisions"), body)
    assert response.status_code == 201, response.json()
    assert response.json()["decision"] == "implement" and response.json()["cycle"] == 1
    data = api(agent).get(url(initiative)).json()
    assert data["current_step"] == 7 and data["latest_decision"]["id"] == response.json()["id"]


def test_it_closes_a_stopped_initiative(api, csi_manager, process_owner, initiative):
    walk_to_step(initiative, 6, actor=process_owner)
    body = {"decision": "stop", "rationale": "The new tool replaces the process"}
    response = api(csi_manager).post(url(initiative, "decisions"), body)
    assert response.status_code == 201
    initiative.refresh_from_db()
    assert initiative.status == Status.STOPPED and initiative.closed_at is not None


def test_it_lists_decisions_in_a_constant_number_of_queries(api, agent, process_owner, initiative):
    def decide_to_keep_measuring():
        walk_to_step(initiative, 6, actor=process_owner)
        services.do_record_decision(
            initiative,
            actor=process_owner,
            decision=DecisionKind.KEEP_MEASURING,
            rationale=f"Not enough weeks yet ({next(_rationales)})",
        )
        initiative.refresh_from_db()

    decide_to_keep_measuring()
    client = api(agent)
    assert_constant_queries(
        "improvement",
        "api_decision_list",
        lambda: client.get(url(initiative, "decisions")),
        decide_to_keep_measuring,
    )


def test_it_shares_the_report_and_revokes_the_link(api, agent, process_owner, initiative):
    assert api(agent).post(url(initiative, "share")).status_code == 403
    response = api(process_owner).post(url(initiative, "share"))
    assert response.status_code == 200
    token, link = response.json()["token"], response.json()["url"]
    assert link == f"http://testserver/improvement/shared/{token}/"
    # The token is in the answer that made it only: the initiative says a link exists and
    # until when, to those who may revoke it, and nothing to the others.
    expires_at = response.json()["expires_at"]
    owner_view = api(process_owner).get(url(initiative)).json()
    assert owner_view["share_link"] == {"expires_at": expires_at, "expired": False}
    assert token not in str(owner_view)
    assert api(agent).get(url(initiative)).json()["share_link"] is None
    assert api(agent).delete(url(initiative, "share")).status_code == 403
    assert api(process_owner).delete(url(initiative, "share")).status_code == 204
    initiative.refresh_from_db()
    assert initiative.share_token_hash is None
    assert api(process_owner).get(url(initiative)).json()["share_link"] is None
    assert JournalEvent.objects.filter(event_type=EventType.REPORT_UNSHARED).exists()
