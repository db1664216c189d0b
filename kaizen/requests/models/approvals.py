"""A request's approvals: one row per step of its type's approval (copied when the request is
submitted, so editing the type never changes a running approval) and one vote per approver."""

from django.db import models

from kaizen.people.models import Team, User
from kaizen.requests.models.catalog import ApprovalPolicy, ApproverSource, DueAction
from kaizen.requests.models.records import ServiceRequest


class StepState(models.TextChoices):
    WAITING = "waiting", "Waiting for an earlier step"
    PENDING = "pending", "Awaiting decisions"
    APPROVED = "approved", "Approved"
    REJECTED = "rejected", "Rejected"
    WITHDRAWN = "withdrawn", "Withdrawn"


class RequestApproval(models.Model):
    request = models.ForeignKey(ServiceRequest, on_delete=models.CASCADE, related_name="approvals")
    position = models.PositiveIntegerField()
    name = models.CharField(max_length=120)
    approver_source = models.CharField(max_length=24, choices=ApproverSource.choices)
    # The team or people the step named when the request was submitted: editing the type's
    # steps later never changes who a running approval asks.
    team = models.ForeignKey(
        Team, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    people = models.ManyToManyField(User, blank=True, related_name="+")
    policy = models.CharField(max_length=8, choices=ApprovalPolicy.choices)
    required = models.PositiveIntegerField(null=True, blank=True)
    due_at = models.DateTimeField(null=True, blank=True)
    due_hours = models.PositiveIntegerField(null=True, blank=True)
    due_action = models.CharField(max_length=8, choices=DueAction.choices)
    state = models.CharField(max_length=12, choices=StepState.choices, default=StepState.WAITING)
    started_at = models.DateTimeField(null=True, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    # How it was decided, in words: "2 of 3 approved", "due date passed: approved by default".
    outcome_note = models.CharField(max_length=250, blank=True)

    class Meta:
        ordering = ["request", "position"]
        constraints = [
            models.UniqueConstraint(fields=["request", "position"], name="unique_request_step")
        ]
        indexes = [models.Index(fields=["state", "due_at"], name="request_approval_due")]

    def __str__(self) -> str:
        return f"{self.request.number} step {self.position}: {self.name}"


class Decision(models.TextChoices):
    PENDING = "pending", "Pending"
    APPROVED = "approved", "Approved"
    REJECTED = "rejected", "Rejected"
    NOT_NEEDED = "not_needed", "Not needed (decided without this vote)"


class ApprovalVote(models.Model):
    approval = models.ForeignKey(RequestApproval, on_delete=models.CASCADE, related_name="votes")
    approver = models.ForeignKey(User, on_delete=models.PROTECT, related_name="request_votes")
    decision = models.CharField(max_length=12, choices=Decision.choices, default=Decision.PENDING)
    # Who acted: the approver or someone they delegated to while away.
    decided_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    comment = models.TextField(blank=True)
    # The one-time e-mail link: its token's hash (never the token) and when it was used.
    link_token_hash = models.CharField(max_length=64, blank=True)
    link_expires_at = models.DateTimeField(null=True, blank=True)
    link_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["approval", "id"]
        constraints = [
            models.UniqueConstraint(fields=["approval", "approver"], name="unique_step_approver")
        ]
        indexes = [models.Index(fields=["approver", "decision"], name="request_vote_inbox")]

    def __str__(self) -> str:
        return f"{self.approver} on {self.approval}"
