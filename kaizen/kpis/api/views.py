"""KPI endpoints: the library and custom KPIs, stored measurements, data quality, custom KPI
writes and external data points.

Reading is for agents (requesters get 403); custom KPI writes ask `can_manage_kpis`, data
points `can_record_kpi_data`; every write is one service call, and a domain ValidationError
it raises is a 400 naming its field (the API's exception handler).
"""

from typing import Any

from django.http import Http404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, permissions, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from kaizen.core.api.pagination import PageNumberPagination
from kaizen.core.api.serializers import versioned_updates
from kaizen.kpis import services
from kaizen.kpis.api.serializers import (
    CustomKPISerializer,
    DataPointSerializer,
    ExternalDataPointSerializer,
    KPIDefinitionSerializer,
    MeasurementQuerySerializer,
    MeasurementSerializer,
)
from kaizen.kpis.external import check_point
from kaizen.kpis.models import CustomKPI, Measurement, PeriodKind
from kaizen.kpis.permissions import can_manage_kpis, can_record_kpi_data, can_view_kpis
from kaizen.kpis.selectors import all_definitions, find_definition
from kaizen.kpis.spec import KPIDefinition, Source

KEY_PATTERN = r"[^/]+"


class KPIAccess(permissions.BasePermission):
    """Reads for agents; the viewset's `write_rule` for everything else."""

    message = "KPIs are for agents and managers."

    def has_permission(self, request: Request, view: Any) -> bool:
        if not can_view_kpis(request.user):
            return False
        rule = view.write_rules.get(view.action)
        if rule is not None and not rule(request.user):
            self.message = view.write_messages[view.action]
            return False
        return True


def _definition_or_404(key: str) -> KPIDefinition:
    definition = find_definition(key)
    if definition is None:
        raise Http404("No such KPI.")
    return definition


class KPIViewSet(viewsets.ViewSet):
    """The KPI library and the custom KPIs, with their stored measurements and data quality."""

    permission_classes = [permissions.IsAuthenticated, KPIAccess]
    lookup_field = "key"
    lookup_value_regex = KEY_PATTERN
    write_rules = {"data_points": can_record_kpi_data}
    write_messages = {
        "data_points": "Only improvement and service level leaders record KPI data.",
    }
    serializer_class = KPIDefinitionSerializer

    @extend_schema(responses=KPIDefinitionSerializer(many=True))
    def list(self, request: Request) -> Response:
        """Every KPI (library first, then active custom ones); `measurable` false ones say
        why in `not_measurable_reason`."""
        return Response(KPIDefinitionSerializer(all_definitions(), many=True).data)

    @extend_schema(responses=KPIDefinitionSerializer)
    def retrieve(self, request: Request, key: str) -> Response:
        return Response(KPIDefinitionSerializer(_definition_or_404(key)).data)

    @extend_schema(
        parameters=[
            OpenApiParameter("period", str, enum=PeriodKind.values, description="Default month"),
            OpenApiParameter("by", str, description="Breakdown dimension (service, team, ...)"),
            OpenApiParameter("from", OpenApiTypes.DATE, description="Periods starting on/after"),
            OpenApiParameter("to", OpenApiTypes.DATE, description="Periods starting before"),
        ],
        responses=MeasurementSerializer(many=True),
    )
    @action(detail=True, methods=["get"])
    def measurements(self, request: Request, key: str) -> Response:
        """The stored measurements of one period kind (and breakdown), oldest first, each with
        its provenance: the engine and the journal event the store had synced, or the
        external data points and uploads behind it."""
        _definition_or_404(key)
        query = MeasurementQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        options = query.validated_data
        rows = Measurement.objects.filter(
            kpi_key=key, period_kind=options["period"], dimension=options.get("by", "")
        ).order_by("period_start", "dimension_value")
        if options.get("from"):
            rows = rows.filter(period_start__gte=options["from"])
        if options.get("to"):
            rows = rows.filter(period_start__lt=options["to"])
        paginator = self.paginator
        page = paginator.paginate_queryset(rows, request, view=self)
        return paginator.get_paginated_response(MeasurementSerializer(page, many=True).data)

    @property
    def paginator(self) -> Any:
        if not hasattr(self, "_paginator"):
            self._paginator = PageNumberPagination()
        return self._paginator

    @extend_schema(
        parameters=[
            OpenApiParameter("period", str, enum=PeriodKind.values, description="Default month"),
            OpenApiParameter("from", OpenApiTypes.DATE),
            OpenApiParameter("to", OpenApiTypes.DATE),
        ],
        responses=OpenApiTypes.OBJECT,
    )
    @action(detail=True, methods=["get"])
    def quality(self, request: Request, key: str) -> Response:
        """How far the data behind the KPI can be trusted: coverage of each required field,
        sample size per period, periods with no data."""
        definition = _definition_or_404(key)
        query = MeasurementQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        if not definition.measurable or definition.measure.source == Source.EXTERNAL:
            return Response({"measurable": definition.measurable, "source": "external"})
        from kaizen.kpis import quality

        options = query.validated_data
        report = quality.data_quality(
            definition,
            period=options["period"],
            start=options.get("from"),
            end=options.get("to"),
        )
        return Response(report)

    @extend_schema(
        request=DataPointSerializer,
        parameters=[
            OpenApiParameter(
                "Idempotency-Key",
                str,
                OpenApiParameter.HEADER,
                description="Sending the same key again returns the stored point (200)",
            )
        ],
        responses={201: ExternalDataPointSerializer, 200: ExternalDataPointSerializer},
    )
    @action(detail=True, methods=["post"], url_path="data-points")
    def data_points(self, request: Request, key: str) -> Response:
        """Record one external data point (e.g. availability from monitoring) for a KPI whose
        source is `external`. 201 when stored; 200 with the stored point when its
        idempotency key (header or field) was seen before; 400 naming the field otherwise."""
        _definition_or_404(key)
        serializer = DataPointSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        fields = {k: v for k, v in serializer.validated_data.items() if v is not None}
        header_key = request.headers.get("Idempotency-Key", "")
        point = check_point(fields, idempotency_key=header_key)
        recorded = services.do_record_external_points(key, [(0, point)], actor=request.user)
        if recorded.rejected:
            error = recorded.rejected[0]
            return Response({error.field: [error.reason]}, status=status.HTTP_400_BAD_REQUEST)
        if recorded.created:
            return Response(
                ExternalDataPointSerializer(recorded.created[0]).data,
                status=status.HTTP_201_CREATED,
            )
        return Response(ExternalDataPointSerializer(recorded.replayed[0]).data)


@versioned_updates(CustomKPISerializer, "KPI")
class CustomKPIViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """Custom KPIs: a measure over a fact table (or external data points) with a target. No
    DELETE: set `active` false instead, so measurements keep their definition."""

    serializer_class = CustomKPISerializer
    permission_classes = [permissions.IsAuthenticated, KPIAccess]
    lookup_field = "key"
    lookup_value_regex = KEY_PATTERN
    ordering_fields = ["key", "name", "process", "updated_at"]
    ordering = ["process", "name"]
    write_rules = {name: can_manage_kpis for name in ("create", "update", "partial_update")}
    write_messages = {
        name: "Only continual improvement owners and managers define KPIs."
        for name in ("create", "update", "partial_update")
    }

    def get_queryset(self):
        return CustomKPI.objects.select_related("owner")

    def perform_create(self, serializer: CustomKPISerializer) -> None:
        kpi = services.do_save_custom_kpi(
            None,
            actor=self.request.user,
            **serializer.service_fields(),
        )
        serializer.instance = self.get_queryset().get(pk=kpi.pk)

    def perform_update(self, serializer: CustomKPISerializer) -> None:
        fields = serializer.service_fields()
        kpi = services.do_save_custom_kpi(
            serializer.instance,
            actor=self.request.user,
            expected_version=fields.pop("version"),
            **fields,
        )
        serializer.instance = self.get_queryset().get(pk=kpi.pk)
