"""The change lifecycle: a path per change type, only the allowed moves, each with what it
needs and sets.

normal     Draft -> Assess -> Authorise (CAB) -> Scheduled -> Implement -> Review -> Closed
standard   Draft -> Scheduled -> Implement -> Review -> Closed   (pre-approved template)
emergency  Draft -> Authorise (emergency CAB) -> Implement -> Review -> Closed

Cancelled from any open state; Rejected only as the outcome of the authorisation
(`do_decide_authorisation`), never as a move. Authorise is left for Scheduled (normal) or
Implement (emergency) only once the approvers authorised the change; Scheduled needs a planned
window whose conflicts were all acknowledged. Closed needs a closure code.
"""

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction

from kaizen.changes import hooks
from kaizen.changes.models import Change, ChangeType, ClosureCode, State
from kaizen.changes.services import approvals, conflicts, review, risk
from kaizen.changes.services.base import CHANGES, moment
from kaizen.changes.services.records import check_change, refuse_if_final
from kaizen.journal.events import EventType
from kaizen.people.models import User

# The forward path of each type; every open state may also move to Cancelled.
PATHS: dict[ChangeType, tuple[State, ...]] = {
    ChangeType.NORMAL: (
        State.DRAFT,
        State.ASSESS,
        State.AUTHORISE,
        State.SCHEDULED,
        State.IMPLEMENT,
        State.REVIEW,
        State.CLOSED,
    ),
    ChangeType.STANDARD: (
        State.DRAFT,
        State.SCHEDULED,
        State.IMPLEMENT,
        State.REVIEW,
        State.CLOSED,
    ),
    ChangeType.EMERGENCY: (
        State.DRAFT,
        State.AUTHORISE,
        State.IMPLEMENT,
        State.REVIEW,
        State.CLOSED,
    ),
}
# Going back: an assessment sends a change back to its requester for more detail, and a
# scheduled change that must be planned again goes back to be assessed (and authorised).
BACKWARD: dict[ChangeType, dict[State, State]] = {
    ChangeType.NORMAL: {State.ASSESS: State.DRAFT, State.SCHEDULED: State.ASSESS},
    ChangeType.STANDARD: {State.SCHEDULED: State.DRAFT},
    ChangeType.EMERGENCY: {},
}


def transitions(change_type: ChangeType) -> dict[State, frozenset[State]]:
    """The allowed moves of one change type, as a table (tests walk it)."""
    path = PATHS[change_type]
    table: dict[State, set[State]] = {state: set() for state in State}
    for current, following in zip(path, path[1:], strict=False):
        table[current].add(following)
    for current, previous in BACKWARD[change_type].items():
        table[current].add(previous)
    for state in path[:-1]:
        table[state].add(State.CANCELLED)
    return {state: frozenset(targets) for state, targets in table.items()}


TRANSITIONS = {change_type: transitions(change_type) for change_type in ChangeType}
STATE_ORDER = list(State)
# What a move is called on its button (and in the API's hints).
MOVE_LABELS = {
    State.DRAFT: "Send back to draft",
    State.ASSESS: "Submit for assessment",
    State.AUTHORISE: "Request authorisation",
    State.SCHEDULED: "Schedule",
    State.IMPLEMENT: "Start implementation",
    State.REVIEW: "Finish implementation",
    State.CLOSED: "Close",
    State.CANCELLED: "Cancel",
}
# To be submitted, a change says what, why, where and how (and how to undo it).
SUBMIT_REQUIRES = {
    "description": "describe the change",
    "justification": "say why the change is needed",
    "implementation_plan": "give the implementation plan",
    "backout_plan": "give the back-out plan: how the change is undone if it fails",
}


def _state_label(state: str) -> str:
    return State(state).label.lower()


def allowed_targets(change: Change) -> list[State]:
    """The states a person can move the change to now (buttons and the API's hints)."""
    targets = set(TRANSITIONS[ChangeType(change.change_type)][State(change.state)])
    if change.state == State.AUTHORISE and change.authorised_at is None:
        targets &= {State.CANCELLED}
    return sorted(targets, key=STATE_ORDER.index)


def _check_move(change: Change, target: State) -> None:
    current = State(change.state)
    refuse_if_final(change)
    if target == State.REJECTED:
        raise ValidationError(
            {"state": "a change is rejected by its approvers, not moved to rejected"}
        )
    if target not in TRANSITIONS[ChangeType(change.change_type)][current]:
        kind = ChangeType(change.change_type).label.lower()
        raise ValidationError(
            {
                "state": f"a {kind} change that is {_state_label(current)} cannot move to "
                f"{_state_label(target)}"
            }
        )
    leaving_authorise = current == State.AUTHORISE and target in (
        State.SCHEDULED,
        State.IMPLEMENT,
    )
    if leaving_authorise and change.authorised_at is None:
        raise ValidationError(
            {"state": f"{change.number} is waiting for its approvers: it is not authorised yet"}
        )


def _check_submission(change: Change) -> None:
    errors = {
        name: message
        for name, message in SUBMIT_REQUIRES.items()
        if not str(getattr(change, name)).strip()
    }
    if change.change_type == ChangeType.STANDARD:
        # Pre-approved: the template is the justification.
        errors.pop("justification", None)
    if not (change.services.exists() or change.configuration_items.exists()):
        errors["services"] = "name the services or configuration items the change affects"
    if change.change_type != ChangeType.EMERGENCY and change.planned_start is None:
        errors["planned_start"] = "give the planned start and end"
    if errors:
        raise ValidationError(errors)


def _move(
    change: Change,
    target: State,
    at: dt.datetime,
    *,
    closure_code: str,
    closure_notes: str,
    actual: dt.datetime | None,
) -> None:
    """Set the state and what follows from it on the locked change."""
    current = State(change.state)
    change.state = target
    if target in (State.ASSESS, State.AUTHORISE, State.SCHEDULED) and change.submitted_at is None:
        change.submitted_at = at
    if current == State.SCHEDULED and target in (State.ASSESS, State.DRAFT):
        # Planned again: authorised again.
        change.authorised_at = None
    if target == State.AUTHORISE:
        change.authorisation_requested_at = at
    if target == State.IMPLEMENT:
        change.actual_start = actual or at
        flag_if_unauthorised(change)
    elif target == State.REVIEW:
        change.actual_end = actual or at
    elif target == State.CLOSED:
        change.closure_code = closure_code
        change.closure_notes = closure_notes.strip() or change.closure_notes
        change.closed_at = at
    elif target == State.CANCELLED:
        change.closure_notes = closure_notes.strip()
        change.cancelled_at = at


def flag_if_unauthorised(change: Change) -> None:
    """A change that needs authorisation and started before it (or without it) is flagged,
    with the reason in words; the flag is never lifted by a later authorisation."""
    if not change.needs_authorisation or change.actual_start is None or change.unauthorised:
        return
    if change.authorised_at is None:
        change.unauthorised = True
        change.unauthorised_reason = "implementation started without an authorisation"
    elif change.actual_start < change.authorised_at:
        change.unauthorised = True
        change.unauthorised_reason = "implementation started before the authorisation"


def _check_inputs(
    change: Change, target: State, closure_code: str, closure_notes: str, actual: object
) -> None:
    if closure_code and target != State.CLOSED:
        raise ValidationError({"closure_code": "only when closing the change"})
    if target == State.CLOSED:
        if not closure_code:
            raise ValidationError({"closure_code": "say how the change ended"})
        if closure_code not in ClosureCode.values:
            raise ValidationError({"closure_code": f"{closure_code!r} is not a closure code"})
        if change.reviewed_at is None:
            raise ValidationError(
                {"state": "record the post-implementation review before closing the change"}
            )
    if target == State.CANCELLED and not closure_notes.strip():
        raise ValidationError({"closure_notes": "say why the change is cancelled"})
    if actual is not None and target not in (State.IMPLEMENT, State.REVIEW):
        raise ValidationError({"actual": "only when starting or finishing the implementation"})


@transaction.atomic
def do_move_change(
    change: Change,
    state: str,
    *,
    actor: User | None,
    expected_version: int | None,
    closure_code: str = "",
    closure_notes: str = "",
    actual: dt.datetime | None = None,
    at: dt.datetime | None = None,
    notify: bool = True,
) -> Change:
    """Move the change to `state` along its type's path.

    Closed needs `closure_code` (and a recorded review); Cancelled needs `closure_notes`
    (why). Implement and Review record the actual start and end: `actual` when the work
    started or ended earlier than now, else now. Moving to Authorise opens the approval
    round and mails its approvers (`notify` False: no mail, for a replay of past changes).
    """
    try:
        target = State(state)
    except ValueError as exc:
        raise ValidationError({"state": f"{state!r} is not a change state"}) from exc
    at = moment(at)
    if actual is not None and actual > at:
        raise ValidationError({"actual": "the work cannot start or end in the future"})
    locked = CHANGES.lock(change, expected_version)
    _check_move(locked, target)
    _check_inputs(locked, target, closure_code, closure_notes, actual)
    if State(locked.state) == State.DRAFT and target != State.CANCELLED:
        _check_submission(locked)
    before = CHANGES.snapshot(locked)
    previous = locked.state
    _move(
        locked,
        target,
        at,
        closure_code=closure_code,
        closure_notes=closure_notes,
        actual=actual,
    )
    check_change(locked)
    if target == State.SCHEDULED:
        conflicts.check_schedule(locked)
    CHANGES.finish(locked, change, before, EventType.CHANGE_STATE_CHANGED, actor=actor, at=at)
    if target == State.AUTHORISE:
        approvals.open_authorisation(locked, actor=actor, at=at, notify=notify)
    elif previous == State.AUTHORISE and target == State.CANCELLED:
        # Cancelled while its approvers were voting: their round ends now, not at the scan.
        approvals.do_withdraw_authorisation(locked, actor=actor, at=at)
    elif target == State.REVIEW:
        review.do_propose_caused_incidents(locked, at=at)
    if target == State.SCHEDULED and locked.change_type == ChangeType.STANDARD:
        # A standard change is let through by being scheduled (it has no authorisation).
        risk.do_record_risk_assessment(locked, actor=actor, at=at)
    hooks.change_moved(locked, previous)
    return locked


@transaction.atomic
def do_decide_authorisation(
    change: Change,
    *,
    authorised: bool,
    actor: User | None,
    note: str = "",
    at: dt.datetime | None = None,
) -> Change:
    """The outcome of the approval round: authorised (the change may then be scheduled, or an
    emergency change implemented) or rejected (final). Called by the approvals when the round
    is decided; `actor` is whoever cast the deciding vote (None: the system, e.g. a due date's
    default action)."""
    at = moment(at)
    locked = CHANGES.lock(change, expected_version=None)
    if locked.state != State.AUTHORISE or locked.authorised_at is not None:
        raise ValidationError(
            {"state": f"{locked.number} is not waiting for an authorisation decision"}
        )
    before = CHANGES.snapshot(locked)
    if authorised:
        locked.authorised_at = at
        event = EventType.CHANGE_AUTHORISED
    else:
        locked.state = State.REJECTED
        locked.rejected_at = at
        locked.closure_notes = note.strip()
        event = EventType.CHANGE_REJECTED
    data = {"note": note.strip()} if note.strip() else None
    CHANGES.finish(locked, change, before, event, actor=actor, at=at, data=data)
    if authorised:
        # What the risk and its evidence were when the change was let through: the
        # accuracy of the estimate is measured on these (the Brier score).
        risk.do_record_risk_assessment(locked, actor=actor, at=at)
    else:
        hooks.change_moved(locked, State.AUTHORISE)
    return locked
