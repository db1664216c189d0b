"""KPI definitions, measurements, custom KPIs and data points over the API. Serializers parse
and present; writes go to kaizen.kpis.services."""

from typing import Any

from rest_framework import serializers

from kaizen.analytics.families import breakdown_columns
from kaizen.core.api.serializers import VersionedSerializer
from kaizen.kpis.models import CustomKPI, ExternalDataPoint, Measurement, PeriodKind
from kaizen.kpis.services import CUSTOM_KPI_FIELDS
from kaizen.kpis.spec import KPIDefinition, Operator
from kaizen.people.models import User


class FilterSerializer(serializers.Serializer):
    column = serializers.CharField()
    operator = serializers.ChoiceField(choices=[op.value for op in Operator])
    value = serializers.JSONField(required=False, allow_null=True)


class MeasureSerializer(serializers.Serializer):
    source = serializers.CharField()
    aggregate = serializers.CharField()
    period_column = serializers.CharField(allow_null=True)
    column = serializers.CharField(allow_null=True)
    percentile = serializers.FloatField(allow_null=True)
    filters = FilterSerializer(many=True)
    numerator = FilterSerializer(many=True)
    denominator = FilterSerializer(many=True)


class KPIDefinitionSerializer(serializers.Serializer):
    """A KPI of the shipped library or a custom one, as the engine measures it."""

    key = serializers.CharField()
    name = serializers.CharField()
    process = serializers.CharField()
    description = serializers.CharField()
    formula = serializers.CharField()
    unit = serializers.CharField()
    direction = serializers.CharField(help_text="higher or lower: which way is better")
    target = serializers.FloatField(source="thresholds.target", allow_null=True)
    warning = serializers.FloatField(source="thresholds.warning", allow_null=True)
    required_fields = serializers.ListField(child=serializers.CharField())
    measurable = serializers.BooleanField()
    not_measurable_reason = serializers.CharField()
    custom = serializers.BooleanField()
    measure = MeasureSerializer(allow_null=True)

    def to_representation(self, instance: KPIDefinition) -> dict[str, Any]:
        data = super().to_representation(instance)
        for name in ("unit", "direction"):
            data[name] = str(getattr(instance, name).value)
        return data


class MeasurementSerializer(serializers.ModelSerializer):
    class Meta:
        model = Measurement
        fields = [
            "kpi_key",
            "period_kind",
            "period_start",
            "dimension",
            "dimension_value",
            "value",
            "n",
            "computed_at",
            "source",
            "run",
            "synced_event_id",
            "data_point_ids",
            "upload_ids",
        ]
        read_only_fields = fields


class MeasurementQuerySerializer(serializers.Serializer):
    period = serializers.ChoiceField(choices=PeriodKind.choices, default=PeriodKind.MONTH)
    by = serializers.ChoiceField(
        choices=[("", "none"), *((name, name) for name in breakdown_columns())],
        default="",
        required=False,
        help_text="A breakdown dimension; empty for the overall figure",
    )
    # `from` is a Python keyword, so it cannot be a plain class attribute; the class body's
    # namespace takes it by name (DRF collects declared fields from that namespace).
    locals()["from"] = serializers.DateField(
        required=False, help_text="Periods starting on or after"
    )
    to = serializers.DateField(required=False, help_text="Periods starting before")


class CustomKPISerializer(VersionedSerializer):
    owner = serializers.SlugRelatedField(
        slug_field="username",
        queryset=User.objects.filter(is_active=True),
        allow_null=True,
        required=False,
        help_text="Username of the person answerable for the KPI",
    )
    filters = serializers.ListField(child=FilterSerializer(), required=False)
    numerator = serializers.ListField(child=FilterSerializer(), required=False)
    denominator = serializers.ListField(child=FilterSerializer(), required=False)

    class Meta:
        model = CustomKPI
        fields = ["id", *CUSTOM_KPI_FIELDS, "version", "created_at", "updated_at"]
        # Validation is the model's (`CustomKPI.clean`, through the service): DRF's own copy
        # of the unique check would answer before the service could name the field its way.
        validators: list[Any] = []
        extra_kwargs = {"key": {"validators": []}}

    def service_fields(self) -> dict[str, Any]:
        fields = dict(self.validated_data)
        for name in ("filters", "numerator", "denominator"):
            if name in fields:
                fields[name] = [dict(item) for item in fields[name]]
        return fields


class DataPointSerializer(serializers.Serializer):
    """One external data point: at an instant (`occurred_at`) or for a whole period
    (`period_start` + `period_kind`)."""

    occurred_at = serializers.DateTimeField(required=False, allow_null=True)
    period_start = serializers.DateField(required=False, allow_null=True)
    # The model's choice set (one enum in the schema); "all" is refused by check_point.
    period_kind = serializers.ChoiceField(
        choices=PeriodKind.choices, required=False, allow_blank=True
    )
    value = serializers.FloatField()
    dimensions = serializers.DictField(
        child=serializers.CharField(),
        required=False,
        help_text=f"Breakdown values, keys from: {', '.join(breakdown_columns())}",
    )
    idempotency_key = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=200,
        help_text="Or the Idempotency-Key header; the same key again returns the stored point",
    )
    source = serializers.CharField(required=False, allow_blank=True, max_length=120)


class ExternalDataPointSerializer(serializers.ModelSerializer):
    source = serializers.CharField(source="source_label")

    class Meta:
        model = ExternalDataPoint
        fields = [
            "id",
            "kpi_key",
            "occurred_at",
            "period_start",
            "period_kind",
            "dimensions",
            "value",
            "idempotency_key",
            "source",
            "upload",
            "created_at",
        ]
        read_only_fields = fields
