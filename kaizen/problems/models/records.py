"""Problems: the unknown cause of one or more incidents, investigated to a root cause, worked
around and fixed.

Incidents belong to another process (processes do not import each other, .importlinter): a
problem names the incidents it explains by number (LinkedIncident) and finds them through the
catalogue's ticket sources. The category is the incident category's name, so a problem and
the incidents it explains are grouped alike.
"""

from django.contrib.contenttypes.fields import GenericRelation
from django.db import models
from django.urls import reverse

from kaizen.catalog.models import ConfigurationItem, Service
from kaizen.core.models import TicketAttachment, TicketComment
from kaizen.core.priority import Impact, Priority, Urgency
from kaizen.people.models import Team, User

__all__ = [
    "ANALYSIS_STATES",
    "FOUR_PS",
    "OPEN_STATES",
    "AnalysisMethod",
    "CauseCategory",
    "ClosureCode",
    "Impact",
    "LinkedIncident",
    "Origin",
    "Priority",
    "Problem",
    "ProblemAttachment",
    "ProblemComment",
    "State",
    "Urgency",
]


class State(models.TextChoices):
    NEW = "new", "New"
    ASSESSED = "assessed", "Assessed"
    ROOT_CAUSE_ANALYSIS = "root_cause_analysis", "Root cause analysis"
    KNOWN_ERROR = "known_error", "Known error"
    FIX_IN_PROGRESS = "fix_in_progress", "Fix in progress"
    RESOLVED = "resolved", "Resolved"
    CLOSED = "closed", "Closed"


OPEN_STATES = (
    State.NEW,
    State.ASSESSED,
    State.ROOT_CAUSE_ANALYSIS,
    State.KNOWN_ERROR,
    State.FIX_IN_PROGRESS,
)
# Where the cause is still being looked for: a re-opened problem goes back here.
ANALYSIS_STATES = (State.ASSESSED, State.ROOT_CAUSE_ANALYSIS)


class ClosureCode(models.TextChoices):
    FIXED = "fixed", "Fixed"
    DUPLICATE = "duplicate", "Duplicate"
    RISK_ACCEPTED = "risk_accepted", "Risk accepted"
    CANCELLED = "cancelled", "Cancelled"


class CauseCategory(models.TextChoices):
    """What kind of cause the root cause is: the categories problem reviews count."""

    SOFTWARE_DEFECT = "software_defect", "Software defect"
    CONFIGURATION = "configuration", "Configuration error"
    CAPACITY = "capacity", "Capacity or performance"
    HARDWARE = "hardware", "Hardware failure"
    NETWORK = "network", "Network"
    SUPPLIER = "supplier", "Supplier or third party"
    CHANGE = "change", "Failed or unauthorised change"
    HUMAN_ERROR = "human_error", "Human error"
    PROCESS = "process", "Process or procedure gap"
    SECURITY = "security", "Security"
    ENVIRONMENT = "environment", "Facilities or environment"
    UNKNOWN = "unknown", "Not determined"


class AnalysisMethod(models.TextChoices):
    NONE = "", "None"
    FIVE_WHYS = "five_whys", "Five whys"
    FOUR_PS = "four_ps", "Causes by the four Ps"


# The four Ps of ITIL service design: where a cause can lie. The structured analysis of the
# "four_ps" method is {p: [causes]} over these keys.
FOUR_PS = (
    ("people", "People"),
    ("process", "Process"),
    ("products", "Products and technology"),
    ("partners", "Partners and suppliers"),
)


class Origin(models.TextChoices):
    RAISED = "raised", "Raised by a person"
    CANDIDATE = "candidate", "Accepted from a candidate found in the data"
    IMPORTED = "imported", "Imported"


class Problem(models.Model):
    number = models.CharField(max_length=20, unique=True, editable=False)
    statement = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    services = models.ManyToManyField(Service, blank=True, related_name="problems")
    configuration_items = models.ManyToManyField(
        ConfigurationItem, blank=True, related_name="problems"
    )
    # The incident category's name (see the module's docstring).
    category = models.CharField(max_length=80, blank=True)
    impact = models.PositiveSmallIntegerField(choices=Impact.choices, default=Impact.LOW)
    urgency = models.PositiveSmallIntegerField(choices=Urgency.choices, default=Urgency.LOW)
    priority = models.PositiveSmallIntegerField(
        choices=Priority.choices, default=Priority.LOW, editable=False
    )
    owner = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.PROTECT, related_name="problems_owned"
    )
    assignment_group = models.ForeignKey(
        Team, null=True, blank=True, on_delete=models.PROTECT, related_name="problems"
    )
    raised_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.PROTECT, related_name="problems_raised"
    )
    origin = models.CharField(max_length=16, choices=Origin.choices, default=Origin.RAISED)
    workaround = models.TextField(blank=True)
    root_cause = models.TextField(blank=True)
    cause_category = models.CharField(max_length=24, choices=CauseCategory.choices, blank=True)
    analysis_method = models.CharField(
        max_length=16, choices=AnalysisMethod.choices, blank=True, default=AnalysisMethod.NONE
    )
    # five_whys: [{"why": ..., "because": ...}, ...]; four_ps: {"people": [...], ...}.
    analysis = models.JSONField(default=dict, blank=True)
    fix = models.TextField(blank=True)
    # The change that implements the fix, by number (found through the ticket sources).
    fix_change_number = models.CharField(max_length=20, blank=True)
    state = models.CharField(max_length=24, choices=State.choices, default=State.NEW)
    closure_code = models.CharField(max_length=16, choices=ClosureCode.choices, blank=True)
    closure_notes = models.TextField(blank=True)
    duplicate_of = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="duplicates"
    )
    # A risk-accepted problem comes back for review on this day.
    risk_review_on = models.DateField(null=True, blank=True)
    opened_at = models.DateTimeField(db_index=True)
    assessed_at = models.DateTimeField(null=True, blank=True)
    # When the root cause was first recorded (the KPI "time to root cause").
    root_cause_at = models.DateTimeField(null=True, blank=True)
    known_error_at = models.DateTimeField(null=True, blank=True)
    workaround_at = models.DateTimeField(null=True, blank=True)
    fix_started_at = models.DateTimeField(null=True, blank=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    reopen_count = models.PositiveIntegerField(default=0)
    imported_from = models.CharField(max_length=40, blank=True, db_index=True)
    # Known only because imported incidents name it: its number is real, little else is.
    reference_only = models.BooleanField(default=False)
    source_attributes = models.JSONField(default=dict, blank=True)
    # Written by the SLA app only (problems are a ticket kind registered with it, see
    # sla_kind.py): the nearest due time of the running clocks, and how they stand.
    sla_due_at = models.DateTimeField(null=True, blank=True, editable=False)
    sla_state = models.CharField(max_length=16, blank=True, default="", editable=False)
    sla_clocks = GenericRelation(
        "sla.SLAClock",
        content_type_field="ticket_type",
        object_id_field="ticket_id",
        related_query_name="problem",
    )
    # Optimistic locking: every change of the problem's fields adds one.
    version = models.PositiveIntegerField(default=1, editable=False)
    updated_at = models.DateTimeField()

    class Meta:
        ordering = ["-opened_at", "-id"]
        indexes = [
            models.Index(fields=["state", "priority", "id"], name="problem_state_priority"),
            models.Index(fields=["assignment_group", "state", "id"], name="problem_group_state"),
            models.Index(fields=["owner", "state"], name="problem_owner_state"),
            models.Index(fields=["closure_code", "risk_review_on"], name="problem_risk_review"),
            models.Index(fields=["state", "sla_due_at"], name="problem_state_due"),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.statement}"

    def get_absolute_url(self) -> str:
        return reverse("problems:detail", args=[self.number])

    @property
    def is_open(self) -> bool:
        return self.state in OPEN_STATES


class ProblemComment(TicketComment):
    """A comment, or a work note (agents only)."""

    problem = models.ForeignKey(Problem, on_delete=models.CASCADE, related_name="comments")

    class Meta(TicketComment.Meta):
        pass

    def __str__(self) -> str:
        return f"{self.kind_label} on {self.problem.number}"


def attachment_path(attachment: "ProblemAttachment", filename: str) -> str:
    return f"problems/{attachment.problem.number}/{filename}"


class ProblemAttachment(TicketAttachment):
    problem = models.ForeignKey(Problem, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(upload_to=attachment_path, max_length=300)

    class Meta(TicketAttachment.Meta):
        pass

    def get_absolute_url(self) -> str:
        return reverse("problems:attachment_download", args=[self.pk])


class LinkedIncident(models.Model):
    """An incident this problem explains, named by number. Linking and unlinking are
    journaled on the problem and on the incident; an unlinked incident's row is deleted (the
    journal keeps that it was linked)."""

    problem = models.ForeignKey(Problem, on_delete=models.CASCADE, related_name="incident_links")
    incident_number = models.CharField(max_length=40)
    # Copied when linked, so lists and the candidates' charts need no second lookup.
    incident_opened_at = models.DateTimeField(null=True, blank=True)
    linked_at = models.DateTimeField()
    linked_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # Applied from the known-error database while working the incident: which article, and
    # whether its workaround was copied onto the incident (the "with workaround" figures).
    known_error = models.ForeignKey(
        "problems.KnownError",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="incident_links",
    )
    workaround_applied = models.BooleanField(default=False)
    workaround_applied_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["incident_opened_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["problem", "incident_number"], name="unique_problem_incident"
            )
        ]
        indexes = [models.Index(fields=["incident_number"], name="problem_link_incident")]

    def __str__(self) -> str:
        return f"{self.incident_number} explained by {self.problem.number}"
