"""Incidents' SLA clocks through the API: the stored clocks (for lists and integrations) and
one incident's clocks explained interval by interval (the same as the incident page)."""

import django_filters
from django.contrib.contenttypes.models import ContentType
from django.db.models import OuterRef, Subquery
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import permissions, serializers, viewsets
from rest_framework.decorators import api_view, permission_classes
from rest_framework.request import Request
from rest_framework.response import Response

from kaizen.incidents.models import Incident
from kaizen.incidents.permissions import can_work_incidents
from kaizen.incidents.selectors import incidents_for
from kaizen.sla.engine import ClockResult
from kaizen.sla.models import ClockState, SLAClock, TargetKind
from kaizen.sla.refresh import explain_ticket_clocks


class WorksIncidents(permissions.BasePermission):
    message = "SLA clocks are for agents."

    def has_permission(self, request: Request, view: object) -> bool:
        return can_work_incidents(request.user)


class SLAClockSerializer(serializers.ModelSerializer):
    incident = serializers.CharField(source="incident_number", read_only=True)
    definition = serializers.CharField(source="definition.name", read_only=True)
    target_seconds = serializers.SerializerMethodField()
    elapsed_seconds = serializers.SerializerMethodField()
    percent_used = serializers.FloatField(read_only=True)

    class Meta:
        model = SLAClock
        fields = [
            "id",
            "incident",
            "definition",
            "kind",
            "state",
            "target_seconds",
            "elapsed_seconds",
            "percent_used",
            "computed_at",
            "started_at",
            "stopped_at",
            "cancelled_at",
            "due_at",
            "breach_at",
            "breached",
            "running_since",
        ]
        read_only_fields = fields

    def get_target_seconds(self, clock: SLAClock) -> float:
        return clock.target_us / 1_000_000

    def get_elapsed_seconds(self, clock: SLAClock) -> float:
        """As of `computed_at`; a running clock keeps counting from `running_since`."""
        return clock.elapsed_us / 1_000_000


class SLAClockFilter(django_filters.FilterSet):
    incident = django_filters.CharFilter(field_name="incident__number")
    state = django_filters.ChoiceFilter(choices=ClockState.choices)
    kind = django_filters.ChoiceFilter(choices=TargetKind.choices)
    breached = django_filters.BooleanFilter()
    due_before = django_filters.IsoDateTimeFilter(field_name="due_at", lookup_expr="lt")

    class Meta:
        model = SLAClock
        fields = ["incident", "state", "kind", "breached", "due_before"]


class SLAClockViewSet(viewsets.ReadOnlyModelViewSet):
    """Every incident's SLA clocks as last computed (filter by incident number, state, kind)."""

    serializer_class = SLAClockSerializer
    permission_classes = [permissions.IsAuthenticated, WorksIncidents]
    filterset_class = SLAClockFilter
    ordering_fields = ["due_at", "started_at", "id"]
    ordering = ["id"]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # the OpenAPI schema: no database
            return SLAClock.objects.none()
        # The incident's number in the same query, as a join would give it (clocks name their
        # ticket by content type and id).
        number = Incident.objects.filter(pk=OuterRef("ticket_id")).values("number")
        return (
            SLAClock.objects.filter(
                ticket_type=ContentType.objects.get_for_model(Incident),
                ticket_id__in=incidents_for(self.request.user).values("pk"),
            )
            .annotate(incident_number=Subquery(number))
            .select_related("definition")
        )


class IntervalSerializer(serializers.Serializer):
    start = serializers.DateTimeField()
    end = serializers.DateTimeField()
    kind = serializers.ChoiceField(choices=["counted", "outside_hours", "paused", "stopped"])
    on_hold_reason = serializers.CharField(
        help_text="What the incident was on hold for during the interval; empty if not on hold"
    )


class ExplainedClockSerializer(serializers.Serializer):
    definition = serializers.CharField(source="target.name")
    definition_id = serializers.IntegerField(source="target.id")
    kind = serializers.CharField()
    state = serializers.CharField()
    target_seconds = serializers.SerializerMethodField()
    elapsed_seconds = serializers.SerializerMethodField()
    started_at = serializers.DateTimeField()
    stopped_at = serializers.DateTimeField(allow_null=True)
    cancelled_at = serializers.DateTimeField(allow_null=True)
    due_at = serializers.DateTimeField(allow_null=True)
    breach_at = serializers.DateTimeField(allow_null=True)
    breached = serializers.BooleanField()
    intervals = IntervalSerializer(many=True)

    def get_target_seconds(self, clock: ClockResult) -> float:
        return clock.target.target_us / 1_000_000

    def get_elapsed_seconds(self, clock: ClockResult) -> float:
        return clock.elapsed_us / 1_000_000


@extend_schema(responses=ExplainedClockSerializer(many=True))
@api_view(["GET"])
@permission_classes([permissions.IsAuthenticated, WorksIncidents])
def incident_clocks(request: Request, number: str) -> Response:
    """One incident's clocks measured now, with the intervals counted, paused, outside
    business hours and stopped: how each figure was reached."""
    incident = get_object_or_404(incidents_for(request.user), number=number)
    return Response(ExplainedClockSerializer(explain_ticket_clocks(incident), many=True).data)
