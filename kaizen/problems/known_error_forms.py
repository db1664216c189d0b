"""Forms of the known-error pages: record and edit, publish, apply to an incident."""

from django import forms

from kaizen.catalog.models import ConfigurationItem, Service
from kaizen.core.forms import StyledFormMixin, VersionedFormMixin
from kaizen.problems.models import KnownError


class KnownErrorForm(StyledFormMixin, VersionedFormMixin, forms.ModelForm):
    """Recording one starts from its problem's words: the page fills them in."""

    services = forms.ModelMultipleChoiceField(
        queryset=Service.objects.order_by("name"), required=False
    )
    configuration_items = forms.ModelMultipleChoiceField(
        queryset=ConfigurationItem.objects.order_by("name"),
        required=False,
        label="Configuration items",
    )

    class Meta:
        model = KnownError
        fields = ["title", "symptom", "root_cause", "workaround", "category"]
        labels = {"symptom": "Symptom (what the person sees)", "root_cause": "Root cause"}
        help_texts = {
            "title": "As agents will search for it.",
            "workaround": "Copied onto an incident as a work note when an agent applies it.",
            "category": "The incident category's name, as on the problem.",
        }
        widgets = {
            "symptom": forms.Textarea(attrs={"rows": 4}),
            "root_cause": forms.Textarea(attrs={"rows": 3}),
            "workaround": forms.Textarea(attrs={"rows": 5}),
        }


class PublishForm(StyledFormMixin, forms.Form):
    to_portal = forms.BooleanField(
        required=False, label="Also publish to the portal as a self-help article"
    )
    portal_title = forms.CharField(
        required=False,
        max_length=200,
        label="Article title (requesters read it)",
        help_text="In the words of someone who has the problem; default: the title.",
    )
    portal_body = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
        label="What requesters can do",
        help_text="Default: the workaround. Leave out anything only agents may do.",
    )
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)


class VersionOnlyForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)


class ApplyForm(forms.Form):
    incident = forms.CharField(max_length=40)
    copy_workaround = forms.BooleanField(required=False)
    # Where the person goes afterwards: the incident (from its page) or the known error.
    back = forms.ChoiceField(choices=[("incident", "incident"), ("known_error", "known error")])
