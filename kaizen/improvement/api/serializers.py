"""The improvement register over the API. Serializers parse and present; every write goes to
kaizen.improvement.services.

The JSON a step stores (a data assessment's results, an analysis's chart numbers, an
evaluation's results) is served as stored (`stored_json`); the serializers of its parts
(`AnalysisResultSerializer` and the like) only describe its keys in the OpenAPI document.

Schema notes: a choice set is an enum in exactly one component (`status` of an initiative, of
an action, ...), so drf-spectacular can name each after its component without a warning; the
step number is a plain integer 1-7 everywhere, and `period_kind` (day/week/month) a string
whose values the help text lists, because the KPI endpoints already have a `period_kind` enum
with other values (day ... year, all).
"""

from typing import Any

from django.urls import reverse
from django.utils import timezone
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from kaizen.catalog.models import Service
from kaizen.core.api.serializers import VersionedSerializer
from kaizen.improvement import sharing
from kaizen.improvement.models import (
    Action,
    ActionStatus,
    Analysis,
    AnalysisPeriod,
    Baseline,
    CleaningRule,
    CriticalSuccessFactor,
    DataAssessment,
    Decision,
    Evaluation,
    Gap,
    Goal,
    GoalKPI,
    Initiative,
    InitiativeKPI,
    Opportunity,
    Step,
)
from kaizen.improvement.permissions import can_work_initiative
from kaizen.kpis.spec import Operator
from kaizen.people.models import User, UserKind

STEP_HELP = "; ".join(f"{step.value} {step.label}" for step in Step)
PERIOD_HELP = "Period of the figures: " + ", ".join(AnalysisPeriod.values)


def agent_field(help_text: str, **kwargs: Any) -> serializers.PrimaryKeyRelatedField:
    return serializers.PrimaryKeyRelatedField(
        queryset=User.objects.filter(kind=UserKind.AGENT, is_active=True),
        help_text=help_text,
        **kwargs,
    )


def name_field(source: str | None = None) -> serializers.CharField:
    """A person's name, read-only (`source`: the user field, when not the field's own name)."""
    if source is None:
        return serializers.CharField(read_only=True, allow_null=True)
    return serializers.CharField(source=source, read_only=True, allow_null=True)


def step_field(**kwargs: Any) -> serializers.IntegerField:
    return serializers.IntegerField(min_value=1, max_value=7, help_text=STEP_HELP, **kwargs)


@extend_schema_field({"type": "string", "description": PERIOD_HELP})
class PeriodKindField(serializers.ChoiceField):
    """Validated as a choice, described as a string: see the module docstring."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(choices=AnalysisPeriod.choices, **kwargs)


def stored_json(doc: Any) -> type[serializers.JSONField]:
    """A read-only JSON field served as stored, described in the schema by `doc`."""

    @extend_schema_field(doc)
    class StoredJSONField(serializers.JSONField):
        pass

    return StoredJSONField


# --- goals -----------------------------------------------------------------------------------


class SuccessFactorSerializer(serializers.ModelSerializer):
    class Meta:
        model = CriticalSuccessFactor
        fields = ["id", "title", "description"]


class GoalKPISerializer(serializers.ModelSerializer):
    success_factor = serializers.PrimaryKeyRelatedField(
        queryset=CriticalSuccessFactor.objects.all(),
        allow_null=True,
        required=False,
        help_text="Id of one of the goal's critical success factors",
    )

    class Meta:
        model = GoalKPI
        fields = ["id", "kpi_key", "target", "success_factor"]
        # The service names a KPI attached twice on `kpi_key`.
        validators: list[Any] = []


GOAL_FIELDS = ["level", "title", "description", "parent", "owner", "starts_on", "ends_on"]


class GoalSerializer(serializers.ModelSerializer):
    """A goal of the tree (vision → strategy → tactical → operational), with its critical
    success factors and the KPIs that show whether they go right."""

    parent = serializers.PrimaryKeyRelatedField(
        queryset=Goal.objects.all(),
        allow_null=True,
        required=False,
        help_text="Id of the goal one level up (none for a vision)",
    )
    owner = agent_field("User id of the goal's owner", allow_null=True, required=False)
    owner_name = name_field("owner")
    success_factors = SuccessFactorSerializer(many=True, read_only=True)
    kpis = GoalKPISerializer(many=True, read_only=True)
    url = serializers.SerializerMethodField()

    class Meta:
        model = Goal
        fields = [
            "id",
            *GOAL_FIELDS,
            "owner_name",
            "success_factors",
            "kpis",
            "created_at",
            "updated_at",
            "url",
        ]

    def get_url(self, goal: Goal) -> str:
        return goal.get_absolute_url()


# --- initiatives -----------------------------------------------------------------------------


class GateSerializer(serializers.Serializer):
    """What a step has produced and what it still lacks to pass."""

    step = step_field()
    label = serializers.CharField()
    passed = serializers.BooleanField()
    missing = serializers.ListField(
        child=serializers.CharField(), help_text="What the step lacks, in words"
    )
    done = serializers.ListField(
        child=serializers.CharField(), help_text="What the step has, in words"
    )


class KPISummarySerializer(serializers.Serializer):
    """The KPI's definition, as the library (or the custom KPIs) has it."""

    name = serializers.CharField()
    unit = serializers.CharField()
    direction = serializers.CharField(help_text="higher or lower: which way is better")


class BaselineSerializer(serializers.ModelSerializer):
    period_kind = PeriodKindField(read_only=True)
    recorded_by = name_field()

    class Meta:
        model = Baseline
        fields = [
            "id",
            "initiative_kpi",
            "version",
            "source",
            "period_kind",
            "starts_on",
            "ends_on",
            "value",
            "ci_low",
            "ci_high",
            "n",
            "analysis",
            "recorded_at",
            "recorded_by",
        ]
        read_only_fields = fields


IKPI_FIELDS = [
    "goal",
    "target",
    "warning",
    "source_description",
    "schedule",
    "period_kind",
    "breakdown",
    "processing_confirmed",
    "analysis_starts_on",
    "analysis_ends_on",
    "change_on",
]


class InitiativeKPISerializer(VersionedSerializer):
    """A KPI the initiative measures: why (step 1), where its data comes from (step 3), how it
    is processed (step 4) and where the before/after split lies (step 5). PATCH changes any of
    these, with the `version` read (409 when the KPI changed since); the KPI itself
    (`kpi_key`) stays: remove it and add another instead."""

    goal = serializers.PrimaryKeyRelatedField(
        queryset=Goal.objects.all(), allow_null=True, required=False, help_text="Goal id"
    )
    period_kind = PeriodKindField(required=False)
    breakdown = serializers.CharField(
        required=False,
        max_length=32,
        help_text="Dimension of the Pareto of contributors (category, service, team, ...)",
    )
    kpi = serializers.SerializerMethodField()
    baseline = serializers.SerializerMethodField(help_text="The latest baseline version")
    url = serializers.SerializerMethodField()

    class Meta:
        model = InitiativeKPI
        fields = [
            "id",
            "version",
            "initiative",
            "kpi_key",
            "kpi",
            *IKPI_FIELDS,
            "baseline",
            "url",
        ]
        read_only_fields = ["initiative", "kpi_key"]

    @extend_schema_field(KPISummarySerializer(allow_null=True))
    def get_kpi(self, ikpi: InitiativeKPI) -> dict[str, Any] | None:
        definition = self.context["definitions"]().get(ikpi.kpi_key)
        if definition is None:
            return None
        return {
            "name": definition.name,
            "unit": str(definition.unit.value),
            "direction": str(definition.direction.value),
        }

    @extend_schema_field(BaselineSerializer(allow_null=True))
    def get_baseline(self, ikpi: InitiativeKPI) -> dict[str, Any] | None:
        # `baselines` is prefetched (newest version first, the model's ordering).
        latest = next(iter(ikpi.baselines.all()), None)
        return BaselineSerializer(latest).data if latest else None

    def get_url(self, ikpi: InitiativeKPI) -> str:
        return reverse("improvement:kpi_edit", args=[ikpi.initiative_id, ikpi.pk])


class InitiativeKPICreateSerializer(serializers.Serializer):
    kpi_key = serializers.CharField(max_length=120, help_text="A key of GET /api/v1/kpis/")
    goal = serializers.PrimaryKeyRelatedField(
        queryset=Goal.objects.all(), allow_null=True, required=False, help_text="Goal id"
    )
    target = serializers.FloatField(
        allow_null=True, required=False, help_text="Default: the KPI's own target"
    )
    warning = serializers.FloatField(
        allow_null=True, required=False, help_text="Default: the KPI's own warning threshold"
    )


class DecisionSerializer(serializers.ModelSerializer):
    decided_by = name_field()

    class Meta:
        model = Decision
        fields = ["id", "cycle", "decision", "rationale", "decided_by", "decided_at"]
        read_only_fields = ["id", "cycle", "decided_by", "decided_at"]


class ActionCountsSerializer(serializers.Serializer):
    open = serializers.IntegerField()
    in_progress = serializers.IntegerField()
    done = serializers.IntegerField()
    cancelled = serializers.IntegerField()
    overdue = serializers.IntegerField(help_text="Open or in progress, past their due date")


INITIATIVE_CREATE_FIELDS = [
    "title",
    "problem_statement",
    "process",
    "owner",
    "justification",
    "expected_benefit",
    "services",
    "goals",
    "priority",
    "starts_on",
    "due_on",
    "origin",
    "origin_reference",
    "gate_mode",
]
INITIATIVE_UPDATE_FIELDS = [*INITIATIVE_CREATE_FIELDS, "evaluation_window_days"]
# The step and the status move only through their own endpoints, so a PATCH cannot skip a gate.
MOVED_ELSEWHERE = {
    "current_step": "advance/ (or return/)",
    "status": "decisions/ (stop) or evaluate/",
}


class ShareLinkSerializer(serializers.Serializer):
    expires_at = serializers.DateTimeField(help_text="When the link stops (or stopped) working")
    expired = serializers.BooleanField()


class InitiativeSerializer(VersionedSerializer):
    """An initiative of the register with where it stands: the current step's gate, its KPIs,
    the latest decision and its actions counted by status. A PATCH sends the `version` read
    (409 when the initiative changed since)."""

    owner = agent_field("User id of the owner (default: you)", required=False)
    owner_name = name_field("owner")
    services = serializers.SlugRelatedField(
        slug_field="slug",
        queryset=Service.objects.all(),
        many=True,
        required=False,
        help_text="Service slugs",
    )
    goals = serializers.PrimaryKeyRelatedField(
        queryset=Goal.objects.all(), many=True, required=False, help_text="Goal ids"
    )
    current_step = step_field(read_only=True)
    current_step_label = serializers.SerializerMethodField()
    gate = serializers.SerializerMethodField()
    kpis = InitiativeKPISerializer(many=True, read_only=True)
    latest_decision = serializers.SerializerMethodField()
    action_counts = serializers.SerializerMethodField()
    share_link = serializers.SerializerMethodField(
        help_text="The read-only report link, when there is one and you may revoke it (its "
        "token is given only once, by POST share/); null otherwise"
    )
    url = serializers.SerializerMethodField()

    class Meta:
        model = Initiative
        fields = [
            "id",
            "reference",
            "version",
            *INITIATIVE_UPDATE_FIELDS,
            "owner_name",
            "status",
            "current_step",
            "current_step_label",
            "cycle",
            "previous",
            "opportunity",
            "evaluation_starts_on",
            "evaluation_ends_on",
            "gate",
            "kpis",
            "latest_decision",
            "action_counts",
            "share_link",
            "created_at",
            "updated_at",
            "closed_at",
            "url",
        ]
        read_only_fields = [
            "status",
            "cycle",
            "previous",
            "opportunity",
            "evaluation_starts_on",
            "evaluation_ends_on",
            "closed_at",
        ]

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        attrs = super().validate(attrs)
        moved = {name: path for name, path in MOVED_ELSEWHERE.items() if name in self.initial_data}
        if self.instance is not None and moved:
            raise serializers.ValidationError(
                {
                    name: f"change it with POST /api/v1/initiatives/{self.instance.pk}/{path}"
                    for name, path in moved.items()
                }
            )
        return attrs

    def get_current_step_label(self, initiative: Initiative) -> str:
        return Step(initiative.current_step).label

    @extend_schema_field(GateSerializer)
    def get_gate(self, initiative: Initiative) -> dict[str, Any]:
        return GateSerializer(self.context["gate_of"](initiative)).data

    @extend_schema_field(DecisionSerializer(allow_null=True))
    def get_latest_decision(self, initiative: Initiative) -> dict[str, Any] | None:
        latest = next(iter(initiative.decisions.all()), None)
        return DecisionSerializer(latest).data if latest else None

    @extend_schema_field(ActionCountsSerializer)
    def get_action_counts(self, initiative: Initiative) -> dict[str, int]:
        today = timezone.localdate()
        counts = dict.fromkeys([*ActionStatus.values, "overdue"], 0)
        for action in initiative.actions.all():
            counts[action.status] += 1
            counts["overdue"] += action.is_overdue(today)
        return counts

    @extend_schema_field(ShareLinkSerializer(allow_null=True))
    def get_share_link(self, initiative: Initiative) -> dict[str, Any] | None:
        request = self.context.get("request")
        if not initiative.share_token_hash or request is None:
            return None
        if not can_work_initiative(request.user, initiative):
            return None
        return ShareLinkSerializer(
            {
                "expires_at": initiative.share_expires_at,
                "expired": not sharing.is_live(initiative),
            }
        ).data

    def get_url(self, initiative: Initiative) -> str:
        return initiative.get_absolute_url()


def share_url(request: Any, token: str) -> str:
    path = reverse("improvement:shared_report", args=[token])
    return request.build_absolute_uri(path) if request is not None else path


class AdvanceSerializer(serializers.Serializer):
    override_reason = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        help_text="Advisory gate mode only: why the step may pass with outputs missing",
    )


class ReturnSerializer(serializers.Serializer):
    step = step_field()
    reason = serializers.CharField(help_text="Why the initiative goes back")


class GateBlockedSerializer(serializers.Serializer):
    detail = serializers.CharField()
    missing = serializers.ListField(child=serializers.CharField())


class ShareRequestSerializer(serializers.Serializer):
    days = serializers.IntegerField(
        required=False,
        min_value=1,
        help_text="How many days the link works (default: the setting KAIZEN_SHARE_LINK_DAYS; "
        "at most KAIZEN_SHARE_LINK_MAX_DAYS)",
    )
    expires_on = serializers.DateField(
        required=False, help_text="Or the last day the link works (instead of days)"
    )


class ShareSerializer(serializers.Serializer):
    token = serializers.CharField(help_text="Given only in this answer: only its hash is kept")
    url = serializers.URLField(help_text="The read-only report, for people without an account")
    expires_at = serializers.DateTimeField(help_text="When the link stops working")


# --- step outputs ----------------------------------------------------------------------------


class FieldCoverageSerializer(serializers.Serializer):
    field = serializers.CharField()
    filled = serializers.IntegerField()
    missing = serializers.IntegerField()
    coverage_pct = serializers.FloatField(allow_null=True)


class PeriodSampleSerializer(serializers.Serializer):
    period = serializers.DateField()
    n = serializers.IntegerField()


class FoundGapSerializer(serializers.Serializer):
    code = serializers.CharField()
    description = serializers.CharField()
    suggested_action = serializers.CharField()


class AssessmentResultSerializer(serializers.Serializer):
    """One KPI's should-vs-can: the metrics engine's data quality over the range."""

    initiative_kpi = serializers.IntegerField()
    kpi_key = serializers.CharField()
    name = serializers.CharField()
    period_kind = serializers.CharField()
    start = serializers.DateField()
    end = serializers.DateField()
    measurable = serializers.BooleanField()
    reason = serializers.CharField(allow_blank=True)
    verdict = serializers.CharField(help_text="good, fair, poor, no data or not_measurable")
    source = serializers.CharField(allow_null=True)
    rows_in_scope = serializers.IntegerField()
    coverage = FieldCoverageSerializer(many=True, help_text="Of each required field")
    sample_sizes = PeriodSampleSerializer(many=True)
    min_sample_size = serializers.IntegerField(allow_null=True)
    median_sample_size = serializers.FloatField(allow_null=True)
    first_period = serializers.DateField(allow_null=True)
    last_period = serializers.DateField(allow_null=True)
    empty_periods = serializers.ListField(child=serializers.DateField())
    issues = serializers.ListField(child=serializers.CharField())
    gaps = FoundGapSerializer(many=True)


class DataAssessmentSerializer(serializers.ModelSerializer):
    """Step 2: for each KPI, whether the data exists and how good it is."""

    computed_by = name_field()
    period_kind = PeriodKindField(read_only=True)
    results = stored_json(AssessmentResultSerializer(many=True))(read_only=True)

    class Meta:
        model = DataAssessment
        fields = [
            "id",
            "initiative",
            "computed_at",
            "computed_by",
            "period_kind",
            "range_start",
            "range_end",
            "results",
        ]
        read_only_fields = fields


class GapSerializer(VersionedSerializer):
    """Step 2: one way a KPI cannot be measured as it should, and what it takes to close it.
    PATCH sets `action`, `owner` and `status` with the `version` read (409 when the gap
    changed since); the rest comes from the assessment."""

    owner = agent_field("User id of whoever closes the gap", allow_null=True, required=False)
    owner_name = name_field("owner")

    class Meta:
        model = Gap
        fields = [
            "id",
            "version",
            "initiative",
            "kpi_key",
            "code",
            "description",
            "action",
            "owner",
            "owner_name",
            "status",
            "still_present",
        ]
        read_only_fields = ["initiative", "kpi_key", "code", "description", "still_present"]


class CollectionStatusSerializer(serializers.Serializer):
    """Step 3: is the KPI's data arriving as planned?"""

    kpi_key = serializers.CharField()
    status = serializers.CharField(help_text="ok, stale, no data or not measurable")
    source = serializers.CharField(help_text="Where the data comes from")
    source_described = serializers.BooleanField(help_text="False: the platform's suggestion")
    origin = serializers.CharField(help_text="The platform's description of the source")
    schedule = serializers.CharField(allow_blank=True, help_text="The collection schedule")
    schedule_label = serializers.CharField(allow_blank=True)
    last_data_at = serializers.DateTimeField(allow_null=True, help_text="The latest fact")
    last_point_recorded_at = serializers.DateTimeField(
        allow_null=True, help_text="External KPIs: when the latest data point was pushed"
    )
    last_measured_at = serializers.DateTimeField(allow_null=True)
    period_kind = serializers.CharField()
    periods_checked = serializers.IntegerField()
    periods_missing = serializers.ListField(
        child=serializers.DateField(), help_text="Starts of recent periods with no data"
    )
    explanation = serializers.CharField()


class CleaningRuleSerializer(serializers.ModelSerializer):
    """Step 4: a recorded rule applied to the KPI's figures. `exclude` needs `operator` and
    `value`; `outlier_iqr` a `factor` (1.5 is Tukey's); `cap` the bound in `value`."""

    operator = serializers.ChoiceField(
        choices=[op.value for op in Operator], required=False, allow_blank=True, default=""
    )
    value = serializers.JSONField(required=False, allow_null=True, default=None)
    created_by = name_field()

    class Meta:
        model = CleaningRule
        fields = [
            "id",
            "initiative_kpi",
            "kind",
            "column",
            "operator",
            "value",
            "factor",
            "reason",
            "created_by",
            "created_at",
        ]
        read_only_fields = ["initiative_kpi", "created_by", "created_at"]


# The numbers behind every chart of an analysis (Analysis.result), for the schema only.


class AnalysedKPISerializer(serializers.Serializer):
    key = serializers.CharField()
    name = serializers.CharField()
    unit = serializers.CharField()
    direction = serializers.CharField()
    target = serializers.FloatField(allow_null=True, help_text="The initiative's target")
    warning = serializers.FloatField(allow_null=True)


class DateSpanSerializer(serializers.Serializer):
    start = serializers.DateField(allow_null=True)
    end = serializers.DateField(allow_null=True, help_text="The last day, included")


class SeriesPointSerializer(serializers.Serializer):
    period = serializers.DateField(help_text="Start of the period")
    value = serializers.FloatField(allow_null=True, help_text="Null: nothing measured")
    n = serializers.IntegerField(help_text="Rows behind the value")


class AppliedRuleSerializer(serializers.Serializer):
    id = serializers.IntegerField(help_text="Cleaning rule id")
    kind = serializers.CharField()
    column = serializers.CharField()
    operator = serializers.CharField(allow_blank=True)
    value = serializers.JSONField(allow_null=True)
    factor = serializers.FloatField(allow_null=True)
    reason = serializers.CharField()
    description = serializers.CharField()
    bound = serializers.FloatField(allow_null=True, help_text="The computed or stated bound")
    q1 = serializers.FloatField(allow_null=True)
    q3 = serializers.FloatField(allow_null=True)
    rows_before = serializers.IntegerField()
    rows_excluded = serializers.IntegerField()
    rows_without_value = serializers.IntegerField()


class ChartBaselineSerializer(serializers.Serializer):
    """Where the KPI stood before the change: the mean with its t-interval."""

    n = serializers.IntegerField()
    mean = serializers.FloatField(allow_null=True)
    median = serializers.FloatField(allow_null=True)
    std = serializers.FloatField(allow_null=True)
    ci_low = serializers.FloatField(allow_null=True)
    ci_high = serializers.FloatField(allow_null=True)
    confidence = serializers.FloatField()
    start = serializers.DateField(allow_null=True)
    end = serializers.DateField(allow_null=True)
    explanation = serializers.CharField()


class LatestPeriodSerializer(serializers.Serializer):
    """The latest complete period against the target."""

    value = serializers.FloatField(allow_null=True)
    period = serializers.DateField(allow_null=True)
    n = serializers.IntegerField()
    status = serializers.CharField(help_text="green, amber, red or none")


class RegressionSerializer(serializers.Serializer):
    slope = serializers.FloatField(allow_null=True)
    intercept = serializers.FloatField(allow_null=True)
    r_squared = serializers.FloatField(allow_null=True)
    p_value = serializers.FloatField(allow_null=True)


class TrendSerializer(serializers.Serializer):
    """Mann-Kendall test, Theil-Sen slope per period, and a least-squares line to draw."""

    method = serializers.CharField()
    n = serializers.IntegerField()
    tau = serializers.FloatField(allow_null=True)
    s_statistic = serializers.IntegerField(allow_null=True)
    p_value = serializers.FloatField(allow_null=True)
    significant = serializers.BooleanField()
    alpha = serializers.FloatField()
    slope = serializers.FloatField(allow_null=True)
    slope_low = serializers.FloatField(allow_null=True)
    slope_high = serializers.FloatField(allow_null=True)
    intercept = serializers.FloatField(allow_null=True)
    regression = RegressionSerializer()
    movement = serializers.CharField(help_text="rising, falling or flat")
    verdict = serializers.CharField(
        help_text="improving, worsening, changing or no significant trend"
    )
    explanation = serializers.CharField()


class ControlPointSerializer(serializers.Serializer):
    index = serializers.IntegerField(help_text="Position in `series`")
    label = serializers.CharField()
    value = serializers.FloatField()
    moving_range = serializers.FloatField(allow_null=True)
    signals = serializers.ListField(
        child=serializers.IntegerField(), help_text="The run rules the point is part of"
    )


class ControlSignalSerializer(serializers.Serializer):
    rule = serializers.IntegerField(help_text="Western Electric rule 1-5")
    description = serializers.CharField()
    first_index = serializers.IntegerField()
    last_index = serializers.IntegerField()
    first_label = serializers.CharField()
    last_label = serializers.CharField()
    side = serializers.CharField(help_text="above, below, rising or falling")
    adverse = serializers.BooleanField(allow_null=True, help_text="On the bad side")


class ZonesSerializer(serializers.Serializer):
    one_sigma = serializers.ListField(child=serializers.FloatField(), allow_null=True)
    two_sigma = serializers.ListField(child=serializers.FloatField(), allow_null=True)


class ControlChartSerializer(serializers.Serializer):
    """XmR chart: centre line, 3-sigma limits, moving ranges and the run-rule signals."""

    n = serializers.IntegerField()
    limits_from = serializers.IntegerField(
        allow_null=True, help_text="Limits from the first k points (those before the change)"
    )
    centre = serializers.FloatField(allow_null=True)
    sigma = serializers.FloatField(allow_null=True)
    ucl = serializers.FloatField(allow_null=True)
    lcl = serializers.FloatField(allow_null=True)
    mr_bar = serializers.FloatField(allow_null=True)
    mr_ucl = serializers.FloatField(allow_null=True)
    zones = ZonesSerializer()
    points = ControlPointSerializer(many=True)
    signals = ControlSignalSerializer(many=True)
    in_control = serializers.BooleanField(allow_null=True)
    explanation = serializers.CharField()


class ParetoItemSerializer(serializers.Serializer):
    label = serializers.CharField()
    value = serializers.FloatField(help_text="The share of the shortfall it carries")
    share = serializers.FloatField()
    cumulative_share = serializers.FloatField()
    vital_few = serializers.BooleanField()


class BreakdownValueSerializer(serializers.Serializer):
    label = serializers.CharField()
    value = serializers.FloatField(allow_null=True, help_text="The KPI for this value")
    n = serializers.IntegerField()
    contribution = serializers.FloatField(allow_null=True)


class ParetoSerializer(serializers.Serializer):
    """The contributors ranked, with the vital few that make most of the total."""

    dimension = serializers.CharField()
    rule = serializers.CharField(help_text="How a value's contribution is counted")
    rule_code = serializers.CharField()
    total = serializers.FloatField()
    items = ParetoItemSerializer(many=True)
    values = BreakdownValueSerializer(many=True)
    vital_few_count = serializers.IntegerField()
    cutoff = serializers.FloatField()
    explanation = serializers.CharField()


class BeforeAfterSerializer(serializers.Serializer):
    """Mann-Whitney test around the change, difference of medians with a bootstrap CI."""

    change_on = serializers.DateField()
    before = DateSpanSerializer()
    after = DateSpanSerializer()
    n_before = serializers.IntegerField()
    n_after = serializers.IntegerField()
    median_before = serializers.FloatField(allow_null=True)
    median_after = serializers.FloatField(allow_null=True)
    mean_before = serializers.FloatField(allow_null=True)
    mean_after = serializers.FloatField(allow_null=True)
    difference = serializers.FloatField(allow_null=True, help_text="median after - before")
    ci_low = serializers.FloatField(allow_null=True)
    ci_high = serializers.FloatField(allow_null=True)
    confidence = serializers.FloatField()
    u_statistic = serializers.FloatField(allow_null=True)
    p_value = serializers.FloatField(allow_null=True)
    significant = serializers.BooleanField()
    effect_size = serializers.FloatField(allow_null=True, help_text="Rank-biserial correlation")
    probability_after_greater = serializers.FloatField(allow_null=True)
    outcome = serializers.CharField(
        help_text="improved, worsened, changed, no significant change or not enough data"
    )
    explanation = serializers.CharField()


class AnalysisInputsSerializer(serializers.Serializer):
    breakdown = serializers.CharField()
    rules = serializers.ListField(child=serializers.IntegerField(), help_text="Rule ids")


class AnalysisResultSerializer(serializers.Serializer):
    """Every number behind the analysis charts, each part with its own explanation."""

    kpi = AnalysedKPISerializer()
    purpose = serializers.CharField()
    period_kind = serializers.CharField()
    range = DateSpanSerializer()
    change_on = serializers.DateField(allow_null=True)
    series = SeriesPointSerializer(many=True)
    cleaning = AppliedRuleSerializer(many=True)
    baseline = ChartBaselineSerializer()
    actual = LatestPeriodSerializer()
    trend = TrendSerializer()
    control_chart = ControlChartSerializer()
    pareto = ParetoSerializer()
    before_after = BeforeAfterSerializer(allow_null=True, help_text="Null without a change date")
    inputs = AnalysisInputsSerializer()
    explanation = serializers.CharField(help_text="The whole analysis in a sentence or two")


ANALYSIS_FIELDS = [
    "id",
    "initiative_kpi",
    "kpi_key",
    "computed_at",
    "computed_by",
    "purpose",
    "period_kind",
    "range_start",
    "range_end",
    "change_on",
    "synced_event_id",
]


class AnalysisSummarySerializer(serializers.ModelSerializer):
    """An analysis in a list: when, over what, and its one-sentence reading."""

    kpi_key = serializers.CharField(source="initiative_kpi.kpi_key", read_only=True)
    computed_by = name_field()
    period_kind = PeriodKindField(read_only=True)
    explanation = serializers.SerializerMethodField()

    class Meta:
        model = Analysis
        fields = [*ANALYSIS_FIELDS, "explanation"]
        read_only_fields = fields

    def get_explanation(self, analysis: Analysis) -> str:
        return str((analysis.result or {}).get("explanation", ""))


class AnalysisSerializer(AnalysisSummarySerializer):
    """One analysis with `result`: the numbers behind every chart (series, baseline, trend,
    control chart, Pareto, before/after), each with its explanation."""

    result = stored_json(AnalysisResultSerializer)(read_only=True)

    class Meta(AnalysisSummarySerializer.Meta):
        fields = [*ANALYSIS_FIELDS, "explanation", "result"]
        read_only_fields = fields


class RecordBaselineSerializer(serializers.Serializer):
    analysis = serializers.PrimaryKeyRelatedField(
        queryset=Analysis.objects.all(),
        allow_null=True,
        required=False,
        help_text="Id of one of the KPI's analyses (default: the latest)",
    )


class ActionSerializer(VersionedSerializer):
    """Step 7: a corrective action tracked to done. Its owner may PATCH `status` and
    `done_on`; the initiative's owner and the CSI manager change everything. A PATCH sends the
    `version` read (409 when the action changed since)."""

    owner = agent_field("User id of whoever carries it out")
    owner_name = name_field("owner")
    initiative_reference = serializers.CharField(source="initiative.reference", read_only=True)
    on_time = serializers.BooleanField(read_only=True, allow_null=True)
    overdue = serializers.SerializerMethodField()

    class Meta:
        model = Action
        fields = [
            "id",
            "version",
            "initiative",
            "initiative_reference",
            "title",
            "description",
            "owner",
            "owner_name",
            "due_on",
            "status",
            "done_on",
            "change_reference",
            "on_time",
            "overdue",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["initiative", "created_at", "updated_at"]

    def get_overdue(self, action: Action) -> bool:
        return action.is_overdue(timezone.localdate())


ACTION_CREATE_FIELDS = ("title", "owner", "due_on", "description", "change_reference")


class EvaluateSerializer(serializers.Serializer):
    force = serializers.BooleanField(
        default=False, help_text="Evaluate now, before the evaluation window has ended"
    )


class EvaluationResultSerializer(serializers.Serializer):
    kpi_key = serializers.CharField()
    analysis_id = serializers.IntegerField(allow_null=True)
    baseline = serializers.FloatField(allow_null=True, help_text="The baseline compared with")
    value = serializers.FloatField(allow_null=True, help_text="Measured in the window")
    target = serializers.FloatField(allow_null=True)
    met = serializers.BooleanField()
    before_after = BeforeAfterSerializer(allow_null=True)
    explanation = serializers.CharField()


class EvaluationSerializer(serializers.ModelSerializer):
    """Step 7: the re-measurement after the evaluation window; when the target is met the
    result is adopted as the KPI's new baseline."""

    evaluated_by = name_field()
    results = stored_json(EvaluationResultSerializer(many=True))(read_only=True)

    class Meta:
        model = Evaluation
        fields = [
            "id",
            "initiative",
            "cycle",
            "evaluated_at",
            "evaluated_by",
            "window_start",
            "window_end",
            "target_met",
            "baseline_adopted",
            "results",
        ]
        read_only_fields = fields


# --- opportunities ---------------------------------------------------------------------------


class OpportunitySerializer(serializers.ModelSerializer):
    """An improvement the data suggests, with `evidence`: the figure and the chart's numbers
    it rests on (their keys depend on `kind`)."""

    dismissed_by = name_field()
    evidence = serializers.JSONField(read_only=True)
    url = serializers.SerializerMethodField()

    class Meta:
        model = Opportunity
        fields = [
            "id",
            "kind",
            "title",
            "summary",
            "kpi_key",
            "dimension",
            "dimension_value",
            "strength",
            "evidence",
            "status",
            "first_seen_at",
            "last_seen_at",
            "dismissed_at",
            "dismissed_by",
            "dismissed_reason",
            "initiative",
            "url",
        ]
        read_only_fields = fields

    def get_url(self, opportunity: Opportunity) -> str:
        return opportunity.get_absolute_url()


class DismissSerializer(serializers.Serializer):
    reason = serializers.CharField(help_text="Why it is not worth an initiative")


class StartSerializer(serializers.Serializer):
    owner = agent_field("User id of the initiative's owner (default: you)", required=False)
