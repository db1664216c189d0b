"""Risk: the questionnaire with its ordered risk rules (versioned together), a change's
answers, and the snapshot of the risk estimate a change had when it was authorised (for the
Brier score).

Only kaizen.changes.services.risk writes these rows, each write journaled.
"""

from django.db import models

from kaizen.catalog.models import CIType, Criticality
from kaizen.changes.models.records import Change, Risk
from kaizen.people.models import User

__all__ = [
    "RiskAnswer",
    "RiskAnswerOption",
    "RiskAssessment",
    "RiskQuestion",
    "RiskQuestionnaire",
    "RiskRule",
    "RiskRuleKind",
]


class RiskQuestionnaire(models.Model):
    """One version of the risk questionnaire. A version is never edited once published:
    editing publishes the next version, so answers keep the wording, weights and thresholds
    they were given against. The current questionnaire is the highest version."""

    version_number = models.PositiveIntegerField(unique=True)
    # The score (sum of the chosen options' weights) from which the questionnaire says
    # moderate, high and very high; below `moderate_from` it says low.
    moderate_from = models.PositiveIntegerField()
    high_from = models.PositiveIntegerField()
    very_high_from = models.PositiveIntegerField()
    note = models.CharField(max_length=250, blank=True)
    published_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    published_at = models.DateTimeField()

    class Meta:
        ordering = ["-version_number"]

    def __str__(self) -> str:
        return f"Risk questionnaire v{self.version_number}"

    def risk_for(self, score: int) -> Risk:
        if score >= self.very_high_from:
            return Risk.VERY_HIGH
        if score >= self.high_from:
            return Risk.HIGH
        if score >= self.moderate_from:
            return Risk.MODERATE
        return Risk.LOW


class RiskQuestion(models.Model):
    questionnaire = models.ForeignKey(
        RiskQuestionnaire, on_delete=models.CASCADE, related_name="questions"
    )
    position = models.PositiveSmallIntegerField()
    text = models.CharField(max_length=300)

    class Meta:
        ordering = ["questionnaire", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["questionnaire", "position"], name="unique_risk_question_position"
            )
        ]

    def __str__(self) -> str:
        return self.text


class RiskAnswerOption(models.Model):
    question = models.ForeignKey(RiskQuestion, on_delete=models.CASCADE, related_name="options")
    position = models.PositiveSmallIntegerField()
    label = models.CharField(max_length=150)
    weight = models.PositiveSmallIntegerField()

    class Meta:
        ordering = ["question", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["question", "position"], name="unique_risk_option_position"
            )
        ]

    def __str__(self) -> str:
        return f"{self.label} ({self.weight})"


class RiskAnswer(models.Model):
    """A change's answer to one question (of the version it was answered against)."""

    change = models.ForeignKey(Change, on_delete=models.CASCADE, related_name="risk_answers")
    question = models.ForeignKey(RiskQuestion, on_delete=models.PROTECT, related_name="+")
    option = models.ForeignKey(RiskAnswerOption, on_delete=models.PROTECT, related_name="+")
    answered_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    answered_at = models.DateTimeField()

    class Meta:
        ordering = ["change", "question__position"]
        constraints = [
            models.UniqueConstraint(fields=["change", "question"], name="unique_risk_answer")
        ]

    def __str__(self) -> str:
        return f"{self.change_id}: {self.option.label}"


class RiskRuleKind(models.TextChoices):
    EMERGENCY = "emergency", "Emergency change"
    HIGH_IMPACT = "high_impact", "High impact"
    EXPECTED_OUTAGE = "expected_outage", "Expected outage"
    CI_TYPE = "ci_type", "Configuration item of a class"
    SERVICE_CRITICALITY = "service_criticality", "Service of a criticality"


class RiskRule(models.Model):
    """A rule that raises the stated risk to at least `at_least` when the change matches it.
    Rules are applied in `position` order; a rule never lowers the risk. The rules are part of
    the questionnaire's version (published together, kept together)."""

    questionnaire = models.ForeignKey(
        RiskQuestionnaire, on_delete=models.CASCADE, related_name="rules"
    )
    position = models.PositiveSmallIntegerField()
    kind = models.CharField(max_length=24, choices=RiskRuleKind.choices)
    # CI_TYPE: a CI of this class is affected.
    ci_type = models.CharField(max_length=16, choices=CIType.choices, blank=True)
    # SERVICE_CRITICALITY: an affected service is at least this critical.
    criticality = models.CharField(max_length=16, choices=Criticality.choices, blank=True)
    at_least = models.PositiveSmallIntegerField(choices=Risk.choices)

    class Meta:
        ordering = ["questionnaire", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["questionnaire", "position"], name="unique_risk_rule_position"
            )
        ]

    def __str__(self) -> str:
        return f"{self.condition} => at least {Risk(self.at_least).label.lower()}"

    @property
    def condition(self) -> str:
        """The rule's condition in words."""
        if self.kind == RiskRuleKind.CI_TYPE:
            label = CIType(self.ci_type).label.lower() if self.ci_type else "?"
            return f"a configuration item of class {label} is affected"
        if self.kind == RiskRuleKind.SERVICE_CRITICALITY:
            if self.criticality == Criticality.CRITICAL:
                return "an affected service is critical"
            label = Criticality(self.criticality).label.lower() if self.criticality else "?"
            return f"an affected service's criticality is {label} or higher"
        return {
            RiskRuleKind.EMERGENCY: "an emergency change",
            RiskRuleKind.HIGH_IMPACT: "a high-impact change",
            RiskRuleKind.EXPECTED_OUTAGE: "an outage is expected",
        }[RiskRuleKind(self.kind)]


class RiskAssessment(models.Model):
    """The stated risk and the evidence's estimate a change had when it was authorised (a
    standard change: when it was scheduled). One per change, the latest authorisation's; the
    Brier score compares `probability` with how the change turned out."""

    change = models.OneToOneField(Change, on_delete=models.CASCADE, related_name="risk_assessment")
    stated_risk = models.PositiveSmallIntegerField(choices=Risk.choices)
    probability = models.FloatField()
    interval_low = models.FloatField()
    interval_high = models.FloatField()
    sample_size = models.PositiveIntegerField()
    bad_outcomes = models.PositiveIntegerField()
    tier = models.CharField(max_length=24)
    assessed_at = models.DateTimeField()

    class Meta:
        ordering = ["-assessed_at", "-id"]

    def __str__(self) -> str:
        return f"{self.change_id}: {self.probability:.0%}"
