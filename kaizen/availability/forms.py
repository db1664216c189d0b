"""Outage and availability-target forms. They validate input; the services decide."""

from typing import Any

from django import forms

from kaizen.availability.models import AvailabilityTarget, Outage, OutageKind
from kaizen.availability.services.outages import EDITABLE_FIELDS, FULL_SHARE
from kaizen.catalog.models import ConfigurationItem, Lifecycle, Service, ServiceOffering
from kaizen.core.forms import StyledFormMixin, VersionedFormMixin, VersionField
from kaizen.sla.models import BusinessCalendar

DATETIME = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


class OutageForm(VersionedFormMixin, StyledFormMixin, forms.ModelForm):
    """Record an outage, or correct one (an edit carries the version read)."""

    class Meta:
        model = Outage
        fields = EDITABLE_FIELDS
        widgets = {
            "started_at": DATETIME,
            "ended_at": DATETIME,
            "description": forms.Textarea(attrs={"rows": 4}),
        }
        labels = {
            "offering": "Offering",
            "configuration_item": "Configuration item",
            "share_affected": "Share of users affected (%)",
            "started_at": "Started",
            "ended_at": "Ended",
            "cause_kind": "Cause",
            "cause_reference": "Cause reference",
        }
        help_texts = {
            "ended_at": "Leave empty while it goes on: it counts up to now.",
            "share_affected": "A degraded service affects part of its users (1 to 99 %).",
            "cause_reference": "The incident or change number (INC…, CHG…), or the supplier.",
            "title": "What was lost, e.g. “Mail down for all users”.",
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        fields = self.fields
        fields["service"].queryset = Service.objects.exclude(lifecycle=Lifecycle.RETIRED)
        fields["offering"].queryset = ServiceOffering.objects.select_related("service").order_by(
            "service__name", "name"
        )
        fields["offering"].label_from_instance = lambda offering: (
            f"{offering.service.name}: {offering.name}"
        )
        fields["configuration_item"].queryset = ConfigurationItem.objects.exclude(
            status="retired"
        ).order_by("name")
        fields["share_affected"].required = False
        for name in ("started_at", "ended_at"):
            fields[name].input_formats = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S"]

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        # The share is asked only for a degraded service; anything else stops it for everyone.
        if data.get("kind") != OutageKind.DEGRADED:
            data["share_affected"] = FULL_SHARE
        elif data.get("share_affected") is None:
            self.add_error("share_affected", "Give the share of users affected, from 1 to 99 %.")
        return data

    def _post_clean(self) -> None:
        # The service (check_outage) validates the outage as a whole, each fault on its field;
        # the model's own validation would say less, so only the fields' values are taken.
        pass


class ConfirmOutageForm(StyledFormMixin, forms.Form):
    version = VersionField()
    started_at = forms.DateTimeField(widget=DATETIME, label="Started")
    ended_at = forms.DateTimeField(
        widget=DATETIME, label="Ended", required=False, help_text="Empty while it goes on."
    )


class DismissOutageForm(StyledFormMixin, forms.Form):
    version = VersionField()
    reason = forms.CharField(
        max_length=250, label="Why it was not an outage", widget=forms.Textarea(attrs={"rows": 2})
    )


class EndOutageForm(StyledFormMixin, forms.Form):
    ended_at = forms.DateTimeField(
        widget=DATETIME, label="Ended", required=False, help_text="Empty: now."
    )


class AvailabilityTargetForm(StyledFormMixin, forms.ModelForm):
    class Meta:
        model = AvailabilityTarget
        fields = ("valid_from", "target_percent", "calendar", "note")
        widgets = {"valid_from": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")}
        labels = {
            "valid_from": "Applies from",
            "target_percent": "Target availability (%)",
            "calendar": "Agreed service hours",
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["calendar"].queryset = BusinessCalendar.objects.order_by("name")

    def _post_clean(self) -> None:
        pass
