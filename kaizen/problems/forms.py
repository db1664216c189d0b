"""Problem forms. They validate input; the services (kaizen.problems.services) decide."""

from typing import Any

from django import forms

from kaizen.catalog.models import ConfigurationItem, Lifecycle, Service
from kaizen.catalog.ticket_sources import category_names
from kaizen.core.forms import StyledFormMixin, VersionedFormMixin, VersionField
from kaizen.people.models import Team
from kaizen.people.selectors import active_agents
from kaizen.problems.models import FOUR_PS, AnalysisMethod, ClosureCode, Problem, State
from kaizen.problems.services.lifecycle import LinkedIncidents
from kaizen.problems.services.records import DESCRIPTION_FIELDS, FIVE_WHYS_MAX

TEXT_ROWS = {"description": 4, "workaround": 4, "root_cause": 4, "fix": 3}


class ProblemForm(VersionedFormMixin, StyledFormMixin, forms.ModelForm):
    """Raise a problem or edit what it says and who works it (an edit carries the version
    read)."""

    class Meta:
        model = Problem
        fields = DESCRIPTION_FIELDS
        widgets = {"description": forms.Textarea(attrs={"rows": TEXT_ROWS["description"]})}
        labels = {
            "statement": "Problem statement",
            "owner": "Problem owner",
            "assignment_group": "Assignment group",
            "category": "Incident category",
        }
        help_texts = {
            "statement": "What keeps going wrong, in a line (the symptom, not the guess).",
            "category": "The category of the incidents it explains.",
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        fields = self.fields
        fields["services"] = forms.ModelMultipleChoiceField(
            queryset=Service.objects.exclude(lifecycle=Lifecycle.RETIRED),
            required=False,
            label="Services",
            widget=forms.SelectMultiple(attrs={"size": 5, "class": "form-select"}),
        )
        fields["configuration_items"] = forms.ModelMultipleChoiceField(
            queryset=ConfigurationItem.objects.exclude(status="retired"),
            required=False,
            label="Configuration items",
            widget=forms.SelectMultiple(attrs={"size": 5, "class": "form-select"}),
        )
        names = category_names("incident")
        current = self.instance.category
        choices = [("", "—"), *((name, name) for name in names)]
        if current and current not in names:
            choices.append((current, current))
        fields["category"] = forms.ChoiceField(
            choices=choices,
            required=False,
            label=self.Meta.labels["category"],
            help_text=self.Meta.help_texts["category"],
            widget=forms.Select(attrs={"class": "form-select"}),
        )
        fields["owner"].queryset = active_agents()
        fields["assignment_group"].queryset = Team.objects.filter(is_active=True)
        if self.instance.pk:
            fields["services"].initial = list(self.instance.services.all())
            fields["configuration_items"].initial = list(self.instance.configuration_items.all())


class AnalysisForm(VersionedFormMixin, StyledFormMixin, forms.ModelForm):
    """The investigation: workaround, root cause with its category, the structured analysis
    (five whys or the four Ps, as rows of text), the fix and the change that makes it; with
    the version read."""

    class Meta:
        model = Problem
        fields = (
            "workaround",
            "root_cause",
            "cause_category",
            "analysis_method",
            "fix",
            "fix_change_number",
        )
        widgets = {
            name: forms.Textarea(attrs={"rows": rows})
            for name, rows in TEXT_ROWS.items()
            if name != "description"
        }
        labels = {
            "cause_category": "Kind of cause",
            "analysis_method": "Structured analysis",
            "fix_change_number": "Change that implements the fix",
        }
        help_texts = {
            "workaround": "How to restore service until the fix: agents copy it onto incidents.",
            "fix_change_number": "The change's number (CHG…), once it is raised.",
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        analysis = self.instance.analysis or {}
        method = self.instance.analysis_method
        steps = analysis.get("steps", []) if method == AnalysisMethod.FIVE_WHYS else []
        for index in range(FIVE_WHYS_MAX):
            step = steps[index] if index < len(steps) else {}
            self.fields[f"why_{index}"] = forms.CharField(
                required=False, initial=step.get("why", ""), label=f"Why {index + 1}?"
            )
            self.fields[f"because_{index}"] = forms.CharField(
                required=False, initial=step.get("because", ""), label="Because"
            )
        for key, label in FOUR_PS:
            causes = analysis.get(key, []) if method == AnalysisMethod.FOUR_PS else []
            self.fields[f"p_{key}"] = forms.CharField(
                required=False,
                initial="\n".join(causes),
                label=label,
                widget=forms.Textarea(attrs={"rows": 2, "class": "form-control"}),
                help_text="One cause a line.",
            )
        for name, field in self.fields.items():
            if name.startswith(("why_", "because_")):
                field.widget.attrs.setdefault("class", "form-control form-control-sm")

    def why_rows(self) -> list[tuple[Any, Any]]:
        return [(self[f"why_{i}"], self[f"because_{i}"]) for i in range(FIVE_WHYS_MAX)]

    def p_fields(self) -> list[Any]:
        return [self[f"p_{key}"] for key, _ in FOUR_PS]

    def analysis_value(self) -> dict[str, Any]:
        """The structured analysis the chosen method's rows give."""
        data = self.cleaned_data
        method = data.get("analysis_method")
        if method == AnalysisMethod.FIVE_WHYS:
            return {
                "steps": [
                    {"why": data[f"why_{i}"], "because": data[f"because_{i}"]}
                    for i in range(FIVE_WHYS_MAX)
                ]
            }
        if method == AnalysisMethod.FOUR_PS:
            return {key: data[f"p_{key}"].splitlines() for key, _ in FOUR_PS}
        return {}

    def service_fields(self) -> dict[str, Any]:
        fields = {name: self.cleaned_data[name] for name in self.Meta.fields}
        fields["analysis"] = self.analysis_value()
        return fields


class TransitionForm(StyledFormMixin, forms.Form):
    state = forms.ChoiceField(choices=State.choices)
    version = VersionField()
    closure_code = forms.ChoiceField(choices=[("", "—"), *ClosureCode.choices], required=False)
    duplicate_of = forms.CharField(required=False, max_length=20, label="Duplicate of (PRB…)")
    risk_review_on = forms.DateField(
        required=False, widget=forms.DateInput(attrs={"type": "date"}), label="Review the risk on"
    )
    reason = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))
    linked_incidents = forms.ChoiceField(
        choices=LinkedIncidents.CHOICES,
        initial=LinkedIncidents.LEAVE,
        required=False,
        widget=forms.RadioSelect,
        label="Its linked open incidents",
    )

    def clean_duplicate_of(self) -> Problem | None:
        number = self.cleaned_data["duplicate_of"].strip()
        if not number:
            return None
        problem = Problem.objects.filter(number=number).first()
        if problem is None:
            raise forms.ValidationError(f"there is no problem {number}")
        return problem

    def clean_linked_incidents(self) -> str:
        return self.cleaned_data["linked_incidents"] or LinkedIncidents.LEAVE


class LinkIncidentsForm(StyledFormMixin, forms.Form):
    incidents = forms.CharField(
        label="Incident numbers",
        help_text="One or more, separated by spaces or commas.",
        max_length=5000,
    )

    def clean_incidents(self) -> list[str]:
        text = self.cleaned_data["incidents"].replace(",", " ")
        return [number for number in text.split() if number]


class UnlinkIncidentForm(forms.Form):
    incident = forms.CharField(max_length=40)
