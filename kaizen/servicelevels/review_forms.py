"""The service review page's forms. They validate input; the services decide."""

from typing import Any

from django import forms
from django.db.models import Q, QuerySet

from kaizen.core.forms import StyledFormMixin, VersionField
from kaizen.people.models import User, UserKind
from kaizen.servicelevels.models import (
    Agreement,
    AgreementKind,
    AgreementStatus,
    ReviewActionStatus,
)

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
DATETIME = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
DATETIME_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S"]


def action_owners(agreement: Agreement) -> QuerySet[User]:
    """Who may own a review action: IT staff, and the people who speak for the customer."""
    people = User.objects.filter(is_active=True).filter(
        Q(kind=UserKind.AGENT) | Q(customers_represented=agreement.customer_id)
    )
    return people.distinct().order_by("first_name", "last_name", "username")


class ScheduleReviewForm(StyledFormMixin, forms.Form):
    """A review scheduled by hand (reviews by the cadence are scheduled every night)."""

    agreement = forms.ModelChoiceField(
        queryset=Agreement.objects.filter(
            kind=AgreementKind.SLA, status=AgreementStatus.ACTIVE
        ).order_by("number"),
        to_field_name="number",
    )
    period_start = forms.DateField(widget=DATE, label="Period from")
    period_end = forms.DateField(widget=DATE, label="Period to", help_text="Its last day.")
    due_on = forms.DateField(widget=DATE, label="Due on")
    scheduled_for = forms.DateTimeField(
        widget=DATETIME, required=False, input_formats=DATETIME_FORMATS, label="Meeting"
    )


class ReviewNotesForm(StyledFormMixin, forms.Form):
    """The meeting's date and time, the attendees and the minutes, written down before or
    after the meeting."""

    version = VersionField()
    scheduled_for = forms.DateTimeField(
        widget=DATETIME, required=False, input_formats=DATETIME_FORMATS, label="Meeting"
    )
    attendees = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))
    minutes = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 6}))


class HoldReviewForm(StyledFormMixin, forms.Form):
    version = VersionField()
    held_on = forms.DateField(widget=DATE, label="Held on")
    attendees = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2}), help_text="The customer's people and ours."
    )
    minutes = forms.CharField(widget=forms.Textarea(attrs={"rows": 6}))


class CancelReviewForm(StyledFormMixin, forms.Form):
    version = VersionField()
    reason = forms.CharField(
        max_length=250, label="Why it is cancelled", widget=forms.Textarea(attrs={"rows": 2})
    )


class ReviewActionForm(StyledFormMixin, forms.Form):
    """An action agreed at the review; with `editing`, its change (with the version read and
    its status)."""

    title = forms.CharField(max_length=200, label="Action")
    owner = forms.ModelChoiceField(queryset=User.objects.none(), required=False)
    due_on = forms.DateField(widget=DATE, required=False, label="Due on")

    def __init__(
        self, *args: Any, agreement: Agreement, editing: bool = False, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = action_owners(agreement)
        if editing:
            self.fields["status"] = forms.ChoiceField(choices=ReviewActionStatus.choices)
            self.fields["status"].widget.attrs["class"] = "form-select"
            self.fields["version"] = VersionField()
