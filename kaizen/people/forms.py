import datetime
import zoneinfo

from django import forms
from django.contrib.auth.forms import PasswordChangeForm
from django.utils import timezone

from kaizen.core.forms import StyledFormMixin, VersionedFormMixin
from kaizen.people.models import Process, Role, Team, User
from kaizen.people.selectors import active_agents
from kaizen.people.services import PROFILE_FIELDS, TEAM_FIELDS, USER_FIELDS


def time_zone_field() -> forms.ChoiceField:
    zones = sorted(zoneinfo.available_timezones())
    return forms.ChoiceField(
        choices=[("", "Server default"), *((zone, zone.replace("_", " ")) for zone in zones)],
        required=False,
        help_text="Times are shown in this zone.",
    )


class TeamForm(VersionedFormMixin, StyledFormMixin, forms.ModelForm):
    class Meta:
        model = Team
        fields = TEAM_FIELDS

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["manager"].queryset = active_agents()


class TeamMemberForm(StyledFormMixin, forms.Form):
    user = forms.ModelChoiceField(queryset=User.objects.none(), label="Add a member")

    def __init__(self, *args, team: Team, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["user"].queryset = active_agents().exclude(teams=team)


class UserForm(VersionedFormMixin, StyledFormMixin, forms.ModelForm):
    time_zone = time_zone_field()
    password = forms.CharField(
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        required=False,
        label="New password",
        help_text="Optional: leave empty to keep the password as it is. "
        "Someone added without one cannot sign in with a password.",
    )

    class Meta:
        model = User
        fields = USER_FIELDS
        labels = {"is_superuser": "Administrator", "is_staff": "Can open the admin site"}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Who approves where a request asks for "the requester's manager": any active person.
        manager = self.fields["manager"]
        manager.queryset = User.objects.filter(is_active=True).order_by(
            "last_name", "first_name", "username"
        )
        if self.instance.pk:
            manager.queryset = manager.queryset.exclude(pk=self.instance.pk)
        manager.empty_label = "No manager"
        manager.help_text = "Approves this person's service requests where a manager must."


class ProfileForm(VersionedFormMixin, StyledFormMixin, forms.ModelForm):
    time_zone = time_zone_field()

    class Meta:
        model = User
        fields = PROFILE_FIELDS


class ProcessRoleForm(StyledFormMixin, forms.Form):
    process = forms.ChoiceField(choices=Process.choices)
    role = forms.ChoiceField(choices=Role.choices, help_text="CAB member exists for change only.")


class ApiTokenForm(StyledFormMixin, forms.Form):
    name = forms.CharField(max_length=100, help_text="What uses it, e.g. 'monitoring'.")
    expires_at = forms.DateField(
        required=False,
        label="Valid until",
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text="Optional. The token works through the end of this day.",
    )

    def clean_expires_at(self) -> datetime.datetime | None:
        day = self.cleaned_data["expires_at"]
        if day is None:
            return None
        midnight = datetime.datetime.combine(day + datetime.timedelta(days=1), datetime.time.min)
        return timezone.make_aware(midnight)


class PasswordForm(StyledFormMixin, PasswordChangeForm):
    pass
