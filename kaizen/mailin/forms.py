"""The mailbox form: the stored password is never shown back, only replaced or cleared."""

from typing import Any

from django import forms

from kaizen.catalog.models import Lifecycle, Service
from kaizen.core.forms import StyledFormMixin, VersionedFormMixin
from kaizen.mailin.models import Mailbox
from kaizen.mailin.services.mailboxes import FIELDS
from kaizen.people.models import Team


class MailboxForm(VersionedFormMixin, StyledFormMixin, forms.ModelForm):
    password = forms.CharField(
        required=False,
        widget=forms.PasswordInput(render_value=False),
        help_text="Stored in the database; leave empty to keep the stored one, or name an "
        "environment variable below instead.",
    )
    clear_password = forms.BooleanField(required=False, label="Remove the stored password")

    class Meta:
        model = Mailbox
        fields = FIELDS

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["default_service"].queryset = Service.objects.filter(lifecycle=Lifecycle.LIVE)
        self.fields["default_team"].queryset = Team.objects.filter(is_active=True)
        if not self.instance.pk:
            del self.fields["clear_password"]


class ReprocessForm(forms.Form):
    pass
