"""Authorisation by the CAB through the services: who is asked, votes, the early decision, ties,
abstentions, delegates, self-approval, due times, policy edits, the journal and the mail."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from kaizen.changes import tasks
from kaizen.changes.models import (
    ApprovalPolicy,
    ApproverGroup,
    RoundStatus,
    State,
)
from kaizen.changes.services import approvals
from kaizen.changes.services.policies import do_update_policy
from kaizen.changes.tests.cab_helpers import (
    REQUESTED_AT,
    awaiting,
    make_cab_member,
    only_policy,
    round_of,
    vote,
)
from kaizen.changes.tests.factories import T0, move
from kaizen.journal.events import EventType
from kaizen.journal.models import JournalEvent
from kaizen.notifications.models import Notification
from kaizen.testing import make_team, make_user

pytestmark = pytest.mark.django_db
HOUR = dt.timedelta(hours=1)


@pytest.fixture
def board(db):
    return [make_cab_member(name) for name in ("ann", "bob", "cy")]


def test_two_of_three_cab_members_authorise(agent, board):
    only_policy(route="cab", rule="count", required=2)
    change = awaiting(agent)
    approval_round = round_of(change)
    assert approval_round.status == RoundStatus.OPEN
    assert sorted(a.user.username for a in approval_round.approvers.all()) == ["ann", "bob", "cy"]
    assert approval_round.due_at == REQUESTED_AT + 72 * HOUR

    assert vote(change, board[0], "approve").status == RoundStatus.OPEN
    assert change.authorised_at is None
    approval_round = vote(change, board[1], "approve", minutes=20)
    assert approval_round.status == RoundStatus.AUTHORISED
    assert change.state == State.AUTHORISE
    assert change.authorised_at == REQUESTED_AT + dt.timedelta(minutes=20)
    assert approval_round.decided_by == board[1]
    assert approval_round.outcome_note.startswith("Approved by Ann, Bob")
    # Authorised: the change may now be scheduled.
    move(change, "scheduled", agent, REQUESTED_AT + HOUR)


def test_k_of_n_rejects_as_soon_as_k_cannot_be_reached(agent, board):
    only_policy(route="cab", rule="count", required=2)
    change = awaiting(agent)
    # 1 reject: 0 approvals + 2 still to vote can still reach 2.
    assert vote(change, board[0], "reject").status == RoundStatus.OPEN
    # 1 abstention: 0 + 1 still to vote < 2, certain now, without waiting for cy.
    approval_round = vote(change, board[1], "abstain", minutes=20)
    assert approval_round.status == RoundStatus.REJECTED
    assert change.state == State.REJECTED
    assert change.rejected_at == REQUESTED_AT + dt.timedelta(minutes=20)
    assert "Ann: Not this week." in change.closure_notes
    with pytest.raises(ValidationError, match="not waiting for votes"):
        vote(change, board[2], "approve", minutes=30)


def test_all_of_a_team_one_rejection_rejects_at_once(agent):
    members = [make_user(name) for name in ("dora", "eli", "fay")]
    team = make_team("Network", members=[*members, agent])
    only_policy(route="team", team=team, rule="all")
    change = awaiting(agent)
    # The requester is in the team but not asked.
    assert sorted(a.user.username for a in round_of(change).approvers.all()) == [
        "dora",
        "eli",
        "fay",
    ]
    vote(change, members[0], "approve")
    approval_round = vote(change, members[1], "reject", minutes=11)
    assert approval_round.status == RoundStatus.REJECTED
    assert change.state == State.REJECTED


def test_all_rule_excuses_abstentions_and_all_abstaining_is_a_tie(agent, board, change_manager):
    only_policy(route="cab", rule="all", tie_action="reject")
    first = awaiting(agent)
    vote(first, board[0], "approve")
    vote(first, board[1], "abstain", minutes=11)
    assert vote(first, board[2], "approve", minutes=12).status == RoundStatus.AUTHORISED

    second = awaiting(agent)
    for minutes, member in enumerate(board):
        approval_round = vote(second, member, "abstain", minutes=minutes)
    assert approval_round.status == RoundStatus.REJECTED  # nobody decided: the tie action


def test_majority_tie_is_escalated_to_the_change_manager(agent, change_manager):
    pair = [make_cab_member("gil"), make_cab_member("hal")]
    only_policy(route="cab", rule="majority", required=2, tie_action="escalate")
    change = awaiting(agent)
    vote(change, pair[0], "approve")
    approval_round = vote(change, pair[1], "reject", minutes=11)
    assert approval_round.status == RoundStatus.ESCALATED
    assert change.authorised_at is None and change.state == State.AUTHORISE
    escalated = approval_round.approvers.filter(group=ApproverGroup.ESCALATION)
    assert [a.user for a in escalated] == [change_manager]
    assert Notification.objects.filter(recipient=change_manager).count() == 1
    # A CAB member's vote no longer counts; the change manager decides.
    with pytest.raises(ValidationError, match="not among the approvers"):
        vote(change, pair[0], "approve", minutes=12)
    assert vote(change, change_manager, "approve", minutes=30).status == RoundStatus.AUTHORISED


def test_majority_tie_with_a_reject_tie_action_rejects(agent):
    pair = [make_cab_member("gil"), make_cab_member("hal")]
    only_policy(route="cab", rule="majority", required=2, tie_action="reject")
    change = awaiting(agent)
    # One for, one still to vote: the worst case is a tie, which rejects; not certain yet
    # because hal may approve.
    assert vote(change, pair[0], "approve").status == RoundStatus.OPEN
    assert vote(change, pair[1], "reject", minutes=11).status == RoundStatus.REJECTED


def test_majority_decides_early_once_the_rest_cannot_turn_it(agent):
    members = [make_cab_member(name) for name in ("ida", "jo", "kim", "lu", "max")]
    only_policy(route="cab", rule="majority", required=3, tie_action="escalate")
    change = awaiting(agent)
    vote(change, members[0], "approve")
    vote(change, members[1], "approve", minutes=11)
    # 3 for, 0 against, 2 to come: they cannot make it a tie, and the quorum of 3 is met.
    assert vote(change, members[2], "approve", minutes=12).status == RoundStatus.AUTHORISED


def test_a_rejection_needs_a_comment_and_a_vote_can_be_changed(agent, board):
    only_policy(route="cab", rule="count", required=2)
    change = awaiting(agent)
    with pytest.raises(ValidationError) as error:
        vote(change, board[0], "reject", comment="")
    assert error.value.message_dict == {"comment": ["say why the change is rejected"]}
    vote(change, board[0], "reject")
    vote(change, board[0], "approve", minutes=15)
    approver = round_of(change).approvers.get(user=board[0])
    assert (approver.decision, approver.comment) == ("approve", "")
    events = JournalEvent.objects.for_subject(change).filter(event_type=EventType.CHANGE_VOTE_CAST)
    assert [e.data["decision"] for e in events.order_by("id")] == ["reject", "approve"]
    assert events.order_by("id").last().data["previous"] == "reject"


def test_nobody_approves_their_own_change(agent, board):
    only_policy(route="cab", rule="count", required=1)
    # bob raised it, cy implements it: neither is asked.
    change = awaiting(board[1], implementer=board[2])
    assert [a.user for a in round_of(change).approvers.all()] == [board[0]]
    with pytest.raises(ValidationError, match="nobody votes on their own change: you raised"):
        vote(change, board[1], "approve")
    # Nor as someone's delegate.
    approvals.do_delegate(
        board[0], board[2], starts_at=T0, ends_at=T0 + 48 * HOUR, actor=board[0], at=T0
    )
    with pytest.raises(ValidationError, match="you implement"):
        vote(change, board[2], "approve", on_behalf_of=board[0])


def test_a_delegate_votes_only_within_the_period(agent, board):
    only_policy(route="cab", rule="count", required=1)
    stand_in = make_user("sam")
    approvals.do_delegate(
        board[0],
        stand_in,
        starts_at=REQUESTED_AT,
        ends_at=REQUESTED_AT + 2 * HOUR,
        reason="On leave",
        actor=board[0],
        at=T0,
    )
    change = awaiting(agent)
    # Mailed too, as the delegate of an approver.
    assert Notification.objects.filter(recipient=stand_in).count() == 1
    with pytest.raises(ValidationError) as error:
        vote(change, stand_in, "approve", minutes=121, on_behalf_of=board[0])
    assert "on_behalf_of" in error.value.message_dict
    with pytest.raises(ValidationError, match="not among the approvers"):
        vote(change, stand_in, "approve", minutes=30)  # not for themselves
    approval_round = vote(change, stand_in, "approve", minutes=119, on_behalf_of=board[0])
    assert approval_round.status == RoundStatus.AUTHORISED
    approver = approval_round.approvers.get(user=board[0])
    assert (approver.decision, approver.cast_by) == ("approve", stand_in)
    cast = JournalEvent.objects.for_subject(change).get(event_type=EventType.CHANGE_VOTE_CAST)
    assert (cast.actor, cast.data["via"]) == (stand_in, "delegation")


def test_a_revoked_delegation_no_longer_counts(agent, board):
    only_policy(route="cab", rule="count", required=1)
    stand_in = make_user("sam")
    delegation = approvals.do_delegate(
        board[0], stand_in, starts_at=T0, ends_at=T0 + 48 * HOUR, actor=board[0], at=T0
    )
    approvals.do_revoke_delegation(delegation, actor=board[0], at=T0 + HOUR)
    change = awaiting(agent)
    with pytest.raises(ValidationError, match="has not delegated"):
        vote(change, stand_in, "approve", on_behalf_of=board[0])


@pytest.mark.parametrize(
    ("due_action", "status", "state"),
    [
        ("approve", RoundStatus.AUTHORISED, State.AUTHORISE),
        ("reject", RoundStatus.REJECTED, State.REJECTED),
        ("escalate", RoundStatus.ESCALATED, State.AUTHORISE),
    ],
)
def test_the_due_time_applies_the_default_action_from_the_task(
    agent, board, change_manager, due_action, status, state
):
    only_policy(route="cab", rule="count", required=2, due_hours=24, due_action=due_action)
    change = awaiting(agent)
    vote(change, board[0], "approve")
    # Not due yet: nothing happens.
    assert approvals.do_apply_due_actions(REQUESTED_AT + 23 * HOUR) == {}
    # The task runs with the real clock, long after T0.
    assert tasks.apply_due_approval_actions.call_local() == {due_action: 1}
    change.refresh_from_db()
    approval_round = round_of(change)
    assert (approval_round.status, change.state) == (status, state)
    if due_action == "approve":
        assert approval_round.decided_by is None
        assert "default action" in approval_round.outcome_note
    # A second run does nothing more.
    assert tasks.apply_due_approval_actions.call_local() == {}


def test_a_policy_edited_after_the_round_opened_does_not_change_it(agent, board):
    policy = only_policy(route="cab", rule="count", required=2, due_hours=72)
    change = awaiting(agent)
    do_update_policy(policy, actor=None, required=1, due_hours=1, at=REQUESTED_AT + HOUR)
    approval_round = vote(change, board[0], "approve")
    assert approval_round.status == RoundStatus.OPEN
    assert (approval_round.required, approval_round.due_at) == (2, REQUESTED_AT + 72 * HOUR)
    # The next change follows the edited policy.
    assert vote(awaiting(agent), board[0], "approve").status == RoundStatus.AUTHORISED


def test_seeded_policies_route_by_type_and_risk(agent, board, change_manager):
    low = awaiting(agent)
    assert round_of(low).policy_name == "Low risk: the change manager"
    assert [a.user for a in round_of(low).approvers.all()] == [change_manager]

    high = awaiting(agent, impact=1)  # high impact: high risk
    assert round_of(high).policy_name == "Moderate and high risk: two CAB members"
    assert round_of(high).required == 2

    emergency = awaiting(agent, change_type="emergency")
    groups = {(a.group, a.user.username) for a in round_of(emergency).approvers.all()}
    assert groups == {
        ("manager", "chen"),
        ("board", "ann"),
        ("board", "bob"),
        ("board", "cy"),
    }
    assert round_of(emergency).due_at == REQUESTED_AT + 4 * HOUR
    vote(emergency, board[0], "approve")
    # One CAB member is not enough: a change manager approves too.
    assert round_of(emergency).status == RoundStatus.OPEN
    assert vote(emergency, change_manager, "approve", 20).status == RoundStatus.AUTHORISED


def test_with_nobody_eligible_the_change_managers_decide(agent, change_manager):
    only_policy(route="cab", rule="count", required=2)  # no CAB member exists
    change = awaiting(agent)
    approval_round = round_of(change)
    assert [a.user for a in approval_round.approvers.all()] == [change_manager]
    assert "a change manager decides instead" in approval_round.reason


def test_service_owners_route(agent):
    owner = make_user("olga")
    from kaizen.testing import make_service

    service = make_service("Payroll", owner=owner)
    only_policy(route="service_owners", rule="all")
    change = awaiting(agent, services_=[service])
    assert [a.user for a in round_of(change).approvers.all()] == [owner]


def test_opening_journals_and_mails_every_approver(agent, board):
    only_policy(route="cab", rule="count", required=2)
    change = awaiting(agent)
    event = JournalEvent.objects.for_subject(change).get(
        event_type=EventType.CHANGE_AUTHORISATION_REQUESTED
    )
    assert event.data["policy"] == "Test policy"
    assert [p["repr"] for p in event.data["approvers"]] == ["Ann", "Bob", "Cy"]
    mails = Notification.objects.filter(category="change_approvals").order_by("recipient__username")
    assert [m.recipient.username for m in mails] == ["ann", "bob", "cy"]
    assert mails[0].subject == (
        f"[{change.number}] Your authorisation is asked: Upgrade the mail gateway to 10.2"
    )
    assert f"/changes/{change.number}/#authorisation" in mails[0].text


def test_a_cancelled_change_has_its_round_withdrawn(agent, board):
    only_policy(route="cab", rule="count", required=2)
    change = awaiting(agent)
    move(change, "cancelled", agent, REQUESTED_AT + HOUR, closure_notes="Vendor withdrew 10.2")
    # At once, with the cancellation (the 5-minute scan finds nothing left to do).
    assert round_of(change).status == RoundStatus.WITHDRAWN
    assert approvals.do_apply_due_actions(REQUESTED_AT + 2 * HOUR) == {}
    assert (
        JournalEvent.objects.for_subject(change)
        .filter(event_type=EventType.CHANGE_AUTHORISATION_WITHDRAWN)
        .exists()
    )
    with pytest.raises(ValidationError, match="not waiting for votes"):
        vote(change, board[0], "approve")


def test_policy_checks_name_the_field():
    with pytest.raises(ValidationError) as error:
        only_policy(route="team", rule="count", required=None, min_risk=3, max_risk=2)
    assert set(error.value.message_dict) == {"team", "required", "max_risk"}
    assert not ApprovalPolicy.objects.filter(name="Test policy").exists()


def test_a_change_decided_outside_the_vote_ends_its_round_with_that_outcome(agent, board):
    only_policy(route="cab", rule="count", required=2)
    change = awaiting(agent)
    from kaizen.changes import services

    services.do_decide_authorisation(change, authorised=True, actor=None, at=REQUESTED_AT + HOUR)
    assert approvals.do_close_stale_rounds(REQUESTED_AT + 2 * HOUR) == 1
    approval_round = round_of(change)
    assert approval_round.status == RoundStatus.AUTHORISED
    assert approval_round.outcome_note == "the change was authorised outside the vote"
    assert approvals.do_close_stale_rounds(REQUESTED_AT + 3 * HOUR) == 0
