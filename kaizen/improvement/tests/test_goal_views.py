"""/improvement/goals/: the goal tree, a goal's page (success factors, KPIs, initiatives) and
the goal form. Only the CSI manager changes goals."""

from itertools import count

import pytest

from kaizen.improvement import services
from kaizen.improvement.models import CriticalSuccessFactor, Goal, GoalKPI
from kaizen.improvement.tests.helpers import make_goal, make_initiative
from kaizen.journal.events import EventType
from kaizen.journal.models import JournalEvent
from kaizen.kpis.tests.helpers import make_custom_kpi
from kaizen.testing import assert_constant_queries, make_user

pytestmark = pytest.mark.django_db

URL = "/improvement/goals/"
NEW = "/improvement/goals/new/"
_numbers = count(1)


def journaled(goal: Goal, event_type: str) -> list[JournalEvent]:
    return list(JournalEvent.objects.for_subject(goal).filter(event_type=event_type))


@pytest.fixture
def tree(csi_manager):
    """A vision, its strategy, a tactical goal under it and an operational goal under that."""
    vision = make_goal("Services people rely on", level="vision", owner=csi_manager)
    strategy = make_goal("Restore service fast", level="strategy", parent=vision)
    tactical = make_goal("Resolve incidents within a day", level="tactical", parent=strategy)
    operational = make_goal("Median resolution under 12 h", level="operational", parent=tactical)
    return vision, strategy, tactical, operational


def test_it_sends_anonymous_visitors_to_sign_in(client):
    response = client.get(URL)
    assert response.status_code == 302 and response["Location"].startswith("/login/")


def test_it_forbids_requesters_every_goal_page(web, requester, tree):
    client = web(requester)
    for path in (URL, NEW, f"{URL}{tree[0].pk}/", f"{URL}{tree[0].pk}/edit/"):
        assert client.get(path).status_code == 403, path


def test_it_refuses_other_methods(web, csi_manager, tree):
    assert web(csi_manager).post(URL).status_code == 405
    assert web(csi_manager).delete(f"{URL}{tree[0].pk}/").status_code == 405


def test_it_answers_404_for_a_missing_goal(web, csi_manager):
    assert web(csi_manager).get(f"{URL}999/").status_code == 404
    assert web(csi_manager).get(f"{URL}999/edit/").status_code == 404


def test_it_shows_the_tree_indented_from_vision_to_operational(web, agent, tree, process_owner):
    vision, strategy, tactical, operational = tree
    served = make_initiative(owner=process_owner, goals=[operational])
    CriticalSuccessFactor.objects.create(goal=tactical, title="Enough skilled agents")
    GoalKPI.objects.create(goal=operational, kpi_key="incident.resolution_hours_median", target=12)
    response = web(agent).get(URL)
    assert response.status_code == 200
    assert [(node["goal"], node["depth"]) for node in response.context["tree"]] == [
        (vision, 0),
        (strategy, 1),
        (tactical, 2),
        (operational, 3),
    ]
    page = response.content.decode()
    for text in (
        "Iris Improver",
        "Enough skilled agents",
        "Median time to resolve (target 12 h)",
        served.reference,
    ):
        assert text in page, text
    assert 'id="new-goal"' not in page


def test_it_lets_only_the_csi_manager_create_goals(web, agent, process_owner):
    assert web(agent).get(NEW).status_code == 403
    assert web(process_owner).post(NEW, {"level": "vision", "title": "X"}).status_code == 403
    assert not Goal.objects.filter(title="X").exists()


def test_it_creates_a_goal_under_its_parent(web, csi_manager, tree):
    strategy = tree[1]
    client = web(csi_manager)
    form = client.get(NEW, {"parent": strategy.pk}).context["form"]
    assert (form.initial["parent"], form.initial["level"]) == (strategy.pk, "tactical")
    response = client.post(
        NEW,
        {
            "level": "tactical",
            "title": "Fewer repeat incidents",
            "parent": strategy.pk,
            "owner": csi_manager.pk,
            "starts_on": "2026-01-01",
            "ends_on": "2026-12-31",
        },
    )
    created = Goal.objects.get(title="Fewer repeat incidents")
    assert response["Location"] == f"/improvement/goals/{created.pk}/"
    assert (created.parent, created.owner) == (strategy, csi_manager)
    assert journaled(created, EventType.GOAL_CREATED)[0].actor == csi_manager


def test_it_shows_the_services_objection_to_a_parent_at_the_wrong_level(web, csi_manager, tree):
    vision = tree[0]
    response = web(csi_manager).post(
        NEW, {"level": "operational", "title": "Too far down", "parent": vision.pk}
    )
    assert response.status_code == 200
    assert 'id="id_parent_errors"' in response.content.decode()
    assert not Goal.objects.filter(title="Too far down").exists()


def test_it_edits_a_goal(web, csi_manager, agent, tree):
    strategy = tree[1]
    assert web(agent).get(f"{URL}{strategy.pk}/edit/").status_code == 403
    response = web(csi_manager).post(
        f"{URL}{strategy.pk}/edit/",
        {"level": "strategy", "title": "Restore service faster", "parent": tree[0].pk},
    )
    assert response.status_code == 302
    strategy.refresh_from_db()
    assert strategy.title == "Restore service faster"
    (updated,) = journaled(strategy, EventType.GOAL_UPDATED)
    assert updated.changes["title"]["new"] == "Restore service faster"


def test_it_shows_a_goals_page_read_only_to_agents(web, agent, tree, process_owner):
    tactical = tree[2]
    served = make_initiative(owner=process_owner, goals=[tactical], title="Route better")
    response = web(agent).get(f"{URL}{tactical.pk}/")
    assert response.status_code == 200
    page = response.content.decode()
    for text in ("Restore service fast", "Median resolution under 12 h", "Route better"):
        assert text in page, text
    assert served.reference in page
    assert 'id="factor-form"' not in page and 'id="goal-kpi-form"' not in page
    assert web(agent).post(f"{URL}{tactical.pk}/", {"action": "add_factor"}).status_code == 403


def test_it_adds_a_success_factor_on_the_goals_page(web, csi_manager, tree):
    goal = tree[2]
    client = web(csi_manager)
    response = client.post(f"{URL}{goal.pk}/", {"action": "add_factor", "factor-title": ""})
    assert response.status_code == 200
    assert 'id="id_factor-title_errors"' in response.content.decode()
    response = client.post(
        f"{URL}{goal.pk}/",
        {"action": "add_factor", "factor-title": "Skilled network agents on every shift"},
    )
    assert response.status_code == 302
    factor = goal.success_factors.get()
    assert factor.title == "Skilled network agents on every shift"
    (updated,) = journaled(goal, EventType.GOAL_UPDATED)
    assert updated.actor == csi_manager and updated.data["success_factor_added"] == factor.pk
    page = client.get(f"{URL}{goal.pk}/").content.decode()
    assert "Skilled network agents on every shift" in page


def test_it_attaches_a_kpi_through_a_success_factor(web, csi_manager, tree):
    goal = tree[3]
    factor = CriticalSuccessFactor.objects.create(goal=goal, title="Quick triage")
    response = web(csi_manager).post(
        f"{URL}{goal.pk}/",
        {
            "action": "attach_kpi",
            "kpi-kpi_key": "incident.resolution_hours_median",
            "kpi-target": "12",
            "kpi-success_factor": factor.pk,
        },
    )
    assert response.status_code == 302
    link = goal.kpis.get()
    assert (link.kpi_key, link.target, link.success_factor) == (
        "incident.resolution_hours_median",
        12,
        factor,
    )
    assert journaled(goal, EventType.GOAL_UPDATED)[0].actor == csi_manager
    page = web(csi_manager).get(f"{URL}{goal.pk}/").content.decode()
    assert "Median time to resolve" in page and "Quick triage" in page


def test_it_refuses_an_unknown_goal_page_action(web, csi_manager, tree):
    assert web(csi_manager).post(f"{URL}{tree[0].pk}/", {"action": "x"}).status_code == 400


def test_it_reads_the_tree_in_a_constant_number_of_queries(web, agent, process_owner, tree):
    client = web(agent)

    def add_rows():
        parent = make_goal(f"Strategy {Goal.objects.count()}", level="strategy", parent=tree[0])
        child = make_goal(f"Tactic {Goal.objects.count()}", level="tactical", parent=parent)
        CriticalSuccessFactor.objects.create(goal=child, title="A factor")
        GoalKPI.objects.create(goal=child, kpi_key="incident.resolution_hours_median")
        make_initiative(owner=process_owner, goals=[child])

    add_rows()
    assert_constant_queries("improvement", "goal_tree", lambda: client.get(URL), add_rows)


def test_it_reads_a_goal_in_a_constant_number_of_queries(web, agent, process_owner, tree):
    """A goal's sub-goals, success factors, KPIs (custom ones too), the initiatives serving it
    and its timeline: one query per kind, however many of each."""
    strategy = tree[1]
    client = web(agent)
    shown = []

    def add_rows():
        number = next(_numbers)
        shown.extend([f"Tactic {number}", f"Factor {number}", f"Goal KPI {number}"])
        shown.append(f"Initiative {number}")
        person = make_user()
        make_goal(f"Tactic {number}", level="tactical", parent=strategy, owner=person)
        factor = services.do_add_success_factor(strategy, actor=person, title=f"Factor {number}")
        make_custom_kpi(key=f"custom.goal-{number}", name=f"Goal KPI {number}")
        services.do_attach_goal_kpi(
            strategy, actor=person, kpi_key=f"custom.goal-{number}", success_factor=factor
        )
        make_initiative(owner=process_owner, goals=[strategy], title=f"Initiative {number}")

    add_rows()
    assert_constant_queries(
        "improvement", "goal_page", lambda: client.get(f"{URL}{strategy.pk}/"), add_rows
    )
    page = client.get(f"{URL}{strategy.pk}/").content.decode()
    assert len(shown) == 8 and all(text in page for text in shown)


def test_it_shows_a_goal_kpi_no_longer_in_the_library(web, agent, tree):
    """A KPI key the library lost is shown as it is, with its target, not a server error."""
    GoalKPI.objects.create(goal=tree[1], kpi_key="custom.gone", target=3)
    client = web(agent)
    for path in (URL, f"{URL}{tree[1].pk}/"):
        response = client.get(path)
        assert response.status_code == 200, path
        assert "custom.gone" in response.content.decode(), path
