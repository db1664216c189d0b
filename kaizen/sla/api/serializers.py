"""Calendars and SLA definitions over the API. Serializers only parse and present; writes go
to kaizen.sla.services, whose ValidationErrors come back as 400s on their field."""

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import serializers

from kaizen.catalog.models import Service, ServiceOffering
from kaizen.core.api.serializers import VersionedSerializer, WholeItemSerializer
from kaizen.people.models import Team
from kaizen.sla.forms import (
    MAX_CALCULATOR_MINUTES,
    check_condition_fields,
    normal_subdivision,
    region_errors,
)
from kaizen.sla.kinds import DEFAULT_KIND, kind_choices, on_hold_reason_choices
from kaizen.sla.models import BusinessCalendar, EscalationAction, SLADefinition
from kaizen.sla.services import CALENDAR_FIELDS
from kaizen.sla.templatetags.sla import describe_definition, week_summary

MIDNIGHT = dt.time(0)


class WorkingPeriodSerializer(WholeItemSerializer):
    weekday = serializers.IntegerField(min_value=0, max_value=6, help_text="0 = Monday, 6 = Sunday")
    start_time = serializers.TimeField(format="%H:%M", help_text="Local time, e.g. 09:00")
    end_time = serializers.TimeField(
        format="%H:%M", help_text="Local time; 00:00 means midnight at the end of the day"
    )

    def validate(self, data: dict[str, Any]) -> dict[str, Any]:
        if data["end_time"] != MIDNIGHT and data["end_time"] <= data["start_time"]:
            raise serializers.ValidationError(
                {"end_time": "must be after the start (00:00 means midnight)"}
            )
        return data


class CalendarClosureSerializer(WholeItemSerializer):
    date = serializers.DateField()
    name = serializers.CharField(max_length=120)


class BusinessCalendarSerializer(VersionedSerializer):
    periods = WorkingPeriodSerializer(
        many=True, help_text="Weekly working periods; several per day for split shifts"
    )
    closures = CalendarClosureSerializer(
        many=True, required=False, help_text="The organisation's own closed dates"
    )
    weekly_hours = serializers.SerializerMethodField()
    remeasure = serializers.BooleanField(
        write_only=True,
        required=False,
        default=False,
        help_text="On update: also re-measure settled history (open tickets always are)",
    )
    remeasure_since = serializers.DateTimeField(
        write_only=True,
        required=False,
        allow_null=True,
        default=None,
        help_text="With `remeasure`: tickets opened since then; null = all history",
    )

    class Meta:
        model = BusinessCalendar
        fields = [
            "id",
            *CALENDAR_FIELDS,
            "periods",
            "closures",
            "weekly_hours",
            "version",
            "updated_at",
            "remeasure",
            "remeasure_since",
        ]

    def get_weekly_hours(self, calendar: BusinessCalendar) -> str:
        return week_summary(calendar)

    def validate_holiday_country(self, value: str) -> str:
        return value.strip().upper()

    def validate_periods(self, periods: list[dict[str, Any]]) -> list[dict[str, Any]]:
        if not periods:
            raise serializers.ValidationError("a calendar needs at least one working period")
        return periods

    def validate_closures(self, closures: list[dict[str, Any]]) -> list[dict[str, Any]]:
        dates = [closure["date"] for closure in closures]
        if len(dates) != len(set(dates)):
            raise serializers.ValidationError("a date is listed twice")
        return closures

    def validate(self, data: dict[str, Any]) -> dict[str, Any]:
        data = super().validate(data)
        instance = self.instance
        country = data.get("holiday_country", instance.holiday_country if instance else "")
        subdivision = data.get(
            "holiday_subdivision", instance.holiday_subdivision if instance else ""
        )
        if "holiday_subdivision" in data:
            data["holiday_subdivision"] = subdivision = normal_subdivision(country, subdivision)
        errors = region_errors(country, subdivision)
        if errors:
            raise serializers.ValidationError(errors)
        return data

    def service_fields(self) -> dict[str, Any]:
        """validated_data as the config services take it."""
        fields = dict(self.validated_data)
        if "periods" in fields:
            fields["periods"] = sorted(
                (p["weekday"], p["start_time"], p["end_time"]) for p in fields["periods"]
            )
        if "closures" in fields:
            fields["closures"] = sorted((c["date"], c["name"]) for c in fields["closures"])
        return fields


class SLAEscalationStepSerializer(WholeItemSerializer):
    at = serializers.IntegerField(
        min_value=1, max_value=100, help_text="A warning threshold, or 100 for the breach"
    )
    action = serializers.ChoiceField(choices=EscalationAction.choices)
    team = serializers.CharField(
        required=False, help_text="Slug of the team to reassign to (reassign only)"
    )

    def validate_team(self, slug: str) -> str:
        if not Team.objects.filter(slug=slug, is_active=True).exists():
            raise serializers.ValidationError(f"no active team {slug!r}")
        return slug

    def validate(self, data: dict[str, Any]) -> dict[str, Any]:
        if data["action"] == EscalationAction.REASSIGN:
            if not data.get("team"):
                raise serializers.ValidationError({"team": "a reassign step names the team"})
        else:
            data.pop("team", None)
        return data


class SLADefinitionSerializer(VersionedSerializer):
    calendar = serializers.SlugRelatedField(
        slug_field="slug", queryset=BusinessCalendar.objects.all(), help_text="Calendar slug"
    )
    calendar_name = serializers.CharField(source="calendar.name", read_only=True)
    service = serializers.SlugRelatedField(
        slug_field="slug",
        queryset=Service.objects.all(),
        allow_null=True,
        required=False,
        help_text="Service slug; null = any service",
    )
    service_name = serializers.CharField(source="service.name", read_only=True, allow_null=True)
    offering = serializers.PrimaryKeyRelatedField(
        queryset=ServiceOffering.objects.all(),
        allow_null=True,
        required=False,
        help_text="Offering id (of `service`); null = any offering",
    )
    offering_name = serializers.CharField(source="offering.name", read_only=True, allow_null=True)
    priorities = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=5),
        required=False,
        help_text="e.g. [1, 2]; empty = any priority",
    )
    conditions = serializers.DictField(
        child=serializers.ListField(child=serializers.JSONField()),
        required=False,
        help_text='Other ticket fields and their allowed values, e.g. {"channel": ["phone"]}',
    )
    ticket_kind = serializers.ChoiceField(
        choices=kind_choices(),
        default=DEFAULT_KIND,
        help_text="The kind of ticket it measures (a registered ticket kind); it applies to "
        "no other",
    )
    pause_reasons = serializers.ListField(
        child=serializers.ChoiceField(choices=[value for value, _ in on_hold_reason_choices()]),
        required=False,
        help_text="On-hold reasons that pause the clock",
    )
    warning_thresholds = serializers.ListField(
        child=serializers.IntegerField(),
        required=False,
        help_text="Percentages between 1 and 99, e.g. [50, 75, 90]",
    )
    escalations = SLAEscalationStepSerializer(many=True, required=False)
    summary = serializers.SerializerMethodField()
    remeasure = serializers.BooleanField(
        write_only=True,
        required=False,
        default=False,
        help_text="On update: also re-measure settled history (open tickets always are)",
    )
    remeasure_since = serializers.DateTimeField(
        write_only=True,
        required=False,
        allow_null=True,
        default=None,
        help_text="With `remeasure`: tickets opened since then; null = all history",
    )

    class Meta:
        model = SLADefinition
        fields = [
            "id",
            "name",
            "ticket_kind",
            "kind",
            "order",
            "is_active",
            "calendar",
            "calendar_name",
            "target_minutes",
            "service",
            "service_name",
            "offering",
            "offering_name",
            "priorities",
            "conditions",
            "pause_reasons",
            "warning_thresholds",
            "escalations",
            "summary",
            "version",
            "updated_at",
            "remeasure",
            "remeasure_since",
        ]

    def get_summary(self, definition: SLADefinition) -> str:
        """The definition in words, as on its page."""
        return describe_definition(definition)

    def validate_conditions(self, value: dict[str, Any]) -> dict[str, Any]:
        try:
            check_condition_fields(value)
        except DjangoValidationError as exc:
            raise serializers.ValidationError(exc.messages) from exc
        return value


class BusinessTimeSerializer(serializers.Serializer):
    start = serializers.DateTimeField(
        help_text="An instant; without an offset it is read in the calendar's time zone"
    )
    end = serializers.DateTimeField(
        required=False, help_text="Give `end` for the business time between `start` and it"
    )
    minutes = serializers.IntegerField(
        required=False,
        min_value=0,
        max_value=MAX_CALCULATOR_MINUTES,
        help_text="Or give `minutes` for the instant that much business time runs out",
    )

    def validate(self, data: dict[str, Any]) -> dict[str, Any]:
        if ("end" in data) == ("minutes" in data):
            message = "give either `end` or `minutes`"
            raise serializers.ValidationError({"end": message, "minutes": message})
        if "end" in data and data["end"] < data["start"]:
            raise serializers.ValidationError({"end": "must not be before `start`"})
        return data


class BusinessTimeResultSerializer(serializers.Serializer):
    business_seconds = serializers.FloatField(
        required=False, help_text="Business time between `start` and `end`, in seconds"
    )
    due = serializers.DateTimeField(
        required=False,
        help_text="When `minutes` of business time from `start` run out (calendar's zone)",
    )
