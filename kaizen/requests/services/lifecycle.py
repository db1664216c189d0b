"""A request's moves: Submitted -> Awaiting approval -> Approved / Rejected -> In fulfilment ->
Fulfilled -> Closed; Cancelled while not fulfilled; On hold (awaiting the requester pauses the
clock) and back; Could not be fulfilled when a task fails. Only the moves in TRANSITIONS are
allowed; each is journaled with every field it sets.

The approval (services/approvals.py) and the fulfilment tasks (services/tasks.py) move the
request through `conclude_approval` and `tasks_settled`; people move it through the `do_*`
services below.
"""

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from kaizen.core.errors import Conflict
from kaizen.journal.events import EventType
from kaizen.people.models import User
from kaizen.requests.models import HoldReason, ServiceRequest, State, TaskState
from kaizen.requests.services import notices
from kaizen.requests.services.base import REQUESTS, derive_clock_fields, moment

TRANSITIONS: dict[State, frozenset[State]] = {
    State.SUBMITTED: frozenset({State.AWAITING_APPROVAL, State.APPROVED, State.CANCELLED}),
    State.AWAITING_APPROVAL: frozenset({State.APPROVED, State.REJECTED, State.CANCELLED}),
    State.APPROVED: frozenset(
        {State.IN_FULFILMENT, State.FULFILLED, State.ON_HOLD, State.FAILED, State.CANCELLED}
    ),
    State.IN_FULFILMENT: frozenset({State.ON_HOLD, State.FULFILLED, State.FAILED, State.CANCELLED}),
    State.ON_HOLD: frozenset({State.APPROVED, State.IN_FULFILMENT, State.FAILED, State.CANCELLED}),
    State.FULFILLED: frozenset({State.CLOSED}),
    State.FAILED: frozenset({State.CLOSED}),
    State.REJECTED: frozenset(),
    State.CLOSED: frozenset(),
    State.CANCELLED: frozenset(),
}
# When a state is entered, the time it was entered is kept in this field.
ENTERED_AT = {
    State.AWAITING_APPROVAL: "approval_requested_at",
    State.APPROVED: "approved_at",
    State.REJECTED: "rejected_at",
    State.IN_FULFILMENT: "fulfilment_started_at",
    State.FULFILLED: "fulfilled_at",
    State.FAILED: "failed_at",
    State.CLOSED: "closed_at",
    State.CANCELLED: "cancelled_at",
}
# Only a request not yet delivered can be cancelled (a fulfilled one is closed instead).
CANCELLABLE = frozenset(
    {
        State.SUBMITTED,
        State.AWAITING_APPROVAL,
        State.APPROVED,
        State.IN_FULFILMENT,
        State.ON_HOLD,
    }
)


def allowed_targets(request: ServiceRequest) -> list[State]:
    order = list(State)
    return sorted(TRANSITIONS[State(request.state)], key=order.index)


def _move(
    request: ServiceRequest,
    target: State,
    *,
    actor: User | None,
    at: dt.datetime,
    expected_version: int | None = None,
    **fields: Any,
) -> ServiceRequest:
    """Lock the request, check the move, set the state, the time it was entered and `fields`,
    derive what the clocks read, and journal it all in one event."""
    locked = REQUESTS.lock(request, expected_version)
    current = State(locked.state)
    if target not in TRANSITIONS[current]:
        raise Conflict(
            f"{locked.number} is {current.label.lower()}: it cannot become "
            f"{target.label.lower()} from there"
        )
    before = REQUESTS.snapshot(locked)
    locked.state = target
    if target != State.ON_HOLD:
        locked.hold_reason = ""
    stamp = ENTERED_AT.get(target)
    if stamp and (getattr(locked, stamp) is None or target != State.IN_FULFILMENT):
        setattr(locked, stamp, at)
    for name, value in fields.items():
        setattr(locked, name, value)
    derive_clock_fields(locked)
    REQUESTS.finish(
        locked,
        request,
        before,
        EventType.REQUEST_STATE_CHANGED,
        actor=actor,
        at=at,
        data={"from": str(current), "to": str(target)},
    )
    # The requester hears of it by e-mail (portal: services/notices.py).
    notices.request_moved(request, current, target, actor=actor)
    return request


def conclude_approval(
    request: ServiceRequest,
    *,
    approved: bool,
    actor: User | None,
    at: dt.datetime,
    reason: str = "",
) -> ServiceRequest:
    """The approval ended (every step approved, or one rejected): an approved request goes to
    fulfilment (its tasks are created), a rejected one ends with the reason."""
    from kaizen.requests.services import tasks

    if not approved:
        return _move(request, State.REJECTED, actor=actor, at=at, rejection_reason=reason)
    _move(request, State.APPROVED, actor=actor, at=at)
    if tasks.do_create_tasks(request, at=at):
        _move(request, State.IN_FULFILMENT, actor=None, at=at)
    return request


def tasks_settled(request: ServiceRequest, *, actor: User | None, at: dt.datetime) -> None:
    """Called after a task of the request ends: when every task is done the request is
    fulfilled; a failed task fails the request with its reason (the other open tasks are
    cancelled by the task service)."""
    states = list(request.tasks.values_list("state", "outcome_note", "title"))
    if not states or request.state not in (State.IN_FULFILMENT, State.APPROVED, State.ON_HOLD):
        return
    failed = [(note, title) for state, note, title in states if state == TaskState.FAILED]
    if failed:
        note, title = failed[0]
        _move(
            request,
            State.FAILED,
            actor=actor,
            at=at,
            failure_reason=f"{title}: {note}" if note else title,
        )
    elif all(state in (TaskState.DONE, TaskState.CANCELLED) for state, _, _ in states):
        _move(request, State.FULFILLED, actor=actor, at=at)


@transaction.atomic
def do_start_request(request: ServiceRequest, *, actor: User | None, at: dt.datetime) -> None:
    """After submission: the approval begins, or a type without approval steps is approved at
    once (services/approvals.py decides)."""
    from kaizen.requests.services import approvals

    if approvals.do_open_approval(request, at=at):
        _move(request, State.AWAITING_APPROVAL, actor=None, at=at)
        approvals.start_first_step(request, at=at)
    else:
        conclude_approval(request, approved=True, actor=None, at=at)


@transaction.atomic
def do_cancel_request(
    request: ServiceRequest,
    *,
    actor: User | None,
    reason: str = "",
    expected_version: int | None = None,
    at: dt.datetime | None = None,
) -> ServiceRequest:
    """Withdraw a request that is not yet fulfilled: its open approvals are withdrawn and its
    open tasks cancelled."""
    from kaizen.requests.services import approvals, tasks

    at = moment(at)
    if request.state not in CANCELLABLE:
        raise Conflict(
            f"{request.number} is {request.get_state_display().lower()}: too late to cancel"
        )
    _move(
        request,
        State.CANCELLED,
        actor=actor,
        at=at,
        expected_version=expected_version,
        cancellation_reason=reason.strip(),
    )
    approvals.withdraw_open_approvals(request, at=at)
    tasks.cancel_open_tasks(request, actor=actor, at=at)
    return request


@transaction.atomic
def do_put_on_hold(
    request: ServiceRequest,
    reason: str,
    *,
    actor: User | None,
    expected_version: int | None = None,
    at: dt.datetime | None = None,
) -> ServiceRequest:
    if reason not in HoldReason.values:
        raise ValidationError({"hold_reason": f"one of: {', '.join(HoldReason.labels)}"})
    return _move(
        request,
        State.ON_HOLD,
        actor=actor,
        at=moment(at),
        expected_version=expected_version,
        hold_reason=reason,
    )


@transaction.atomic
def do_resume_request(
    request: ServiceRequest,
    *,
    actor: User | None,
    expected_version: int | None = None,
    at: dt.datetime | None = None,
) -> ServiceRequest:
    """Off hold: back in fulfilment when it has tasks, else approved (awaiting its work)."""
    if request.state != State.ON_HOLD:
        raise Conflict(f"{request.number} is not on hold")
    target = State.IN_FULFILMENT if request.tasks.exists() else State.APPROVED
    return _move(request, target, actor=actor, at=moment(at), expected_version=expected_version)


@transaction.atomic
def do_fulfil_request(
    request: ServiceRequest,
    *,
    actor: User | None,
    expected_version: int | None = None,
    at: dt.datetime | None = None,
) -> ServiceRequest:
    """Mark delivered by hand: for a request whose type has no tasks. A request with tasks is
    fulfilled when its last task is done."""
    open_tasks = request.tasks.exclude(
        state__in=(TaskState.DONE, TaskState.CANCELLED, TaskState.FAILED)
    )
    if open_tasks.exists():
        raise Conflict(
            f"{request.number} has {open_tasks.count()} open task(s): it is fulfilled when they "
            "are done"
        )
    return _move(
        request, State.FULFILLED, actor=actor, at=moment(at), expected_version=expected_version
    )


@transaction.atomic
def do_fail_request(
    request: ServiceRequest,
    reason: str,
    *,
    actor: User | None,
    expected_version: int | None = None,
    at: dt.datetime | None = None,
) -> ServiceRequest:
    from kaizen.requests.services import tasks

    if not reason.strip():
        raise ValidationError({"failure_reason": "say why it cannot be fulfilled"})
    at = moment(at)
    _move(
        request,
        State.FAILED,
        actor=actor,
        at=at,
        expected_version=expected_version,
        failure_reason=reason.strip(),
    )
    tasks.cancel_open_tasks(request, actor=actor, at=at)
    return request


@transaction.atomic
def do_close_request(
    request: ServiceRequest,
    *,
    actor: User | None,
    expected_version: int | None = None,
    at: dt.datetime | None = None,
) -> ServiceRequest:
    return _move(
        request, State.CLOSED, actor=actor, at=moment(at), expected_version=expected_version
    )
