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
