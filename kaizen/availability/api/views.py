"""Availability endpoints: outages (with the monitoring signal), targets, figures.

Agents read and record; an outage an agent records is proposed, a service level manager's (or
the service owner's) confirmed. Actions ask kaizen.availability.permissions (403) and call one
service (a domain ValidationError becomes a 400 naming the field, a version conflict a 409 with
the current version: kaizen.api.errors).
"""

import datetime as dt
from typing import Any

import django_filters
from django.shortcuts import get_object_or_404
from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import exceptions, mixins, permissions, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from kaizen.availability.api.serializers import (
    AvailabilityTargetSerializer,
    MonitoringSignalSerializer,
    OutageConfirmSerializer,
    OutageDismissSerializer,
    OutageEndSerializer,
    OutageSerializer,
    ServiceAvailabilitySerializer,
)
from kaizen.availability.filters import OutageFilter
from kaizen.availability.models import AvailabilityTarget, Outage
from kaizen.availability.permissions import (
    can_confirm_outages,
    can_record_outages,
    can_set_availability_targets,
    can_view_availability,
)
from kaizen.availability.selectors import month_start, service_availability
from kaizen.availability.services import (
    do_confirm_outage,
    do_dismiss_outage,
    do_end_outage,
    do_monitoring_signal,
    do_record_outage,
    do_set_availability_target,
    do_update_outage,
)
from kaizen.catalog.models import Service
from kaizen.core.api.serializers import versioned_update

CONFLICT = OpenApiResponse(description="The outage changed since you read `version`")
MAX_RANGE = dt.timedelta(days=3700)  # ten years of figures at most in one answer


class ViewAvailability(permissions.BasePermission):
    message = "Availability is for agents."

    def has_permission(self, request: Request, view: Any) -> bool:
        return can_view_availability(request.user)


def _require_confirmer(user: Any, outage: Outage) -> None:
    if not can_confirm_outages(user, outage.service):
        raise exceptions.PermissionDenied(
            "Service level managers and the service's owner confirm and correct its outages."
        )


class OutageViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """Outages, by number. No DELETE: dismiss a proposal instead."""

    lookup_field = "number"
    lookup_value_regex = "[^/]+"
    serializer_class = OutageSerializer
    permission_classes = [permissions.IsAuthenticated, ViewAvailability]
    filterset_class = OutageFilter
    ordering_fields = ["number", "started_at", "ended_at", "status", "kind", "updated_at"]
    ordering = ["-started_at"]
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self):
        return Outage.objects.select_related(
            "service", "service__owner", "offering", "configuration_item"
        )

    def _answer(self, outage: Outage, code: int = status.HTTP_200_OK) -> Response:
        reloaded = self.get_queryset().get(pk=outage.pk)
        data = OutageSerializer(reloaded, context={"request": self.request}).data
        return Response(data, status=code)

    def perform_create(self, serializer: Any) -> None:
        if not can_record_outages(self.request.user):
            raise exceptions.PermissionDenied("Agents record outages.")
        fields = dict(serializer.validated_data)
        outage = do_record_outage(
            actor=self.request.user,
            confirmed=can_confirm_outages(self.request.user, fields["service"]),
            **fields,
        )
        serializer.instance = self.get_queryset().get(pk=outage.pk)

    @extend_schema(responses={200: OutageSerializer, 409: CONFLICT})
    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().partial_update(request, *args, **kwargs)

    @extend_schema(responses={200: OutageSerializer, 409: CONFLICT})
    def update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().update(request, *args, **kwargs)

    def perform_update(self, serializer: Any) -> None:
        _require_confirmer(self.request.user, serializer.instance)
        version, fields = versioned_update(serializer)
        outage = do_update_outage(
            serializer.instance, actor=self.request.user, expected_version=version, **fields
        )
        serializer.instance = self.get_queryset().get(pk=outage.pk)

    @extend_schema(
        request=OutageConfirmSerializer, responses={200: OutageSerializer, 409: CONFLICT}
    )
    @action(detail=True, methods=["post"], filter_backends=[])
    def confirm(self, request: Request, number: str) -> Response:
        """Confirm a proposed outage, with its start and end as you establish them: from then
        on it counts."""
        outage = self.get_object()
        _require_confirmer(request.user, outage)
        serializer = OutageConfirmSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        fields = dict(serializer.validated_data)
        confirmed = do_confirm_outage(
            outage, actor=request.user, expected_version=fields.pop("version"), **fields
        )
        return self._answer(confirmed)

    @extend_schema(
        request=OutageDismissSerializer, responses={200: OutageSerializer, 409: CONFLICT}
    )
    @action(detail=True, methods=["post"], filter_backends=[])
    def dismiss(self, request: Request, number: str) -> Response:
        """Not an outage after all (final): it never counts."""
        outage = self.get_object()
        _require_confirmer(request.user, outage)
        serializer = OutageDismissSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        dismissed = do_dismiss_outage(
            outage, actor=request.user, reason=data["reason"], expected_version=data["version"]
        )
        return self._answer(dismissed)

    @extend_schema(request=OutageEndSerializer, responses={200: OutageSerializer})
    @action(detail=True, methods=["post"], filter_backends=[])
    def end(self, request: Request, number: str) -> Response:
        """The service is back: end the ongoing outage (at `ended_at`, default now). Ending an
        ended outage changes nothing."""
        outage = self.get_object()
        _require_confirmer(request.user, outage)
        serializer = OutageEndSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        ended_at = serializer.validated_data.get("ended_at") or timezone.now()
        return self._answer(do_end_outage(outage, actor=request.user, ended_at=ended_at))

    @extend_schema(
        request=MonitoringSignalSerializer,
        responses={
            201: OutageSerializer,
            200: OpenApiResponse(OutageSerializer, description="Already open, or closed"),
        },
    )
    @action(detail=False, methods=["post"], filter_backends=[], pagination_class=None)
    def monitoring(self, request: Request) -> Response:
        """A monitoring tool reports its alert `key` open (the service went down: a proposed
        outage) or close (it came back: the outage ends). Idempotent: 201 for a new outage,
        200 with the outage when it was open or closed already."""
        if not can_record_outages(request.user):
            raise exceptions.PermissionDenied("Monitoring reports with an agent's token.")
        serializer = MonitoringSignalSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        proposal = do_monitoring_signal(
            actor=request.user,
            source=data["source"],
            key=data["key"],
            signal=data["signal"],
            at=data["at"],
            service=data.get("service"),
            configuration_item=data.get("configuration_item"),
            title=data.get("title", ""),
        )
        code = status.HTTP_201_CREATED if proposal.created else status.HTTP_200_OK
        return self._answer(proposal.outage, code)


class TargetFilter(django_filters.FilterSet):
    service = django_filters.ModelChoiceFilter(
        queryset=Service.objects.all(), to_field_name="slug", label="Service"
    )

    class Meta:
        model = AvailabilityTarget
        fields = ()


class AvailabilityTargetViewSet(
    mixins.ListModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet
):
    """Availability targets, oldest first per service (filter `service` by slug). Service
    level managers set them; setting one for a day that has one replaces it."""

    serializer_class = AvailabilityTargetSerializer
    permission_classes = [permissions.IsAuthenticated, ViewAvailability]
    filterset_class = TargetFilter
    ordering_fields = ["valid_from"]
    ordering = ["service__name", "valid_from"]

    def get_queryset(self):
        return AvailabilityTarget.objects.select_related("service", "calendar")

    def perform_create(self, serializer: Any) -> None:
        if not can_set_availability_targets(self.request.user):
            raise exceptions.PermissionDenied("Service level managers set availability targets.")
        fields = dict(serializer.validated_data)
        target = do_set_availability_target(
            fields.pop("service"), actor=self.request.user, **fields
        )
        serializer.instance = self.get_queryset().get(pk=target.pk)


def _day(request: Request, name: str, default: dt.datetime) -> dt.datetime:
    text = request.query_params.get(name, "").strip()
    if not text:
        return default
    try:
        day = dt.date.fromisoformat(text)
    except ValueError:
        raise exceptions.ValidationError({name: "give a date as YYYY-MM-DD"}) from None
    return dt.datetime.combine(day, dt.time(0), tzinfo=dt.UTC)


class ServiceAvailabilityView(APIView):
    """A service's availability over [`from`, `to`) (UTC dates; default: the last twelve
    months up to now), whole and by month, each figure with the outages behind it; durations
    in seconds of agreed service time."""

    permission_classes = [permissions.IsAuthenticated, ViewAvailability]

    @extend_schema(
        parameters=[
            OpenApiParameter("from", str, description="First day (YYYY-MM-DD), inclusive"),
            OpenApiParameter("to", str, description="Last day (YYYY-MM-DD), exclusive"),
        ],
        responses={200: ServiceAvailabilitySerializer},
    )
    def get(self, request: Request, slug: str) -> Response:
        service = get_object_or_404(Service, slug=slug)
        now = timezone.now()
        start = _day(request, "from", month_start(now, 11))
        end = _day(request, "to", now)
        if end <= start:
            raise exceptions.ValidationError({"to": "the end must come after the start"})
        if end - start > MAX_RANGE:
            raise exceptions.ValidationError({"to": "ask for ten years at most"})
        if start >= now:
            raise exceptions.ValidationError({"from": "the start must be in the past"})
        figures = service_availability(service, start, end, now=now, by_month=True)
        data = ServiceAvailabilitySerializer(
            {
                "service": service.slug,
                "has_target": figures.has_target,
                "whole": figures.whole,
                "months": figures.months,
            }
        ).data
        return Response(data)
