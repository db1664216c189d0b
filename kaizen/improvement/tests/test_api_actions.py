"""Step 7 over the API: corrective actions (an initiative's, and everyone's own list), the
evaluation at the end of the window, and the next cycle."""

import datetime as dt
from itertools import count

import pytest
from django.utils import timezone

from kaizen.improvement import services
from kaizen.improvement.models import ActionStatus, Initiative, Status
from kaizen.improvement.tests.helpers import (
    add_kpi,
    implement,
    make_goal,
    make_initiative,
    walk_to_step,
)
from kaizen.journal.events import EventType
from kaizen.journal.models import JournalEvent
from kaizen.testing import assert_constant_queries, assert_query_count, make_user

pytestmark = pytest.mark.django_db

ACTIONS = "/api/v1/actions/"
_titles = count(1)


def url(initiative, action=""):
    return f"/api/v1/initiatives/{initiative.pk}/{action + '/' if action else ''}"


def action_url(action):
    return f"{ACTIONS}{action.pk}/"


@pytest.fixture
def initiative(process_owner):
    """Paul's initiative at step 7 (decided: implement), measuring median resolution time
    against a target of 15 hours, which the seeded "after" meets."""
    initiative = make_initiative(owner=process_owner, goals=[make_goal()])
    add_kpi(initiative, target=15, warning=20)
    return walk_to_step(initiative, 7, actor=process_owner)


def make_action(initiative, *, owner, due_on=dt.date(2026, 12, 31), **fields):
    return services.do_create_action(
        initiative,
        actor=None,
        title=fields.pop("title", f"Action {next(_titles)}"),
        owner=owner,
        due_on=due_on,
        **fields,
    )


# -- an initiative's actions --------------------------------------------------------------------


def test_it_keeps_actions_from_requesters(api, requester, agent, initiative):
    action = make_action(initiative, owner=agent)
    for path in (ACTIONS, action_url(action), url(initiative, "actions")):
        assert api(requester).get(path).status_code == 403, path
    assert api().get(ACTIONS).status_code == 401


def test_it_lets_the_owner_plan_actions_at_step_7(api, agent, process_owner, initiative):
    body = {"title": "Route network incidents", "owner": agent.pk, "due_on": "2026-12-31"}
    assert api(agent).post(url(initiative, "actions"), body).status_code == 403
    response = api(process_owner).post(
        url(initiative, "actions"), {**body, "change_reference": "CHG0042"}
    )
    assert response.status_code == 201, response.json()
    data = response.json()
    assert data["status"] == "open" and data["owner_name"] == str(agent)
    assert data["initiative_reference"] == initiative.reference
    assert data["change_reference"] == "CHG0042" and data["on_time"] is None
    assert JournalEvent.objects.filter(event_type=EventType.ACTION_CREATED).exists()
    rows = api(agent).get(url(initiative, "actions")).json()
    assert [row["id"] for row in rows] == [data["id"]]
    counts = api(agent).get(url(initiative)).json()["action_counts"]
    assert counts["open"] == 1 and counts["overdue"] == 0


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"title": ""}, "title"),
        ({"due_on": None}, "due_on"),
        ({"owner": "requester"}, "owner"),
        ({"status": "done"}, "status"),
    ],
)
def test_it_names_the_field_of_a_bad_action(
    api, process_owner, requester, initiative, overrides, field
):
    if overrides.get("owner") == "requester":
        overrides = {"owner": requester.pk}
    body = {"title": "Route network incidents", "owner": process_owner.pk, "due_on": "2026-12-31"}
    response = api(process_owner).post(url(initiative, "actions"), {**body, **overrides})
    assert response.status_code == 400 and field in response.json(), response.json()


def test_it_plans_actions_only_after_the_decision_to_implement(api, process_owner):
    early = make_initiative(owner=process_owner)
    body = {"title": "Too early", "owner": process_owner.pk, "due_on": "2026-12-31"}
    response = api(process_owner).post(url(early, "actions"), body)
    assert response.status_code == 400 and "title" in response.json()


# -- progress on an action ----------------------------------------------------------------------


def test_it_lets_an_actions_owner_report_its_status_and_nothing_else(
    api, agent, process_owner, initiative
):
    action = make_action(initiative, owner=agent)
    outsider = make_user("olga")
    assert api(outsider).patch(action_url(action), {"status": "in_progress"}).status_code == 403
    assert api(agent).patch(action_url(action), {"title": "Easier"}).status_code == 403
    assert api(agent).patch(action_url(action), {"due_on": "2027-06-30"}).status_code == 403
    response = api(agent).patch(action_url(action), {"status": "in_progress", "version": 1})
    assert response.status_code == 200 and response.json()["status"] == "in_progress"
    response = api(process_owner).patch(
        action_url(action), {"title": "Route and train", "version": 2}
    )
    assert response.status_code == 200 and response.json()["title"] == "Route and train"
    assert api(agent).get(action_url(action)).json()["title"] == "Route and train"


def test_it_lets_an_actions_owner_name_its_change_as_on_its_page(api, agent, initiative):
    """The change that carries the action out is its owner's to report, through the API as
    through the action's page (kaizen.improvement.services.ACTION_PROGRESS_FIELDS)."""
    action = make_action(initiative, owner=agent)
    response = api(agent).patch(
        action_url(action), {"status": "in_progress", "change_reference": "CHG0042", "version": 1}
    )
    assert response.status_code == 200, response.json()
    assert response.json()["change_reference"] == "CHG0042"
    assert api(agent).patch(action_url(action), {"owner": agent.pk}).status_code == 403


def test_it_opens_the_evaluation_window_when_the_last_action_is_done(api, agent, initiative):
    action = make_action(initiative, owner=agent, due_on=dt.date(2026, 4, 10))
    response = api(agent).patch(
        action_url(action), {"status": "done", "done_on": "2026-04-05", "version": 1}
    )
    assert response.status_code == 200, response.json()
    assert response.json()["on_time"] is True and response.json()["done_on"] == "2026-04-05"
    data = api(agent).get(url(initiative)).json()
    assert data["status"] == "evaluating"
    assert data["evaluation_starts_on"] == "2026-04-06"
    assert data["evaluation_ends_on"] == "2026-05-03"  # 28 days


def test_it_names_the_field_of_a_bad_update(api, agent, initiative):
    action = make_action(initiative, owner=agent)
    tomorrow = (timezone.localdate() + dt.timedelta(days=1)).isoformat()
    response = api(agent).patch(
        action_url(action), {"status": "done", "done_on": tomorrow, "version": 1}
    )
    assert response.status_code == 400 and "done_on" in response.json()
    response = api(agent).patch(action_url(action), {"status": "finished", "version": 1})
    assert response.status_code == 400 and "status" in response.json()
    assert api(agent).patch(f"{ACTIONS}999/", {"status": "done"}).status_code == 404


# -- everyone's own list ------------------------------------------------------------------------


def test_it_lists_my_actions_and_the_overdue_ones(api, agent, process_owner, initiative):
    overdue = make_action(initiative, owner=agent, due_on=dt.date(2026, 1, 31))
    mine_later = make_action(initiative, owner=agent)
    theirs = make_action(initiative, owner=process_owner)
    services.do_update_action(mine_later, actor=None, status=ActionStatus.IN_PROGRESS)
    client = api(agent)

    def ids(query):
        response = client.get(f"{ACTIONS}?{query}")
        assert response.status_code == 200, response.json()
        return [row["id"] for row in response.json()["results"]]

    assert ids(f"owner={agent.pk}") == [overdue.pk, mine_later.pk]
    assert ids(f"owner={agent.pk}&overdue=true") == [overdue.pk]
    assert ids("overdue=false") == [mine_later.pk, theirs.pk]
    assert ids("status=in_progress") == [mine_later.pk]
    assert ids(f"initiative={initiative.pk}&ordering=-due_on")[-1] == overdue.pk
    assert ids("initiative=999") == []
    assert client.get(f"{ACTIONS}?owner=999").status_code == 400
    rows = client.get(f"{ACTIONS}?owner={agent.pk}").json()["results"]
    assert rows[0]["overdue"] is True and rows[1]["overdue"] is False


def test_it_lists_actions_in_a_constant_number_of_queries(api, agent, process_owner, initiative):
    def add_actions():
        make_action(initiative, owner=make_user())
        other = make_initiative(owner=process_owner, title=f"Initiative {next(_titles)}")
        walk_to_step(other, 7, actor=process_owner)
        make_action(other, owner=make_user())

    add_actions()
    client = api(agent)
    assert_constant_queries(
        "improvement", "api_action_list", lambda: client.get(ACTIONS), add_actions
    )
    assert_constant_queries(
        "improvement",
        "api_initiative_action_list",
        lambda: client.get(url(initiative, "actions")),
        lambda: make_action(initiative, owner=make_user()),
    )


# -- the evaluation and the next cycle ----------------------------------------------------------


def test_it_evaluates_after_the_window_and_adopts_the_baseline(
    api, agent, process_owner, initiative
):
    implement(initiative, actor=process_owner)  # done 5 April: the window ran 6 April - 3 May
    assert api(agent).post(url(initiative, "evaluate"), {}).status_code == 403
    response = api(process_owner).post(url(initiative, "evaluate"), {})
    assert response.status_code == 201, response.json()
    evaluation = response.json()
    assert evaluation["target_met"] is True and evaluation["baseline_adopted"] is True
    assert evaluation["window_start"] == "2026-04-06" and evaluation["window_end"] == "2026-05-03"
    result = evaluation["results"][0]
    assert result["met"] is True and result["value"] < 15 < result["baseline"]["value"]
    assert result["before_after"]["outcome"] == "improved"
    initiative.refresh_from_db()
    assert initiative.status == Status.COMPLETED
    listed = api(agent).get(url(initiative, "evaluations")).json()
    assert [row["id"] for row in listed] == [evaluation["id"]]
    response = api(process_owner).post(url(initiative, "evaluate"), {})
    assert response.status_code == 400 and "status" in response.json()


def test_it_evaluates_early_only_when_the_csi_manager_forces_it(
    api, csi_manager, process_owner, initiative
):
    yesterday = timezone.localdate() - dt.timedelta(days=1)
    implement(initiative, actor=process_owner, done_on=yesterday)
    response = api(process_owner).post(url(initiative, "evaluate"), {})
    assert response.status_code == 400 and "evaluation_ends_on" in response.json()
    response = api(process_owner).post(url(initiative, "evaluate"), {"force": True})
    assert response.status_code == 400 and "force" in response.json()
    response = api(csi_manager).post(url(initiative, "evaluate"), {"force": True})
    assert response.status_code == 201, response.json()
    assert JournalEvent.objects.get(event_type=EventType.EVALUATION_RECORDED).data["forced"]


def test_it_needs_the_window_open_to_evaluate(api, process_owner, initiative):
    response = api(process_owner).post(url(initiative, "evaluate"), {})
    assert response.status_code == 400 and "status" in response.json()


def test_it_lists_evaluations_in_a_fixed_number_of_queries(api, agent, process_owner, initiative):
    """One evaluation closes its cycle, so an initiative's list holds at most one row; the
    count guards the query behind it (the initiative, the evaluations with their author)."""
    implement(initiative, actor=process_owner)
    services.do_evaluate_initiative(initiative, actor=process_owner)
    client = api(agent)
    with assert_query_count("improvement", "api_evaluation_list"):
        response = client.get(url(initiative, "evaluations"))
    assert response.status_code == 200 and len(response.json()) == 1


def test_it_opens_the_next_cycle_of_a_closed_initiative(api, agent, process_owner, initiative):
    response = api(process_owner).post(url(initiative, "next-cycle"))
    assert response.status_code == 400 and "status" in response.json()
    implement(initiative, actor=process_owner)
    services.do_evaluate_initiative(initiative, actor=process_owner)
    assert api(agent).post(url(initiative, "next-cycle")).status_code == 403
    response = api(process_owner).post(url(initiative, "next-cycle"))
    assert response.status_code == 201, response.json()
    data = response.json()
    assert data["cycle"] == 2 and data["current_step"] == 1 and data["origin"] == "previous_cycle"
    assert data["kpis"][0]["baseline"]["source"] == "carried"
    assert Initiative.objects.get(pk=data["id"]).previous == initiative
    response = api(process_owner).post(url(initiative, "next-cycle"))
    assert response.status_code == 400 and "status" in response.json()
