"""The incident lifecycle: only the allowed moves, each with what it needs and sets.

New ──> Assigned (automatic, on assignment) ──> In progress ──> On hold
 │          │                                     │   ^            │
 └──────────┴──> In progress / On hold / Resolved / Cancelled <────┘
Resolved ──> Closed, or reopened ──> In progress within the reopen window
Closed and Cancelled are final.

While on hold, the reason may change (awaiting the vendor, then the caller) without leaving
On hold: `do_change_incident_on_hold_reason`, journaled as its own event.
"""

import datetime as dt

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from kaizen.incidents.models import Incident, OnHoldReason, ResolutionCode, State
from kaizen.incidents.services import notices
from kaizen.incidents.services.base import finish, lock, moment, snapshot
from kaizen.incidents.services.validation import check_incident
from kaizen.journal.events import EventType
from kaizen.people.models import User

TRANSITIONS: dict[State, frozenset[State]] = {
    State.NEW: frozenset(
        {State.ASSIGNED, State.IN_PROGRESS, State.ON_HOLD, State.RESOLVED, State.CANCELLED}
    ),
    State.ASSIGNED: frozenset({State.IN_PROGRESS, State.ON_HOLD, State.RESOLVED, State.CANCELLED}),
    State.IN_PROGRESS: frozenset({State.ON_HOLD, State.RESOLVED, State.CANCELLED}),
    State.ON_HOLD: frozenset({State.IN_PROGRESS, State.RESOLVED, State.CANCELLED}),
    State.RESOLVED: frozenset({State.CLOSED, State.IN_PROGRESS}),
    State.CLOSED: frozenset(),
    State.CANCELLED: frozenset(),
}
# Assigned is reached by assigning the incident (kaizen.incidents.services.assignment).
AUTOMATIC = frozenset({State.ASSIGNED})
STATE_ORDER = list(State)


def reopen_window() -> dt.timedelta:
    return dt.timedelta(days=settings.KAIZEN_REOPEN_WINDOW_DAYS)


def may_reopen(incident: Incident, at: dt.datetime | None = None) -> bool:
    resolved_at = incident.resolved_at
    return resolved_at is not None and moment(at) <= resolved_at + reopen_window()


def allowed_targets(incident: Incident, at: dt.datetime | None = None) -> list[State]:
    """The states a person can move the incident to now (for buttons and the API's hints)."""
    targets = TRANSITIONS[State(incident.state)] - AUTOMATIC
    if incident.state == State.RESOLVED and not may_reopen(incident, at):
        targets -= {State.IN_PROGRESS}
    return sorted(targets, key=STATE_ORDER.index)


def _check_move(incident: Incident, target: State, at: dt.datetime) -> None:
    current = State(incident.state)
    if target in AUTOMATIC:
        raise ValidationError(
            {"state": "an incident becomes assigned when a group or person is assigned to it"}
        )
    if current == target == State.ON_HOLD:
        raise ValidationError(
            {"state": "the incident is on hold already: change its on-hold reason instead"}
        )
    if target not in TRANSITIONS[current]:
        raise ValidationError(
            {
                "state": f"an incident that is {current.label.lower()} cannot move to "
                f"{target.label.lower()}"
            }
        )
    if current == State.RESOLVED and target == State.IN_PROGRESS and not may_reopen(incident, at):
        resolved = timezone.localtime(incident.resolved_at)
        days = settings.KAIZEN_REOPEN_WINDOW_DAYS
        raise ValidationError(
            {
                "state": f"{incident.number} was resolved on {resolved:%d %b %Y}; incidents are "
                f"reopened within {days} days of resolution. Open a new incident instead."
            }
        )


def _check_inputs(
    target: State, on_hold_reason: str, resolution_code: str, resolution_notes: str
) -> None:
    """Refuse inputs that belong to another move, and unknown codes, naming the field."""
    if on_hold_reason and target != State.ON_HOLD:
        raise ValidationError({"on_hold_reason": "only when putting the incident on hold"})
    if on_hold_reason and on_hold_reason not in OnHoldReason.values:
        raise ValidationError({"on_hold_reason": f"{on_hold_reason!r} is not a hold reason"})
    if resolution_code and target != State.RESOLVED:
        raise ValidationError({"resolution_code": "only when resolving the incident"})
    if resolution_code and resolution_code not in ResolutionCode.values:
        raise ValidationError({"resolution_code": f"{resolution_code!r} is not a resolution code"})
    if resolution_notes.strip() and target != State.RESOLVED:
        raise ValidationError({"resolution_notes": "only when resolving the incident"})


def _move(
    incident: Incident,
    target: State,
    at: dt.datetime,
    on_hold_reason: str,
    resolution_code: str,
    resolution_notes: str,
) -> None:
    """Set the state and everything that follows from it on the locked incident."""
    current = incident.state
    incident.state = target
    incident.on_hold_reason = on_hold_reason if target == State.ON_HOLD else ""
    if current == State.RESOLVED and target == State.IN_PROGRESS:
        incident.reopen_count += 1
        incident.resolved_at = None
        incident.resolution_code = ""
        incident.resolution_notes = ""
    if target == State.RESOLVED:
        incident.resolution_code = resolution_code
        incident.resolution_notes = resolution_notes.strip()
        incident.resolved_at = at
    elif target == State.CLOSED:
        incident.closed_at = at
    elif target == State.CANCELLED:
        incident.cancelled_at = at
    # Work on it or its resolution is the caller's first sign that someone is on it.
    if target in (State.IN_PROGRESS, State.RESOLVED) and incident.first_responded_at is None:
        incident.first_responded_at = at


CALLER_TEMPLATES = {
    State.ON_HOLD: "incident_updated",
    State.RESOLVED: "incident_resolved",
    State.CLOSED: "incident_updated",
}


@transaction.atomic
def do_change_incident_state(
    incident: Incident,
    state: str,
    *,
    actor: User | None,
    expected_version: int | None,
    on_hold_reason: str = "",
    resolution_code: str = "",
    resolution_notes: str = "",
    at: dt.datetime | None = None,
    notify: bool = True,
    reason: str = "",
) -> Incident:
    """Move the incident to `state`.

    On hold needs `on_hold_reason`; Resolved needs `resolution_code` and `resolution_notes`.
    Resolved → In progress reopens (within KAIZEN_REOPEN_WINDOW_DAYS of resolution).
    `reason` says why, in the event's data (the system's moves: "closed automatically ...").
    """
    try:
        target = State(state)
    except ValueError as exc:
        raise ValidationError({"state": f"{state!r} is not an incident state"}) from exc
    _check_inputs(target, on_hold_reason, resolution_code, resolution_notes)
    at = moment(at)
    locked = lock(incident, expected_version)
    _check_move(locked, target, at)
    before = snapshot(locked)
    _move(locked, target, at, on_hold_reason, resolution_code, resolution_notes)
    check_incident(locked, changed=())
    data = {"reason": reason} if reason else None
    finish(
        locked, incident, before, EventType.INCIDENT_STATE_CHANGED, actor=actor, at=at, data=data
    )
    if notify and target in CALLER_TEMPLATES:
        extra = (
            {"reopen_days": settings.KAIZEN_REOPEN_WINDOW_DAYS} if target == State.RESOLVED else {}
        )
        notices.tell_caller(locked, CALLER_TEMPLATES[target], actor=actor, **extra)
    return locked


def _check_reason(on_hold_reason: str) -> OnHoldReason:
    if not on_hold_reason:
        raise ValidationError({"on_hold_reason": "say what the incident is waiting for"})
    if on_hold_reason not in OnHoldReason.values:
        raise ValidationError({"on_hold_reason": f"{on_hold_reason!r} is not a hold reason"})
    return OnHoldReason(on_hold_reason)


@transaction.atomic
def do_change_incident_on_hold_reason(
    incident: Incident,
    on_hold_reason: str,
    *,
    actor: User | None,
    expected_version: int | None,
    at: dt.datetime | None = None,
    notify: bool = True,
) -> Incident:
    """Change what an incident on hold is waiting for; it stays on hold.

    Journaled as its own event (the reason's old and new value, nothing else), so the SLA
    clocks count or pause by the old reason up to this instant and by the new one after it.
    It is no move and no response: the state, the first response and every other field stay
    as they are. The caller is told, as when the incident was put on hold.
    """
    reason = _check_reason(on_hold_reason)
    at = moment(at)
    locked = lock(incident, expected_version)
    if locked.state != State.ON_HOLD:
        state = State(locked.state).label.lower()
        raise ValidationError(
            {
                "on_hold_reason": "only an incident that is on hold has a reason to change; "
                f"this one is {state} (put it on hold instead)"
            }
        )
    if locked.on_hold_reason == reason:
        raise ValidationError(
            {
                "on_hold_reason": "the incident is on hold for that reason already "
                f"({reason.label.lower()})"
            }
        )
    before = snapshot(locked)
    locked.on_hold_reason = reason
    check_incident(locked, changed=())
    finish(locked, incident, before, EventType.INCIDENT_ON_HOLD_REASON_CHANGED, actor=actor, at=at)
    if notify:
        notices.tell_caller(locked, CALLER_TEMPLATES[State.ON_HOLD], actor=actor)
    return locked
