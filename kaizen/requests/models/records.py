"""Service requests: what a requester ordered, the form they answered, where it stands.

Only kaizen.requests.services writes these rows, each write journaled with every changed field
(the created event carries them all, so the journal alone rebuilds a request's history and its
clocks).
"""

from django.contrib.contenttypes.fields import GenericRelation
from django.db import models
from django.urls import reverse

from kaizen.catalog.models import Service, ServiceOffering
from kaizen.core.models import TicketAttachment, TicketComment
from kaizen.people.models import Team, User
from kaizen.requests.models.catalog import RequestFormVersion, RequestType


class State(models.TextChoices):
    SUBMITTED = "submitted", "Submitted"
    AWAITING_APPROVAL = "awaiting_approval", "Awaiting approval"
    APPROVED = "approved", "Approved"
    REJECTED = "rejected", "Rejected"
    IN_FULFILMENT = "in_fulfilment", "In fulfilment"
    ON_HOLD = "on_hold", "On hold"
    FULFILLED = "fulfilled", "Fulfilled"
    FAILED = "failed", "Could not be fulfilled"
    CLOSED = "closed", "Closed"
    CANCELLED = "cancelled", "Cancelled"


OPEN_STATES = (
    State.SUBMITTED,
    State.AWAITING_APPROVAL,
    State.APPROVED,
    State.IN_FULFILMENT,
    State.ON_HOLD,
)
FINAL_STATES = (State.REJECTED, State.FULFILLED, State.FAILED, State.CLOSED, State.CANCELLED)


class HoldReason(models.TextChoices):
    AWAITING_REQUESTER = "awaiting_requester", "Awaiting the requester"
    AWAITING_SUPPLIER = "awaiting_supplier", "Awaiting a supplier"
    AWAITING_STOCK = "awaiting_stock", "Awaiting stock"


# What the SLA clocks see (sla_kind.py): a phase and, while held, why. Waiting for approval is
# a hold whose reason a definition may or may not pause on ("awaiting_approval").
AWAITING_APPROVAL_REASON = "awaiting_approval"


class ClockPhase(models.TextChoices):
    RUNNING = "running", "Running"
    HELD = "held", "Held"
    DONE = "done", "Done"
    CANCELLED = "cancelled", "Cancelled"


class ServiceRequest(models.Model):
    number = models.CharField(max_length=20, unique=True, editable=False)
    request_type = models.ForeignKey(RequestType, on_delete=models.PROTECT, related_name="requests")
    form_version = models.ForeignKey(
        RequestFormVersion, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # What the requester answered, keyed by the form's field keys (form_schema.py).
    answers = models.JSONField(default=dict, blank=True)
    title = models.CharField(max_length=200)
    # Copied from the type when submitted, for the queues and the fact table.
    offering = models.ForeignKey(
        ServiceOffering, on_delete=models.PROTECT, related_name="service_requests"
    )
    service = models.ForeignKey(Service, on_delete=models.PROTECT, related_name="service_requests")
    # Who it is for, and who filled the form (an agent on someone's behalf, or the same person).
    requested_for = models.ForeignKey(
        User, on_delete=models.PROTECT, related_name="service_requests"
    )
    requested_by = models.ForeignKey(
        User, on_delete=models.PROTECT, related_name="service_requests_made"
    )
    channel = models.CharField(max_length=16, default="portal")
    state = models.CharField(max_length=20, choices=State.choices, default=State.SUBMITTED)
    hold_reason = models.CharField(max_length=24, choices=HoldReason.choices, blank=True)
    # What the clocks read (sla_kind.py), derived from state and hold_reason by the services.
    clock_phase = models.CharField(
        max_length=12, choices=ClockPhase.choices, default=ClockPhase.RUNNING
    )
    clock_hold_reason = models.CharField(max_length=24, blank=True)
    assignment_group = models.ForeignKey(
        Team, null=True, blank=True, on_delete=models.PROTECT, related_name="service_requests"
    )
    assignee = models.ForeignKey(
        User,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="service_requests_assigned",
    )
    price = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True)
    failure_reason = models.TextField(blank=True)
    rejection_reason = models.TextField(blank=True)
    cancellation_reason = models.TextField(blank=True)
    opened_at = models.DateTimeField()
    responded_at = models.DateTimeField(null=True, blank=True)
    approval_requested_at = models.DateTimeField(null=True, blank=True)
    approved_at = models.DateTimeField(null=True, blank=True)
    rejected_at = models.DateTimeField(null=True, blank=True)
    fulfilment_started_at = models.DateTimeField(null=True, blank=True)
    fulfilled_at = models.DateTimeField(null=True, blank=True)
    failed_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    # Written by the SLA app (kaizen/sla/refresh.py): the nearest due time and the worst state.
    sla_due_at = models.DateTimeField(null=True, blank=True, editable=False)
    sla_state = models.CharField(max_length=10, blank=True, default="", editable=False)
    sla_clocks = GenericRelation(
        "sla.SLAClock",
        content_type_field="ticket_type",
        object_id_field="ticket_id",
        related_query_name="service_request",
    )
    version = models.PositiveIntegerField(default=1, editable=False)
    updated_at = models.DateTimeField()

    class Meta:
        ordering = ["-opened_at", "-id"]
        indexes = [
            models.Index(fields=["requested_for", "-opened_at"], name="request_for_opened"),
            models.Index(fields=["state", "-opened_at"], name="request_state_opened"),
            models.Index(fields=["assignment_group", "state"], name="request_group_state"),
            models.Index(fields=["request_type", "fulfilled_at"], name="request_type_fulfilled"),
            models.Index(fields=["sla_due_at"], name="request_sla_due"),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.title}"

    def get_absolute_url(self) -> str:
        return reverse("requests:request_detail", args=[self.number])

    @property
    def is_open(self) -> bool:
        return self.state in OPEN_STATES


class RequestComment(TicketComment):
    """A comment the requester sees, or a work note (agents only)."""

    # Named after the model, as kaizen/journal/ticket_activity.py expects.
    servicerequest = models.ForeignKey(
        ServiceRequest, on_delete=models.CASCADE, related_name="comments"
    )

    class Meta(TicketComment.Meta):
        pass

    def __str__(self) -> str:
        return f"{self.kind_label} on {self.servicerequest.number}"


def attachment_path(attachment: "RequestAttachment", filename: str) -> str:
    return f"requests/{attachment.servicerequest.number}/{filename}"


class RequestAttachment(TicketAttachment):
    """A file attached to a request: by a comment, or as the answer to an attachment field
    (`field_key` names the form field)."""

    servicerequest = models.ForeignKey(
        ServiceRequest, on_delete=models.CASCADE, related_name="attachments"
    )
    file = models.FileField(upload_to=attachment_path, max_length=300)
    field_key = models.CharField(max_length=60, blank=True)

    class Meta(TicketAttachment.Meta):
        pass

    def get_absolute_url(self) -> str:
        return reverse("requests:attachment_download", args=[self.pk])
