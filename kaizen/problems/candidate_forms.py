"""The decisions on a problem candidate: create the problem, or dismiss it with a reason."""

from django import forms

from kaizen.core.forms import StyledFormMixin
from kaizen.problems.models import Problem


class AcceptCandidateForm(StyledFormMixin, forms.Form):
    statement = forms.CharField(
        max_length=Problem._meta.get_field("statement").max_length,
        required=False,
        label="Problem statement",
        help_text="What keeps going wrong, in a line (blank: the candidate's own words).",
    )


class DismissCandidateForm(StyledFormMixin, forms.Form):
    reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        label="Why it is not a problem",
        help_text="It stays dismissed until a scan finds more incidents behind it.",
    )
