"""CAB meetings through the services: the weekly schedule, ad-hoc and emergency meetings, the
agenda from the changes awaiting authorisation, decisions recorded per agenda item."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from kaizen.changes.models import AgendaOutcome, CabMeeting, MeetingKind, RoundStatus, State
from kaizen.changes.services import meetings
from kaizen.changes.tests.cab_helpers import (
    REQUESTED_AT,
    awaiting,
    make_cab_member,
    only_policy,
    round_of,
)
from kaizen.changes.tests.factories import T0
from kaizen.journal.events import EventType
from kaizen.journal.models import JournalEvent

pytestmark = pytest.mark.django_db
HOUR = dt.timedelta(hours=1)


def test_a_weekly_schedule_plans_its_meetings_once_at_the_same_local_time(change_manager):
    ann = make_cab_member("ann")
    schedule = meetings.do_create_schedule(
        name="Weekly CAB",
        weekday=1,  # Tuesday
        start_time=dt.time(10, 0),
        duration_minutes=60,
        time_zone="Europe/Paris",
        location="Room 4",
        actor=change_manager,
        at=T0,
    )
    # From Thursday 19 March 2026 for 2 weeks: Tuesdays 24 and 31 March; Paris moves to
    # summer time on 29 March, so 10:00 there is 09:00 then 08:00 UTC.
    now = dt.datetime(2026, 3, 19, 12, 0, tzinfo=dt.UTC)
    assert meetings.do_plan_scheduled_meetings(now, weeks=2) == 2
    assert meetings.do_plan_scheduled_meetings(now, weeks=2) == 0
    planned = list(CabMeeting.objects.order_by("starts_at"))
    assert [m.starts_at for m in planned] == [
        dt.datetime(2026, 3, 24, 9, 0, tzinfo=dt.UTC),
        dt.datetime(2026, 3, 31, 8, 0, tzinfo=dt.UTC),
    ]
    assert planned[0].ends_at - planned[0].starts_at == HOUR
    assert planned[0].title == "Weekly CAB, 24 Mar 2026"
    assert (planned[0].schedule, planned[0].location) == (schedule, "Room 4")
    assert list(planned[0].attendees.all()) == [ann]
    assert JournalEvent.objects.for_subject(planned[0]).get().event_type == (
        EventType.CAB_MEETING_CREATED
    )


def test_a_schedule_names_its_wrong_fields(change_manager):
    with pytest.raises(ValidationError) as error:
        meetings.do_create_schedule(
            name="CAB",
            weekday=1,
            start_time=dt.time(10),
            duration_minutes=0,
            time_zone="Mars/Olympus",
            actor=change_manager,
        )
    assert set(error.value.message_dict) == {"time_zone", "duration_minutes"}


def test_the_agenda_takes_the_changes_awaiting_authorisation_by_planned_start(
    agent, change_manager
):
    make_cab_member("ann")
    later = awaiting(
        agent,
        title="Later",
        planned_start=T0 + 10 * 24 * HOUR,
        planned_end=T0 + 10 * 24 * HOUR + HOUR,
    )
    sooner = awaiting(agent, title="Sooner")
    risky = awaiting(agent, title="Risky", impact=1)
    emergency = awaiting(agent, title="Urgent", change_type="emergency")
    meeting = meetings.do_create_meeting(
        title="Extra CAB",
        starts_at=REQUESTED_AT + HOUR,
        ends_at=REQUESTED_AT + 2 * HOUR,
        actor=change_manager,
        at=REQUESTED_AT,
    )
    # High risk: the high-impact change and the emergency one (emergency: high at least).
    assert meetings.do_build_agenda(meeting, actor=change_manager, min_risk=3) == 2
    assert meetings.do_build_agenda(meeting, actor=change_manager) == 2
    assert meetings.do_build_agenda(meeting, actor=change_manager) == 0
    assert [item.change for item in meeting.agenda.all()] == [risky, emergency, sooner, later]

    urgent = meetings.do_create_meeting(
        title="Emergency CAB",
        kind=MeetingKind.EMERGENCY,
        starts_at=REQUESTED_AT + HOUR,
        ends_at=REQUESTED_AT + 2 * HOUR,
        actor=change_manager,
    )
    assert meetings.do_build_agenda(urgent, actor=change_manager) == 1
    assert urgent.agenda.get().change == emergency


def test_a_decision_records_the_attendees_votes_or_a_deferral(agent, change_manager):
    ann, bob = make_cab_member("ann"), make_cab_member("bob")
    absent = make_cab_member("cy")
    only_policy(route="cab", rule="count", required=2)
    first, second = awaiting(agent, title="First"), awaiting(agent, title="Second")
    meeting = meetings.do_create_meeting(
        title="Extra CAB",
        starts_at=REQUESTED_AT + HOUR,
        ends_at=REQUESTED_AT + 2 * HOUR,
        attendees=[ann, bob, change_manager],
        actor=change_manager,
    )
    meetings.do_build_agenda(meeting, actor=change_manager)
    one, two = meeting.agenda.all()
    at = REQUESTED_AT + 90 * dt.timedelta(minutes=1)
    with pytest.raises(ValidationError, match="not an attendee"):
        meetings.do_record_agenda_decision(
            one, votes=[(absent, "approve", "")], actor=change_manager, at=at
        )
    decided = meetings.do_record_agenda_decision(
        one,
        votes=[(ann, "approve", ""), (bob, "approve", "Tested in staging")],
        note="Go ahead after the backup.",
        actor=change_manager,
        at=at,
    )
    assert decided.outcome == AgendaOutcome.AUTHORISED
    first.refresh_from_db()
    assert first.authorised_at == at
    votes = round_of(first).approvers.order_by("user__username")
    assert [(v.user, v.decision, v.cast_by) for v in votes] == [
        (ann, "approve", change_manager),
        (bob, "approve", change_manager),
        (absent, "", None),
    ]

    with pytest.raises(ValidationError) as error:
        meetings.do_record_agenda_decision(two, deferred=True, actor=change_manager, at=at)
    assert error.value.message_dict == {"note": ["say why the change is deferred"]}
    deferred = meetings.do_record_agenda_decision(
        two, deferred=True, note="Waiting for the vendor's answer", actor=change_manager, at=at
    )
    assert deferred.outcome == AgendaOutcome.DEFERRED
    second.refresh_from_db()
    assert (second.state, round_of(second).status) == (State.AUTHORISE, RoundStatus.OPEN)
    decided_events = JournalEvent.objects.for_subject(meeting).filter(
        event_type=EventType.CAB_AGENDA_ITEM_DECIDED
    )
    assert [e.data["outcome"] for e in decided_events.order_by("id")] == [
        "authorised",
        "deferred",
    ]


def test_minutes_and_attendees_are_journaled(change_manager):
    ann = make_cab_member("ann")
    meeting = meetings.do_create_meeting(
        title="Extra CAB",
        starts_at=REQUESTED_AT,
        ends_at=REQUESTED_AT + HOUR,
        actor=change_manager,
    )
    meetings.do_update_meeting(
        meeting,
        actor=change_manager,
        minutes="Two changes authorised.",
        status="held",
        attendees=[ann],
    )
    event = JournalEvent.objects.for_subject(meeting).get(event_type=EventType.CAB_MEETING_UPDATED)
    assert set(event.changes) == {"minutes", "status", "attendees"}
    assert event.changes["attendees"]["new"] == [{"id": ann.pk, "repr": "Ann"}]


def test_the_cab_command_runs_the_due_scan_and_plans_meetings(change_manager):
    import io
    import json

    from django.core.management import call_command

    meetings.do_create_schedule(
        name="Weekly CAB", weekday=1, start_time=dt.time(10), actor=change_manager
    )
    out = io.StringIO()
    call_command("cab", "plan", "--weeks", "3", stdout=out)
    assert json.loads(out.getvalue()) == {"planned": 3}
    out = io.StringIO()
    call_command("cab", "due", stdout=out)
    assert json.loads(out.getvalue()) == {}


def test_a_meeting_records_every_vote_before_counting(agent, change_manager):
    members = [make_cab_member(name) for name in ("ann", "bob", "cy")]
    only_policy(route="cab", rule="count", required=2)
    change = awaiting(agent)
    meeting = meetings.do_create_meeting(
        title="Extra CAB",
        starts_at=REQUESTED_AT + HOUR,
        ends_at=REQUESTED_AT + 2 * HOUR,
        attendees=members,
        actor=change_manager,
    )
    item = meetings.do_add_to_agenda(meeting, change, actor=change_manager)
    # Two approvals would decide; the third vote, cast in the same meeting, is kept too.
    decided = meetings.do_record_agenda_decision(
        item,
        votes=[(m, "approve", "") for m in members],
        actor=change_manager,
        at=REQUESTED_AT + 90 * dt.timedelta(minutes=1),
    )
    assert decided.outcome == AgendaOutcome.AUTHORISED
    assert [a.decision for a in round_of(change).approvers.all()] == ["approve"] * 3
    assert round_of(change).outcome_note.startswith("Approved by Ann, Bob, Cy.")
