"""The continual improvement register: goals, initiatives walking the seven steps, and what
each step produces.

Only kaizen.improvement.services writes these rows; every write is journaled. Step outputs are
rows, not free text: the KPIs chosen (step 1), the data assessment and its gaps (step 2), the
collection per KPI (step 3), the cleaning rules (step 4), the analyses and baselines (step 5),
the decision and the report link (step 6), the actions, the evaluation and the adopted
baseline (step 7). A gate (kaizen.improvement.gates) reads them to say what a step lacks.
"""

import datetime as dt

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.urls import reverse

from kaizen.catalog.models import Service
from kaizen.people.models import Process, User


class GoalLevel(models.TextChoices):
    VISION = "vision", "Vision"
    STRATEGY = "strategy", "Strategy"
    TACTICAL = "tactical", "Tactical goal"
    OPERATIONAL = "operational", "Operational goal"


# A goal's parent is the level just above it; a vision has none.
GOAL_LEVELS = [level.value for level in GoalLevel]
PARENT_LEVEL = {GOAL_LEVELS[i]: GOAL_LEVELS[i - 1] for i in range(1, len(GOAL_LEVELS))}


class Goal(models.Model):
    level = models.CharField(max_length=16, choices=GoalLevel.choices)
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    owner = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="owned_goals"
    )
    starts_on = models.DateField(null=True, blank=True)
    ends_on = models.DateField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["title"]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("improvement:goal", args=[self.pk])


class CriticalSuccessFactor(models.Model):
    """What must go right for the goal to be reached; KPIs show whether it does."""

    goal = models.ForeignKey(Goal, on_delete=models.CASCADE, related_name="success_factors")
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True)

    class Meta:
        ordering = ["goal", "title"]
        verbose_name = "critical success factor"

    def __str__(self) -> str:
        return self.title


class GoalKPI(models.Model):
    """A KPI attached to a goal (optionally through one of its success factors)."""

    goal = models.ForeignKey(Goal, on_delete=models.CASCADE, related_name="kpis")
    success_factor = models.ForeignKey(
        CriticalSuccessFactor, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    kpi_key = models.CharField(max_length=120)
    target = models.FloatField(null=True, blank=True)

    class Meta:
        ordering = ["goal", "kpi_key"]
        constraints = [
            models.UniqueConstraint(fields=["goal", "kpi_key"], name="unique_kpi_per_goal")
        ]

    def __str__(self) -> str:
        return f"{self.goal}: {self.kpi_key}"


class Step(models.IntegerChoices):
    SHOULD_MEASURE = 1, "What we should measure"
    CAN_MEASURE = 2, "What we can measure"
    GATHER = 3, "Gather the data"
    PROCESS = 4, "Process the data"
    ANALYSE = 5, "Analyse the data"
    PRESENT = 6, "Present and use the information"
    IMPLEMENT = 7, "Implement corrective actions"


class Status(models.TextChoices):
    ACTIVE = "active", "Active"  # walking steps 1-7
    EVALUATING = "evaluating", "Evaluating"  # step 7, actions done, evaluation window running
    COMPLETED = "completed", "Completed: target met"
    NOT_MET = "not_met", "Closed: target not met"
    STOPPED = "stopped", "Stopped"


OPEN_STATUSES = (Status.ACTIVE, Status.EVALUATING)


class Origin(models.TextChoices):
    MANUAL = "manual", "Raised by hand"
    OPPORTUNITY = "opportunity", "Improvement opportunity"
    PROBLEM = "problem", "Problem record"
    SURVEY = "survey", "Survey result"
    REVIEW = "review", "Post-implementation review"
    SERVICE_REVIEW = "service_review", "Service review with a customer"
    PREVIOUS_CYCLE = "previous_cycle", "Previous improvement cycle"


class Priority(models.IntegerChoices):
    CRITICAL = 1, "1 - Critical"
    HIGH = 2, "2 - High"
    MEDIUM = 3, "3 - Medium"
    LOW = 4, "4 - Low"


class GateMode(models.TextChoices):
    STRICT = "strict", "Strict: a step passes only with its outputs"
    ADVISORY = "advisory", "Advisory: a step may pass with outputs missing (recorded)"


class Initiative(models.Model):
    title = models.CharField(max_length=200)
    problem_statement = models.TextField()
    justification = models.TextField(blank=True, help_text="The business case")
    expected_benefit = models.TextField(blank=True)
    process = models.CharField(max_length=32, choices=Process.choices)
    services = models.ManyToManyField(Service, blank=True, related_name="initiatives")
    goals = models.ManyToManyField(Goal, blank=True, related_name="initiatives")
    owner = models.ForeignKey(User, on_delete=models.PROTECT, related_name="owned_initiatives")
    priority = models.PositiveSmallIntegerField(choices=Priority.choices, default=Priority.MEDIUM)
    starts_on = models.DateField(null=True, blank=True)
    due_on = models.DateField(null=True, blank=True, help_text="Planned completion")
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.ACTIVE)
    current_step = models.PositiveSmallIntegerField(
        choices=Step.choices, default=Step.SHOULD_MEASURE
    )
    cycle = models.PositiveSmallIntegerField(default=1)
    previous = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="next_cycles"
    )
    origin = models.CharField(max_length=16, choices=Origin.choices, default=Origin.MANUAL)
    origin_reference = models.CharField(
        max_length=200, blank=True, help_text="e.g. the problem or review it came from"
    )
    opportunity = models.ForeignKey(
        "Opportunity", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    gate_mode = models.CharField(max_length=8, choices=GateMode.choices, default=GateMode.STRICT)
    # Step 7: the evaluation window opens when the last action is done.
    evaluation_window_days = models.PositiveSmallIntegerField(
        default=28, validators=[MinValueValidator(1), MaxValueValidator(366)]
    )
    evaluation_starts_on = models.DateField(null=True, blank=True)
    evaluation_ends_on = models.DateField(null=True, blank=True)
    # Step 6: a read-only report link (kaizen/improvement/sharing.py). Only the SHA-256 of its
    # token is kept; it opens the report until it expires; revoked by clearing both.
    share_token_hash = models.CharField(max_length=64, null=True, blank=True, unique=True)
    share_expires_at = models.DateTimeField(null=True, blank=True)
    # Optimistic locking: each change of the initiative's fields moves it on
    # (kaizen.improvement.services.initiatives.INITIATIVES).
    version = models.PositiveIntegerField(default=1, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["status", "current_step"], name="improvement_board")]

    def __str__(self) -> str:
        return f"{self.reference} {self.title}"

    def get_absolute_url(self) -> str:
        return reverse("improvement:initiative", args=[self.pk])

    @property
    def reference(self) -> str:
        return f"CSI{self.pk:05d}" if self.pk else "CSI-new"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES


class CollectionSchedule(models.TextChoices):
    HOURLY = "hourly", "Hourly (collected from the journal)"
    DAILY = "daily", "Daily"
    WEEKLY = "weekly", "Weekly"
    MONTHLY = "monthly", "Monthly"
    MANUAL = "manual", "Manual entry or upload"


class AnalysisPeriod(models.TextChoices):
    DAY = "day", "Day"
    WEEK = "week", "Week"
    MONTH = "month", "Month"


class InitiativeKPI(models.Model):
    """A KPI the initiative measures (step 1), how its data is gathered (step 3) and
    processed (step 4), and where the before/after split lies (step 5)."""

    initiative = models.ForeignKey(Initiative, on_delete=models.CASCADE, related_name="kpis")
    kpi_key = models.CharField(max_length=120)
    goal = models.ForeignKey(
        Goal, null=True, blank=True, on_delete=models.SET_NULL, related_name="initiative_kpis"
    )
    target = models.FloatField(null=True, blank=True)
    warning = models.FloatField(null=True, blank=True)
    # step 3
    source_description = models.CharField(max_length=300, blank=True)
    schedule = models.CharField(
        max_length=8, choices=CollectionSchedule.choices, blank=True, default=""
    )
    # step 4
    period_kind = models.CharField(
        max_length=8, choices=AnalysisPeriod.choices, default=AnalysisPeriod.WEEK
    )
    breakdown = models.CharField(
        max_length=32, default="category", help_text="The dimension of the Pareto of contributors"
    )
    processing_confirmed = models.BooleanField(default=False)
    # step 5: the analysed range and the before/after split (e.g. when an action went live)
    analysis_starts_on = models.DateField(null=True, blank=True)
    analysis_ends_on = models.DateField(null=True, blank=True)
    change_on = models.DateField(null=True, blank=True)
    position = models.PositiveSmallIntegerField(default=0)
    version = models.PositiveIntegerField(default=1, editable=False)  # optimistic locking

    class Meta:
        ordering = ["initiative", "position", "pk"]
        verbose_name = "initiative KPI"
        constraints = [
            models.UniqueConstraint(
                fields=["initiative", "kpi_key"], name="unique_kpi_per_initiative"
            )
        ]

    def __str__(self) -> str:
        return f"{self.initiative.reference}: {self.kpi_key}"


class GapStatus(models.TextChoices):
    OPEN = "open", "Open"
    CLOSED = "closed", "Closed"
    ACCEPTED = "accepted", "Accepted (measure anyway)"


class DataAssessment(models.Model):
    """Step 2: should vs can, computed from the metrics engine's data quality. `results` holds
    one entry per KPI: {kpi_key, measurable, reason, verdict, rows_in_scope, coverage: [...],
    min_sample_size, median_sample_size, first_period, last_period, empty_periods, issues}."""

    initiative = models.ForeignKey(Initiative, on_delete=models.CASCADE, related_name="assessments")
    computed_at = models.DateTimeField()
    computed_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    period_kind = models.CharField(max_length=8, choices=AnalysisPeriod.choices)
    range_start = models.DateField(null=True, blank=True)
    range_end = models.DateField(null=True, blank=True)
    results = models.JSONField(default=list)

    class Meta:
        ordering = ["-computed_at", "-pk"]
        get_latest_by = "computed_at"

    def __str__(self) -> str:
        return f"Data assessment of {self.initiative_id} ({self.computed_at:%Y-%m-%d %H:%M})"


# A gap's code: what keeps a KPI from being measured as it should (step 2's assessment).
GAP_NOT_MEASURABLE = "not_measurable"
GAP_NO_DATA = "no_data"
GAP_FIELD_PREFIX = "field:"  # + the fact column mostly missing
GAP_EMPTY_PERIODS = "empty_periods"
GAP_SMALL_SAMPLES = "small_samples"


class Gap(models.Model):
    """One way a chosen KPI cannot be measured as it should (not measurable, a field mostly
    missing, small samples, holes), with what it would take to close it. Kept across
    recomputations by (initiative, kpi_key, code), so an action written stays."""

    initiative = models.ForeignKey(Initiative, on_delete=models.CASCADE, related_name="gaps")
    kpi_key = models.CharField(max_length=120)
    code = models.CharField(max_length=80)  # e.g. "not_measurable", "field:resolved_at"
    description = models.TextField()
    action = models.TextField(blank=True, help_text="What it takes to close the gap")
    owner = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    status = models.CharField(max_length=8, choices=GapStatus.choices, default=GapStatus.OPEN)
    still_present = models.BooleanField(default=True)  # in the latest assessment
    version = models.PositiveIntegerField(default=1, editable=False)  # optimistic locking

    class Meta:
        ordering = ["initiative", "kpi_key", "code"]
        constraints = [
            models.UniqueConstraint(
                fields=["initiative", "kpi_key", "code"], name="unique_gap_per_kpi"
            )
        ]

    def __str__(self) -> str:
        return f"{self.kpi_key}: {self.description}"


class CleaningKind(models.TextChoices):
    EXCLUDE = "exclude", "Exclude rows where a column matches"
    OUTLIER_IQR = "outlier_iqr", "Exclude outliers above Q3 + k x IQR of a column"
    CAP = "cap", "Exclude rows where a column is above a stated value"


class CleaningRule(models.Model):
    """Step 4: a recorded rule applied to a KPI's figures and shown beside them."""

    initiative_kpi = models.ForeignKey(
        InitiativeKPI, on_delete=models.CASCADE, related_name="cleaning_rules"
    )
    kind = models.CharField(max_length=16, choices=CleaningKind.choices)
    column = models.CharField(max_length=64)
    operator = models.CharField(max_length=8, blank=True)  # EXCLUDE: kaizen.kpis.spec.Operator
    value = models.JSONField(null=True, blank=True)  # EXCLUDE: compared value; CAP: the bound
    factor = models.FloatField(null=True, blank=True)  # OUTLIER_IQR: k (1.5 is Tukey's)
    reason = models.TextField(help_text="Why the rule is right for this KPI")
    created_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["initiative_kpi", "pk"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.column}"


class Analysis(models.Model):
    """Step 5 (and the evaluation of step 7): one KPI analysed. `result` holds the numbers
    behind every chart: {series, cleaning, baseline, trend, control_chart, pareto,
    before_after, actual, target, status, explanation}."""

    initiative_kpi = models.ForeignKey(
        InitiativeKPI, on_delete=models.CASCADE, related_name="analyses"
    )
    computed_at = models.DateTimeField()
    computed_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    purpose = models.CharField(
        max_length=12,
        choices=[("analysis", "Analysis"), ("evaluation", "Evaluation")],
        default="analysis",
    )
    period_kind = models.CharField(max_length=8, choices=AnalysisPeriod.choices)
    range_start = models.DateField(null=True, blank=True)
    range_end = models.DateField(null=True, blank=True)
    change_on = models.DateField(null=True, blank=True)
    synced_event_id = models.BigIntegerField(null=True, blank=True)  # provenance
    result = models.JSONField(default=dict)

    class Meta:
        ordering = ["-computed_at", "-pk"]
        get_latest_by = "computed_at"
        verbose_name_plural = "analyses"

    def __str__(self) -> str:
        return f"Analysis of {self.initiative_kpi_id} ({self.computed_at:%Y-%m-%d %H:%M})"


class BaselineSource(models.TextChoices):
    MEASURED = "measured", "Measured in step 5"
    ADOPTED = "adopted", "Adopted after a successful evaluation"
    CARRIED = "carried", "Carried over from the previous cycle"


class Baseline(models.Model):
    """A KPI's reference level. Versions are kept: adopting a new one never rewrites the old."""

    initiative_kpi = models.ForeignKey(
        InitiativeKPI, on_delete=models.CASCADE, related_name="baselines"
    )
    version = models.PositiveSmallIntegerField()
    source = models.CharField(max_length=8, choices=BaselineSource.choices)
    period_kind = models.CharField(max_length=8, choices=AnalysisPeriod.choices)
    starts_on = models.DateField()
    ends_on = models.DateField()
    value = models.FloatField()
    ci_low = models.FloatField(null=True, blank=True)
    ci_high = models.FloatField(null=True, blank=True)
    n = models.PositiveIntegerField()
    analysis = models.ForeignKey(
        Analysis, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    recorded_at = models.DateTimeField()
    recorded_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["initiative_kpi", "-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["initiative_kpi", "version"], name="unique_baseline_version"
            )
        ]

    def __str__(self) -> str:
        return f"{self.initiative_kpi.kpi_key} baseline v{self.version}: {self.value:g}"


class DecisionKind(models.TextChoices):
    IMPLEMENT = "implement", "Implement corrective actions"
    KEEP_MEASURING = "keep_measuring", "Keep measuring"
    STOP = "stop", "Stop the initiative"


class Decision(models.Model):
    """Step 6: what the decision makers decided, who and when."""

    initiative = models.ForeignKey(Initiative, on_delete=models.CASCADE, related_name="decisions")
    cycle = models.PositiveSmallIntegerField()
    decision = models.CharField(max_length=16, choices=DecisionKind.choices)
    rationale = models.TextField()
    decided_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    decided_at = models.DateTimeField()

    class Meta:
        ordering = ["-decided_at", "-pk"]
        get_latest_by = "decided_at"

    def __str__(self) -> str:
        return f"{self.get_decision_display()} ({self.decided_at:%Y-%m-%d})"


class ActionStatus(models.TextChoices):
    OPEN = "open", "Open"
    IN_PROGRESS = "in_progress", "In progress"
    DONE = "done", "Done"
    CANCELLED = "cancelled", "Cancelled"


class Action(models.Model):
    """Step 7: a corrective action tracked to done."""

    initiative = models.ForeignKey(Initiative, on_delete=models.CASCADE, related_name="actions")
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    owner = models.ForeignKey(User, on_delete=models.PROTECT, related_name="improvement_actions")
    due_on = models.DateField()
    status = models.CharField(
        max_length=12, choices=ActionStatus.choices, default=ActionStatus.OPEN
    )
    done_on = models.DateField(null=True, blank=True)
    change_reference = models.CharField(
        max_length=60, blank=True, help_text="The change request that carries it out, if any"
    )
    # The Kaizen change the reference names, when Kaizen has it (another tool's number stays
    # a reference): the action's status then follows the change (kaizen/improvement/changes.py).
    change = models.ForeignKey(
        "changes.Change",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="improvement_actions",
    )
    version = models.PositiveIntegerField(default=1, editable=False)  # optimistic locking
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["initiative", "due_on", "pk"]
        indexes = [models.Index(fields=["owner", "status"], name="improvement_action_owner")]

    def __str__(self) -> str:
        return self.title

    @property
    def on_time(self) -> bool | None:
        if self.status != ActionStatus.DONE or self.done_on is None:
            return None
        return self.done_on <= self.due_on

    def is_overdue(self, today: dt.date) -> bool:
        return self.status in (ActionStatus.OPEN, ActionStatus.IN_PROGRESS) and self.due_on < today


class Evaluation(models.Model):
    """Step 7: the re-measurement at the end of the evaluation window. `results` holds per KPI
    {kpi_key, analysis_id, baseline, value, target, met, before_after, explanation}."""

    initiative = models.ForeignKey(Initiative, on_delete=models.CASCADE, related_name="evaluations")
    cycle = models.PositiveSmallIntegerField()
    evaluated_at = models.DateTimeField()
    evaluated_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    window_start = models.DateField()
    window_end = models.DateField()
    target_met = models.BooleanField()
    baseline_adopted = models.BooleanField(default=False)
    results = models.JSONField(default=list)

    class Meta:
        ordering = ["-evaluated_at", "-pk"]
        get_latest_by = "evaluated_at"

    def __str__(self) -> str:
        verdict = "target met" if self.target_met else "target not met"
        return f"Evaluation of {self.initiative_id}, cycle {self.cycle}: {verdict}"


class OpportunityKind(models.TextChoices):
    ADVERSE_TREND = "adverse_trend", "Adverse trend"
    CONTROL_SIGNAL = "control_signal", "Control chart signal"
    SLA_HOTSPOT = "sla_hotspot", "SLA breach hot spot"
    SATISFACTION_DROP = "satisfaction_drop", "Satisfaction drop"
    RECURRING_INCIDENTS = "recurring_incidents", "Recurring incidents without a problem"
    CHANGES_CAUSING_INCIDENTS = "change_incidents", "Changes followed by incidents"


class OpportunityStatus(models.TextChoices):
    OPEN = "open", "Open"
    DISMISSED = "dismissed", "Dismissed"
    STARTED = "started", "Initiative started"


class Opportunity(models.Model):
    """An improvement the data suggests. The fingerprint (kind + subject) makes a re-scan
    update the same row; a dismissed one reopens only when its strength grows past what it was
    when dismissed."""

    kind = models.CharField(max_length=24, choices=OpportunityKind.choices)
    fingerprint = models.CharField(max_length=300, unique=True)
    title = models.CharField(max_length=300)
    summary = models.TextField()
    kpi_key = models.CharField(max_length=120, blank=True)
    dimension = models.CharField(max_length=32, blank=True)
    dimension_value = models.CharField(max_length=300, blank=True)
    strength = models.FloatField(help_text="How strong the evidence is, to compare re-scans")
    evidence = models.JSONField(default=dict)  # the figure and the chart's numbers
    status = models.CharField(
        max_length=12, choices=OpportunityStatus.choices, default=OpportunityStatus.OPEN
    )
    first_seen_at = models.DateTimeField()
    last_seen_at = models.DateTimeField()
    dismissed_at = models.DateTimeField(null=True, blank=True)
    dismissed_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    dismissed_strength = models.FloatField(null=True, blank=True)
    dismissed_reason = models.TextField(blank=True)
    initiative = models.ForeignKey(
        Initiative, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["status", "-strength", "pk"]
        verbose_name_plural = "opportunities"

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("improvement:opportunity", args=[self.pk])
