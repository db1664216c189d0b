"""Request forms for the pages: request types and the builder of their form, approval steps and
tasks (one row each, no JSON to write), and the actions on a request. They validate input;
kaizen.requests.services decides."""

import re
from typing import Any

from django import forms
from django.db.models import QuerySet

from kaizen.catalog.models import ServiceOffering
from kaizen.core.forms import StyledFormMixin, VersionedFormMixin, VersionField
from kaizen.people.models import Team, User
from kaizen.people.selectors import active_agents
from kaizen.requests.form_schema import FIELD_TYPES
from kaizen.requests.models import (
    ApprovalPolicy,
    ApproverSource,
    DueAction,
    HoldReason,
    RequestType,
)
from kaizen.requests.services.types import request_definitions, requestable_offerings


def active_teams() -> QuerySet[Team]:
    return Team.objects.filter(is_active=True).order_by("name")


def active_people() -> QuerySet[User]:
    return User.objects.filter(is_active=True).order_by("first_name", "last_name", "username")


class RequestTypeForm(VersionedFormMixin, StyledFormMixin, forms.ModelForm):
    """What a request type is: its offering, audience, fulfilment team, target and price."""

    class Meta:
        model = RequestType
        fields = (
            "offering",
            "name",
            "summary",
            "description",
            "is_active",
            "audience",
            "allowed_teams",
            "allowed_people",
            "fulfilment_group",
            "delivery_target",
            "price",
            "cost",
            "currency",
        )
        labels = {
            "is_active": "Can be requested",
            "allowed_teams": "Teams who may request it",
            "allowed_people": "People who may request it",
            "fulfilment_group": "Fulfilment team",
            "delivery_target": "Delivery target",
        }
        help_texts = {
            "summary": "One line shown in the catalogue.",
            "audience": "Restricted: only the teams and people named below.",
            "fulfilment_group": "The team that owns the requests of this type.",
            "delivery_target": "The service request resolution target requesters are told.",
        }
        widgets = {"description": forms.Textarea(attrs={"rows": 4})}

    def __init__(self, *args: Any, offerings: QuerySet[ServiceOffering] | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        fields = self.fields
        queryset = offerings if offerings is not None else requestable_offerings()
        fields["offering"].queryset = queryset.order_by("service__name", "name")
        fields["offering"].label_from_instance = lambda o: f"{o.service.name}: {o.name}"
        fields["delivery_target"].queryset = request_definitions()
        fields["fulfilment_group"].queryset = active_teams()
        fields["allowed_teams"].queryset = active_teams()
        fields["allowed_people"].queryset = active_people()
        for name in ("allowed_teams", "allowed_people"):
            fields[name].widget.attrs.update({"size": 5})


# ---- the form builder: one row per field -------------------------------------------------

TYPE_CHOICES = list(FIELD_TYPES.items())
# The settings each field type has (the builder's script shows only these).
TYPE_SETTINGS = {
    "text": ("min_length", "max_length", "pattern", "pattern_message"),
    "long_text": ("min_length", "max_length"),
    "number": ("min", "max"),
    "date": ("min", "max"),
    "choice": ("choices",),
    "multi_choice": ("choices", "min_choices", "max_choices"),
}
# A message of form_schema.clean_fields ("field 2 (model): choices: …") names the row and
# the setting: the setting's row field.
SETTING_FIELDS = {
    "key": "key",
    "label": "label",
    "type": "type",
    "help": "help",
    "required": "required",
    "choices": "choices",
    "show_if": "show_if_field",
    "min_length": "min_length",
    "max_length": "max_length",
    "pattern": "pattern",
    "pattern_message": "pattern_message",
    "min": "min",
    "max": "max",
    "min_choices": "min_choices",
    "max_choices": "max_choices",
}


class FieldRowForm(StyledFormMixin, forms.Form):
    key = forms.CharField(
        max_length=60, help_text="The answer's name: lower-case letters, digits, underscores."
    )
    label = forms.CharField(max_length=200, help_text="What the requester is asked.")
    type = forms.ChoiceField(choices=TYPE_CHOICES, initial="text")
    required = forms.BooleanField(required=False)
    help = forms.CharField(required=False, max_length=500, label="Help text")
    choices = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        label="Options",
        help_text="One per line.",
    )
    show_if_field = forms.CharField(
        required=False, max_length=60, label="Ask only when field (key)"
    )
    show_if_value = forms.CharField(
        required=False,
        max_length=200,
        label="… has the answer",
        help_text="Several answers: one per line. Yes/no fields: yes or no.",
        widget=forms.Textarea(attrs={"rows": 1}),
    )
    min_length = forms.IntegerField(required=False, min_value=0, label="Fewest characters")
    max_length = forms.IntegerField(required=False, min_value=0, label="Most characters")
    pattern = forms.CharField(required=False, max_length=200, label="Pattern (regular expression)")
    pattern_message = forms.CharField(
        required=False, max_length=200, label="Message when it does not match"
    )
    min = forms.CharField(required=False, max_length=40, label="Lowest")
    max = forms.CharField(required=False, max_length=40, label="Highest")
    min_choices = forms.IntegerField(required=False, min_value=0, label="Fewest options")
    max_choices = forms.IntegerField(required=False, min_value=0, label="Most options")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["type"].widget.attrs["data-kz-field-type"] = ""
        for name in ("min", "max"):
            self.fields[name].widget.attrs["placeholder"] = "number, or date YYYY-MM-DD"

    def to_schema(self, kinds: dict[str, str]) -> dict[str, Any]:
        """The row as form_schema reads it (only the settings of its type); `kinds` maps the
        keys of the rows before it to their types (a yes/no condition compares booleans)."""
        data = self.cleaned_data
        kind = data["type"]
        field: dict[str, Any] = {
            "key": data["key"].strip(),
            "label": data["label"].strip(),
            "type": kind,
            "required": data["required"],
        }
        if data["help"].strip():
            field["help"] = data["help"].strip()
        settings = TYPE_SETTINGS.get(kind, ())
        if "choices" in settings:
            field["choices"] = [
                line.strip() for line in data["choices"].splitlines() if line.strip()
            ]
        for name in (
            "min_length",
            "max_length",
            "pattern",
            "pattern_message",
            "min",
            "max",
            "min_choices",
            "max_choices",
        ):
            value = data.get(name)
            if name in settings and value not in (None, ""):
                field[name] = value.strip() if isinstance(value, str) else value
        other = data["show_if_field"].strip()
        if other:
            values: list[Any] = [
                line.strip() for line in data["show_if_value"].splitlines() if line.strip()
            ]
            if kinds.get(other) == "yes_no":
                values = [{"yes": True, "no": False}.get(str(v).lower(), v) for v in values]
            field["show_if"] = (
                {"field": other, "equals": values[0] if values else ""}
                if len(values) <= 1
                else {"field": other, "in": values}
            )
        return field


def row_initial(field: dict[str, Any]) -> dict[str, Any]:
    """A stored field as a builder row."""
    initial = {name: field.get(name) for name in SETTING_FIELDS if name != "show_if"}
    initial["choices"] = "\n".join(field.get("choices") or [])
    condition = field.get("show_if")
    if condition:
        values = [condition["equals"]] if "equals" in condition else condition["in"]
        initial["show_if_field"] = condition["field"]
        initial["show_if_value"] = "\n".join(
            ("yes" if v else "no") if isinstance(v, bool) else str(v) for v in values
        )
    return {k: v for k, v in initial.items() if v is not None}


class BaseRowFormSet(forms.BaseFormSet):
    """Rows in the order the person gave (up/down buttons set ORDER), deleted ones left out."""

    def kept_forms(self) -> list[forms.Form]:
        deleted = set(self.deleted_forms) if self.can_delete else set()
        first_new = self.initial_form_count()
        kept = [
            form
            for index, form in enumerate(self.forms)
            if form not in deleted and (index < first_new or form.has_changed())
        ]
        if self.can_order:
            kept.sort(key=lambda form: form.cleaned_data.get("ORDER") or 10**6)
        return kept

    def add_row_error(self, position: int, message: str) -> None:
        """A service message about row `position` (1-based, as the service counted) on that
        row, on the setting it names when the row has it."""
        kept = self.kept_forms()
        if not 1 <= position <= len(kept):
            self._non_form_errors = self.error_class([message])  # type: ignore[assignment]
            return
        form = kept[position - 1]
        for part in message.split("; "):
            setting, _, text = part.partition(": ")
            target = SETTING_FIELDS.get(setting, setting)
            if text and target in form.fields:
                form.add_error(target, text)
            else:
                form.add_error(None, part)


FieldRowFormSet = forms.formset_factory(
    FieldRowForm, formset=BaseRowFormSet, extra=0, can_delete=True, can_order=True
)


def schema_from(formset: BaseRowFormSet) -> list[dict[str, Any]]:
    kinds: dict[str, str] = {}
    fields = []
    for form in formset.kept_forms():
        field = form.to_schema(kinds)
        kinds[field["key"]] = field["type"]
        fields.append(field)
    return fields


ROW_ERROR = re.compile(r"^(?:field|step|task) (\d+)(?: \([^)]*\))?: (.*)$", re.S)


def put_row_errors(formset: BaseRowFormSet, messages: list[str]) -> None:
    """Messages of the services ("field 2 (model): choices: …", "step 1: team: …") on the
    row and setting they name; anything else on the whole set."""
    for message in messages:
        found = ROW_ERROR.match(message)
        if found:
            formset.add_row_error(int(found[1]), found[2])
        else:
            formset._non_form_errors = formset.error_class([message])  # type: ignore[assignment]


class VersionForm(forms.Form):
    """The version of the request type the person read, for the builder pages."""

    version = VersionField()


class StepRowForm(StyledFormMixin, forms.Form):
    name = forms.CharField(max_length=120, help_text="e.g. Line manager")
    approver_source = forms.ChoiceField(choices=ApproverSource.choices, label="Who approves")
    team = forms.ModelChoiceField(queryset=Team.objects.none(), required=False)
    people = forms.ModelMultipleChoiceField(queryset=User.objects.none(), required=False)
    policy = forms.ChoiceField(choices=ApprovalPolicy.choices, initial=ApprovalPolicy.ANY)
    required = forms.IntegerField(required=False, min_value=1, label="How many must approve (k)")
    due_hours = forms.IntegerField(
        required=False, min_value=1, label="Hours to decide", help_text="Empty: no due date."
    )
    due_action = forms.ChoiceField(
        choices=DueAction.choices, initial=DueAction.REJECT, label="When nobody decided in time"
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["team"].queryset = active_teams()
        self.fields["people"].queryset = active_people()
        self.fields["people"].widget.attrs["size"] = 4
        self.fields["approver_source"].widget.attrs["data-kz-step-source"] = ""

    def to_step(self) -> dict[str, Any]:
        data = self.cleaned_data
        source = data["approver_source"]
        return {
            "name": data["name"],
            "approver_source": source,
            "team": data["team"].pk if data["team"] and source == ApproverSource.TEAM else None,
            "people": [p.pk for p in data["people"]] if source == ApproverSource.PEOPLE else [],
            "policy": data["policy"],
            "required": data["required"] if data["policy"] == ApprovalPolicy.K_OF_N else None,
            "due_hours": data["due_hours"],
            "due_action": data["due_action"],
        }


StepRowFormSet = forms.formset_factory(
    StepRowForm, formset=BaseRowFormSet, extra=0, can_delete=True, can_order=True
)


class TaskRowForm(StyledFormMixin, forms.Form):
    position = forms.IntegerField(
        min_value=1, initial=1, label="Step", help_text="Same step: done in parallel."
    )
    title = forms.CharField(max_length=150)
    team = forms.ModelChoiceField(queryset=Team.objects.none())
    instructions = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["team"].queryset = active_teams()

    def to_task(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "position": data["position"],
            "title": data["title"],
            "team": data["team"].pk,
            "instructions": data["instructions"],
        }


TaskRowFormSet = forms.formset_factory(
    TaskRowForm, formset=BaseRowFormSet, extra=0, can_delete=True
)


# ---- actions on a request ---------------------------------------------------------------


class CancelForm(StyledFormMixin, forms.Form):
    reason = forms.CharField(
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
        label="Why (optional)",
    )
    version = VersionField()


class AssignForm(StyledFormMixin, forms.Form):
    assignment_group = forms.ModelChoiceField(
        queryset=Team.objects.none(), required=False, label="Group", empty_label="No group"
    )
    assignee = forms.ModelChoiceField(
        queryset=User.objects.none(), required=False, empty_label="Nobody yet"
    )
    version = VersionField()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["assignment_group"].queryset = active_teams()
        self.fields["assignee"].queryset = active_agents().order_by("first_name", "last_name")


class HoldForm(StyledFormMixin, forms.Form):
    hold_reason = forms.ChoiceField(choices=HoldReason.choices, label="Why")
    version = VersionField()


class FailForm(StyledFormMixin, forms.Form):
    failure_reason = forms.CharField(
        max_length=2000, widget=forms.Textarea(attrs={"rows": 2}), label="Why it cannot be done"
    )
    version = VersionField()


class MoveForm(forms.Form):
    """Resume, fulfil, close: only the version read."""

    version = VersionField()


class OnBehalfForm(StyledFormMixin, forms.Form):
    """Agents request for someone else."""

    requested_for = forms.ModelChoiceField(
        queryset=User.objects.none(),
        required=False,
        label="Requested for",
        empty_label="Myself",
        help_text="The person who receives it (in the type's audience).",
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["requested_for"].queryset = active_people()
