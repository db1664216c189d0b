"""The change calendar's forms: a blackout or maintenance window, acknowledging a conflict,
and trying another planned window on the change page."""

import zoneinfo
from typing import Any

from django import forms
from django.conf import settings

from kaizen.catalog.models import Service
from kaizen.changes.models import Recurrence, Weekday, WindowKind
from kaizen.core.forms import StyledFormMixin

_DATETIME = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
_TIME = forms.TimeInput(attrs={"type": "time"}, format="%H:%M")
_DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def _zones() -> list[tuple[str, str]]:
    return [(name, name) for name in sorted(zoneinfo.available_timezones())]


class WindowForm(StyledFormMixin, forms.Form):
    kind = forms.ChoiceField(choices=WindowKind.choices)
    name = forms.CharField(
        max_length=120, help_text="e.g. Year-end freeze, Mail Sunday maintenance"
    )
    note = forms.CharField(required=False, widget=forms.Textarea, label="Note")
    all_services = forms.BooleanField(required=False, label="For all services (a blackout only)")
    services = forms.ModelMultipleChoiceField(
        queryset=Service.objects.order_by("name"), required=False
    )
    recurrence = forms.ChoiceField(choices=Recurrence.choices)
    starts_at = forms.DateTimeField(
        required=False, widget=_DATETIME, label="Starts", help_text="Once: in your time zone"
    )
    ends_at = forms.DateTimeField(required=False, widget=_DATETIME, label="Ends")
    weekday = forms.TypedChoiceField(
        choices=[("", "—"), *Weekday.choices],
        coerce=int,
        empty_value=None,
        required=False,
        label="Every",
    )
    start_time = forms.TimeField(required=False, widget=_TIME, label="From (local time)")
    end_time = forms.TimeField(
        required=False,
        widget=_TIME,
        label="To (local time)",
        help_text="At or before the start: the next day",
    )
    time_zone = forms.ChoiceField(choices=_zones, required=False, label="Time zone")
    valid_from = forms.DateField(required=False, widget=_DATE, label="First date")
    valid_until = forms.DateField(required=False, widget=_DATE, label="Last date")
    is_active = forms.BooleanField(required=False, initial=True, label="Active")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["time_zone"].initial = settings.TIME_ZONE
        self.fields["services"].widget.attrs["size"] = 8

    def service_values(self) -> tuple[dict[str, Any], list[Service]]:
        """The window's fields and its services, as the services take them."""
        data = dict(self.cleaned_data)
        services = list(data.pop("services") or [])
        data["time_zone"] = data.get("time_zone") or ""
        return data, services


class AcknowledgeForm(forms.Form):
    conflict = forms.CharField(max_length=120, widget=forms.HiddenInput)
    reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2, "class": "form-control form-control-sm"}),
        help_text="Why the change may go ahead despite the conflict",
    )
    planned_start = forms.DateTimeField(required=False, widget=forms.HiddenInput)
    planned_end = forms.DateTimeField(required=False, widget=forms.HiddenInput)


class PlanForm(StyledFormMixin, forms.Form):
    """Another planned window to check before editing a scheduled change."""

    planned_start = forms.DateTimeField(widget=_DATETIME, label="Start")
    planned_end = forms.DateTimeField(widget=_DATETIME, label="End")

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        start, end = data.get("planned_start"), data.get("planned_end")
        if start and end and end <= start:
            self.add_error("planned_end", "the end must come after the start")
        return data
