"""The change calendar over the API: blackout and maintenance windows (CRUD), the booked changes
of a range with the windows in force, and a change's conflicts and their acknowledgement.

Agents and CAB members read; change managers and administrators write windows; agents
acknowledge conflicts; requesters get 403 (and 404 for a change they may not see). Writes call
one service each; a domain ValidationError is a 400 on its field (kaizen/api/errors.py).
"""

import datetime as dt
from typing import Any

from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, permissions, serializers, status, viewsets
from rest_framework.decorators import api_view, permission_classes
from rest_framework.exceptions import PermissionDenied
from rest_framework.exceptions import ValidationError as ApiValidationError
from rest_framework.request import Request
from rest_framework.response import Response

from kaizen.catalog.models import Service
from kaizen.changes.calendar_filters import CalendarListFilter, local_midnight, windows_for_filter
from kaizen.changes.calendar_grid import booked_rows
from kaizen.changes.calendar_windows import window_intervals
from kaizen.changes.models import Change, ChangeWindow, ConflictAcknowledgement, Recurrence
from kaizen.changes.permissions import (
    can_acknowledge_conflicts,
    can_manage_change_windows,
    can_view_change_calendar,
)
from kaizen.changes.selectors import changes_for
from kaizen.changes.services import calendar as calendar_services
from kaizen.changes.services.conflicts import Conflict, do_acknowledge_conflict, find_conflicts
from kaizen.people.models import User

# The longest range one calendar request may ask for (a year and a bit: a month view's grid
# or a quarter is the usual).
LONGEST_RANGE_DAYS = 400
DEFAULT_RANGE_DAYS = 31


class CalendarReader(permissions.BasePermission):
    message = "The change calendar is for agents and CAB members."

    def has_permission(self, request: Request, view: Any) -> bool:
        return can_view_change_calendar(request.user)


class WindowSerializer(serializers.ModelSerializer):
    services = serializers.SlugRelatedField(
        slug_field="slug", many=True, queryset=Service.objects.all(), required=False
    )
    weekday = serializers.IntegerField(required=False, allow_null=True, min_value=0, max_value=6)
    time_zone = serializers.CharField(required=False, allow_blank=True, max_length=64)
    recurrence = serializers.ChoiceField(choices=Recurrence.choices, required=False)

    class Meta:
        model = ChangeWindow
        fields = [
            "id",
            "kind",
            "name",
            "note",
            "all_services",
            "services",
            "recurrence",
            "starts_at",
            "ends_at",
            "weekday",
            "start_time",
            "end_time",
            "time_zone",
            "valid_from",
            "valid_until",
            "is_active",
            "version",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["id", "version", "created_at", "updated_at"]


class WindowViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    """Blackout (freeze) and maintenance windows; services by slug."""

    serializer_class = WindowSerializer
    permission_classes = [permissions.IsAuthenticated, CalendarReader]
    queryset = ChangeWindow.objects.prefetch_related("services").order_by("kind", "name", "pk")

    def _require_manager(self) -> None:
        if not can_manage_change_windows(self.request.user):
            raise PermissionDenied("Change managers and administrators edit the windows.")

    def perform_create(self, serializer: WindowSerializer) -> None:
        self._require_manager()
        data = dict(serializer.validated_data)
        services = data.pop("services", [])
        window = calendar_services.do_create_window(
            actor=self.request.user, services=services, **data
        )
        serializer.instance = window

    def perform_update(self, serializer: WindowSerializer) -> None:
        self._require_manager()
        data = dict(serializer.validated_data)
        services = data.pop("services", None)
        window = calendar_services.do_update_window(
            serializer.instance, actor=self.request.user, services=services, **data
        )
        serializer.instance = self.get_queryset().get(pk=window.pk)

    def perform_destroy(self, instance: ChangeWindow) -> None:
        self._require_manager()
        calendar_services.do_delete_window(instance, actor=self.request.user)


def _range(filterset: CalendarListFilter) -> tuple[dt.date, dt.date]:
    data = filterset.form.cleaned_data
    start = data.get("start") or timezone.localdate()
    end = data.get("end") or start + dt.timedelta(days=DEFAULT_RANGE_DAYS - 1)
    if end < start:
        raise ApiValidationError({"end": ["the last date cannot come before the first"]})
    if (end - start).days >= LONGEST_RANGE_DAYS:
        raise ApiValidationError({"end": [f"ask for at most {LONGEST_RANGE_DAYS} days at once"]})
    return start, end


@extend_schema(
    parameters=[
        OpenApiParameter("start", str, description="First local date (default: today)"),
        OpenApiParameter("end", str, description="Last local date (default: 30 days on)"),
        OpenApiParameter("service", str, description="Service slug (directly or via a CI)"),
        OpenApiParameter("ci", str, description="CI name"),
        OpenApiParameter("team", str, description="Team slug"),
    ],
    responses={200: dict},
)
@api_view(["GET"])
@permission_classes([permissions.IsAuthenticated, CalendarReader])
def change_calendar(request: Request) -> Response:
    """The scheduled and implementing changes overlapping the range (dates in the reader's
    time zone, both included), and the windows' occurrences in it."""
    filterset = CalendarListFilter(request.query_params, queryset=Change.objects.all())
    if not filterset.is_valid():
        raise ApiValidationError(filterset.errors)
    first, last = _range(filterset)
    start, end = local_midnight(first), local_midnight(last + dt.timedelta(days=1))
    narrow = filterset.filter_queryset
    changes = [
        {
            "number": row.number,
            "title": row.title,
            "state": row.state,
            "planned_start": row.start,
            "planned_end": row.end,
            "url": request.build_absolute_uri(reverse("changes:detail", args=[row.number])),
        }
        for row in booked_rows(start, end, narrow)
    ]
    windows = [
        {
            "window": window.pk,
            "name": window.name,
            "kind": window.kind,
            "start": begin,
            "end": finish,
        }
        for window in windows_for_filter(filterset)
        for begin, finish in window_intervals(window, start, end)
    ]
    windows.sort(key=lambda item: (item["start"], item["name"]))
    return Response(
        {"start": first, "end": last, "changes": changes, "windows": windows},
    )


class PlanSerializer(serializers.Serializer):
    """A proposed plan to check (and acknowledge) before an edit saves it."""

    planned_start = serializers.DateTimeField(required=False)
    planned_end = serializers.DateTimeField(required=False)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if ("planned_start" in attrs) != ("planned_end" in attrs):
            raise serializers.ValidationError(
                {"planned_end": ["give both the planned start and end of the proposed plan"]}
            )
        if "planned_start" in attrs and attrs["planned_end"] <= attrs["planned_start"]:
            raise serializers.ValidationError(
                {"planned_end": ["the planned end must come after the planned start"]}
            )
        return attrs


class AcknowledgeSerializer(PlanSerializer):
    conflict = serializers.CharField(max_length=120)
    reason = serializers.CharField(allow_blank=True)


def _acknowledgement(ack: ConflictAcknowledgement | None) -> dict[str, Any] | None:
    if ack is None:
        return None
    return {
        "by": ack.acknowledged_by.get_username() if ack.acknowledged_by else None,
        "at": ack.acknowledged_at,
        "reason": ack.reason,
    }


def _conflict(conflict: Conflict) -> dict[str, Any]:
    return {
        "key": conflict.key,
        "kind": conflict.kind,
        "description": conflict.description,
        "start": conflict.start,
        "end": conflict.end,
        "change": conflict.other.number if conflict.other else None,
        "window": conflict.window.pk if conflict.window else None,
        "service": conflict.service.slug if conflict.service else None,
        "acknowledgement": _acknowledgement(conflict.acknowledgement),
    }


def _change(user: User, number: str) -> Change:
    return get_object_or_404(changes_for(user), number=number)


@extend_schema(
    parameters=[OpenApiParameter("planned_start", str), OpenApiParameter("planned_end", str)],
    responses={200: dict},
)
@api_view(["GET"])
@permission_classes([permissions.IsAuthenticated, CalendarReader])
def change_conflicts(request: Request, number: str) -> Response:
    """The conflicts of the change's plan, or of a proposed window (?planned_start=&planned_end=),
    each with its acknowledgement (null: not acknowledged for this plan)."""
    change = _change(request.user, number)
    plan = PlanSerializer(data=request.query_params)
    plan.is_valid(raise_exception=True)
    conflicts = find_conflicts(change, **plan.validated_data)
    return Response(
        {
            "change": change.number,
            "planned_start": plan.validated_data.get("planned_start", change.planned_start),
            "planned_end": plan.validated_data.get("planned_end", change.planned_end),
            "conflicts": [_conflict(conflict) for conflict in conflicts],
            "unacknowledged": sum(1 for c in conflicts if c.acknowledgement is None),
        }
    )


@extend_schema(request=AcknowledgeSerializer, responses={201: dict})
@api_view(["POST"])
@permission_classes([permissions.IsAuthenticated, CalendarReader])
def acknowledge_conflict(request: Request, number: str) -> Response:
    """Acknowledge one conflict (by its key) of the change's plan or of a proposed window,
    with the reason to proceed."""
    change = _change(request.user, number)
    if not can_acknowledge_conflicts(request.user):
        raise PermissionDenied("Agents working on changes acknowledge their conflicts.")
    body = AcknowledgeSerializer(data=request.data)
    body.is_valid(raise_exception=True)
    data = dict(body.validated_data)
    ack = do_acknowledge_conflict(
        change,
        conflict=data.pop("conflict"),
        reason=data.pop("reason"),
        actor=request.user,
        **data,
    )
    return Response(
        {
            "change": change.number,
            "conflict": ack.conflict_key,
            "kind": ack.conflict_kind,
            "description": ack.description,
            "planned_start": ack.planned_start,
            "planned_end": ack.planned_end,
            "acknowledgement": _acknowledgement(ack),
        },
        status=status.HTTP_201_CREATED,
    )
