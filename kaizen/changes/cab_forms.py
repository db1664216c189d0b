"""Forms of the CAB pages: a vote, an approval policy, a delegation, CAB schedules and meetings,
the agenda and its decisions. Every write goes through kaizen.changes.services."""

from typing import Any

from django import forms
from django.db.models import Q, QuerySet

from kaizen.changes.models import (
    ApprovalPolicy,
    CabMeeting,
    CabSchedule,
    ChangeType,
    Decision,
    MeetingKind,
    MeetingStatus,
    Risk,
)
from kaizen.changes.services.policies import POLICY_FIELDS
from kaizen.core.forms import StyledFormMixin
from kaizen.people.models import Process, Role, User, UserKind

DATETIME = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


def _datetime_field(label: str, **kwargs: Any) -> forms.DateTimeField:
    return forms.DateTimeField(label=label, widget=DATETIME, **kwargs)


def people_choices() -> QuerySet[User]:
    """Agents and CAB members (some are business representatives, not agents)."""
    cab = Q(process_roles__process=Process.CHANGE, process_roles__role=Role.CAB_MEMBER)
    return (
        User.objects.filter(Q(kind=UserKind.AGENT) | cab, is_active=True)
        .distinct()
        .order_by("last_name", "first_name", "username")
    )


class VoteForm(StyledFormMixin, forms.Form):
    decision = forms.ChoiceField(choices=Decision.choices)
    comment = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))
    on_behalf_of = forms.IntegerField(required=False, widget=forms.HiddenInput)


class PolicyForm(StyledFormMixin, forms.ModelForm):
    class Meta:
        model = ApprovalPolicy
        fields = POLICY_FIELDS
        widgets = {"description": forms.Textarea(attrs={"rows": 2})}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["change_type"].choices = [
            ("", "Normal and emergency"),
            *[(t.value, t.label) for t in ChangeType if t != ChangeType.STANDARD],
        ]
        self.fields["change_type"].help_text = ""
        self.fields["team"].empty_label = "No team"

    def _post_clean(self) -> None:
        # The service checks the policy (naming the field); the form only parses values.
        pass


class DelegationForm(StyledFormMixin, forms.Form):
    delegate = forms.ModelChoiceField(queryset=User.objects.none(), label="Who votes for me")
    starts_at = _datetime_field("From")
    ends_at = _datetime_field("Until")
    reason = forms.CharField(required=False, max_length=200, help_text="e.g. on leave")

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["delegate"].queryset = people_choices().exclude(pk=user.pk)
        self.fields["delegate"].empty_label = "Choose a person"


class ScheduleForm(StyledFormMixin, forms.ModelForm):
    class Meta:
        model = CabSchedule
        fields = ("name", "weekday", "start_time", "duration_minutes", "time_zone", "location")
        widgets = {"start_time": forms.TimeInput(attrs={"type": "time"}, format="%H:%M")}

    def _post_clean(self) -> None:
        pass


class MeetingForm(StyledFormMixin, forms.Form):
    title = forms.CharField(max_length=160)
    kind = forms.ChoiceField(
        choices=[(k.value, k.label) for k in MeetingKind if k != MeetingKind.SCHEDULED]
    )
    starts_at = _datetime_field("Starts")
    ends_at = _datetime_field("Ends")
    location = forms.CharField(required=False, max_length=200)
    attendees = forms.ModelMultipleChoiceField(
        queryset=User.objects.none(),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 8}),
        help_text="The CAB members are chosen; Ctrl-click (⌘-click) adds or removes a person.",
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["attendees"].queryset = people_choices()


class MeetingUpdateForm(StyledFormMixin, forms.ModelForm):
    attendees = forms.ModelMultipleChoiceField(
        queryset=User.objects.none(), required=False, widget=forms.SelectMultiple(attrs={"size": 6})
    )

    class Meta:
        model = CabMeeting
        fields = ("status", "minutes")
        widgets = {"minutes": forms.Textarea(attrs={"rows": 6})}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["attendees"].queryset = people_choices()
        self.fields["status"].choices = MeetingStatus.choices
        if self.instance.pk:
            self.initial["attendees"] = list(self.instance.attendees.all())

    def _post_clean(self) -> None:
        pass


class AgendaFilterForm(StyledFormMixin, forms.Form):
    change_type = forms.ChoiceField(
        required=False,
        label="Type",
        choices=[
            ("", "Normal and emergency"),
            *[(t.value, t.label) for t in ChangeType if t != ChangeType.STANDARD],
        ],
    )
    min_risk = forms.TypedChoiceField(
        required=False,
        label="Risk at least",
        coerce=int,
        empty_value=None,
        choices=[("", "Any risk"), *Risk.choices],
    )
    planned_before = _datetime_field("Planned to start before", required=False)


class AgendaDecisionForm(StyledFormMixin, forms.Form):
    """One agenda item's decision: a vote per attendee, or a deferral with its reason."""

    deferred = forms.BooleanField(required=False, label="Defer to a later meeting")
    note = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args: Any, attendees: list[User], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.attendees = attendees
        for person in attendees:
            self.fields[f"vote_{person.pk}"] = forms.ChoiceField(
                required=False,
                label=str(person),
                choices=[("", "No vote"), *Decision.choices],
            )
            self.fields[f"comment_{person.pk}"] = forms.CharField(
                required=False, label=f"Comment of {person}"
            )
        # The mixin styled the fields declared on the class; these are added per attendee.
        for name, field in self.fields.items():
            if name.startswith("vote_"):
                field.widget.attrs.setdefault("class", "form-select form-select-sm")
            elif name.startswith("comment_"):
                field.widget.attrs.setdefault("class", "form-control form-control-sm")

    def votes(self) -> list[tuple[User, str, str]]:
        data = self.cleaned_data
        return [
            (person, data[f"vote_{person.pk}"], data.get(f"comment_{person.pk}", ""))
            for person in self.attendees
            if data.get(f"vote_{person.pk}")
        ]

    def vote_rows(self) -> list[tuple[Any, Any]]:
        return [(self[f"vote_{p.pk}"], self[f"comment_{p.pk}"]) for p in self.attendees]
