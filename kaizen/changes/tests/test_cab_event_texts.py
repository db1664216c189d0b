"""How the CAB's journal events read in the change's history and the audit trail: hand-written
lines for each, recorded by the services themselves."""

import datetime as dt

import pytest

from kaizen.changes.models import CabMeeting
from kaizen.changes.services import approvals, meetings
from kaizen.changes.tests.cab_helpers import REQUESTED_AT, awaiting, make_cab_member, only_policy
from kaizen.changes.tests.factories import T0, move
from kaizen.journal.events import EventType
from kaizen.journal.presenting import present
from kaizen.journal.selectors import timeline_for
from kaizen.journal.tests.test_event_texts import lines_of
from kaizen.testing import make_user

pytestmark = pytest.mark.django_db
HOUR = dt.timedelta(hours=1)


def lines_for(subject, event_type, reader=None) -> list[list[str]]:
    chosen = [event for event in timeline_for(subject) if event.event_type == event_type]
    events = present(chosen, reader)
    return [lines_of(event) for event in events]


def test_authorisation_events_read_in_words(settings, agent, change_manager):
    settings.TIME_ZONE = "UTC"
    ann, bob = make_cab_member("ann"), make_cab_member("bob")
    make_cab_member("cy")  # does not vote: 1 for, 0 against, 1 to come decides nothing
    sam = make_user("sam", first_name="Sam")
    only_policy(route="cab", rule="majority", required=2, due_action="escalate")
    approvals.do_delegate(
        ann, sam, starts_at=T0, ends_at=T0 + 48 * HOUR, reason="Leave", actor=ann, at=T0
    )
    change = awaiting(agent)
    approvals.do_cast_vote(change, "reject", comment="Not now", actor=bob, at=REQUESTED_AT)
    approvals.do_cast_vote(change, "abstain", actor=bob, at=REQUESTED_AT)
    approvals.do_cast_vote(change, "approve", actor=sam, on_behalf_of=ann, at=REQUESTED_AT)
    approvals.do_apply_due_actions(REQUESTED_AT + 80 * HOUR)
    (requested,) = lines_for(change, EventType.CHANGE_AUTHORISATION_REQUESTED)
    assert requested == [
        "Policy: Test policy",
        "Approvers: Ann, Bob, Cy",
        "Due: 5 Mar 2026, 11:00",
        "At the due time: Hand the decision to the change manager",
        "Why these approvers: normal change, low risk: policy “Test policy”",
    ]
    votes = lines_for(change, EventType.CHANGE_VOTE_CAST)
    assert votes == [
        ["Approver: Ann", "Vote: Approve", "Cast: by their delegate"],
        ["Approver: Bob", "Vote: Abstain", "Before: Reject"],
        ["Approver: Bob", "Vote: Reject", "Comment: Not now"],
    ]
    (escalated,) = lines_for(change, EventType.CHANGE_AUTHORISATION_ESCALATED)
    assert escalated == [
        "Why: no decision by the due time",
        "Change managers: Chen Change",
    ]
    (delegated,) = lines_for(ann, EventType.APPROVAL_DELEGATED)
    assert delegated == [
        "Votes for them: Sam",
        "From: 2 Mar 2026, 09:00",
        "Until: 4 Mar 2026, 09:00",
        "Why: Leave",
    ]
    move(change, "cancelled", agent, REQUESTED_AT + 81 * HOUR, closure_notes="Dropped")
    approvals.do_apply_due_actions(REQUESTED_AT + 82 * HOUR)
    (withdrawn,) = lines_for(change, EventType.CHANGE_AUTHORISATION_WITHDRAWN)
    assert withdrawn == ["Why: the change left authorisation (cancelled)"]


def test_meeting_events_read_in_words(settings, agent, change_manager):
    settings.TIME_ZONE = "UTC"
    ann = make_cab_member("ann")
    make_cab_member("bob")  # not at the meeting: one approval of the two needed
    only_policy(route="cab", rule="count", required=2)
    change = awaiting(agent)
    meeting = meetings.do_create_meeting(
        title="Extra CAB",
        starts_at=REQUESTED_AT,
        ends_at=REQUESTED_AT + HOUR,
        attendees=[ann],
        actor=change_manager,
    )
    item = meetings.do_add_to_agenda(meeting, change, actor=change_manager)
    meetings.do_record_agenda_decision(
        item, votes=[(ann, "approve", "")], note="Fine", actor=change_manager
    )
    meeting = CabMeeting.objects.get()
    assert lines_for(meeting, EventType.CAB_MEETING_CREATED) == [
        [
            "Title: Extra CAB",
            "Kind: Ad-hoc CAB",
            "Starts at: 2 Mar 2026, 11:00",
            "Ends at: 2 Mar 2026, 12:00",
        ]
    ]
    assert lines_for(meeting, EventType.CAB_AGENDA_ITEM_ADDED) == [
        [f"Change: {change}", "Position: 1"]
    ]
    assert lines_for(meeting, EventType.CAB_AGENDA_ITEM_DECIDED) == [
        [
            f"Change: {change}",
            "Outcome: Votes recorded, still open",
            "Note: Fine",
            "Votes: Ann: Approve",
        ]
    ]


def test_policy_schedule_delegation_and_meeting_edits_read_in_words(settings, change_manager):
    settings.TIME_ZONE = "UTC"
    from kaizen.changes.services import policies

    policy = policies.do_create_policy(
        actor=change_manager,
        at=T0,
        name="Network",
        route="cab",
        rule="count",
        required=2,
        due_hours=24,
        due_action="reject",
    )
    (created,) = lines_for(policy, EventType.CHANGE_APPROVAL_POLICY_CREATED)
    assert created[:3] == ["Name: Network", "Position: 100", "Lowest risk: Low"]
    assert "Route: The CAB members" in created and "At the due time: Reject the change" in created
    policies.do_update_policy(policy, actor=change_manager, required=3, is_active=False)
    assert lines_for(policy, EventType.CHANGE_APPROVAL_POLICY_UPDATED) == [
        ["Required: 2 → 3", "Active: Yes → No"]
    ]

    schedule = meetings.do_create_schedule(
        name="Weekly CAB", weekday=1, start_time=dt.time(10), time_zone="UTC", actor=None, at=T0
    )
    (created,) = lines_for(schedule, EventType.CAB_SCHEDULE_CREATED)
    assert created[:3] == ["Name: Weekly CAB", "Weekday: Tuesday", "Start time: 10:00:00"]
    meetings.do_update_schedule(schedule, actor=change_manager, duration_minutes=90)
    assert lines_for(schedule, EventType.CAB_SCHEDULE_UPDATED) == [["Duration minutes: 60 → 90"]]

    ann, sam = make_cab_member("ann"), make_user("sam", first_name="Sam")
    delegation = approvals.do_delegate(ann, sam, starts_at=T0, ends_at=T0 + HOUR, actor=ann, at=T0)
    approvals.do_revoke_delegation(delegation, actor=ann, at=T0)
    assert lines_for(ann, EventType.APPROVAL_DELEGATION_REVOKED) == [["Votes for them: Sam"]]

    meeting = meetings.do_create_meeting(
        title="Extra CAB", starts_at=T0, ends_at=T0 + HOUR, actor=change_manager
    )
    meetings.do_update_meeting(meeting, actor=change_manager, status="held", minutes="Done.")
    assert lines_for(meeting, EventType.CAB_MEETING_UPDATED) == [
        ["Status: Planned → Held", "Minutes: (none) → Done."]
    ]
