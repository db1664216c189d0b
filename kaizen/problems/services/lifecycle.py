"""A problem's moves: New -> Assessed -> Root cause analysis -> Known error -> Fix in progress
-> Resolved -> Closed, closing early as a duplicate, with the risk accepted or cancelled, and
re-opening for re-analysis. Each move is journaled with every field it sets."""

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from kaizen.catalog.ticket_sources import ticket_records, ticket_source
from kaizen.journal.events import EventType
from kaizen.journal.services import record_event
from kaizen.people.models import User
from kaizen.problems import hooks
from kaizen.problems.models import ClosureCode, LinkedIncident, Problem, State
from kaizen.problems.services.base import PROBLEMS, moment
from kaizen.problems.services.links import INCIDENT, do_link_incidents

TRANSITIONS: dict[State, frozenset[State]] = {
    State.NEW: frozenset({State.ASSESSED, State.CLOSED}),
    State.ASSESSED: frozenset({State.ROOT_CAUSE_ANALYSIS, State.KNOWN_ERROR, State.CLOSED}),
    State.ROOT_CAUSE_ANALYSIS: frozenset({State.KNOWN_ERROR, State.CLOSED}),
    State.KNOWN_ERROR: frozenset({State.FIX_IN_PROGRESS, State.ROOT_CAUSE_ANALYSIS, State.CLOSED}),
    State.FIX_IN_PROGRESS: frozenset({State.RESOLVED, State.KNOWN_ERROR, State.CLOSED}),
    State.RESOLVED: frozenset({State.CLOSED, State.ROOT_CAUSE_ANALYSIS}),
    State.CLOSED: frozenset({State.ROOT_CAUSE_ANALYSIS}),
}
STATE_ORDER = list(State)

# How a problem may be closed from where it is: a resolved problem is closed as fixed; before
# that it can only be a duplicate, an accepted risk or cancelled.
CLOSURES_BEFORE_RESOLUTION = (
    ClosureCode.DUPLICATE,
    ClosureCode.RISK_ACCEPTED,
    ClosureCode.CANCELLED,
)


class LinkedIncidents:
    """What resolving a problem does to its linked open incidents (the person chooses)."""

    LEAVE = "leave"
    NOTIFY = "notify"  # a comment on each: the cause is fixed, tell us if it happens again
    RESOLVE = "resolve"  # resolve each with the fix as the resolution notes

    CHOICES = (
        (LEAVE, "Leave them as they are"),
        (NOTIFY, "Tell their callers the cause is fixed (a comment on each)"),
        (RESOLVE, "Resolve them with the fix"),
    )


def allowed_targets(problem: Problem) -> list[State]:
    return sorted(TRANSITIONS[State(problem.state)], key=STATE_ORDER.index)


def closure_codes_for(problem: Problem) -> list[str]:
    if problem.state == State.RESOLVED:
        return [ClosureCode.FIXED]
    if problem.state == State.CLOSED:
        return []
    return list(CLOSURES_BEFORE_RESOLUTION)


def is_reopen(problem: Problem, target: State) -> bool:
    return target == State.ROOT_CAUSE_ANALYSIS and problem.state in (State.RESOLVED, State.CLOSED)


def _require(problem: Problem, field: str, message: str) -> dict[str, str]:
    value = getattr(problem, field)
    return {} if (value.strip() if isinstance(value, str) else value) else {field: message}


def _check_entry(
    problem: Problem,
    target: State,
    *,
    closure_code: str,
    duplicate_of: Problem | None,
    risk_review_on: dt.date | None,
    reason: str,
    at: dt.datetime,
) -> None:
    """What the target state needs, each missing piece named on its field."""
    errors: dict[str, str] = {}
    if target == State.ASSESSED:
        errors |= _require(problem, "owner", "name the problem owner before assessing it")
    elif target == State.KNOWN_ERROR:
        errors |= _require(problem, "root_cause", "record the root cause first")
        errors |= _require(problem, "cause_category", "say what kind of cause it is")
        errors |= _require(problem, "workaround", "record the workaround (or say there is none)")
    elif target == State.FIX_IN_PROGRESS:
        errors |= _require(problem, "fix", "describe the fix that will be made")
    elif target == State.RESOLVED:
        errors |= _require(problem, "fix", "describe the fix that was made")
    elif target == State.CLOSED:
        allowed = closure_codes_for(problem)
        if closure_code not in allowed:
            names = ", ".join(ClosureCode(code).label.lower() for code in allowed)
            errors["closure_code"] = (
                f"a {problem.get_state_display().lower()} problem closes as: {names}"
            )
        elif closure_code == ClosureCode.DUPLICATE:
            if duplicate_of is None:
                errors["duplicate_of"] = "name the problem this one duplicates"
            elif duplicate_of.pk == problem.pk:
                errors["duplicate_of"] = "a problem cannot duplicate itself"
            elif duplicate_of.state == State.CLOSED:
                errors["duplicate_of"] = f"{duplicate_of.number} is closed: name an open problem"
        elif closure_code == ClosureCode.RISK_ACCEPTED:
            if risk_review_on is None:
                errors["risk_review_on"] = "give the date the accepted risk is reviewed"
            elif risk_review_on <= at.date():
                errors["risk_review_on"] = "the review date must be in the future"
            errors |= _require(problem, "root_cause", "a risk is accepted once its cause is known")
        elif closure_code == ClosureCode.CANCELLED and not reason.strip():
            errors["closure_notes"] = "say why the problem is cancelled"
    if is_reopen(problem, target) and not reason.strip():
        errors["reason"] = "say why the problem is analysed again"
    if errors:
        raise ValidationError(errors)


def _enter(
    problem: Problem,
    target: State,
    at: dt.datetime,
    *,
    closure_code: str,
    duplicate_of: Problem | None,
    risk_review_on: dt.date | None,
    reason: str,
) -> None:
    """Set the state and what it stamps. First times are kept (the KPIs read them)."""
    reopening = is_reopen(problem, target)
    problem.state = target
    if target == State.ASSESSED and problem.assessed_at is None:
        problem.assessed_at = at
    elif target == State.KNOWN_ERROR and problem.known_error_at is None:
        problem.known_error_at = at
    elif target == State.FIX_IN_PROGRESS and problem.fix_started_at is None:
        problem.fix_started_at = at
    elif target == State.RESOLVED:
        problem.resolved_at = at
    elif target == State.CLOSED:
        problem.closed_at = at
        problem.closure_code = closure_code
        problem.closure_notes = reason.strip()
        problem.duplicate_of = duplicate_of if closure_code == ClosureCode.DUPLICATE else None
        problem.risk_review_on = (
            risk_review_on if closure_code == ClosureCode.RISK_ACCEPTED else None
        )
    if reopening:
        problem.reopen_count += 1
        problem.resolved_at = None
        problem.closed_at = None
        problem.closure_code = ""
        problem.closure_notes = ""
        problem.duplicate_of = None
        problem.risk_review_on = None


def _open_linked_incidents(problem: Problem) -> list[Any]:
    numbers = list(
        LinkedIncident.objects.filter(problem=problem).values_list("incident_number", flat=True)
    )
    source = ticket_source(INCIDENT)
    if source is None:
        return []
    records = ticket_records(INCIDENT, numbers)
    return [
        records[number]
        for number in numbers
        if number in records and getattr(records[number], source.state_field) in source.open_states
    ]


def _act_on_linked_incidents(
    problem: Problem, mode: str, actor: User | None, at: dt.datetime
) -> None:
    if mode == LinkedIncidents.LEAVE:
        return
    source = ticket_source(INCIDENT)
    incidents = _open_linked_incidents(problem)
    if source is None or not incidents:
        return
    if mode == LinkedIncidents.NOTIFY:
        body = (
            f"The cause of this incident, problem {problem.number} ({problem.statement}), has "
            f"been fixed: {problem.fix.strip()}\nIf it happens again, reply to this incident."
        )
        for incident in incidents:
            source.add_note(incident, body, actor=actor, at=at, is_work_note=False)
    elif mode == LinkedIncidents.RESOLVE:
        notes = f"Resolved with problem {problem.number}: {problem.fix.strip()}"
        for incident in incidents:
            source.resolve(incident, notes, actor=actor, at=at)
    record_event(
        EventType.PROBLEM_LINKED_INCIDENTS_RESOLVED,
        problem,
        actor=actor,
        data={
            "mode": mode,
            "incidents": [getattr(incident, source.number_field) for incident in incidents],
        },
        occurred_at=at,
    )


@transaction.atomic
def do_move_problem(
    problem: Problem,
    state: str,
    *,
    actor: User | None,
    expected_version: int | None,
    at: dt.datetime | None = None,
    closure_code: str = "",
    duplicate_of: Problem | None = None,
    risk_review_on: dt.date | None = None,
    reason: str = "",
    linked_incidents: str = LinkedIncidents.LEAVE,
) -> Problem:
    """Move the problem to `state` if the lifecycle allows it and the state has what it needs.
    Closing takes a closure code (and the duplicated problem, or the risk review date, or a
    reason); re-opening a resolved or closed problem takes a reason. Resolving may notify or
    resolve the linked open incidents (`linked_incidents`); closing as a duplicate links this
    problem's incidents to the one it duplicates."""
    at = moment(at)
    try:
        target = State(state)
    except ValueError:
        raise ValidationError({"state": f"{state!r} is not a problem state"}) from None
    if linked_incidents not in (code for code, _ in LinkedIncidents.CHOICES):
        raise ValidationError({"linked_incidents": f"{linked_incidents!r} is not a choice"})
    locked = PROBLEMS.lock(problem, expected_version)
    previous = locked.state
    if target not in TRANSITIONS[State(previous)]:
        allowed = ", ".join(State(s).label for s in allowed_targets(locked)) or "nothing"
        raise ValidationError(
            {"state": f"a {locked.get_state_display().lower()} problem moves to: {allowed}"}
        )
    _check_entry(
        locked,
        target,
        closure_code=closure_code,
        duplicate_of=duplicate_of,
        risk_review_on=risk_review_on,
        reason=reason,
        at=at,
    )
    before = PROBLEMS.snapshot(locked)
    _enter(
        locked,
        target,
        at,
        closure_code=closure_code,
        duplicate_of=duplicate_of,
        risk_review_on=risk_review_on,
        reason=reason,
    )
    data = {"reason": reason.strip()} if reason.strip() and target != State.CLOSED else None
    PROBLEMS.finish(
        locked, problem, before, EventType.PROBLEM_STATE_CHANGED, actor=actor, at=at, data=data
    )
    if target == State.RESOLVED:
        _act_on_linked_incidents(locked, linked_incidents, actor, at)
    if target == State.CLOSED and closure_code == ClosureCode.DUPLICATE and duplicate_of:
        numbers = list(locked.incident_links.values_list("incident_number", flat=True))
        if numbers:
            do_link_incidents(duplicate_of, numbers, actor=actor, at=at)
    hooks.problem_moved(locked, previous)
    return locked
