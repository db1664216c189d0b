"""The CAB over /api/v1/ per role: policies, rounds and votes, delegations, meetings."""

import datetime as dt

import pytest
from django.utils import timezone

from kaizen.changes.models import ApprovalPolicy, RoundStatus
from kaizen.changes.tests.cab_helpers import (
    awaiting,
    make_cab_member,
    only_policy,
    round_of,
)
from kaizen.testing import assert_constant_queries, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def board(db):
    return [make_cab_member(name) for name in ("ann", "bob")]


def test_policies_read_by_agents_written_by_change_managers_and_admins(
    api, requester, agent, change_manager, admin_user
):
    assert api().get("/api/v1/approval-policies/").status_code == 401
    assert api(requester).get("/api/v1/approval-policies/").status_code == 403
    listed = api(agent).get("/api/v1/approval-policies/").json()["results"]
    assert [p["name"] for p in listed] == [
        "Emergency CAB",
        "Low risk: the change manager",
        "Moderate and high risk: two CAB members",
        "Very high risk: the whole CAB",
    ]
    body = {
        "name": "Team changes",
        "route": "team",
        "rule": "all",
        "due_hours": 24,
        "due_action": "reject",
    }
    assert api(agent).post("/api/v1/approval-policies/", body).status_code == 403
    response = api(change_manager).post("/api/v1/approval-policies/", body)
    assert response.status_code == 400
    assert response.json()["team"] == ["name the team whose members approve"]
    response = api(admin_user).post(
        "/api/v1/approval-policies/", {**body, "route": "cab", "position": 1}
    )
    assert response.status_code == 201, response.json()
    pk = response.json()["id"]
    response = api(change_manager).patch(f"/api/v1/approval-policies/{pk}/", {"due_hours": 12})
    assert response.status_code == 200 and response.json()["version"] == 2
    assert ApprovalPolicy.objects.get(pk=pk).due_hours == 12


def test_cab_members_vote_through_the_api_and_the_round_says_where_it_stands(
    api, agent, board, requester
):
    only_policy(route="cab", rule="count", required=2)
    change = awaiting(agent)
    url = f"/api/v1/changes/{change.number}/votes/"
    assert api(requester).post(url, {"decision": "approve"}).status_code == 404
    response = api(board[0]).post(url, {"decision": "reject"})
    assert response.status_code == 400
    assert response.json()["comment"] == ["say why the change is rejected"]
    response = api(board[0]).post(url, {"decision": "approve", "comment": "Fine"})
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "open"
    assert body["progress"] == ["1 of 2 approvals needed (2 asked); 1 still to vote"]
    assert [(a["user"], a["decision"]) for a in body["approvers"]] == [
        ("ann", "approve"),
        ("bob", ""),
    ]
    inbox = api(board[1]).get("/api/v1/approval-inbox/").json()["waiting"]
    assert [item["change"] for item in inbox] == [change.number]
    approval_round = round_of(change)
    response = api(board[1]).post(
        f"/api/v1/approval-rounds/{approval_round.pk}/votes/", {"decision": "approve"}
    )
    assert response.json()["status"] == RoundStatus.AUTHORISED
    change.refresh_from_db()
    assert change.authorised_at is not None
    # The requester of the change (an agent) reads the round; a requester sees none.
    assert api(agent).get(f"/api/v1/approval-rounds/?change={change.number}").json()["count"] == 1
    assert api(requester).get("/api/v1/approval-rounds/").status_code == 403


def test_a_delegate_votes_through_the_api(api, agent, board):
    only_policy(route="cab", rule="count", required=1)
    stand_in = make_user("sam")
    now = timezone.now()
    response = api(board[0]).post(
        "/api/v1/approval-delegations/",
        {
            "delegate": "sam",
            "starts_at": (now - dt.timedelta(hours=1)).isoformat(),
            "ends_at": (now + dt.timedelta(days=1)).isoformat(),
        },
    )
    assert response.status_code == 201, response.json()
    change = awaiting(agent)
    response = api(stand_in).post(
        f"/api/v1/changes/{change.number}/votes/", {"decision": "approve", "on_behalf_of": "ann"}
    )
    assert response.json()["status"] == "authorised"
    assert response.json()["approvers"][0]["cast_by"] == "sam"
    delegation = api(board[0]).get("/api/v1/approval-delegations/").json()["results"][0]
    revoked = api(board[0]).post(f"/api/v1/approval-delegations/{delegation['id']}/revoke/")
    assert revoked.json()["revoked_at"] is not None


def test_meetings_through_the_api(api, agent, board, change_manager):
    only_policy(route="cab", rule="count", required=2)
    change = awaiting(agent)
    start = timezone.now() + dt.timedelta(days=1)
    body = {
        "title": "Emergency CAB",
        "kind": "emergency",
        "starts_at": start.isoformat(),
        "ends_at": (start + dt.timedelta(hours=1)).isoformat(),
        "attendees": ["ann", "bob"],
    }
    assert api(board[0]).post("/api/v1/cab-meetings/", body).status_code == 403
    response = api(change_manager).post("/api/v1/cab-meetings/", {**body, "kind": "ad_hoc"})
    assert response.status_code == 201, response.json()
    pk = response.json()["id"]
    built = api(change_manager).post(f"/api/v1/cab-meetings/{pk}/build-agenda/", {})
    agenda = built.json()["agenda"]
    assert [item["change"] for item in agenda] == [change.number]
    decided = api(change_manager).post(
        f"/api/v1/cab-meetings/{pk}/agenda/{agenda[0]['id']}/decision/",
        {"votes": [{"user": "ann", "decision": "approve"}, {"user": "bob", "decision": "approve"}]},
    )
    assert decided.json()["agenda"][0]["outcome"] == "authorised"
    response = api(change_manager).patch(
        f"/api/v1/cab-meetings/{pk}/", {"status": "held", "minutes": "Done."}
    )
    assert response.json()["status"] == "held"
    assert api(board[0]).get(f"/api/v1/cab-meetings/{pk}/").json()["minutes"] == "Done."


def test_api_lists_have_no_n_plus_1(api, agent, board, change_manager):
    only_policy(route="cab", rule="count", required=2)
    client = api(board[0])

    def more():
        for _ in range(2):
            change = awaiting(agent)
            from kaizen.changes.services import meetings

            meeting = meetings.do_create_meeting(
                title="CAB",
                starts_at=timezone.now(),
                ends_at=timezone.now() + dt.timedelta(hours=1),
                attendees=board,
                actor=change_manager,
            )
            meetings.do_add_to_agenda(meeting, change, actor=change_manager)

    more()
    for key, url in [
        ("cab_api_rounds", "/api/v1/approval-rounds/"),
        ("cab_api_meetings", "/api/v1/cab-meetings/"),
        ("cab_api_policies", "/api/v1/approval-policies/"),
        ("cab_api_inbox", "/api/v1/approval-inbox/"),
    ]:
        assert_constant_queries("changes", key, lambda url=url: client.get(url), more)
