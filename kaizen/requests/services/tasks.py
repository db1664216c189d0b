"""Fulfilment tasks: created from the type's templates when the request is approved; tasks
with the same position run in parallel, a higher position waits until every lower one is
done. Each task is a ticket of the SLA app's `request_task` kind (its OLA), whose clock counts
only from when the task is ready (a waiting task is not in the kind's open states).

A task moves only as TASK_TRANSITIONS allows, each move journaled (REQUEST_TASK_STATE_CHANGED
with every field it sets). After a task ends the request is told (`lifecycle.tasks_settled`):
every task done fulfils it, a failed task fails it with the task's reason and the other open
tasks are cancelled. The first task started is the request's response when it had none.
Work notes are journal events of the task (REQUEST_TASK_COMMENTED, the note in `data`): no
table of their own, and they read in the task's history like any other event.
"""

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from kaizen.core.errors import Conflict
from kaizen.journal.events import EventType
from kaizen.journal.models import JournalEvent
from kaizen.journal.services import record_event
from kaizen.notifications import services as notifications
from kaizen.people.models import Team, User
from kaizen.requests.models import (
    TASK_FINAL_STATES,
    TASK_OPEN_STATES,
    FulfilmentTask,
    HoldReason,
    ServiceRequest,
    State,
    TaskState,
)
from kaizen.requests.services.base import REQUESTS, TASKS, moment, next_task_number

# Who may move a task where. Waiting -> open is the system's (the earlier tasks are done);
# cancelled is reached only when the request ends otherwise (cancel_open_tasks). A task may
# be completed or failed straight from open (a two-minute job nobody "starts").
TASK_TRANSITIONS: dict[TaskState, frozenset[TaskState]] = {
    TaskState.WAITING: frozenset({TaskState.OPEN, TaskState.CANCELLED}),
    TaskState.OPEN: frozenset(
        {TaskState.IN_PROGRESS, TaskState.DONE, TaskState.FAILED, TaskState.CANCELLED}
    ),
    TaskState.IN_PROGRESS: frozenset(
        {TaskState.ON_HOLD, TaskState.DONE, TaskState.FAILED, TaskState.CANCELLED}
    ),
    TaskState.ON_HOLD: frozenset({TaskState.IN_PROGRESS, TaskState.FAILED, TaskState.CANCELLED}),
    TaskState.DONE: frozenset(),
    TaskState.FAILED: frozenset(),
    TaskState.CANCELLED: frozenset(),
}
# What people do (the system opens and cancels): the task page offers these.
ACTIONS: dict[TaskState, str] = {
    TaskState.IN_PROGRESS: "start",
    TaskState.ON_HOLD: "hold",
    TaskState.DONE: "complete",
    TaskState.FAILED: "fail",
}
TASK_QUEUED = "request_task_queued"  # the notification category and template
EDITABLE_FIELDS = ("assignment_group", "assignee")


def allowed_task_targets(task: FulfilmentTask) -> list[TaskState]:
    """The moves a person may make from the task's state, in the states' order."""
    order = list(TaskState)
    targets = TASK_TRANSITIONS[TaskState(task.state)] & set(ACTIONS)
    return sorted(targets, key=order.index)


def _announce(task: FulfilmentTask) -> None:
    """The task's team hears that it is ready to be worked (an outbox row, sent after
    commit); one who already has it assigned hears too, as a member."""
    people = list(task.assignment_group.members.filter(is_active=True))
    if not people:
        return
    request = task.request
    notifications.queue_notification(
        TASK_QUEUED,
        people,
        {"task": task, "request": request, "url": task.get_absolute_url()},
        category=TASK_QUEUED,
    )


@transaction.atomic
def do_create_tasks(request: ServiceRequest, *, at: dt.datetime) -> list[FulfilmentTask]:
    """The request's tasks from its type's templates; the first position is open at once
    (its teams are told), the others wait."""
    templates = list(request.request_type.task_templates.select_related("team"))
    if not templates:
        return []
    first = min(template.position for template in templates)
    created = []
    for template in templates:
        ready = template.position == first
        task = FulfilmentTask.objects.create(
            number=next_task_number(),
            request=request,
            position=template.position,
            title=template.title,
            instructions=template.instructions,
            assignment_group=template.team,
            state=TaskState.OPEN if ready else TaskState.WAITING,
            opened_at=at,
            ready_at=at if ready else None,
            updated_at=at,
        )
        TASKS.record_created(EventType.REQUEST_TASK_CREATED, task, actor=None, at=at)
        TASKS.after_write(task)
        if ready:
            _announce(task)
        created.append(task)
    return created


def cancel_open_tasks(request: ServiceRequest, *, actor: User | None, at: dt.datetime) -> None:
    """The open tasks of a request that ended otherwise (cancelled, failed) are cancelled."""
    for task in request.tasks.filter(state__in=TASK_OPEN_STATES):
        locked = TASKS.lock(task, None)
        before = TASKS.snapshot(locked)
        locked.state = TaskState.CANCELLED
        locked.finished_at = at
        TASKS.finish(
            locked,
            task,
            before,
            EventType.REQUEST_TASK_STATE_CHANGED,
            actor=actor,
            at=at,
            data={"from": str(before["state"]), "to": str(TaskState.CANCELLED)},
        )


def _move(
    task: FulfilmentTask,
    target: TaskState,
    *,
    actor: User | None,
    at: dt.datetime,
    expected_version: int | None,
    **fields: Any,
) -> FulfilmentTask:
    """Lock the task, check the move against TASK_TRANSITIONS, set the state and `fields`,
    journal it in one event."""
    locked = TASKS.lock(task, expected_version)
    current = TaskState(locked.state)
    if target not in TASK_TRANSITIONS[current]:
        raise Conflict(
            f"{locked.number} is {current.label.lower()}: it cannot become "
            f"{target.label.lower()} from there"
        )
    before = TASKS.snapshot(locked)
    locked.state = target
    if target != TaskState.ON_HOLD:
        locked.hold_reason = ""
    for name, value in fields.items():
        setattr(locked, name, value)
    TASKS.finish(
        locked,
        task,
        before,
        EventType.REQUEST_TASK_STATE_CHANGED,
        actor=actor,
        at=at,
        data={"from": str(current), "to": str(target)},
    )
    return task


def _respond(request: ServiceRequest, *, actor: User | None, at: dt.datetime) -> None:
    """The first task started is the request's response, when nothing answered it before."""
    locked = REQUESTS.lock(request, None)
    if locked.responded_at is not None:
        return
    before = REQUESTS.snapshot(locked)
    locked.responded_at = at
    REQUESTS.finish(locked, request, before, EventType.REQUEST_UPDATED, actor=actor, at=at)


def _open_next_position(request: ServiceRequest, *, actor: User | None, at: dt.datetime) -> None:
    """When every task before the lowest waiting position is done, that position's tasks
    become open: ready_at is set (their OLA clocks start) and their teams are told."""
    tasks = list(request.tasks.select_related("assignment_group"))
    waiting = [task for task in tasks if task.state == TaskState.WAITING]
    if not waiting:
        return
    position = min(task.position for task in waiting)
    if any(task.position < position and task.state != TaskState.DONE for task in tasks):
        return
    for task in waiting:
        if task.position == position:
            _move(task, TaskState.OPEN, actor=None, at=at, expected_version=None, ready_at=at)
            _announce(task)


def _settle(task: FulfilmentTask, *, actor: User | None, at: dt.datetime) -> None:
    """After a task ends: open the next position, then tell the request. A failed task fails
    the request (lifecycle.tasks_settled) and cancels its other open tasks."""
    from kaizen.requests.services import lifecycle

    request = ServiceRequest.objects.get(pk=task.request_id)
    if task.state == TaskState.DONE:
        _open_next_position(request, actor=actor, at=at)
        states = set(request.tasks.values_list("state", flat=True))
        if request.state == State.ON_HOLD and states <= {TaskState.DONE, TaskState.CANCELLED}:
            # The last task was done while the request was held: it is no longer waiting for
            # anything (a held request cannot be fulfilled without resuming).
            lifecycle.do_resume_request(request, actor=actor, at=at)
    lifecycle.tasks_settled(request, actor=actor, at=at)
    if task.state == TaskState.FAILED:
        cancel_open_tasks(request, actor=actor, at=at)
    task.request = request


def _workable(task: FulfilmentTask) -> None:
    if task.request.state not in (State.APPROVED, State.IN_FULFILMENT, State.ON_HOLD):
        raise Conflict(
            f"{task.request.number} is {task.request.get_state_display().lower()}: its tasks "
            "are no longer worked"
        )


@transaction.atomic
def do_update_task(
    task: FulfilmentTask,
    *,
    actor: User | None,
    expected_version: int | None,
    at: dt.datetime | None = None,
    **fields: Any,
) -> FulfilmentTask:
    """Who works the task: its team and, within it, its assignee. Moving it to another team
    while it is open tells that team; an assignee must be a member of the team."""
    unknown = set(fields) - set(EDITABLE_FIELDS)
    if unknown:
        raise ValueError(f"not editable on a task: {', '.join(sorted(unknown))}")
    at = moment(at)
    locked = TASKS.lock(task, expected_version)
    if locked.state in TASK_FINAL_STATES:
        raise Conflict(f"{locked.number} is {locked.get_state_display().lower()}: no more changes")
    before = TASKS.snapshot(locked)
    for name, value in fields.items():
        setattr(locked, name, value)
    group: Team | None = locked.assignment_group
    if group is None:
        raise ValidationError({"assignment_group": "a task is always queued to a team"})
    if locked.assignee_id and not group.members.filter(pk=locked.assignee_id).exists():
        raise ValidationError({"assignee": f"{locked.assignee} is not a member of {group}"})
    moved_team = before["assignment_group"] != TASKS.snapshot(locked)["assignment_group"]
    TASKS.finish(locked, task, before, EventType.REQUEST_TASK_UPDATED, actor=actor, at=at)
    if moved_team and locked.state == TaskState.OPEN:
        _announce(task)
    return task


def do_assign_task(
    task: FulfilmentTask,
    *,
    actor: User | None,
    expected_version: int | None,
    assignment_group: Team,
    assignee: User | None,
    at: dt.datetime | None = None,
) -> FulfilmentTask:
    return do_update_task(
        task,
        actor=actor,
        expected_version=expected_version,
        at=at,
        assignment_group=assignment_group,
        assignee=assignee,
    )


@transaction.atomic
def do_start_task(
    task: FulfilmentTask,
    *,
    actor: User | None,
    expected_version: int | None = None,
    at: dt.datetime | None = None,
) -> FulfilmentTask:
    """Work begins (the task's response). Taken by whoever starts it when nobody has it."""
    at = moment(at)
    _workable(task)
    fields: dict[str, Any] = {}
    if task.started_at is None:
        fields["started_at"] = at
    if (
        task.assignee_id is None
        and actor is not None
        and task.assignment_group.members.filter(pk=actor.pk).exists()
    ):
        fields["assignee"] = actor
    _move(
        task, TaskState.IN_PROGRESS, actor=actor, at=at, expected_version=expected_version, **fields
    )
    _respond(task.request, actor=actor, at=at)
    return task


@transaction.atomic
def do_hold_task(
    task: FulfilmentTask,
    reason: str,
    *,
    actor: User | None,
    expected_version: int | None = None,
    at: dt.datetime | None = None,
) -> FulfilmentTask:
    """Paused, waiting for the requester, a supplier or stock (its OLA pauses for the reasons
    the definition lists)."""
    if reason not in HoldReason.values:
        raise ValidationError({"hold_reason": f"one of: {', '.join(HoldReason.labels)}"})
    _workable(task)
    return _move(
        task,
        TaskState.ON_HOLD,
        actor=actor,
        at=moment(at),
        expected_version=expected_version,
        hold_reason=reason,
    )


@transaction.atomic
def do_resume_task(
    task: FulfilmentTask,
    *,
    actor: User | None,
    expected_version: int | None = None,
    at: dt.datetime | None = None,
) -> FulfilmentTask:
    if task.state != TaskState.ON_HOLD:
        raise Conflict(f"{task.number} is not on hold")
    _workable(task)
    return _move(
        task, TaskState.IN_PROGRESS, actor=actor, at=moment(at), expected_version=expected_version
    )


@transaction.atomic
def do_complete_task(
    task: FulfilmentTask,
    *,
    actor: User | None,
    note: str = "",
    expected_version: int | None = None,
    at: dt.datetime | None = None,
) -> FulfilmentTask:
    """Done, with what was done if worth saying. The next position's tasks open; the last
    task done fulfils the request."""
    at = moment(at)
    _workable(task)
    fields: dict[str, Any] = {"finished_at": at, "outcome_note": note.strip()}
    if task.started_at is None:
        fields["started_at"] = at
    _move(task, TaskState.DONE, actor=actor, at=at, expected_version=expected_version, **fields)
    if fields.get("started_at"):
        _respond(task.request, actor=actor, at=at)
    _settle(task, actor=actor, at=at)
    return task


@transaction.atomic
def do_fail_task(
    task: FulfilmentTask,
    reason: str,
    *,
    actor: User | None,
    expected_version: int | None = None,
    at: dt.datetime | None = None,
) -> FulfilmentTask:
    """It cannot be done: the request fails with this reason, its other open tasks are
    cancelled."""
    if not reason.strip():
        raise ValidationError({"reason": "say why it cannot be done"})
    at = moment(at)
    _workable(task)
    _move(
        task,
        TaskState.FAILED,
        actor=actor,
        at=at,
        expected_version=expected_version,
        finished_at=at,
        outcome_note=reason.strip(),
    )
    _settle(task, actor=actor, at=at)
    return task


@transaction.atomic
def do_add_task_note(
    task: FulfilmentTask, body: str, *, actor: User | None, at: dt.datetime | None = None
) -> JournalEvent:
    """A work note on the task (agents only: requesters never see tasks' notes)."""
    body = body.strip()
    if not body:
        raise ValidationError({"note": "write the note"})
    return record_event(
        EventType.REQUEST_TASK_COMMENTED,
        task,
        actor=actor,
        data={"note": body},
        occurred_at=moment(at),
    )


def task_notes(task: FulfilmentTask) -> list[JournalEvent]:
    """The task's work notes, oldest first."""
    return list(
        JournalEvent.objects.for_subject(task)
        .filter(event_type=EventType.REQUEST_TASK_COMMENTED)
        .select_related("actor")
        .order_by("id")
    )
