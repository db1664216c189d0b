"""Change requests and the standard change catalogue.

Only kaizen.changes.services writes these rows, each write journaled with every changed field
(the created event carries them all, so the journal alone rebuilds a change's history).
"""

from django.contrib.contenttypes.fields import GenericRelation
from django.db import models
from django.urls import reverse

from kaizen.catalog.models import ConfigurationItem, Service
from kaizen.core.models import TicketAttachment, TicketComment
from kaizen.core.priority import Impact, Priority, Urgency
from kaizen.people.models import Team, User

__all__ = [
    "CLOSED_STATES",
    "OPEN_STATES",
    "CausedIncident",
    "CausedIncidentStatus",
    "Change",
    "ChangeAttachment",
    "ChangeCategory",
    "ChangeComment",
    "ChangeTemplate",
    "ChangeType",
    "ClosureCode",
    "Impact",
    "Priority",
    "Risk",
    "State",
    "TemplateStatus",
    "Urgency",
]


class ChangeType(models.TextChoices):
    STANDARD = "standard", "Standard"
    NORMAL = "normal", "Normal"
    EMERGENCY = "emergency", "Emergency"


class State(models.TextChoices):
    DRAFT = "draft", "Draft"
    ASSESS = "assess", "Assess"
    AUTHORISE = "authorise", "Authorise"
    SCHEDULED = "scheduled", "Scheduled"
    IMPLEMENT = "implement", "Implement"
    REVIEW = "review", "Review"
    CLOSED = "closed", "Closed"
    CANCELLED = "cancelled", "Cancelled"
    REJECTED = "rejected", "Rejected"


OPEN_STATES = (
    State.DRAFT,
    State.ASSESS,
    State.AUTHORISE,
    State.SCHEDULED,
    State.IMPLEMENT,
    State.REVIEW,
)
CLOSED_STATES = (State.CLOSED, State.CANCELLED, State.REJECTED)


class ClosureCode(models.TextChoices):
    SUCCESSFUL = "successful", "Successful"
    SUCCESSFUL_WITH_ISSUES = "successful_with_issues", "Successful with issues"
    FAILED = "failed", "Failed"
    BACKED_OUT = "backed_out", "Backed out"


# The outcomes that count as a failed change in the evidence and the KPIs.
FAILED_CLOSURE_CODES = (ClosureCode.FAILED, ClosureCode.BACKED_OUT)
__all__ += ["FAILED_CLOSURE_CODES"]


class Risk(models.IntegerChoices):
    """Ordered: a higher value is a riskier change (risk rules compare them)."""

    LOW = 1, "Low"
    MODERATE = 2, "Moderate"
    HIGH = 3, "High"
    VERY_HIGH = 4, "Very high"


class ChangeCategory(models.Model):
    """What kind of change: software release, configuration, hardware, network, ..."""

    name = models.CharField(max_length=80, unique=True)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "change categories"

    def __str__(self) -> str:
        return self.name


class TemplateStatus(models.TextChoices):
    PROPOSED = "proposed", "Proposed"
    APPROVED = "approved", "Approved"
    REJECTED = "rejected", "Rejected"
    RETIRED = "retired", "Retired"


class ChangeTemplate(models.Model):
    """One version of a standard (pre-approved) change. Versions of one template share its
    `key`; approving a version retires the one approved before it, and a change raised from a
    template keeps the exact version it copied."""

    key = models.SlugField(max_length=80)
    version_number = models.PositiveIntegerField(default=1)
    name = models.CharField(max_length=150)
    description = models.TextField(blank=True)
    category = models.ForeignKey(
        ChangeCategory, null=True, blank=True, on_delete=models.PROTECT, related_name="templates"
    )
    services = models.ManyToManyField(Service, blank=True, related_name="change_templates")
    configuration_items = models.ManyToManyField(
        ConfigurationItem, blank=True, related_name="change_templates"
    )
    assignment_group = models.ForeignKey(
        Team, null=True, blank=True, on_delete=models.PROTECT, related_name="change_templates"
    )
    implementation_plan = models.TextField()
    backout_plan = models.TextField()
    test_plan = models.TextField(blank=True)
    expected_outage = models.BooleanField(default=False)
    outage_minutes = models.PositiveIntegerField(null=True, blank=True)
    risk = models.PositiveSmallIntegerField(choices=Risk.choices, default=Risk.LOW)
    status = models.CharField(
        max_length=16, choices=TemplateStatus.choices, default=TemplateStatus.PROPOSED
    )
    proposed_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    proposed_at = models.DateTimeField()
    decided_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.TextField(blank=True)
    retired_at = models.DateTimeField(null=True, blank=True)
    version = models.PositiveIntegerField(default=1, editable=False)
    updated_at = models.DateTimeField()

    class Meta:
        ordering = ["name", "-version_number"]
        constraints = [
            models.UniqueConstraint(
                fields=["key", "version_number"], name="unique_change_template_version"
            ),
            models.UniqueConstraint(
                fields=["key"],
                condition=models.Q(status="approved"),
                name="one_approved_change_template_version",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} (v{self.version_number})"

    def get_absolute_url(self) -> str:
        return reverse("changes:template_detail", args=[self.pk])


class Change(models.Model):
    number = models.CharField(max_length=20, unique=True, editable=False)
    title = models.CharField(max_length=160)
    description = models.TextField(blank=True)
    justification = models.TextField(blank=True)
    change_type = models.CharField(
        max_length=16, choices=ChangeType.choices, default=ChangeType.NORMAL
    )
    category = models.ForeignKey(
        ChangeCategory, null=True, blank=True, on_delete=models.PROTECT, related_name="changes"
    )
    template = models.ForeignKey(
        ChangeTemplate, null=True, blank=True, on_delete=models.PROTECT, related_name="changes"
    )
    services = models.ManyToManyField(Service, blank=True, related_name="changes")
    configuration_items = models.ManyToManyField(
        ConfigurationItem, blank=True, related_name="changes"
    )
    # Every change raised in Kaizen has its requester; one known only by reference may not.
    requester = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.PROTECT, related_name="changes_requested"
    )
    owner = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.PROTECT, related_name="changes_owned"
    )
    assignment_group = models.ForeignKey(
        Team, null=True, blank=True, on_delete=models.PROTECT, related_name="changes"
    )
    implementer = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.PROTECT, related_name="changes_implemented"
    )
    impact = models.PositiveSmallIntegerField(choices=Impact.choices, default=Impact.LOW)
    urgency = models.PositiveSmallIntegerField(choices=Urgency.choices, default=Urgency.LOW)
    priority = models.PositiveSmallIntegerField(
        choices=Priority.choices, default=Priority.LOW, editable=False
    )
    # The stated risk: from the questionnaire and the risk rules (services/risk.py), or the
    # template's. The evidence from past changes is computed beside it, never stored here.
    risk = models.PositiveSmallIntegerField(choices=Risk.choices, default=Risk.LOW)
    planned_start = models.DateTimeField(null=True, blank=True)
    planned_end = models.DateTimeField(null=True, blank=True)
    actual_start = models.DateTimeField(null=True, blank=True)
    actual_end = models.DateTimeField(null=True, blank=True)
    implementation_plan = models.TextField(blank=True)
    backout_plan = models.TextField(blank=True)
    test_plan = models.TextField(blank=True)
    expected_outage = models.BooleanField(default=False)
    outage_minutes = models.PositiveIntegerField(null=True, blank=True)
    # Until problem management exists, the problem this change fixes is a reference.
    problem_reference = models.CharField(max_length=60, blank=True)
    state = models.CharField(max_length=16, choices=State.choices, default=State.DRAFT)
    closure_code = models.CharField(max_length=24, choices=ClosureCode.choices, blank=True)
    closure_notes = models.TextField(blank=True)
    # The post-implementation review (services/review.py).
    objectives_met = models.BooleanField(null=True, blank=True)
    lessons_learned = models.TextField(blank=True)
    opened_at = models.DateTimeField(db_index=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    # When the change last entered Authorise: the CAB's approval time runs from here.
    authorisation_requested_at = models.DateTimeField(null=True, blank=True)
    authorised_at = models.DateTimeField(null=True, blank=True)
    rejected_at = models.DateTimeField(null=True, blank=True)
    reviewed_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    # Work done without the authorisation it needed (started before it, or recorded with none):
    # flagged and counted, never hidden.
    unauthorised = models.BooleanField(default=False)
    unauthorised_reason = models.CharField(max_length=250, blank=True)
    imported_from = models.CharField(max_length=40, blank=True, db_index=True)
    # Known only because another record names it (an imported incident's "caused by" or
    # "rfc"): its number is real, its type, plans, times and outcome are not known.
    reference_only = models.BooleanField(default=False)
    source_attributes = models.JSONField(default=dict, blank=True)
    # Written by the SLA app only (changes are a ticket kind registered with it, see
    # sla_kind.py): the nearest due time of the running clocks, and how they stand.
    sla_due_at = models.DateTimeField(null=True, blank=True, editable=False)
    sla_state = models.CharField(max_length=16, blank=True, default="", editable=False)
    sla_clocks = GenericRelation(
        "sla.SLAClock",
        content_type_field="ticket_type",
        object_id_field="ticket_id",
        related_query_name="change",
    )
    # Optimistic locking: every change of the change's fields adds one.
    version = models.PositiveIntegerField(default=1, editable=False)
    updated_at = models.DateTimeField()

    class Meta:
        ordering = ["-opened_at", "-id"]
        indexes = [
            models.Index(fields=["state", "planned_start", "id"], name="change_state_start"),
            # The calendar's conflict check reads a range of planned starts of booked changes
            # and tests each planned end from the index alone (services/conflicts.py).
            models.Index(
                fields=["state", "planned_start", "planned_end", "id"],
                name="change_state_start_end",
            ),
            models.Index(fields=["assignment_group", "state", "id"], name="change_group_state"),
            models.Index(fields=["requester", "state"], name="change_requester_state"),
            models.Index(fields=["implementer", "state"], name="change_implementer_state"),
            # The risk evidence's tiers: closed changes newest first per template, category and
            # team, and the most recently closed ones for its prior (services/evidence.py).
            models.Index(fields=["state", "closed_at"], name="change_risk_closed"),
            models.Index(fields=["template", "state", "closed_at"], name="change_risk_template"),
            models.Index(
                fields=["category", "assignment_group", "state", "closed_at"],
                name="change_risk_category_team",
            ),
            models.Index(
                fields=["assignment_group", "state", "closed_at"], name="change_risk_team"
            ),
            models.Index(fields=["state", "sla_due_at"], name="change_state_due"),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.title}"

    def get_absolute_url(self) -> str:
        return reverse("changes:detail", args=[self.number])

    @property
    def is_open(self) -> bool:
        return self.state in OPEN_STATES

    @property
    def is_final(self) -> bool:
        return self.state in CLOSED_STATES

    @property
    def needs_authorisation(self) -> bool:
        return self.change_type != ChangeType.STANDARD


class ChangeComment(TicketComment):
    """A comment the requester sees, or a work note (agents only)."""

    change = models.ForeignKey(Change, on_delete=models.CASCADE, related_name="comments")

    class Meta(TicketComment.Meta):
        pass

    def __str__(self) -> str:
        return f"{self.kind_label} on {self.change.number}"


def attachment_path(attachment: "ChangeAttachment", filename: str) -> str:
    return f"changes/{attachment.change.number}/{filename}"


class ChangeAttachment(TicketAttachment):
    change = models.ForeignKey(Change, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(upload_to=attachment_path, max_length=300)

    class Meta(TicketAttachment.Meta):
        pass

    def get_absolute_url(self) -> str:
        return reverse("changes:attachment_download", args=[self.pk])


class CausedIncidentStatus(models.TextChoices):
    PROPOSED = "proposed", "Proposed"
    CONFIRMED = "confirmed", "Confirmed"
    DISMISSED = "dismissed", "Dismissed"


class CausedIncident(models.Model):
    """An incident that this change caused: proposed by Kaizen (opened on an affected
    service or CI within the window after implementation), recorded by a person or an import,
    and confirmed or dismissed by a person. Processes do not import each other, so the
    incident is named by its number and found through the catalogue's ticket sources."""

    change = models.ForeignKey(Change, on_delete=models.CASCADE, related_name="caused_incidents")
    incident_number = models.CharField(max_length=40)
    incident_opened_at = models.DateTimeField(null=True, blank=True)
    status = models.CharField(
        max_length=16, choices=CausedIncidentStatus.choices, default=CausedIncidentStatus.PROPOSED
    )
    reason = models.CharField(max_length=250, blank=True)
    decided_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["incident_opened_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["change", "incident_number"], name="unique_caused_incident"
            )
        ]
        indexes = [models.Index(fields=["incident_number"], name="caused_incident_number")]

    def __str__(self) -> str:
        return f"{self.incident_number} caused by {self.change.number}"
