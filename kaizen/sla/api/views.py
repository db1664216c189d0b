"""Calendar and SLA definition endpoints.

Reads come from the permission-aware selectors: requesters get 403 on a list and 404 on a
record; writes ask kaizen.sla.permissions (403) and then call one config service; a domain
ValidationError it raises is a 400 on its field (the API's exception handler).
"""

from typing import Any
from zoneinfo import ZoneInfo

from django.db.models import Model
from django.utils import timezone
from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework import mixins, permissions, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from kaizen.core.api.serializers import versioned_updates
from kaizen.sla import services
from kaizen.sla.api.serializers import (
    BusinessCalendarSerializer,
    BusinessTimeResultSerializer,
    BusinessTimeSerializer,
    SLADefinitionSerializer,
)
from kaizen.sla.filters import CalendarFilter, DefinitionFilter
from kaizen.sla.models import BusinessCalendar, SLADefinition
from kaizen.sla.permissions import can_manage_service_levels, can_view_service_levels
from kaizen.sla.selectors import calendar_list_for, definition_list_for
from kaizen.sla.targets import calendar_index

MICROSECONDS_PER_MINUTE = 60_000_000


class ServiceLevelAccess(permissions.BasePermission):
    """Lists are for agents (403 otherwise; a single record is a 404 through the selector);
    creating and changing is for service level owners/managers and admins."""

    message = "Only service level owners and managers change calendars and SLA definitions."

    def has_permission(self, request: Request, view: Any) -> bool:
        if view.action == "list":
            self.message = "Calendars and SLA definitions are for agents."
            return can_view_service_levels(request.user)
        if view.action == "create":
            return can_manage_service_levels(request.user)
        return True

    def has_object_permission(self, request: Request, view: Any, obj: Model) -> bool:
        if request.method in permissions.SAFE_METHODS or view.action in view.read_actions:
            return True
        return can_manage_service_levels(request.user)


class ServiceLevelViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    permission_classes = [permissions.IsAuthenticated, ServiceLevelAccess]
    read_actions: tuple[str, ...] = ()

    def _reloaded(self, record: Model) -> Model:
        # Read back through the selector so the answer is what a GET would show.
        return self.get_queryset().get(pk=record.pk)


def _remeasure(fields: dict[str, Any]) -> dict[str, Any]:
    """Take the re-measure options out of the fields (a PATCH leaves out their defaults)."""
    return {
        "remeasure": fields.pop("remeasure", False),
        "remeasure_since": fields.pop("remeasure_since", None),
    }


@versioned_updates(BusinessCalendarSerializer, "calendar")
class CalendarViewSet(ServiceLevelViewSet):
    """Business calendars: a time zone, weekly working periods, public holidays of a country
    (and region) and the organisation's own closed dates. No DELETE: definitions use them."""

    serializer_class = BusinessCalendarSerializer
    lookup_field = "slug"
    filterset_class = CalendarFilter
    ordering_fields = ["name", "time_zone", "holiday_country", "updated_at"]
    ordering = ["name"]
    read_actions = ("business_time",)

    def get_queryset(self):
        return calendar_list_for(self.request.user)

    def perform_create(self, serializer: BusinessCalendarSerializer) -> None:
        fields = serializer.service_fields()
        _remeasure(fields)  # nothing measured on a new calendar yet
        calendar = services.do_create_calendar(actor=self.request.user, **fields)
        serializer.instance = self._reloaded(calendar)

    def perform_update(self, serializer: BusinessCalendarSerializer) -> None:
        fields = serializer.service_fields()
        calendar = services.do_update_calendar(
            serializer.instance,
            actor=self.request.user,
            expected_version=fields.pop("version"),
            **_remeasure(fields),
            **fields,
        )
        serializer.instance = self._reloaded(calendar)

    @extend_schema(
        request=BusinessTimeSerializer,
        responses=BusinessTimeResultSerializer,
        examples=[
            OpenApiExample(
                "Business time between two instants",
                value={"start": "2026-03-06T16:00:00Z", "end": "2026-03-09T10:00:00Z"},
                request_only=True,
            ),
            OpenApiExample(
                "When a target runs out",
                value={"start": "2026-03-06T16:00:00Z", "minutes": 120},
                request_only=True,
            ),
        ],
    )
    @action(detail=True, methods=["post"], url_path="business-time")
    def business_time(self, request: Request, slug: str) -> Response:
        """A calculator on this calendar. `{"start", "end"}` answers `{"business_seconds"}`;
        `{"start", "minutes"}` answers `{"due"}`, the instant that much business time runs out.
        Times without an offset are read in the calendar's time zone; `due` is given in it."""
        calendar: BusinessCalendar = self.get_object()
        with timezone.override(ZoneInfo(calendar.time_zone)):
            serializer = BusinessTimeSerializer(data=request.data)
            serializer.is_valid(raise_exception=True)
            data = serializer.validated_data
            index = calendar_index(calendar)
            if "end" in data:
                result = {"business_seconds": index.business_us(data["start"], data["end"]) / 1e6}
            else:
                amount = data["minutes"] * MICROSECONDS_PER_MINUTE
                result = {"due": index.instant_reaching(data["start"], amount)}
            return Response(BusinessTimeResultSerializer(result).data)


@versioned_updates(SLADefinitionSerializer, "SLA definition")
class DefinitionViewSet(ServiceLevelViewSet):
    """SLA definitions: a response or resolution target in business minutes on a calendar,
    for the incidents it matches. No DELETE: deactivate instead (clocks keep their history)."""

    serializer_class = SLADefinitionSerializer
    filterset_class = DefinitionFilter
    ordering_fields = ["name", "kind", "order", "target_minutes", "is_active", "updated_at"]
    ordering = ["precedence", "name"]

    def get_queryset(self):
        return definition_list_for(self.request.user)

    def _fields(self, serializer: SLADefinitionSerializer) -> dict[str, Any]:
        fields = dict(serializer.validated_data)
        if "escalations" in fields:
            fields["escalations"] = [dict(step) for step in fields["escalations"]]
        return fields

    def perform_create(self, serializer: SLADefinitionSerializer) -> None:
        fields = self._fields(serializer)
        _remeasure(fields)
        definition = services.do_create_sla_definition(actor=self.request.user, **fields)
        serializer.instance = self._reloaded(definition)

    def perform_update(self, serializer: SLADefinitionSerializer) -> None:
        fields = self._fields(serializer)
        definition: SLADefinition = services.do_update_sla_definition(
            serializer.instance,
            actor=self.request.user,
            expected_version=fields.pop("version"),
            **_remeasure(fields),
            **fields,
        )
        serializer.instance = self._reloaded(definition)
