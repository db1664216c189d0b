"""Fulfilment tasks narrowed to the reader: agents see and work every task; nobody else sees
any (requesters follow their request, never its tasks)."""

from django.db.models import QuerySet

from kaizen.people.models import User
from kaizen.requests.models import FulfilmentTask, ServiceRequest, TaskState
from kaizen.requests.permissions import can_work_requests

# What the queue shows by default: the tasks someone can work now.
WORKABLE_STATES = (TaskState.OPEN, TaskState.IN_PROGRESS, TaskState.ON_HOLD)
# The columns the queue's rows read: the task, its request and the names shown.
QUEUE_FIELDS = (
    "id",
    "number",
    "title",
    "state",
    "hold_reason",
    "position",
    "ready_at",
    "sla_due_at",
    "sla_state",
    "updated_at",
    "request_id",
    "assignment_group_id",
    "assignee_id",
    "request__number",
    "request__title",
    "request__requested_for__first_name",
    "request__requested_for__last_name",
    "request__requested_for__username",
    "assignment_group__name",
    "assignee__first_name",
    "assignee__last_name",
    "assignee__username",
)


def tasks_for(user: User) -> QuerySet[FulfilmentTask]:
    if not can_work_requests(user):
        return FulfilmentTask.objects.none()
    return FulfilmentTask.objects.all()


def task_queue_for(user: User) -> QuerySet[FulfilmentTask]:
    """The queue's rows: only the columns shown, with their request and names."""
    return (
        tasks_for(user)
        .select_related("request__requested_for", "assignment_group", "assignee")
        .only(*QUEUE_FIELDS)
    )


def task_detail_for(user: User) -> QuerySet[FulfilmentTask]:
    return tasks_for(user).select_related(
        "request__request_type",
        "request__requested_for",
        "request__requested_by",
        "request__form_version",
        "request__service",
        "assignment_group",
        "assignee",
    )


def tasks_of(request: ServiceRequest) -> list[FulfilmentTask]:
    """A request's tasks for its page's panel, in order, with their teams and assignees."""
    return list(
        request.tasks.select_related("assignment_group", "assignee").order_by("position", "id")
    )
