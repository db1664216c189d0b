"""Forms of the register's pages. They parse and offer choices; kaizen.improvement.services
decides, and its ValidationErrors land on the field they name (kaizen.core.forms.run_service).
"""

import json
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Case, QuerySet, When

from kaizen.analytics.families import breakdown_columns
from kaizen.catalog.models import Service
from kaizen.core.forms import StyledFormMixin, VersionedFormMixin
from kaizen.core.widgets import FastSelect
from kaizen.improvement.cleaning import refusal as cleaning_refusal
from kaizen.improvement.models import (
    GOAL_LEVELS,
    Action,
    CleaningKind,
    CleaningRule,
    CriticalSuccessFactor,
    Decision,
    DecisionKind,
    Gap,
    GateMode,
    Goal,
    Initiative,
    InitiativeKPI,
    Step,
)
from kaizen.improvement.services.actions import ACTION_PROGRESS_FIELDS
from kaizen.kpis.library import all_kpis
from kaizen.kpis.sources import is_database_source, source_columns
from kaizen.kpis.spec import KPIDefinition, Operator, Source
from kaizen.people.models import User
from kaizen.people.selectors import active_agents

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class FastSelectMultiple(FastSelect):
    """kaizen.core.widgets.FastSelect for a multiple choice: the same HTML as SelectMultiple
    without a template per option (a catalogue can hold hundreds of services)."""

    allow_multiple_selected = True
    value_from_datadict = forms.SelectMultiple.value_from_datadict
    value_omitted_from_data = forms.SelectMultiple.value_omitted_from_data

    def render(self, name: str, value: Any, attrs: dict[str, Any] | None = None, renderer=None):
        return super().render(name, value, {**(attrs or {}), "multiple": True}, renderer)


class GroupedSelect(forms.Select):
    """A select with <optgroup>s (FastSelect renders flat lists only)."""


def agents() -> QuerySet[User]:
    return active_agents().order_by("first_name", "last_name", "username")


def kpi_choices(*, keep: str = "") -> list[tuple[str, Any]]:
    """The KPI library (and custom KPIs) grouped by process; a KPI that cannot be measured yet
    says so in its label, so nobody picks it believing the platform will measure it."""
    groups: dict[str, list[tuple[str, str]]] = {}
    for definition in all_kpis():
        label = definition.name if definition.measurable else f"{definition.name} (not measurable)"
        groups.setdefault(definition.process.replace("_", " ").capitalize(), []).append(
            (definition.key, label)
        )
    choices: list[tuple[str, Any]] = [("", "Choose a KPI")]
    choices.extend(groups.items())
    if keep and not any(keep == key for group in groups.values() for key, _ in group):
        choices.append((keep, keep))
    return choices


# -- initiatives ------------------------------------------------------------------------------

INITIATIVE_FIELDS = (
    "title",
    "problem_statement",
    "justification",
    "expected_benefit",
    "process",
    "services",
    "goals",
    "owner",
    "priority",
    "starts_on",
    "due_on",
    "origin",
    "origin_reference",
    "gate_mode",
    "evaluation_window_days",
)


class InitiativeForm(VersionedFormMixin, StyledFormMixin, forms.ModelForm):
    """A new initiative; with an instance, its edit form, which carries the version read."""

    class Meta:
        model = Initiative
        fields = INITIATIVE_FIELDS
        widgets = {
            "problem_statement": forms.Textarea(attrs={"rows": 4}),
            "justification": forms.Textarea(attrs={"rows": 3}),
            "expected_benefit": forms.Textarea(attrs={"rows": 3}),
            "services": FastSelectMultiple(attrs={"size": 6}),
            "goals": FastSelectMultiple(attrs={"size": 6}),
            "starts_on": DATE,
            "due_on": DATE,
        }
        labels = {
            "problem_statement": "Problem statement",
            "origin_reference": "Origin reference",
            "gate_mode": "Step gates",
            "evaluation_window_days": "Evaluation window (days)",
            "starts_on": "Starts on",
            "due_on": "Due on",
        }
        help_texts = {
            "evaluation_window_days": "How long after the last action is done the KPIs are "
            "re-measured (step 7).",
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        fields = self.fields
        fields["owner"].queryset = agents()
        fields["services"].queryset = Service.objects.only("id", "name").order_by("name")
        fields["goals"].queryset = Goal.objects.only("id", "title", "level").order_by("title", "pk")
        fields["goals"].label_from_instance = lambda goal: (
            f"{goal.title} ({goal.get_level_display().lower()})"
        )
        if not self.instance.pk:
            # The service applies the register's default when none is chosen.
            fields["gate_mode"].required = False
            fields["gate_mode"].choices = [("", "The register's default"), *GateMode.choices]

    def validate_unique(self) -> None:
        pass

    def initiative_fields(self) -> dict[str, Any]:
        """The fields for the service (without the version: `version_and_fields`)."""
        fields = dict(self.cleaned_data)
        fields.pop("version", None)
        fields["services"] = list(fields.get("services") or ())
        fields["goals"] = list(fields.get("goals") or ())
        if not self.instance.pk and not fields.get("gate_mode"):
            fields["gate_mode"] = None
        return fields


class AdvanceForm(StyledFormMixin, forms.Form):
    override_reason = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        label="Why advance with outputs missing?",
        help_text="Advisory gates let a step pass without its outputs; the reason is recorded.",
    )


class ReturnForm(StyledFormMixin, forms.Form):
    step = forms.TypedChoiceField(coerce=int, label="Back to step")
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), label="Why")

    def __init__(self, *args: Any, current_step: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["step"].choices = [
            (step.value, f"{step.value} · {step.label}") for step in Step if step < current_step
        ]


# -- step 1: the KPIs chosen ------------------------------------------------------------------


def goal_choices() -> QuerySet[Goal]:
    return Goal.objects.only("id", "title", "level").order_by("title", "pk")


class KPIAddForm(StyledFormMixin, forms.Form):
    kpi_key = forms.ChoiceField(label="KPI", widget=GroupedSelect)
    goal = forms.ModelChoiceField(
        queryset=Goal.objects.none(), required=False, empty_label="No goal"
    )
    target = forms.FloatField(required=False, help_text="Empty: the KPI's own target")
    warning = forms.FloatField(required=False, help_text="Empty: the KPI's own warning level")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["kpi_key"].choices = kpi_choices()
        self.fields["goal"].queryset = goal_choices()


class KPITargetForm(VersionedFormMixin, StyledFormMixin, forms.ModelForm):
    class Meta:
        model = InitiativeKPI
        fields = ("goal", "target", "warning")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["goal"].queryset = goal_choices()
        self.fields["goal"].empty_label = "No goal"

    def validate_unique(self) -> None:
        pass


# -- step 2: the gaps -------------------------------------------------------------------------


class GapForm(VersionedFormMixin, StyledFormMixin, forms.ModelForm):
    class Meta:
        model = Gap
        fields = ("action", "owner", "status")
        widgets = {"action": forms.Textarea(attrs={"rows": 2})}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = agents()
        self.fields["owner"].empty_label = "Nobody yet"


# -- steps 3, 4 and 5: one form per KPI -------------------------------------------------------


class CollectionForm(VersionedFormMixin, StyledFormMixin, forms.ModelForm):
    class Meta:
        model = InitiativeKPI
        fields = ("source_description", "schedule")
        labels = {"source_description": "Where the data comes from"}

    def validate_unique(self) -> None:
        pass


class ProcessingForm(VersionedFormMixin, StyledFormMixin, forms.ModelForm):
    breakdown = forms.ChoiceField(
        choices=[(name, name.capitalize()) for name in breakdown_columns()],
        label="Contributors by",
        help_text="The dimension of the Pareto of contributors in step 5.",
    )

    class Meta:
        model = InitiativeKPI
        fields = ("period_kind", "breakdown", "processing_confirmed")
        labels = {
            "period_kind": "Aggregate by",
            "processing_confirmed": "Processing confirmed: periods, breakdown and cleaning "
            "rules are right for this KPI",
        }

    def validate_unique(self) -> None:
        pass


class AnalysisRangeForm(VersionedFormMixin, StyledFormMixin, forms.ModelForm):
    class Meta:
        model = InitiativeKPI
        fields = ("analysis_starts_on", "analysis_ends_on", "change_on")
        widgets = {name: DATE for name in fields}
        labels = {
            "analysis_starts_on": "Analyse from",
            "analysis_ends_on": "Analyse to",
            "change_on": "Change date",
        }
        help_texts = {
            "change_on": "When the change went live: the periods before and after it are compared.",
        }

    def validate_unique(self) -> None:
        pass


# The forms of the KPI edit route, by the `section` each one posts; the step page it lives on.
KPI_SECTIONS: dict[str, tuple[type[forms.ModelForm], int]] = {
    "targets": (KPITargetForm, 1),
    "collection": (CollectionForm, 3),
    "processing": (ProcessingForm, 4),
    "analysis": (AnalysisRangeForm, 5),
}


def cleaning_columns(definition: KPIDefinition | None) -> list[tuple[str, str]]:
    """The columns a rule may read: the KPI's fact columns; an external KPI's data points
    carry only their value."""
    if definition is None or definition.measure is None:
        return []
    if definition.measure.source == Source.EXTERNAL:
        return [("value", "value")]
    if is_database_source(definition.measure.source):  # the register's KPIs: none to clean
        return []
    return [(name, name) for name in source_columns(definition.measure.source)]


class CleaningRuleForm(StyledFormMixin, forms.ModelForm):
    column = forms.ChoiceField()
    operator = forms.ChoiceField(
        required=False,
        choices=[("", "—"), *((op.value, op.value) for op in Operator)],
        help_text="Exclude rules: how the column is compared with the value.",
    )
    value = forms.CharField(
        required=False,
        help_text="Exclude: the compared value (a list for “in”: a, b, c); cap: the bound.",
    )

    class Meta:
        model = CleaningRule
        fields = ("kind", "column", "operator", "value", "factor", "reason")
        widgets = {"reason": forms.Textarea(attrs={"rows": 2})}
        help_texts = {"factor": "Outlier rules: k in Q3 + k × IQR (1.5 is Tukey's)."}

    def __init__(self, *args: Any, definition: KPIDefinition | None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["column"].choices = [("", "Choose a column"), *cleaning_columns(definition)]
        self.fields["kind"].choices = CleaningKind.choices
        self.refusal = cleaning_refusal(definition)
        if self.refusal:  # say why, not "choose a column" from an empty list
            self.fields["column"].required = False

    def clean(self) -> dict[str, Any]:
        cleaned_data = super().clean()
        if self.refusal:
            raise ValidationError(self.refusal)
        return cleaned_data

    def clean_value(self) -> Any:
        text = self.cleaned_data.get("value", "").strip()
        if text == "":
            return None
        if self.data.get(self.add_prefix("operator")) == Operator.IN:
            return [_scalar(part.strip()) for part in text.split(",") if part.strip()]
        return _scalar(text)

    def validate_unique(self) -> None:
        pass

    def rule_fields(self) -> dict[str, Any]:
        return {name: self.cleaned_data.get(name) for name in self.Meta.fields}


def _scalar(text: str) -> Any:
    """ "12" -> 12, "true" -> True, "network" -> "network": what a person typed, as JSON."""
    try:
        return json.loads(text)
    except ValueError:
        return text


# -- step 6 and 7 -----------------------------------------------------------------------------


class DecisionForm(StyledFormMixin, forms.ModelForm):
    decision = forms.ChoiceField(choices=DecisionKind.choices, widget=forms.RadioSelect)

    class Meta:
        model = Decision
        fields = ("decision", "rationale")
        widgets = {"rationale": forms.Textarea(attrs={"rows": 3})}
        help_texts = {"rationale": "What the figures showed and why this is the right call."}


ACTION_FIELDS = ("title", "description", "owner", "due_on", "change_reference")


class ActionForm(VersionedFormMixin, StyledFormMixin, forms.ModelForm):
    """A new action; with an instance, every field of it (the initiative's owner and the CSI
    manager)."""

    class Meta:
        model = Action
        fields = (*ACTION_FIELDS, "status", "done_on")
        widgets = {
            "description": forms.Textarea(attrs={"rows": 2}),
            "due_on": DATE,
            "done_on": DATE,
        }
        labels = {"due_on": "Due on", "done_on": "Done on", "change_reference": "Change"}
        help_texts = {"done_on": "When it was done; empty: today."}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = agents()
        if not self.instance.pk:
            del self.fields["status"], self.fields["done_on"]

    def action_fields(self) -> dict[str, Any]:
        """The fields for the service; an edit's version as `expected_version`."""
        version, fields = self.version_and_fields()
        return {**fields, "expected_version": version} if self.instance.pk else fields


class ActionProgressForm(VersionedFormMixin, StyledFormMixin, forms.ModelForm):
    """What an action's own owner reports: progress, done, and the change that carries it."""

    class Meta:
        model = Action
        fields = ACTION_PROGRESS_FIELDS
        widgets = {"done_on": DATE}
        labels = {"done_on": "Done on", "change_reference": "Change"}
        help_texts = {"done_on": "When it was done; empty: today."}

    def action_fields(self) -> dict[str, Any]:
        """The fields for the service; an edit's version as `expected_version`."""
        version, fields = self.version_and_fields()
        return {**fields, "expected_version": version} if self.instance.pk else fields


class EvaluateForm(StyledFormMixin, forms.Form):
    force = forms.BooleanField(
        required=False,
        label="Evaluate before the window ends",
        help_text="Re-measure now on the data so far (CSI manager only).",
    )


# -- goals ------------------------------------------------------------------------------------


class GoalForm(StyledFormMixin, forms.ModelForm):
    class Meta:
        model = Goal
        fields = ("level", "title", "description", "parent", "owner", "starts_on", "ends_on")
        widgets = {
            "description": forms.Textarea(attrs={"rows": 3}),
            "starts_on": DATE,
            "ends_on": DATE,
        }
        labels = {"starts_on": "Starts on", "ends_on": "Ends on"}
        help_texts = {"parent": "The goal one level up that this one serves (none for a vision)."}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        by_level = Case(*(When(level=level, then=i) for i, level in enumerate(GOAL_LEVELS)))
        parents = Goal.objects.only("id", "title", "level").order_by(by_level, "title", "pk")
        if self.instance.pk:
            parents = parents.exclude(pk=self.instance.pk)
        field = self.fields["parent"]
        field.queryset = parents
        field.empty_label = "None (a vision)"
        field.label_from_instance = lambda goal: f"{goal.get_level_display()}: {goal.title}"
        self.fields["owner"].queryset = agents()

    def goal_fields(self) -> dict[str, Any]:
        return dict(self.cleaned_data)


class SuccessFactorForm(StyledFormMixin, forms.ModelForm):
    class Meta:
        model = CriticalSuccessFactor
        fields = ("title", "description")
        widgets = {"description": forms.Textarea(attrs={"rows": 2})}


class GoalKPIForm(StyledFormMixin, forms.Form):
    kpi_key = forms.ChoiceField(label="KPI", widget=GroupedSelect)
    target = forms.FloatField(required=False)
    success_factor = forms.ModelChoiceField(
        queryset=CriticalSuccessFactor.objects.none(),
        required=False,
        empty_label="The goal itself",
        label="Shows whether this success factor holds",
    )

    def __init__(self, *args: Any, goal: Goal, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["kpi_key"].choices = kpi_choices()
        self.fields["success_factor"].queryset = goal.success_factors.all()
