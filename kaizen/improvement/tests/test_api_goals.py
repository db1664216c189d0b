"""/api/v1/goals/: the goal tree with its success factors and KPIs; the CSI manager writes."""

from itertools import count

import pytest

from kaizen.improvement.models import Goal, GoalLevel
from kaizen.improvement.services import do_add_success_factor, do_attach_goal_kpi
from kaizen.improvement.tests.helpers import make_goal
from kaizen.journal.events import EventType
from kaizen.journal.models import JournalEvent
from kaizen.testing import assert_constant_queries

pytestmark = pytest.mark.django_db

LIST = "/api/v1/goals/"
_titles = count(1)


def detail(goal, action=""):
    return f"{LIST}{goal.pk}/{action + '/' if action else ''}"


def test_it_answers_401_without_credentials_and_403_to_requesters(api, requester):
    goal = make_goal()
    assert api().get(LIST).status_code == 401
    assert api(requester).get(LIST).status_code == 403
    assert api(requester).get(detail(goal)).status_code == 403


def test_it_shows_agents_the_goal_with_its_success_factors_and_kpis(api, agent, csi_manager):
    goal = make_goal(owner=csi_manager)
    factor = do_add_success_factor(goal, actor=None, title="Network incidents routed right")
    do_attach_goal_kpi(
        goal,
        actor=None,
        kpi_key="incident.resolution_hours_median",
        target=12,
        success_factor=factor,
    )
    body = api(agent).get(detail(goal)).json()
    assert body["level"] == "operational" and body["owner"] == csi_manager.pk
    assert body["owner_name"] == str(csi_manager)
    assert body["success_factors"] == [
        {"id": factor.pk, "title": "Network incidents routed right", "description": ""}
    ]
    assert body["kpis"][0] == {
        "id": goal.kpis.get().pk,
        "kpi_key": "incident.resolution_hours_median",
        "target": 12.0,
        "success_factor": factor.pk,
    }
    assert api(agent).get(LIST).json()["results"][0]["id"] == goal.pk


def test_it_answers_404_for_a_missing_goal(api, agent, csi_manager):
    assert api(agent).get(f"{LIST}999/").status_code == 404
    assert api(csi_manager).patch(f"{LIST}999/", {"title": "x"}).status_code == 404


def test_it_lets_only_the_csi_manager_write(api, agent, process_owner, csi_manager):
    body = {"level": GoalLevel.VISION, "title": "Services people rely on"}
    assert api(agent).post(LIST, body).status_code == 403
    assert api(process_owner).post(LIST, body).status_code == 403
    response = api(csi_manager).post(LIST, body)
    assert response.status_code == 201, response.json()
    goal = Goal.objects.get(pk=response.json()["id"])
    assert JournalEvent.objects.filter(event_type=EventType.GOAL_CREATED, actor=csi_manager)
    assert api(agent).patch(detail(goal), {"title": "Other"}).status_code == 403
    assert api(agent).post(detail(goal, "success-factors"), {"title": "x"}).status_code == 403
    assert api(agent).post(detail(goal, "kpis"), {"kpi_key": "incident.opened"}).status_code == 403
    goal.refresh_from_db()
    assert goal.title == "Services people rely on" and not goal.success_factors.exists()


def test_it_builds_the_tree_and_updates_a_goal(api, csi_manager):
    vision = make_goal("Services people rely on", level=GoalLevel.VISION)
    client = api(csi_manager)
    response = client.post(
        LIST, {"level": GoalLevel.STRATEGY, "title": "Fewer outages", "parent": vision.pk}
    )
    assert response.status_code == 201 and response.json()["parent"] == vision.pk
    strategy = Goal.objects.get(pk=response.json()["id"])
    response = client.patch(detail(strategy), {"ends_on": "2027-12-31", "owner": csi_manager.pk})
    assert response.status_code == 200, response.json()
    strategy.refresh_from_db()
    assert str(strategy.ends_on) == "2027-12-31" and strategy.owner == csi_manager
    assert JournalEvent.objects.filter(event_type=EventType.GOAL_UPDATED).exists()


def test_it_adds_success_factors_and_kpis(api, csi_manager):
    goal = make_goal()
    client = api(csi_manager)
    response = client.post(detail(goal, "success-factors"), {"title": "Skilled resolvers"})
    assert response.status_code == 201
    factor = goal.success_factors.get()
    assert response.json() == {"id": factor.pk, "title": "Skilled resolvers", "description": ""}
    response = client.post(
        detail(goal, "kpis"),
        {"kpi_key": "incident.sla_met_pct", "target": 95, "success_factor": factor.pk},
    )
    assert response.status_code == 201, response.json()
    assert goal.kpis.get().success_factor == factor


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"level": "mission", "title": "x"}, "level"),
        ({"level": GoalLevel.VISION, "title": ""}, "title"),
        ({"level": GoalLevel.TACTICAL, "title": "x", "parent": "vision"}, "parent"),
        (
            {
                "level": GoalLevel.VISION,
                "title": "x",
                "starts_on": "2026-05-01",
                "ends_on": "2026-01-01",
            },
            "ends_on",
        ),
    ],
)
def test_it_names_the_field_of_a_bad_goal(api, csi_manager, body, field):
    if body.get("parent") == "vision":
        body = {**body, "parent": make_goal("Vision", level=GoalLevel.VISION).pk}
    response = api(csi_manager).post(LIST, body)
    assert response.status_code == 400 and field in response.json(), response.json()


def test_it_names_the_field_of_a_bad_goal_kpi(api, csi_manager):
    goal, other = make_goal(), make_goal("Other goal")
    foreign = do_add_success_factor(other, actor=None, title="Elsewhere")
    client = api(csi_manager)
    response = client.post(detail(goal, "kpis"), {"kpi_key": "incident.no_such_kpi"})
    assert response.status_code == 400 and "kpi_key" in response.json()
    response = client.post(
        detail(goal, "kpis"), {"kpi_key": "incident.opened", "success_factor": foreign.pk}
    )
    assert response.status_code == 400 and "success_factor" in response.json()
    client.post(detail(goal, "kpis"), {"kpi_key": "incident.opened"})
    response = client.post(detail(goal, "kpis"), {"kpi_key": "incident.opened"})
    assert response.status_code == 400 and "kpi_key" in response.json()


def test_it_has_no_delete(api, csi_manager):
    assert api(csi_manager).delete(detail(make_goal())).status_code == 405


def test_it_lists_goals_in_a_constant_number_of_queries(api, agent, csi_manager):
    def add_goal():
        goal = make_goal(f"Goal {next(_titles)}", owner=csi_manager)
        factor = do_add_success_factor(goal, actor=None, title="What must go right")
        do_attach_goal_kpi(goal, actor=None, kpi_key="incident.opened", success_factor=factor)

    add_goal()
    client = api(agent)
    assert_constant_queries("improvement", "api_goal_list", lambda: client.get(LIST), add_goal)


def test_it_reads_a_goal_in_a_constant_number_of_queries(api, agent, csi_manager):
    """A goal with its success factors and KPIs, however many."""
    goal = make_goal(owner=csi_manager)

    def add_rows():
        number = next(_titles)
        factor = do_add_success_factor(goal, actor=None, title=f"Factor {number}")
        key = ("incident.opened", "incident.sla_met_pct", "incident.reopened_pct")[number % 3]
        if not goal.kpis.filter(kpi_key=key).exists():
            do_attach_goal_kpi(goal, actor=None, kpi_key=key, success_factor=factor)

    add_rows()
    client = api(agent)
    assert_constant_queries(
        "improvement", "api_goal_detail", lambda: client.get(detail(goal)), add_rows
    )
    body = client.get(detail(goal)).json()
    assert len(body["success_factors"]) == 2 and len(body["kpis"]) == 2
