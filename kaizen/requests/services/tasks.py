"""Fulfilment tasks: created from the type's templates when the request is approved; tasks
with the same position run in parallel, a higher position waits until every lower one is
done. Each task is a ticket of the SLA app's `request_task` kind (its OLA)."""

import datetime as dt

from django.db import transaction

from kaizen.journal.events import EventType
from kaizen.people.models import User
from kaizen.requests.models import FulfilmentTask, ServiceRequest, TaskState
from kaizen.requests.services.base import TASKS, next_task_number


@transaction.atomic
def do_create_tasks(request: ServiceRequest, *, at: dt.datetime) -> list[FulfilmentTask]:
    """The request's tasks from its type's templates; the first position is open at once."""
    templates = list(request.request_type.task_templates.all())
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
        created.append(task)
    return created


def cancel_open_tasks(request: ServiceRequest, *, actor: User | None, at: dt.datetime) -> None:
    """The open tasks of a request that ended otherwise (cancelled, failed) are cancelled."""
    for task in request.tasks.filter(
        state__in=(TaskState.WAITING, TaskState.OPEN, TaskState.IN_PROGRESS, TaskState.ON_HOLD)
    ):
        locked = TASKS.lock(task, None)
        before = TASKS.snapshot(locked)
        locked.state = TaskState.CANCELLED
        locked.finished_at = at
        TASKS.finish(locked, task, before, EventType.REQUEST_TASK_STATE_CHANGED, actor=actor, at=at)
