"""Fulfilment tasks: the work an approved request needs, each queued to a team with its own
target (an OLA: the SLA app's `request_task` kind)."""

from django.contrib.contenttypes.fields import GenericRelation
from django.db import models
from django.urls import reverse

from kaizen.people.models import Team, User
from kaizen.requests.models.records import ServiceRequest


class TaskState(models.TextChoices):
    WAITING = "waiting", "Waiting for earlier tasks"
    OPEN = "open", "Open"
    IN_PROGRESS = "in_progress", "In progress"
    ON_HOLD = "on_hold", "On hold"
    DONE = "done", "Done"
    FAILED = "failed", "Could not be done"
    CANCELLED = "cancelled", "Cancelled"


TASK_OPEN_STATES = (TaskState.WAITING, TaskState.OPEN, TaskState.IN_PROGRESS, TaskState.ON_HOLD)
TASK_FINAL_STATES = (TaskState.DONE, TaskState.FAILED, TaskState.CANCELLED)


class FulfilmentTask(models.Model):
    number = models.CharField(max_length=20, unique=True, editable=False)
    request = models.ForeignKey(ServiceRequest, on_delete=models.CASCADE, related_name="tasks")
    position = models.PositiveIntegerField(default=1)
    title = models.CharField(max_length=150)
    instructions = models.TextField(blank=True)
    assignment_group = models.ForeignKey(
        Team, on_delete=models.PROTECT, related_name="fulfilment_tasks"
    )
    assignee = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.PROTECT, related_name="fulfilment_tasks"
    )
    state = models.CharField(max_length=12, choices=TaskState.choices, default=TaskState.WAITING)
    hold_reason = models.CharField(max_length=24, blank=True)
    opened_at = models.DateTimeField()
    ready_at = models.DateTimeField(null=True, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    outcome_note = models.TextField(blank=True)
    sla_due_at = models.DateTimeField(null=True, blank=True, editable=False)
    sla_state = models.CharField(max_length=10, blank=True, default="", editable=False)
    sla_clocks = GenericRelation(
        "sla.SLAClock",
        content_type_field="ticket_type",
        object_id_field="ticket_id",
        related_query_name="fulfilment_task",
    )
    version = models.PositiveIntegerField(default=1, editable=False)
    updated_at = models.DateTimeField()

    class Meta:
        ordering = ["request", "position", "id"]
        indexes = [
            models.Index(fields=["assignment_group", "state", "sla_due_at"], name="task_queue"),
            # A team's queue (its open tasks, nearest due first) read in index order: without
            # it a busy team's open tasks in three states are read and sorted (bench/
            # requests_queues.py: 110 ms at 3,000,000 tasks, 20 ms with it).
            models.Index(
                fields=["assignment_group", "sla_due_at", "id"],
                condition=models.Q(state__in=["open", "in_progress", "on_hold"]),
                name="task_open_queue",
            ),
            models.Index(fields=["assignee", "state"], name="task_assignee_state"),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.title}"

    def get_absolute_url(self) -> str:
        return reverse("requests:task_detail", args=[self.number])

    @property
    def is_open(self) -> bool:
        return self.state in TASK_OPEN_STATES
