"""Forms of the approval pages: a decision (inbox, request page, e-mail link) and a delegation
while away. Every write goes through kaizen.requests.services.approvals and
kaizen.people.delegations."""

from typing import Any

from django import forms

from kaizen.core.forms import StyledFormMixin
from kaizen.people.models import User

DATETIME = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


class DecisionForm(StyledFormMixin, forms.Form):
    # Sent by the Approve or Reject button (requests/approvals/_decide_form.html).
    decision = forms.ChoiceField(choices=[("approve", "Approve"), ("reject", "Reject")])
    comment = forms.CharField(
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Optional; the requester reads it when you reject.",
    )
    # The person whose vote a delegate decides (empty: the user's own).
    on_behalf_of = forms.ModelChoiceField(
        queryset=User.objects.filter(is_active=True), required=False, widget=forms.HiddenInput
    )


class LinkDecisionForm(StyledFormMixin, forms.Form):
    # Sent by the page's Approve or Reject button.
    decision = forms.ChoiceField(choices=[("approve", "Approve"), ("reject", "Reject")])
    comment = forms.CharField(
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Optional; the requester reads it when you reject.",
    )


class DelegationForm(StyledFormMixin, forms.Form):
    delegate = forms.ModelChoiceField(queryset=User.objects.none(), label="Who decides for me")
    starts_at = forms.DateTimeField(label="From", widget=DATETIME)
    ends_at = forms.DateTimeField(label="Until", widget=DATETIME)
    reason = forms.CharField(required=False, max_length=200, help_text="e.g. on leave")

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["delegate"].queryset = (
            User.objects.filter(is_active=True)
            .exclude(pk=user.pk)
            .order_by("last_name", "first_name", "username")
        )
        self.fields["delegate"].empty_label = "Choose a person"
