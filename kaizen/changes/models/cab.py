"""Authorisation by the change advisory board: approval policies, the approval rounds with their
approvers' votes, and CAB meetings with their agendas.

Only kaizen.changes.services (approvals.py, policies.py, meetings.py) writes these rows, each
write journaled. A round copies its policy's rules when it opens, so editing a policy never
changes a round already open (docs/change-cab.md).
"""

from django.db import models
from django.urls import reverse

from kaizen.changes.models.records import Change, ChangeType, Risk

# Delegations while away are the people app's (shared with service requests); the name stays
# importable from here.
from kaizen.people.models import Delegation, Team, User

__all__ = [
    "AgendaItem",
    "AgendaOutcome",
    "ApprovalPolicy",
    "ApprovalRound",
    "Approver",
    "ApproverGroup",
    "CabMeeting",
    "CabSchedule",
    "Decision",
    "Delegation",
    "Fallback",
    "MeetingKind",
    "MeetingStatus",
    "RoundStatus",
    "Route",
    "Rule",
]


class Route(models.TextChoices):
    """Who is asked."""

    CHANGE_MANAGERS = "change_managers", "The change managers"
    CAB = "cab", "The CAB members"
    TEAM = "team", "The members of a team"
    SERVICE_OWNERS = "service_owners", "The owners of the affected services"


class Rule(models.TextChoices):
    """When the approvers asked have decided (services/quorum.py)."""

    COUNT = "count", "A number of them approve (k of n)"
    ALL = "all", "Every one of them approves"
    MAJORITY = "majority", "A majority of the votes cast, with a quorum"


class Fallback(models.TextChoices):
    """What happens at the due time, or on a tie."""

    APPROVE = "approve", "Authorise the change"
    REJECT = "reject", "Reject the change"
    ESCALATE = "escalate", "Hand the decision to the change manager"


def who_decides(
    route: str, team_name: str, rule: str, required: int | None, manager_too: bool
) -> str:
    """ "2 of the CAB members", "all the members of Network", "1 of the CAB members, and a
    change manager": a policy's (or a round's copy of it) approvers in words."""
    noun = {
        Route.CHANGE_MANAGERS: "the change managers",
        Route.CAB: "the CAB members",
        Route.TEAM: f"the members of {team_name or 'a team'}",
        Route.SERVICE_OWNERS: "the owners of the affected services",
    }[Route(route)]
    if rule == Rule.COUNT:
        text = f"{required or 1} of {noun}"
    elif rule == Rule.ALL:
        text = f"all {noun}"
    else:
        text = f"a majority of {noun}" + (f" (quorum {required})" if required else "")
    return text + (", and a change manager" if manager_too else "")


class ApprovalPolicy(models.Model):
    """One ordered rule: the first active policy (by position) whose type and risk range match
    a change decides who authorises it and how."""

    name = models.CharField(max_length=120, unique=True)
    description = models.TextField(blank=True)
    position = models.PositiveIntegerField(
        default=100, help_text="Policies are tried in this order; the first that matches applies"
    )
    change_type = models.CharField(
        max_length=16,
        choices=[(t.value, t.label) for t in ChangeType if t != ChangeType.STANDARD],
        blank=True,
        help_text="Empty: normal and emergency changes",
    )
    min_risk = models.PositiveSmallIntegerField(
        "lowest risk", choices=Risk.choices, default=Risk.LOW
    )
    max_risk = models.PositiveSmallIntegerField(
        "highest risk", choices=Risk.choices, default=Risk.VERY_HIGH
    )
    route = models.CharField(max_length=20, choices=Route.choices, default=Route.CAB)
    team = models.ForeignKey(
        Team,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="approval_policies",
        help_text="For the team route",
    )
    rule = models.CharField(max_length=12, choices=Rule.choices, default=Rule.COUNT)
    required = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        help_text="How many must approve (k of n), or the quorum of votes (majority)",
    )
    change_manager_too = models.BooleanField(
        "a change manager approves too",
        default=False,
        help_text="Besides the route, one change manager must approve (a different person)",
    )
    tie_action = models.CharField(
        "on a tie", max_length=12, choices=Fallback.choices, default=Fallback.ESCALATE
    )
    due_hours = models.PositiveIntegerField(
        default=72, help_text="Hours from the request to the due time"
    )
    due_action = models.CharField(
        "at the due time", max_length=12, choices=Fallback.choices, default=Fallback.ESCALATE
    )
    is_active = models.BooleanField("active", default=True)
    version = models.PositiveIntegerField(default=1, editable=False)
    updated_at = models.DateTimeField()

    class Meta:
        ordering = ["position", "id"]
        verbose_name_plural = "approval policies"

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("changes:policy_edit", args=[self.pk])

    @property
    def who_decides(self) -> str:
        return who_decides(
            self.route,
            self.team.name if self.team_id else "",
            self.rule,
            self.required,
            self.change_manager_too,
        )


class RoundStatus(models.TextChoices):
    OPEN = "open", "Waiting for votes"
    ESCALATED = "escalated", "With the change manager"
    AUTHORISED = "authorised", "Authorised"
    REJECTED = "rejected", "Rejected"
    WITHDRAWN = "withdrawn", "Withdrawn"


OPEN_ROUND_STATUSES = (RoundStatus.OPEN, RoundStatus.ESCALATED)
__all__ += ["OPEN_ROUND_STATUSES"]


class ApprovalRound(models.Model):
    """One request for authorisation of a change, with a copy of the policy it follows."""

    change = models.ForeignKey(Change, on_delete=models.CASCADE, related_name="approval_rounds")
    policy = models.ForeignKey(
        ApprovalPolicy, null=True, blank=True, on_delete=models.SET_NULL, related_name="rounds"
    )
    status = models.CharField(max_length=12, choices=RoundStatus.choices, default=RoundStatus.OPEN)
    # The policy as it was when the round opened (policy edits leave an open round alone).
    policy_name = models.CharField(max_length=120)
    route = models.CharField(max_length=20, choices=Route.choices)
    team_name = models.CharField(max_length=120, blank=True)
    rule = models.CharField(max_length=12, choices=Rule.choices)
    required = models.PositiveSmallIntegerField(null=True, blank=True)
    change_manager_too = models.BooleanField(default=False)
    tie_action = models.CharField(max_length=12, choices=Fallback.choices)
    due_action = models.CharField(max_length=12, choices=Fallback.choices)
    # Why these approvers: the policy matched, or the fallback taken when nobody was eligible.
    reason = models.CharField(max_length=300, blank=True)
    opened_at = models.DateTimeField()
    opened_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    due_at = models.DateTimeField()
    escalated_at = models.DateTimeField(null=True, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    outcome_note = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["-opened_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["change"],
                condition=models.Q(status__in=["open", "escalated"]),
                name="one_open_approval_round",
            )
        ]
        indexes = [models.Index(fields=["status", "due_at"], name="approval_round_due")]

    def __str__(self) -> str:
        return f"Authorisation of {self.change.number} ({self.get_status_display().lower()})"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_ROUND_STATUSES

    @property
    def who_decides(self) -> str:
        return who_decides(
            self.route, self.team_name, self.rule, self.required, self.change_manager_too
        )


class ApproverGroup(models.TextChoices):
    BOARD = "board", "Approver"
    MANAGER = "manager", "Change manager (also required)"
    ESCALATION = "escalation", "Change manager (escalated)"


class Decision(models.TextChoices):
    APPROVE = "approve", "Approve"
    REJECT = "reject", "Reject"
    ABSTAIN = "abstain", "Abstain"


class Approver(models.Model):
    """A person asked to vote in a round, and their vote (the latest counts while the round
    is open; each vote, and each change of it, is in the journal)."""

    round = models.ForeignKey(ApprovalRound, on_delete=models.CASCADE, related_name="approvers")
    user = models.ForeignKey(User, on_delete=models.PROTECT, related_name="approvals")
    group = models.CharField(
        max_length=12, choices=ApproverGroup.choices, default=ApproverGroup.BOARD
    )
    decision = models.CharField(max_length=8, choices=Decision.choices, blank=True)
    comment = models.TextField(blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    # Someone else cast it: a delegate, or the chair recording it in a CAB meeting.
    cast_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["round", "group", "user__last_name", "user__first_name", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["round", "user", "group"], name="unique_approver_per_group"
            )
        ]
        indexes = [models.Index(fields=["user", "decision"], name="approver_user_decision")]

    def __str__(self) -> str:
        return f"{self.user} on {self.round.change.number}"


class CabSchedule(models.Model):
    """A recurring CAB meeting: every week on `weekday` at `start_time` in `time_zone`."""

    name = models.CharField(max_length=120, unique=True)
    weekday = models.PositiveSmallIntegerField(
        choices=[
            (0, "Monday"),
            (1, "Tuesday"),
            (2, "Wednesday"),
            (3, "Thursday"),
            (4, "Friday"),
            (5, "Saturday"),
            (6, "Sunday"),
        ]
    )
    start_time = models.TimeField()
    duration_minutes = models.PositiveIntegerField(default=60)
    time_zone = models.CharField(max_length=64)
    location = models.CharField(max_length=200, blank=True)
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class MeetingKind(models.TextChoices):
    SCHEDULED = "scheduled", "Scheduled CAB"
    AD_HOC = "ad_hoc", "Ad-hoc CAB"
    EMERGENCY = "emergency", "Emergency CAB"


class MeetingStatus(models.TextChoices):
    PLANNED = "planned", "Planned"
    HELD = "held", "Held"
    CANCELLED = "cancelled", "Cancelled"


class CabMeeting(models.Model):
    schedule = models.ForeignKey(
        CabSchedule, null=True, blank=True, on_delete=models.SET_NULL, related_name="meetings"
    )
    title = models.CharField(max_length=160)
    kind = models.CharField(max_length=12, choices=MeetingKind.choices, default=MeetingKind.AD_HOC)
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    location = models.CharField(max_length=200, blank=True)
    status = models.CharField(
        max_length=12, choices=MeetingStatus.choices, default=MeetingStatus.PLANNED
    )
    attendees = models.ManyToManyField(User, blank=True, related_name="cab_meetings")
    minutes = models.TextField(blank=True)
    created_at = models.DateTimeField()
    created_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["-starts_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["schedule", "starts_at"], name="one_cab_meeting_per_occurrence"
            )
        ]
        indexes = [models.Index(fields=["starts_at"], name="cab_meeting_start")]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("changes:meeting_detail", args=[self.pk])


class AgendaOutcome(models.TextChoices):
    PENDING = "", "To discuss"
    AUTHORISED = "authorised", "Authorised"
    REJECTED = "rejected", "Rejected"
    VOTED = "voted", "Votes recorded, still open"
    DEFERRED = "deferred", "Deferred"


class AgendaItem(models.Model):
    meeting = models.ForeignKey(CabMeeting, on_delete=models.CASCADE, related_name="agenda")
    change = models.ForeignKey(Change, on_delete=models.CASCADE, related_name="agenda_items")
    position = models.PositiveIntegerField(default=0)
    outcome = models.CharField(max_length=12, choices=AgendaOutcome.choices, blank=True)
    note = models.TextField(blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["meeting", "position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["meeting", "change"], name="one_agenda_item_per_change")
        ]

    def __str__(self) -> str:
        return f"{self.change.number} at {self.meeting}"
