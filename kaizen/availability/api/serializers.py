"""Outages, availability targets and figures over the API. Serializers parse and present;
writes go to the services."""

from typing import Any

from rest_framework import serializers

from kaizen.availability.engine import AvailabilityFigure
from kaizen.availability.models import AvailabilityTarget, CauseKind, Outage, OutageKind
from kaizen.availability.services.monitoring import CLOSE, OPEN
from kaizen.catalog.models import ConfigurationItem, Service, ServiceOffering
from kaizen.core.api.serializers import VersionedSerializer
from kaizen.sla.models import BusinessCalendar

US_PER_SECOND = 1_000_000
UNKNOWN_SERVICE = {"does_not_exist": "no service has the slug '{value}'"}


def seconds(value: Any) -> float | None:
    return None if value is None else float(value) / US_PER_SECOND


class OutageSerializer(VersionedSerializer):
    """An outage. POST records one (proposed, or confirmed when you may confirm); PATCH
    corrects it and needs the `version` you read (409 if it moved on). Confirming, dismissing
    and ending go through their endpoints."""

    service = serializers.SlugRelatedField(
        slug_field="slug",
        queryset=Service.objects.all(),
        help_text="The service's slug",
        error_messages=UNKNOWN_SERVICE,
    )
    offering = serializers.PrimaryKeyRelatedField(
        queryset=ServiceOffering.objects.all(), allow_null=True, required=False
    )
    configuration_item = serializers.PrimaryKeyRelatedField(
        queryset=ConfigurationItem.objects.all(), allow_null=True, required=False
    )
    kind = serializers.ChoiceField(choices=OutageKind.choices)
    share_affected = serializers.IntegerField(
        min_value=1, max_value=100, required=False, help_text="100 unless degraded"
    )
    cause_kind = serializers.ChoiceField(choices=CauseKind.choices, required=False)
    url = serializers.SerializerMethodField()

    class Meta:
        model = Outage
        fields = (
            "number",
            "url",
            "service",
            "offering",
            "configuration_item",
            "kind",
            "share_affected",
            "started_at",
            "ended_at",
            "title",
            "description",
            "cause_kind",
            "cause_reference",
            "status",
            "origin",
            "dismissed_reason",
            "confirmed_by",
            "confirmed_at",
            "created_at",
            "updated_at",
            "version",
        )
        read_only_fields = (
            "number",
            "status",
            "origin",
            "dismissed_reason",
            "confirmed_by",
            "confirmed_at",
            "created_at",
            "updated_at",
        )
        extra_kwargs = {"description": {"required": False}, "cause_reference": {"required": False}}

    def get_url(self, outage: Outage) -> str:
        request = self.context.get("request")
        path = outage.get_absolute_url()
        return request.build_absolute_uri(path) if request else path


class OutageConfirmSerializer(serializers.Serializer):
    version = serializers.IntegerField(min_value=1, help_text="The version you read")
    started_at = serializers.DateTimeField(required=False, help_text="As you establish it")
    ended_at = serializers.DateTimeField(
        required=False, allow_null=True, help_text="As you establish it; null while it goes on"
    )


class OutageDismissSerializer(serializers.Serializer):
    version = serializers.IntegerField(min_value=1, help_text="The version you read")
    reason = serializers.CharField(max_length=250, help_text="Why it was not an outage")


class OutageEndSerializer(serializers.Serializer):
    ended_at = serializers.DateTimeField(required=False, help_text="Default: now")


class MonitoringSignalSerializer(serializers.Serializer):
    source = serializers.CharField(max_length=80, help_text="The monitoring tool, e.g. zabbix")
    key = serializers.CharField(max_length=110, help_text="The tool's key for its alert")
    signal = serializers.ChoiceField(choices=[(OPEN, "open"), (CLOSE, "close")])
    at = serializers.DateTimeField(help_text="When the service went down (open) or came back")
    service = serializers.SlugRelatedField(
        slug_field="slug",
        queryset=Service.objects.all(),
        required=False,
        help_text="The service's slug (needed to open)",
        error_messages=UNKNOWN_SERVICE,
    )
    configuration_item = serializers.PrimaryKeyRelatedField(
        queryset=ConfigurationItem.objects.all(), required=False, allow_null=True
    )
    title = serializers.CharField(max_length=200, required=False, allow_blank=True)


class AvailabilityTargetSerializer(serializers.ModelSerializer):
    """A service's availability target from `valid_from` on. POST sets one (a second for the
    same day replaces it)."""

    service = serializers.SlugRelatedField(
        slug_field="slug", queryset=Service.objects.all(), error_messages=UNKNOWN_SERVICE
    )
    calendar = serializers.SlugRelatedField(
        slug_field="slug",
        queryset=BusinessCalendar.objects.all(),
        help_text="The business calendar of the agreed service hours (slug)",
    )

    class Meta:
        model = AvailabilityTarget
        fields = ("id", "service", "valid_from", "target_percent", "calendar", "note", "version")
        read_only_fields = ("id", "version")


class OutageShareSerializer(serializers.Serializer):
    number = serializers.CharField()
    downtime_seconds = serializers.FloatField(help_text="Agreed service time it took alone")


class AvailabilityFigureSerializer(serializers.Serializer):
    """One period's figures; durations in seconds of agreed service time."""

    start = serializers.DateTimeField()
    end = serializers.DateTimeField()
    agreed_seconds = serializers.FloatField()
    downtime_seconds = serializers.FloatField()
    availability_percent = serializers.FloatField(allow_null=True)
    target_percent = serializers.FloatField(allow_null=True)
    met = serializers.BooleanField(allow_null=True)
    allowed_downtime_seconds = serializers.FloatField(allow_null=True)
    budget_left_seconds = serializers.FloatField(allow_null=True)
    breaks = serializers.IntegerField()
    mtrs_seconds = serializers.FloatField(allow_null=True)
    mtbf_seconds = serializers.FloatField(allow_null=True)
    mtbsi_seconds = serializers.FloatField(allow_null=True)
    outages = OutageShareSerializer(many=True)

    def to_representation(self, figure: AvailabilityFigure) -> dict[str, Any]:
        return {
            "start": serializers.DateTimeField().to_representation(figure.start),
            "end": serializers.DateTimeField().to_representation(figure.end),
            "agreed_seconds": seconds(figure.agreed_us),
            "downtime_seconds": seconds(figure.downtime_us),
            "availability_percent": figure.availability_percent,
            "target_percent": figure.target_percent,
            "met": figure.met,
            "allowed_downtime_seconds": seconds(figure.allowed_downtime_us),
            "budget_left_seconds": seconds(figure.budget_left_us),
            "breaks": figure.breaks,
            "mtrs_seconds": seconds(figure.mtrs_us),
            "mtbf_seconds": seconds(figure.mtbf_us),
            "mtbsi_seconds": seconds(figure.mtbsi_us),
            "outages": [
                {"number": share.number, "downtime_seconds": seconds(share.downtime_us)}
                for share in figure.outages
            ],
        }


class ServiceAvailabilitySerializer(serializers.Serializer):
    service = serializers.CharField(help_text="The service's slug")
    has_target = serializers.BooleanField()
    whole = AvailabilityFigureSerializer()
    months = AvailabilityFigureSerializer(many=True)
