"""Incidents: unplanned interruptions of a service, worked by agents and followed by callers.

Only kaizen.incidents.services writes these rows (each write journaled with every changed
field), except `sla_due_at` and `sla_state`, which only the SLA engine writes.
"""

from typing import Any

from django.contrib.contenttypes.fields import GenericRelation
from django.db import models
from django.db.models import F
from django.urls import reverse

from kaizen.catalog.models import ConfigurationItem, Location, Service, ServiceOffering
from kaizen.core.models import TicketAttachment, TicketComment
from kaizen.core.priority import Impact, Urgency
from kaizen.people.models import Team, User


class Channel(models.TextChoices):
    PHONE = "phone", "Phone"
    EMAIL = "email", "E-mail"
    SELF_SERVICE = "self_service", "Self-service portal"
    MONITORING = "monitoring", "Monitoring"
    WALK_IN = "walk_in", "Walk-in"


class Priority(models.IntegerChoices):
    CRITICAL = 1, "1 - Critical"
    HIGH = 2, "2 - High"
    MODERATE = 3, "3 - Moderate"
    LOW = 4, "4 - Low"
    PLANNING = 5, "5 - Planning"


class State(models.TextChoices):
    NEW = "new", "New"
    ASSIGNED = "assigned", "Assigned"
    IN_PROGRESS = "in_progress", "In progress"
    ON_HOLD = "on_hold", "On hold"
    RESOLVED = "resolved", "Resolved"
    CLOSED = "closed", "Closed"
    CANCELLED = "cancelled", "Cancelled"


OPEN_STATES = (State.NEW, State.ASSIGNED, State.IN_PROGRESS, State.ON_HOLD)
FINAL_STATES = (State.CLOSED, State.CANCELLED)


class OnHoldReason(models.TextChoices):
    AWAITING_CALLER = "awaiting_caller", "Awaiting caller"
    AWAITING_VENDOR = "awaiting_vendor", "Awaiting vendor"
    AWAITING_PROBLEM = "awaiting_problem", "Awaiting problem"
    AWAITING_CHANGE = "awaiting_change", "Awaiting change"


class ResolutionCode(models.TextChoices):
    SOLVED = "solved", "Solved"
    WORKAROUND = "workaround", "Workaround provided"
    NOT_REPRODUCIBLE = "not_reproducible", "Not reproducible"
    DUPLICATE = "duplicate", "Duplicate"
    USER_ERROR = "user_error", "User error"
    NO_FAULT_FOUND = "no_fault_found", "No fault found"


class SlaState(models.TextChoices):
    NONE = "", "No running clock"
    OK = "ok", "Within target"
    WARNING = "warning", "Warning"
    BREACHED = "breached", "Breached"


class Category(models.Model):
    """What kind of fault: a category (no parent) or a subcategory of one."""

    name = models.CharField(max_length=80)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "categories"
        constraints = [
            models.UniqueConstraint(fields=["parent", "name"], name="unique_category_name"),
            models.UniqueConstraint(
                fields=["name"],
                condition=models.Q(parent__isnull=True),
                name="unique_top_category_name",
            ),
        ]

    def __str__(self) -> str:
        if self.parent_id is None:
            return self.name
        return f"{self.parent.name} › {self.name}"


class PriorityMatrix(models.Model):
    """One cell of the impact × urgency → priority matrix (nine rows, seeded by migration)."""

    impact = models.PositiveSmallIntegerField(choices=Impact.choices)
    urgency = models.PositiveSmallIntegerField(choices=Urgency.choices)
    priority = models.PositiveSmallIntegerField(choices=Priority.choices)

    class Meta:
        ordering = ["impact", "urgency"]
        verbose_name = "priority matrix cell"
        constraints = [
            models.UniqueConstraint(fields=["impact", "urgency"], name="unique_matrix_cell")
        ]

    def __str__(self) -> str:
        return f"Impact {self.get_impact_display()} × urgency {self.get_urgency_display()}"


class IncidentQuerySet(models.QuerySet["Incident"]):
    def open(self) -> "IncidentQuerySet":
        return self.filter(state__in=OPEN_STATES)

    def order_by(self, *field_names: Any) -> "IncidentQuerySet":
        # Incidents without a running SLA clock have no due time; they go last whichever way
        # the list is sorted (on every database: SQLite puts NULLs first by default).
        return super().order_by(*(_sla_nulls_last(name) for name in field_names))


def _sla_nulls_last(name: Any) -> Any:
    if name == "sla_due_at":
        return F("sla_due_at").asc(nulls_last=True)
    if name == "-sla_due_at":
        return F("sla_due_at").desc(nulls_last=True)
    return name


class Incident(models.Model):
    number = models.CharField(max_length=20, unique=True, editable=False)
    caller = models.ForeignKey(User, on_delete=models.PROTECT, related_name="incidents_called")
    opened_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.PROTECT, related_name="incidents_opened"
    )
    channel = models.CharField(max_length=16, choices=Channel.choices, default=Channel.PHONE)
    service = models.ForeignKey(
        Service, null=True, blank=True, on_delete=models.PROTECT, related_name="incidents"
    )
    offering = models.ForeignKey(
        ServiceOffering, null=True, blank=True, on_delete=models.PROTECT, related_name="incidents"
    )
    configuration_item = models.ForeignKey(
        ConfigurationItem,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="incidents",
        verbose_name="configuration item",
    )
    location = models.ForeignKey(
        Location, null=True, blank=True, on_delete=models.PROTECT, related_name="incidents"
    )
    category = models.ForeignKey(
        Category, null=True, blank=True, on_delete=models.PROTECT, related_name="incidents"
    )
    subcategory = models.ForeignKey(
        Category, null=True, blank=True, on_delete=models.PROTECT, related_name="sub_incidents"
    )
    impact = models.PositiveSmallIntegerField(choices=Impact.choices, default=Impact.LOW)
    urgency = models.PositiveSmallIntegerField(choices=Urgency.choices, default=Urgency.LOW)
    priority = models.PositiveSmallIntegerField(
        choices=Priority.choices, default=Priority.PLANNING, editable=False
    )
    short_description = models.CharField(max_length=160)
    description = models.TextField(blank=True)
    assignment_group = models.ForeignKey(
        Team, null=True, blank=True, on_delete=models.PROTECT, related_name="incidents"
    )
    assignee = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.PROTECT, related_name="incidents_assigned"
    )
    major_incident = models.BooleanField(default=False)
    state = models.CharField(max_length=16, choices=State.choices, default=State.NEW)
    on_hold_reason = models.CharField(max_length=20, choices=OnHoldReason.choices, blank=True)
    resolution_code = models.CharField(max_length=20, choices=ResolutionCode.choices, blank=True)
    resolution_notes = models.TextField(blank=True)
    opened_at = models.DateTimeField(db_index=True)
    first_responded_at = models.DateTimeField(null=True, blank=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    reassignment_count = models.PositiveIntegerField(default=0)
    reopen_count = models.PositiveIntegerField(default=0)
    # Imported incidents: the tool they came from, the SLA verdict that tool recorded (kept
    # beside Kaizen's own clocks, which are measured on Kaizen's definitions), and the source
    # fields Kaizen has no column for.
    imported_from = models.CharField(max_length=40, blank=True, db_index=True)
    recorded_sla_met = models.BooleanField(null=True, blank=True)
    source_attributes = models.JSONField(default=dict, blank=True)
    # Written by the SLA app only (incidents are a ticket kind registered with it, see
    # sla_kind.py): the nearest due time of the incident's running clocks, and how they stand.
    sla_due_at = models.DateTimeField(null=True, blank=True, editable=False)
    sla_state = models.CharField(
        max_length=16, choices=SlaState.choices, blank=True, default="", editable=False
    )
    # The clocks name their ticket by content type and id; this reverse relation also lets a
    # query on clocks go through the incident (SLAClock.objects.filter(incident__number=...)).
    sla_clocks = GenericRelation(
        "sla.SLAClock",
        content_type_field="ticket_type",
        object_id_field="ticket_id",
        related_query_name="incident",
    )
    # Optimistic locking: every change of the incident's fields adds one.
    version = models.PositiveIntegerField(default=1, editable=False)
    updated_at = models.DateTimeField()

    objects = IncidentQuerySet.as_manager()

    class Meta:
        ordering = ["-opened_at", "-id"]
        indexes = [
            # The agent queues: a group's open incidents, soonest SLA due first. With the id
            # (the tie-breaker of every list's order) PostgreSQL pages the queue's keys from the
            # index alone (kaizen.core.listing.PrimaryKeyPaginator).
            models.Index(
                fields=["assignment_group", "state", "sla_due_at", "id"], name="incident_queue"
            ),
            models.Index(fields=["assignee", "state"], name="incident_assignee_state"),
            models.Index(fields=["caller", "state"], name="incident_caller_state"),
            # "Breaching soon": open incidents by due time, whatever their group.
            models.Index(fields=["state", "sla_due_at"], name="incident_state_due"),
            # ... or already past a warning (the other half of that queue's OR). With the due
            # time the tab badge counts the warnings not due soon from the index alone (SQLite
            # scanned the table for them: views._breaching_halves).
            models.Index(fields=["sla_state", "state", "sla_due_at"], name="incident_sla_state"),
            # The incidents opened on a service or CI in a window: a change's candidates for
            # the incidents it caused, and its risk evidence (kaizen.catalog.ticket_sources).
            models.Index(fields=["service", "opened_at"], name="incident_service_opened"),
            models.Index(fields=["configuration_item", "opened_at"], name="incident_ci_opened"),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.short_description}"

    def get_absolute_url(self) -> str:
        return reverse("incidents:detail", args=[self.number])

    @property
    def is_open(self) -> bool:
        return self.state in OPEN_STATES

    @property
    def is_final(self) -> bool:
        return self.state in FINAL_STATES


class IncidentComment(TicketComment):
    """A comment the caller sees, or a work note (agents only)."""

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="comments")

    class Meta(TicketComment.Meta):
        pass

    def __str__(self) -> str:
        return f"{self.kind_label} on {self.incident.number}"


def attachment_path(attachment: "IncidentAttachment", filename: str) -> str:
    return f"incidents/{attachment.incident.number}/{filename}"


class IncidentAttachment(TicketAttachment):
    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(upload_to=attachment_path, max_length=300)

    class Meta(TicketAttachment.Meta):
        pass

    def get_absolute_url(self) -> str:
        return reverse("incidents:attachment_download", args=[self.pk])
