"""The forms of a fulfilment task's page: one per action, each carrying the version read."""

from typing import Any

from django import forms

from kaizen.core.forms import StyledFormMixin, VersionField
from kaizen.people.models import Team, User
from kaizen.people.selectors import active_agents
from kaizen.requests.models import HoldReason


class TaskActionForm(StyledFormMixin, forms.Form):
    """Start, resume: nothing to say but the version read."""

    version = VersionField(required=False)


class HoldTaskForm(TaskActionForm):
    hold_reason = forms.ChoiceField(choices=HoldReason.choices, label="Waiting for")


class CompleteTaskForm(TaskActionForm):
    note = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
        label="What was done",
        max_length=4000,
    )


class FailTaskForm(TaskActionForm):
    reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2}),
        label="Why it cannot be done",
        help_text="The request fails with this reason; the requester reads it.",
        max_length=4000,
    )


class AssignTaskForm(TaskActionForm):
    assignment_group = forms.ModelChoiceField(queryset=Team.objects.none(), label="Team")
    assignee = forms.ModelChoiceField(
        queryset=User.objects.none(), required=False, empty_label="Nobody"
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["assignment_group"].queryset = Team.objects.filter(is_active=True).order_by(
            "name"
        )
        self.fields["assignee"].queryset = active_agents().order_by("first_name", "username")


class TaskNoteForm(StyledFormMixin, forms.Form):
    note = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}), label="Work note", max_length=10000
    )
