"""Change forms. They validate input; the services (kaizen.changes.services) decide."""

from typing import Any

from django import forms

from kaizen.catalog.models import ConfigurationItem, Lifecycle, Service
from kaizen.changes.models import (
    Change,
    ChangeCategory,
    ChangeTemplate,
    ChangeType,
    ClosureCode,
    TemplateStatus,
)
from kaizen.changes.services import EDITABLE_FIELDS
from kaizen.changes.services.templates import TEMPLATE_FIELDS
from kaizen.core.forms import StyledFormMixin, VersionedFormMixin, VersionField
from kaizen.people.models import Team, User
from kaizen.people.selectors import active_agents

DATETIME = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
DATETIME_FIELDS = ("planned_start", "planned_end")
TEXT_ROWS = {
    "description": 4,
    "justification": 3,
    "implementation_plan": 5,
    "backout_plan": 4,
    "test_plan": 3,
}


def _catalogue_fields(form: forms.BaseForm) -> None:
    fields = form.fields
    fields["services"] = forms.ModelMultipleChoiceField(
        queryset=Service.objects.exclude(lifecycle=Lifecycle.RETIRED),
        required=False,
        label="Services affected",
        widget=forms.SelectMultiple(attrs={"size": 6}),
    )
    fields["configuration_items"] = forms.ModelMultipleChoiceField(
        queryset=ConfigurationItem.objects.exclude(status="retired"),
        required=False,
        label="Configuration items affected",
        widget=forms.SelectMultiple(attrs={"size": 6}),
    )


class ChangeForm(VersionedFormMixin, StyledFormMixin, forms.ModelForm):
    """Raise a normal or emergency change, or edit any change's description and plan (an edit
    carries the version read)."""

    class Meta:
        model = Change
        fields = EDITABLE_FIELDS
        widgets = {
            **{name: forms.Textarea(attrs={"rows": rows}) for name, rows in TEXT_ROWS.items()},
            **{name: DATETIME for name in DATETIME_FIELDS},
        }
        labels = {
            "justification": "Reason (why the change is needed)",
            "backout_plan": "Back-out plan",
            "expected_outage": "Expected outage",
            "outage_minutes": "Outage (minutes)",
            "problem_reference": "Problem it fixes",
            "owner": "Change owner",
            "assignment_group": "Assignment group",
        }
        help_texts = {
            "planned_start": "In your time zone.",
            "problem_reference": "The problem record's number, if the change fixes one.",
        }

    def __init__(self, *args: Any, raising: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Before the super() call the mixin has styled the declared fields; the catalogue
        # fields are added after it, so they are styled here.
        _catalogue_fields(self)
        for name in ("services", "configuration_items"):
            self.fields[name].widget.attrs.setdefault("class", "form-select")
        if self.instance.pk:
            self.fields["services"].initial = list(self.instance.services.all())
            self.fields["configuration_items"].initial = list(
                self.instance.configuration_items.all()
            )
        fields = self.fields
        fields["requester"].queryset = User.objects.filter(is_active=True)
        fields["requester"].required = False
        fields["owner"].queryset = active_agents()
        fields["implementer"].queryset = active_agents()
        fields["assignment_group"].queryset = Team.objects.filter(is_active=True)
        current = self.instance.category_id
        fields["category"].queryset = ChangeCategory.objects.filter(is_active=True) | (
            ChangeCategory.objects.filter(pk=current)
        )
        if raising:
            fields["change_type"] = forms.ChoiceField(
                choices=[
                    (ChangeType.NORMAL, "Normal: assessed and authorised by the CAB"),
                    (ChangeType.EMERGENCY, "Emergency: authorised by the emergency CAB"),
                ],
                label="Type",
                initial=ChangeType.NORMAL,
                widget=forms.RadioSelect,
            )
            self.order_fields(["change_type"])


class StandardChangeForm(StyledFormMixin, forms.Form):
    """Raise a standard change from an approved template: the template gives the plans."""

    template = forms.ModelChoiceField(
        queryset=ChangeTemplate.objects.filter(status=TemplateStatus.APPROVED).order_by("name"),
        label="Standard change",
    )
    title = forms.CharField(max_length=160)
    planned_start = forms.DateTimeField(widget=DATETIME)
    planned_end = forms.DateTimeField(widget=DATETIME)
    implementer = forms.ModelChoiceField(queryset=User.objects.none(), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["implementer"].queryset = active_agents()


class TransitionForm(StyledFormMixin, forms.Form):
    state = forms.CharField()
    closure_code = forms.ChoiceField(
        choices=[("", "—"), *ClosureCode.choices], required=False, label="Outcome"
    )
    closure_notes = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}), required=False, max_length=4000
    )
    actual = forms.DateTimeField(widget=DATETIME, required=False, label="When (if not now)")
    version = VersionField(required=False)


class ReviewForm(StyledFormMixin, forms.Form):
    objectives_met = forms.TypedChoiceField(
        choices=[("yes", "Yes"), ("no", "No")],
        coerce=lambda value: value == "yes",
        widget=forms.RadioSelect,
        label="Did the change meet its objectives?",
    )
    lessons_learned = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}), required=False, max_length=8000
    )
    version = VersionField(required=False)


class CausedIncidentForm(StyledFormMixin, forms.Form):
    incident = forms.CharField(max_length=40, label="Incident number")
    reason = forms.CharField(max_length=250, required=False)


class CausedDecisionForm(StyledFormMixin, forms.Form):
    decision = forms.ChoiceField(choices=[("confirm", "Confirm"), ("dismiss", "Dismiss")])
    reason = forms.CharField(max_length=250, required=False)


class TemplateForm(StyledFormMixin, forms.ModelForm):
    class Meta:
        model = ChangeTemplate
        fields = TEMPLATE_FIELDS
        widgets = {
            name: forms.Textarea(attrs={"rows": rows})
            for name, rows in TEXT_ROWS.items()
            if name in TEMPLATE_FIELDS
        }
        labels = {"backout_plan": "Back-out plan", "outage_minutes": "Outage (minutes)"}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _catalogue_fields(self)
        for name in ("services", "configuration_items"):
            self.fields[name].widget.attrs.setdefault("class", "form-select")
        self.fields["assignment_group"].queryset = Team.objects.filter(is_active=True)
        self.fields["category"].queryset = ChangeCategory.objects.filter(is_active=True)


class TemplateDecisionForm(StyledFormMixin, forms.Form):
    decision = forms.ChoiceField(
        choices=[("approve", "Approve"), ("reject", "Reject"), ("retire", "Retire")]
    )
    note = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), required=False)
