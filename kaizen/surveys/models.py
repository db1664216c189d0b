"""Satisfaction surveys: versioned definitions, the triggers that sample tickets into
invitations with known inclusion probabilities, the answers, and the follow-ups of unhappy
customers.

Only kaizen.surveys.services writes these rows, each write journaled. A definition's versions
never change once published: the figures of one version never pool with another's scale.
"""

from django.conf import settings
from django.db import models
from django.urls import reverse


class QuestionKind(models.TextChoices):
    RATING = "rating", "Rating 1-5 (every point labelled)"
    NPS = "nps", "Recommendation 0-10 (NPS)"
    RESOLVED = "resolved", "Was it resolved? (yes/no)"
    CHOICE = "choice", "Choice"
    TEXT = "text", "Free text"


# The words under each point of a 1-5 rating, unless a version words its own.
DEFAULT_RATING_LABELS = (
    "Very dissatisfied",
    "Dissatisfied",
    "Neutral",
    "Satisfied",
    "Very satisfied",
)


class SurveyDefinition(models.Model):
    """A survey as configured: its triggers and how unhappy answers are followed up. What it
    asks lives in its versions."""

    name = models.CharField(max_length=120, unique=True)
    slug = models.SlugField(max_length=120, unique=True)
    description = models.TextField(blank=True)
    is_active = models.BooleanField(default=True)
    # Closing the loop: a headline rating at or below this (1-5 scale; 0: never) or, on the
    # NPS scale, at or below `low_nps_max`, or a "no" to "was it resolved?", opens a follow-up.
    low_rating_max = models.PositiveSmallIntegerField("follow up ratings up to", default=2)
    low_nps_max = models.PositiveSmallIntegerField("follow up NPS up to", default=6)
    follow_up_not_resolved = models.BooleanField('follow up "not resolved"', default=True)
    follow_up_hours = models.PositiveIntegerField(
        default=8, help_text="Target for the team lead to follow up, in business hours"
    )
    follow_up_calendar = models.ForeignKey(
        "sla.BusinessCalendar",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="Business hours the target counts in; empty: around the clock",
    )
    # A "not resolved" answer may reopen the ticket within its reopen window, if the
    # requester asks for it on the answer page.
    offer_reopen = models.BooleanField(default=True)
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()
    version = models.PositiveIntegerField(default=1, editable=False)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("surveys:definition_detail", args=[self.slug])


class SurveyVersion(models.Model):
    """What a survey asks, frozen when published. `number` counts from 1 per definition."""

    definition = models.ForeignKey(
        SurveyDefinition, on_delete=models.CASCADE, related_name="versions"
    )
    number = models.PositiveIntegerField()
    introduction = models.TextField(blank=True)
    published_at = models.DateTimeField()

    class Meta:
        ordering = ["definition", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["definition", "number"], name="unique_survey_version")
        ]

    def __str__(self) -> str:
        return f"{self.definition.name} v{self.number}"

    @property
    def headline(self) -> "Question | None":
        for question in self.questions.all():
            if question.is_headline:
                return question
        return None


class Question(models.Model):
    version = models.ForeignKey(SurveyVersion, on_delete=models.CASCADE, related_name="questions")
    position = models.PositiveSmallIntegerField()
    kind = models.CharField(max_length=10, choices=QuestionKind.choices)
    text = models.CharField(max_length=300)
    # Rating: the five labels, worst first; choice: the options.
    options = models.JSONField(default=list, blank=True)
    required = models.BooleanField(default=False)
    is_headline = models.BooleanField(default=False)

    class Meta:
        ordering = ["version", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["version", "position"], name="unique_question_position"
            ),
            models.UniqueConstraint(
                fields=["version"],
                condition=models.Q(is_headline=True),
                name="one_headline_question",
            ),
        ]

    def __str__(self) -> str:
        return self.text

    @property
    def points(self) -> list[tuple[int, str]]:
        """The values a person can choose, with their words (rating, NPS, yes/no)."""
        if self.kind == QuestionKind.RATING:
            labels = self.options or list(DEFAULT_RATING_LABELS)
            return [(value, labels[value - 1]) for value in range(1, 6)]
        if self.kind == QuestionKind.NPS:
            words = {0: "Not at all likely", 10: "Extremely likely"}
            return [
                (value, f"{value}" + (f" — {words[value]}" if value in words else ""))
                for value in range(11)
            ]
        if self.kind == QuestionKind.RESOLVED:
            return [(1, "Yes"), (0, "No")]
        return []


class TriggerOutcome(models.TextChoices):
    RESOLVED = "resolved", "Resolved"
    CLOSED = "closed", "Closed"


class SurveyTrigger(models.Model):
    """When tickets are sampled into invitations, and how often one person may be asked.

    `kind` is the key of a registered trigger kind (kaizen/surveys/triggers.py: "incident"
    now, a request kind later). Conditions are lists of values; empty: any. `strata` give a
    rate per service and/or priority ([{"service": 3, "priority": 1, "rate": 0.5}, ...]; the
    first that matches wins, else `inclusion_rate`)."""

    definition = models.ForeignKey(
        SurveyDefinition, on_delete=models.CASCADE, related_name="triggers"
    )
    kind = models.CharField(max_length=40)
    outcome = models.CharField(
        max_length=10, choices=TriggerOutcome.choices, default=TriggerOutcome.RESOLVED
    )
    is_active = models.BooleanField(default=True)
    inclusion_rate = models.FloatField(default=1.0)
    strata = models.JSONField(default=list, blank=True)
    service_ids = models.JSONField(default=list, blank=True)
    priorities = models.JSONField(default=list, blank=True)
    team_ids = models.JSONField(default=list, blank=True)
    channels = models.JSONField(default=list, blank=True)
    exclude_agent_self_service = models.BooleanField(
        "exclude agents' own tickets",
        default=True,
        help_text="Skip tickets an agent opened and solved for themselves",
    )
    exclude_auto_closed = models.BooleanField("exclude auto-closed tickets", default=True)
    excluded_addresses = models.TextField(
        blank=True, help_text="One address or @domain a line: never surveyed"
    )
    cooldown_days = models.PositiveIntegerField("cool-down (days)", default=30)
    cap_count = models.PositiveIntegerField("cap (surveys)", default=0, help_text="0: no cap")
    cap_days = models.PositiveIntegerField("cap period (days)", default=365)
    delay_minutes = models.PositiveIntegerField("delay (minutes)", default=60)
    window_start_hour = models.PositiveSmallIntegerField("send from (hour)", default=9)
    window_end_hour = models.PositiveSmallIntegerField("send until (hour)", default=18)
    expiry_days = models.PositiveIntegerField("open for (days)", default=14)
    reminder_after_days = models.PositiveIntegerField(
        "reminder after (days)", default=0, help_text="0: no reminder"
    )
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()
    version = models.PositiveIntegerField(default=1, editable=False)

    class Meta:
        ordering = ["definition", "pk"]

    def __str__(self) -> str:
        return f"{self.definition.name}: {self.kind} {self.outcome}"


class InvitationState(models.TextChoices):
    SCHEDULED = "scheduled", "Scheduled"
    SENT = "sent", "Sent"
    ANSWERED = "answered", "Answered"
    EXPIRED = "expired", "Expired"


class Invitation(models.Model):
    """One sampled ticket's survey to its requester, with the probability it was drawn with
    (Horvitz-Thompson weights are its inverse) and what Kaizen knew of the ticket then."""

    definition = models.ForeignKey(
        SurveyDefinition, on_delete=models.PROTECT, related_name="invitations"
    )
    survey_version = models.ForeignKey(
        SurveyVersion, on_delete=models.PROTECT, related_name="invitations"
    )
    trigger = models.ForeignKey(SurveyTrigger, on_delete=models.PROTECT, related_name="invitations")
    source_key = models.CharField(max_length=40)
    ticket_id = models.BigIntegerField()
    ticket_number = models.CharField(max_length=40)
    ticket_title = models.CharField(max_length=300, blank=True)
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="survey_invitations"
    )
    # What the ticket was at the trigger: the breakdowns and the non-response comparison.
    service = models.ForeignKey(
        "catalog.Service", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    team = models.ForeignKey(
        "people.Team", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    priority = models.PositiveSmallIntegerField(null=True, blank=True)
    sla_breached = models.BooleanField("SLA breached", null=True, blank=True)
    reassignment_count = models.PositiveIntegerField(default=0)
    resolution_minutes = models.PositiveIntegerField(
        "resolution time (minutes)", null=True, blank=True
    )
    triggered_at = models.DateTimeField()
    inclusion_probability = models.FloatField()
    state = models.CharField(
        max_length=10, choices=InvitationState.choices, default=InvitationState.SCHEDULED
    )
    scheduled_for = models.DateTimeField()
    expires_at = models.DateTimeField()
    sent_at = models.DateTimeField(null=True, blank=True)
    reminded_at = models.DateTimeField(null=True, blank=True)
    answered_at = models.DateTimeField(null=True, blank=True)
    expired_at = models.DateTimeField(null=True, blank=True)
    # The e-mail's one-click links carry this nonce; the first use spends it (link_used_at).
    link_nonce = models.CharField(max_length=32)
    link_used_at = models.DateTimeField(null=True, blank=True)
    # Answers by question id (str) -> value; the headline's value and the yes/no "resolved?"
    # answer are kept beside them for the figures.
    answers = models.JSONField("answers (by question id)", default=dict, blank=True)
    score = models.PositiveSmallIntegerField(null=True, blank=True)
    said_resolved = models.BooleanField(null=True, blank=True)
    reopen_requested = models.BooleanField(default=False)
    version = models.PositiveIntegerField(default=1, editable=False)
    updated_at = models.DateTimeField()

    class Meta:
        ordering = ["-triggered_at", "-pk"]
        constraints = [
            # One survey per trigger and ticket: a re-run of the planner draws nothing twice.
            models.UniqueConstraint(
                fields=["trigger", "source_key", "ticket_id"], name="unique_invitation_per_ticket"
            )
        ]
        indexes = [
            models.Index(fields=["recipient", "triggered_at"]),
            models.Index(fields=["state", "scheduled_for"]),
            models.Index(fields=["source_key", "ticket_id"]),
        ]

    def __str__(self) -> str:
        return f"Survey on {self.ticket_number}"

    def get_absolute_url(self) -> str:
        return reverse("surveys:invitation_detail", args=[self.pk])

    @property
    def is_open_for_answers(self) -> bool:
        return self.state in (InvitationState.SENT, InvitationState.ANSWERED)


class FollowUpState(models.TextChoices):
    OPEN = "open", "Open"
    DONE = "done", "Done"


class FollowUpOutcome(models.TextChoices):
    CONTACTED_FIXED = "contacted_fixed", "Contacted; the cause was put right"
    CONTACTED_EXPLAINED = "contacted_explained", "Contacted; explained, nothing to change"
    NOT_REACHED = "not_reached", "Could not reach the requester"
    REOPENED = "reopened", "The ticket was reopened"
    NO_ACTION = "no_action", "No action needed"


class FollowUp(models.Model):
    """An unhappy answer, for the ticket team's lead to follow up by `due_at`."""

    invitation = models.OneToOneField(
        Invitation, on_delete=models.PROTECT, related_name="follow_up"
    )
    reason = models.CharField(max_length=200)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="survey_follow_ups",
    )
    team = models.ForeignKey(
        "people.Team", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    opened_at = models.DateTimeField()
    due_at = models.DateTimeField()
    state = models.CharField(
        max_length=8, choices=FollowUpState.choices, default=FollowUpState.OPEN
    )
    outcome = models.CharField(max_length=24, choices=FollowUpOutcome.choices, blank=True)
    outcome_notes = models.TextField(blank=True)
    contacted_requester = models.BooleanField(default=False)
    done_at = models.DateTimeField(null=True, blank=True)
    version = models.PositiveIntegerField(default=1, editable=False)
    updated_at = models.DateTimeField()

    class Meta:
        ordering = ["state", "due_at", "pk"]
        indexes = [models.Index(fields=["state", "due_at"])]

    def __str__(self) -> str:
        return f"Follow-up of {self.invitation.ticket_number}"

    def get_absolute_url(self) -> str:
        return reverse("surveys:follow_up_detail", args=[self.pk])


class PlannerCursor(models.Model):
    """How far the invitation planner has read the journal (one row per name)."""

    name = models.CharField(max_length=40, unique=True)
    last_event_id = models.BigIntegerField(default=0)
    updated_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.name} at event {self.last_event_id}"
