"""What can be requested: request types on the catalogue's offerings, their form versions, the
approval steps and the fulfilment tasks a request of the type goes through.

Only kaizen.requests.services writes these rows, each write journaled.
"""

from decimal import Decimal

from django.core.validators import MinValueValidator
from django.db import models
from django.urls import reverse

from kaizen.catalog.models import ServiceOffering
from kaizen.people.models import Team, User
from kaizen.sla.models import SLADefinition


class Audience(models.TextChoices):
    EVERYONE = "everyone", "Everyone"
    RESTRICTED = "restricted", "Only the teams and people named"


class RequestType(models.Model):
    """Something a requester can order from an offering (a laptop, access to a shared drive):
    its form, who may ask, who approves, the tasks that fulfil it and the delivery target."""

    offering = models.ForeignKey(
        ServiceOffering, on_delete=models.PROTECT, related_name="request_types"
    )
    name = models.CharField(max_length=150)
    summary = models.CharField(max_length=250, blank=True)
    description = models.TextField(blank=True)
    is_active = models.BooleanField(default=True)
    audience = models.CharField(max_length=16, choices=Audience.choices, default=Audience.EVERYONE)
    allowed_teams = models.ManyToManyField(Team, blank=True, related_name="+")
    allowed_people = models.ManyToManyField(User, blank=True, related_name="+")
    # The team that owns the fulfilment (the request's assignment group).
    fulfilment_group = models.ForeignKey(
        Team, null=True, blank=True, on_delete=models.PROTECT, related_name="request_types"
    )
    # The delivery target: a resolution definition of the request kind. The SLA engine still
    # chooses by matching (this type is one of its conditions); the type names the one its
    # requesters are told about.
    delivery_target = models.ForeignKey(
        SLADefinition, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    price = models.DecimalField(
        max_digits=12,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal(0))],
        help_text="What the requester's cost centre is charged, if anything",
    )
    cost = models.DecimalField(
        max_digits=12,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal(0))],
        help_text="What fulfilling one request costs the provider",
    )
    currency = models.CharField(max_length=3, blank=True, default="EUR")
    # The form requesters fill now; earlier requests keep the version they answered.
    current_form = models.ForeignKey(
        "RequestFormVersion", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()
    version = models.PositiveIntegerField(default=1, editable=False)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["offering", "name"], name="unique_request_type_per_offering"
            )
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("requests:type_detail", args=[self.pk])


class RequestFormVersion(models.Model):
    """One version of a request type's form. Never edited once a request answered it: a
    changed form is a new version (kaizen/requests/form_schema.py describes `fields`)."""

    request_type = models.ForeignKey(RequestType, on_delete=models.CASCADE, related_name="forms")
    number = models.PositiveIntegerField()
    fields = models.JSONField(default=list)
    created_at = models.DateTimeField()
    created_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["request_type", "-number"]
        constraints = [
            models.UniqueConstraint(
                fields=["request_type", "number"], name="unique_request_form_version"
            )
        ]

    def __str__(self) -> str:
        return f"{self.request_type} form v{self.number}"


class ApproverSource(models.TextChoices):
    REQUESTER_MANAGER = "requester_manager", "The requester's manager"
    SERVICE_OWNER = "service_owner", "The service owner"
    TEAM = "team", "Members of a team"
    PEOPLE = "people", "Named people"


class ApprovalPolicy(models.TextChoices):
    ANY = "any", "Any one approver"
    ALL = "all", "All approvers"
    K_OF_N = "k_of_n", "A number of approvers (k of n)"


class DueAction(models.TextChoices):
    APPROVE = "approve", "Approve"
    REJECT = "reject", "Reject"


class ApprovalStepTemplate(models.Model):
    """One step of a request type's approval, in `position` order: who approves and how many
    of them must."""

    request_type = models.ForeignKey(
        RequestType, on_delete=models.CASCADE, related_name="approval_steps"
    )
    position = models.PositiveIntegerField()
    name = models.CharField(max_length=120)
    approver_source = models.CharField(max_length=24, choices=ApproverSource.choices)
    team = models.ForeignKey(
        Team, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    people = models.ManyToManyField(User, blank=True, related_name="+")
    policy = models.CharField(
        max_length=8, choices=ApprovalPolicy.choices, default=ApprovalPolicy.ANY
    )
    required = models.PositiveIntegerField(null=True, blank=True, help_text="k, for k of n")
    due_hours = models.PositiveIntegerField(
        null=True, blank=True, help_text="Hours the approvers have; empty: no due date"
    )
    due_action = models.CharField(max_length=8, choices=DueAction.choices, default=DueAction.REJECT)

    class Meta:
        ordering = ["request_type", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["request_type", "position"], name="unique_approval_step_position"
            )
        ]

    def __str__(self) -> str:
        return f"{self.position}. {self.name}"


class TaskTemplate(models.Model):
    """A fulfilment task created for every approved request of the type. Tasks with the same
    `position` run in parallel; a higher position waits until every lower one is done."""

    request_type = models.ForeignKey(
        RequestType, on_delete=models.CASCADE, related_name="task_templates"
    )
    position = models.PositiveIntegerField(default=1)
    title = models.CharField(max_length=150)
    instructions = models.TextField(blank=True)
    team = models.ForeignKey(Team, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["request_type", "position", "id"]

    def __str__(self) -> str:
        return self.title
