"""The CAB pages per role: the approval inbox and votes from it, the change page's authorisation
panel, delegations, approval policies, CAB meetings; no N+1 on the lists."""

import datetime as dt

import pytest
from django.template.loader import render_to_string
from django.test import RequestFactory
from django.utils import timezone

from kaizen.changes.cab_views import authorisation_panel
from kaizen.changes.models import ApprovalPolicy, CabMeeting, Delegation, RoundStatus, State
from kaizen.changes.services import approvals, meetings
from kaizen.changes.tests.cab_helpers import (
    awaiting,
    make_cab_member,
    only_policy,
    round_of,
)
from kaizen.testing import assert_constant_queries, make_user

pytestmark = pytest.mark.django_db

PAGES = [
    "/changes/approvals/",
    "/changes/approval-policies/",
    "/changes/cab/",
]


@pytest.fixture
def board(db):
    return [make_cab_member(name) for name in ("ann", "bob")]


def test_anonymous_people_are_sent_to_sign_in(client):
    for url in PAGES:
        response = client.get(url)
        assert response.status_code == 302 and "/login/" in response["Location"], url


def test_requesters_get_403_everywhere(web, requester):
    client = web(requester)
    for url in [*PAGES, "/changes/approval-policies/new/", "/changes/cab/new/"]:
        assert client.get(url).status_code == 403, url


def test_agents_read_but_do_not_edit_policies_or_meetings(web, agent):
    client = web(agent)
    for url in PAGES:
        assert client.get(url).status_code == 200, url
    policy = ApprovalPolicy.objects.first()
    for url in [
        "/changes/approval-policies/new/",
        f"/changes/approval-policies/{policy.pk}/",
        "/changes/cab/new/",
        "/changes/cab/schedules/new/",
    ]:
        assert client.get(url).status_code == 403, url


def test_a_cab_member_votes_from_the_inbox_and_two_votes_authorise(web, agent, board):
    only_policy(route="cab", rule="count", required=2)
    change = awaiting(agent)
    client = web(board[0])
    page = client.get("/changes/approvals/").content.decode()
    assert f'id="waiting-{change.number}"' in page
    response = client.post(
        f"/changes/{change.number}/authorisation/vote/",
        {"decision": "approve", "comment": "", "next": "/changes/approvals/"},
    )
    assert response.status_code == 302 and response["Location"] == "/changes/approvals/"
    page = client.get("/changes/approvals/").content.decode()
    assert f'id="waiting-{change.number}"' not in page
    assert "Nothing waits for your vote." in page
    assert change.number in page.split('id="decided"')[1]

    web(board[1]).post(f"/changes/{change.number}/authorisation/vote/", {"decision": "approve"})
    change.refresh_from_db()
    assert change.authorised_at is not None and round_of(change).status == RoundStatus.AUTHORISED


def test_a_refused_vote_says_why_without_an_error_page(web, agent, board):
    only_policy(route="cab", rule="count", required=2)
    change = awaiting(agent)
    response = web(board[0]).post(
        f"/changes/{change.number}/authorisation/vote/",
        {"decision": "reject", "comment": "", "next": "/changes/approvals/"},
        follow=True,
    )
    assert response.status_code == 200
    assert "say why the change is rejected" in response.content.decode()
    # The requester cannot vote on their own change; an outsider not among the approvers.
    response = web(agent).post(
        f"/changes/{change.number}/authorisation/vote/",
        {"decision": "approve", "next": "/changes/approvals/"},
        follow=True,
    )
    assert "nobody votes on their own change: you raised" in response.content.decode()
    assert (
        web(make_user("rex", kind="requester"))
        .post(f"/changes/{change.number}/authorisation/vote/", {"decision": "approve"})
        .status_code
        == 404
    )


def test_the_inbox_shows_what_waits_for_a_delegate(web, agent, board):
    only_policy(route="cab", rule="count", required=2)
    stand_in = make_user("sam")
    now = timezone.now()
    client = web(board[0])
    client.post(
        "/changes/approvals/delegations/",
        {
            "delegate": stand_in.pk,
            "starts_at": (now - dt.timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M"),
            "ends_at": (now + dt.timedelta(days=2)).strftime("%Y-%m-%dT%H:%M"),
            "reason": "On leave",
        },
    )
    assert Delegation.objects.get().delegate == stand_in
    change = awaiting(agent)
    page = web(stand_in).get("/changes/approvals/").content.decode()
    assert f'id="waiting-{change.number}"' in page and "for Ann" in page
    web(stand_in).post(
        f"/changes/{change.number}/authorisation/vote/",
        {"decision": "approve", "on_behalf_of": board[0].pk},
    )
    approver = round_of(change).approvers.get(user=board[0])
    assert (approver.decision, approver.cast_by) == ("approve", stand_in)


def _panel(user, change) -> str:
    request = RequestFactory().get(change.get_absolute_url())
    request.user = user
    return render_to_string(
        "changes/_authorisation_panel.html", authorisation_panel(request, change), request
    )


def test_the_panel_shows_the_policy_votes_progress_and_buttons_for_an_approver(
    agent, board, requester
):
    only_policy(route="cab", rule="count", required=2, due_action="reject")
    change = awaiting(agent)
    approvals.do_cast_vote(change, "approve", comment="Looks safe", actor=board[0])
    html = _panel(board[1], change)
    assert "Test policy" in html
    assert "1 of 2 approvals needed (2 asked); 1 still to vote" in html
    assert "“Looks safe”" in html
    assert "Then, without a decision: reject the change." in html
    assert 'name="decision" value="approve"' in html
    # The requester of the change sees where it stands, not the buttons nor the comments.
    html = _panel(agent, change)
    assert "1 of 2 approvals needed" in html
    assert 'name="decision"' not in html


def test_a_change_manager_creates_and_edits_a_policy(web, change_manager):
    client = web(change_manager)
    fields = {
        "name": "Network changes",
        "description": "",
        "position": 5,
        "change_type": "normal",
        "min_risk": 2,
        "max_risk": 4,
        "route": "cab",
        "rule": "count",
        "required": 3,
        "tie_action": "escalate",
        "due_hours": 48,
        "due_action": "reject",
        "is_active": "on",
    }
    response = client.post("/changes/approval-policies/new/", fields)
    assert response.status_code == 302
    policy = ApprovalPolicy.objects.get(name="Network changes")
    assert (policy.required, policy.due_action) == (3, "reject")
    response = client.post(f"/changes/approval-policies/{policy.pk}/", {**fields, "required": ""})
    assert response.status_code == 200
    assert "say how many approvers must approve (k of n)" in response.content.decode()
    client.post(f"/changes/approval-policies/{policy.pk}/", {**fields, "required": 2})
    policy.refresh_from_db()
    assert (policy.required, policy.version) == (2, 2)
    assert "Network changes" in client.get("/changes/approval-policies/").content.decode()


def test_an_admin_creates_a_meeting_and_records_a_decision(web, admin_user, agent, board):
    only_policy(route="cab", rule="count", required=2)
    change = awaiting(agent)
    client = web(admin_user)
    start = timezone.now() + dt.timedelta(days=1)
    response = client.post(
        "/changes/cab/new/",
        {
            "title": "Extra CAB",
            "kind": "ad_hoc",
            "starts_at": start.strftime("%Y-%m-%dT%H:%M"),
            "ends_at": (start + dt.timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M"),
            "attendees": [board[0].pk, board[1].pk],
        },
    )
    meeting = CabMeeting.objects.get()
    assert response["Location"] == f"/changes/cab/{meeting.pk}/"
    item = meeting.agenda.get()
    assert item.change == change
    page = client.get(f"/changes/cab/{meeting.pk}/").content.decode()
    assert "Record the decision" in page
    prefix = f"item{item.pk}"
    client.post(
        f"/changes/cab/agenda/{item.pk}/decide/",
        {
            f"{prefix}-vote_{board[0].pk}": "approve",
            f"{prefix}-vote_{board[1].pk}": "approve",
            f"{prefix}-note": "Agreed in the meeting.",
        },
    )
    item.refresh_from_db()
    change.refresh_from_db()
    assert item.outcome == "authorised" and change.state == State.AUTHORISE
    assert change.authorised_at is not None
    client.post(
        f"/changes/cab/{meeting.pk}/update/",
        {"status": "held", "minutes": "One change authorised.", "attendees": [board[0].pk]},
    )
    meeting.refresh_from_db()
    assert (meeting.status, meeting.minutes) == ("held", "One change authorised.")


def test_a_cab_member_cannot_record_meeting_decisions(web, agent, board, change_manager):
    only_policy(route="cab", rule="count", required=2)
    awaiting(agent)
    meeting = meetings.do_create_meeting(
        title="CAB",
        starts_at=timezone.now(),
        ends_at=timezone.now() + dt.timedelta(hours=1),
        attendees=board,
        actor=change_manager,
    )
    meetings.do_build_agenda(meeting, actor=change_manager)
    item = meeting.agenda.get()
    client = web(board[0])
    assert client.get(f"/changes/cab/{meeting.pk}/").status_code == 200
    response = client.post(
        f"/changes/cab/agenda/{item.pk}/decide/", {f"item{item.pk}-vote_{board[0].pk}": "approve"}
    )
    assert response.status_code == 403


def test_the_lists_have_no_n_plus_1(web, agent, board, change_manager):
    only_policy(route="cab", rule="count", required=2)
    client = web(board[0])

    def more():
        for _ in range(2):
            change = awaiting(agent)
            meeting = meetings.do_create_meeting(
                title="CAB",
                starts_at=timezone.now(),
                ends_at=timezone.now() + dt.timedelta(hours=1),
                attendees=board,
                actor=change_manager,
            )
            meetings.do_add_to_agenda(meeting, change, actor=change_manager)
            approvals.do_cast_vote(change, "abstain", actor=board[1])

    more()
    assert_constant_queries("changes", "cab_inbox", lambda: client.get("/changes/approvals/"), more)
    assert_constant_queries(
        "changes", "cab_meeting_list", lambda: client.get("/changes/cab/"), more
    )
    assert_constant_queries(
        "changes", "cab_policy_list", lambda: client.get("/changes/approval-policies/"), more
    )


def test_the_meeting_page_has_no_n_plus_1(web, agent, board, change_manager):
    only_policy(route="cab", rule="count", required=2)
    meeting = meetings.do_create_meeting(
        title="CAB",
        starts_at=timezone.now(),
        ends_at=timezone.now() + dt.timedelta(hours=1),
        attendees=board,
        actor=change_manager,
    )
    client = web(change_manager)

    def more():
        for _ in range(2):
            change = awaiting(agent)
            meetings.do_add_to_agenda(meeting, change, actor=change_manager)
            approvals.do_cast_vote(change, "approve", actor=board[0])

    more()
    assert_constant_queries(
        "changes", "cab_meeting_detail", lambda: client.get(f"/changes/cab/{meeting.pk}/"), more
    )


def test_a_change_manager_creates_a_weekly_schedule_and_its_meetings_are_planned(
    web, change_manager
):
    client = web(change_manager)
    assert 'value="Weekly CAB"' in client.get("/changes/cab/schedules/new/").content.decode()
    response = client.post(
        "/changes/cab/schedules/new/",
        {
            "name": "Weekly CAB",
            "weekday": 1,
            "start_time": "10:00",
            "duration_minutes": 60,
            "time_zone": "Mars/Olympus",
        },
    )
    assert "is not a time zone" in response.content.decode()
    response = client.post(
        "/changes/cab/schedules/new/",
        {
            "name": "Weekly CAB",
            "weekday": 1,
            "start_time": "10:00",
            "duration_minutes": 60,
            "time_zone": "UTC",
        },
    )
    assert response.status_code == 302
    # Two weeks ahead: two Tuesdays.
    assert CabMeeting.objects.filter(schedule__name="Weekly CAB").count() == 2
