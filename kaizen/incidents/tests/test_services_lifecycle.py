"""The lifecycle: every allowed and refused move, what each needs and sets, reopening."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from kaizen.incidents import services
from kaizen.incidents.models import Incident, State
from kaizen.incidents.tests.helpers import events_of, last_event, make_incident, move

pytestmark = pytest.mark.django_db

T0 = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)

# How to bring a fresh incident into each state (through the services).
PATHS = {
    "new": [],
    "assigned": ["assign"],
    "in_progress": ["in_progress"],
    "on_hold": ["on_hold"],
    "resolved": ["resolved"],
    "closed": ["resolved", "closed"],
    "cancelled": ["cancelled"],
}
ALLOWED = {
    ("new", "in_progress"),
    ("new", "on_hold"),
    ("new", "resolved"),
    ("new", "cancelled"),
    ("assigned", "in_progress"),
    ("assigned", "on_hold"),
    ("assigned", "resolved"),
    ("assigned", "cancelled"),
    ("in_progress", "on_hold"),
    ("in_progress", "resolved"),
    ("in_progress", "cancelled"),
    ("on_hold", "in_progress"),
    ("on_hold", "resolved"),
    ("on_hold", "cancelled"),
    ("resolved", "closed"),
    ("resolved", "in_progress"),
}
INPUTS = {
    "on_hold": {"on_hold_reason": "awaiting_vendor"},
    "resolved": {"resolution_code": "workaround", "resolution_notes": "Use webmail meanwhile."},
}
ALL_MOVES = [(start, target) for start in PATHS for target in State.values]


def incident_in(state: str, team, at: dt.datetime = T0) -> Incident:
    incident = make_incident(at=at)
    for step in PATHS[state]:
        at += dt.timedelta(minutes=10)
        if step == "assign":
            incident = services.do_assign_incident(
                incident,
                assignment_group=team,
                assignee=None,
                actor=None,
                expected_version=None,
                at=at,
            )
        else:
            incident = move(incident, step, at=at)
    return incident


@pytest.mark.parametrize(("start", "target"), sorted(ALLOWED))
def test_it_allows_the_lifecycle_moves(service_desk, start, target):
    incident = incident_in(start, service_desk)
    at = T0 + dt.timedelta(hours=1)
    moved = services.do_change_incident_state(
        incident,
        target,
        actor=None,
        expected_version=incident.version,
        at=at,
        **INPUTS.get(target, {}),
    )
    assert Incident.objects.get(pk=incident.pk).state == target == moved.state
    event = last_event(incident)
    assert event.event_type == "incidents.incident.state_changed"
    assert event.changes["state"] == {"old": start, "new": target}
    assert event.occurred_at == at


def refusal(start: str, target: str) -> str:
    """The message a refused move gives, in plain English whatever the state's name."""
    if target == "assigned":
        return "an incident becomes assigned when a group or person is assigned to it"
    if start == target == "on_hold":
        return "the incident is on hold already: change its on-hold reason instead"
    start_label, target_label = State(start).label.lower(), State(target).label.lower()
    return f"an incident that is {start_label} cannot move to {target_label}"


@pytest.mark.parametrize(("start", "target"), [move for move in ALL_MOVES if move not in ALLOWED])
def test_it_refuses_every_other_move(service_desk, start, target):
    incident = incident_in(start, service_desk)
    events = len(events_of(incident))
    with pytest.raises(ValidationError) as caught:
        services.do_change_incident_state(
            incident, target, actor=None, expected_version=None, **INPUTS.get(target, {})
        )
    assert caught.value.message_dict == {"state": [refusal(start, target)]}
    assert Incident.objects.get(pk=incident.pk).state == start
    assert len(events_of(incident)) == events


def test_it_words_a_refusal_as_english_and_points_a_second_hold_to_the_reason_change():
    on_hold = move(make_incident(), "on_hold", on_hold_reason="awaiting_vendor")
    with pytest.raises(ValidationError) as caught:
        move(on_hold, "on_hold", on_hold_reason="awaiting_caller")
    assert caught.value.messages == [
        "the incident is on hold already: change its on-hold reason instead"
    ]
    with pytest.raises(ValidationError) as caught:
        move(on_hold, "new")
    assert caught.value.messages == ["an incident that is on hold cannot move to new"]
    working = move(make_incident(), "in_progress")
    with pytest.raises(ValidationError) as caught:
        move(working, "new")
    assert caught.value.messages == ["an incident that is in progress cannot move to new"]


def test_it_names_the_automatic_assigned_state_and_unknown_states():
    incident = make_incident()
    with pytest.raises(ValidationError, match="becomes assigned when a group or person"):
        services.do_change_incident_state(incident, "assigned", actor=None, expected_version=None)
    with pytest.raises(ValidationError, match="'paused' is not an incident state"):
        services.do_change_incident_state(incident, "paused", actor=None, expected_version=None)


@pytest.mark.parametrize(
    ("target", "inputs", "field"),
    [
        ("on_hold", {}, "on_hold_reason"),
        ("on_hold", {"on_hold_reason": "awaiting_godot"}, "on_hold_reason"),
        ("resolved", {"resolution_notes": "Fixed."}, "resolution_code"),
        ("resolved", {"resolution_code": "solved"}, "resolution_notes"),
        ("resolved", {"resolution_code": "solved", "resolution_notes": "   "}, "resolution_notes"),
        ("resolved", {"resolution_code": "magic", "resolution_notes": "x"}, "resolution_code"),
        ("in_progress", {"on_hold_reason": "awaiting_caller"}, "on_hold_reason"),
        ("cancelled", {"resolution_code": "solved"}, "resolution_code"),
        (
            "on_hold",
            {"on_hold_reason": "awaiting_caller", "resolution_notes": "x"},
            "resolution_notes",
        ),
    ],
)
def test_it_names_the_missing_or_misplaced_input(target, inputs, field):
    incident = make_incident()
    with pytest.raises(ValidationError) as caught:
        services.do_change_incident_state(
            incident, target, actor=None, expected_version=None, **inputs
        )
    assert field in caught.value.error_dict
    assert Incident.objects.get(pk=incident.pk).state == "new"


def test_it_sets_and_clears_the_hold_reason_and_journals_both():
    incident = move(make_incident(), "on_hold", on_hold_reason="awaiting_change")
    assert incident.on_hold_reason == "awaiting_change"
    assert last_event(incident).changes == {
        "state": {"old": "new", "new": "on_hold"},
        "on_hold_reason": {"old": "", "new": "awaiting_change"},
    }
    incident = move(incident, "in_progress", at=T0)
    assert incident.on_hold_reason == ""
    assert last_event(incident).changes == {
        "state": {"old": "on_hold", "new": "in_progress"},
        "on_hold_reason": {"old": "awaiting_change", "new": ""},
        "first_responded_at": {"old": None, "new": T0.isoformat()},
    }


def test_it_stamps_resolution_closure_and_cancellation_with_the_given_time():
    incident = make_incident(at=T0)
    resolved_at = T0 + dt.timedelta(hours=2)
    closed_at = T0 + dt.timedelta(days=3)
    incident = move(incident, "resolved", at=resolved_at)
    assert (incident.resolved_at, incident.first_responded_at) == (resolved_at, resolved_at)
    assert incident.resolution_code == "solved"
    incident = move(incident, "closed", at=closed_at)
    assert incident.closed_at == closed_at and incident.resolved_at == resolved_at
    assert incident.updated_at == closed_at
    cancelled = move(make_incident(at=T0), "cancelled", at=resolved_at)
    assert cancelled.cancelled_at == resolved_at and cancelled.first_responded_at is None


@pytest.mark.parametrize(
    ("after", "allowed"),
    [(dt.timedelta(days=7), True), (dt.timedelta(days=7, seconds=1), False)],
)
def test_it_reopens_only_within_the_window(after, allowed):
    resolved_at = T0 + dt.timedelta(hours=1)
    incident = move(make_incident(at=T0), "resolved", at=resolved_at)
    at = resolved_at + after
    assert services.may_reopen(incident, at) is allowed
    assert ("in_progress" in services.allowed_targets(incident, at)) is allowed
    if not allowed:
        with pytest.raises(ValidationError, match="reopened within 7 days"):
            move(incident, "in_progress", at=at)
        assert Incident.objects.get(pk=incident.pk).state == "resolved"
        return
    incident = move(incident, "in_progress", at=at)
    assert incident.reopen_count == 1
    assert (incident.resolved_at, incident.resolution_code, incident.resolution_notes) == (
        None,
        "",
        "",
    )
    assert last_event(incident).changes == {
        "state": {"old": "resolved", "new": "in_progress"},
        "resolution_code": {"old": "solved", "new": ""},
        "resolution_notes": {"old": "Restarted the service.", "new": ""},
        "resolved_at": {"old": resolved_at.isoformat(), "new": None},
        "reopen_count": {"old": 0, "new": 1},
    }


def test_it_reads_the_reopen_window_from_the_setting(settings):
    settings.KAIZEN_REOPEN_WINDOW_DAYS = 1
    incident = move(make_incident(at=T0), "resolved", at=T0)
    with pytest.raises(ValidationError, match="within 1 days"):
        move(incident, "in_progress", at=T0 + dt.timedelta(days=2))


def test_it_counts_each_reopen():
    incident = make_incident(at=T0)
    for day in range(3):
        at = T0 + dt.timedelta(days=day)
        incident = move(incident, "resolved", "in_progress", at=at)
    assert incident.reopen_count == 3


@pytest.mark.parametrize(
    ("steps", "responded_at_step"),
    [
        (["on_hold"], None),
        (["cancelled"], None),
        (["in_progress"], 1),
        (["resolved"], 1),
        (["on_hold", "in_progress"], 2),
    ],
)
def test_it_sets_the_first_response_on_work_or_resolution(steps, responded_at_step):
    """Step n happens n minutes after opening."""
    incident = make_incident(at=T0)
    for minutes, state in enumerate(steps, start=1):
        incident = move(incident, state, at=T0 + dt.timedelta(minutes=minutes))
    expected = T0 + dt.timedelta(minutes=responded_at_step) if responded_at_step else None
    assert incident.first_responded_at == expected


def test_it_keeps_the_first_response_once_set():
    incident = move(make_incident(at=T0), "in_progress", at=T0)
    incident = move(incident, "resolved", at=T0 + dt.timedelta(hours=1))
    assert incident.first_responded_at == T0
    assert "first_responded_at" not in last_event(incident).changes


def test_it_offers_only_manual_targets_in_order(service_desk):
    assert services.allowed_targets(make_incident()) == [
        "in_progress",
        "on_hold",
        "resolved",
        "cancelled",
    ]
    assert services.allowed_targets(incident_in("closed", service_desk)) == []
