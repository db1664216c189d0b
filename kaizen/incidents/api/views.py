"""Incident endpoints.

Reads come from the permission-aware selectors (an incident the caller may not see is a 404);
actions on a visible incident ask kaizen.incidents.permissions (403) and then call one service
(the API's exception handler makes a domain ValidationError a 400 naming the field, and a
version conflict a 409 naming who changed the incident when, with the current version).
"""

from typing import Any

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import exceptions, mixins, permissions, viewsets
from rest_framework.decorators import action
from rest_framework.generics import GenericAPIView
from rest_framework.request import Request
from rest_framework.response import Response

from kaizen.core.api.ticket_activity import TicketActivity, ticket_activity_actions
from kaizen.incidents import services
from kaizen.incidents.api.serializers import (
    AssignSerializer,
    AttachmentSerializer,
    CategorySerializer,
    CommentSerializer,
    HoldReasonSerializer,
    IncidentSerializer,
    PortalIncidentSerializer,
    PriorityMatrixSerializer,
    TransitionSerializer,
)
from kaizen.incidents.filters import CategoryFilter, IncidentApiFilter
from kaizen.incidents.models import Channel, Incident
from kaizen.incidents.permissions import (
    can_attach_to_incident,
    can_comment_on_incident,
    can_manage_categories,
    can_manage_priority_matrix,
    can_see_work_notes,
    can_view_categories,
    can_work_incidents,
)
from kaizen.incidents.selectors import (
    DETAIL_RELATED,
    attachments_for,
    category_list_for,
    comments_for,
    incidents_for,
)


class WorkIncidents(permissions.BasePermission):
    """Agents edit, assign and move incidents; a caller only reads theirs and comments."""

    message = "Incidents are worked by agents."

    def has_object_permission(self, request: Request, view: Any, obj: Any) -> bool:
        if view.action in {"partial_update", "transition", "hold_reason", "assign"}:
            return can_work_incidents(request.user)
        return True


CONFLICT = OpenApiResponse(description="The incident changed since you read `version`")
# Comments, work notes and files: the actions every ticket viewset shares.
INCIDENT_ACTIVITY = TicketActivity(
    comments=comments_for,
    attachments=lambda user, incident: attachments_for(user, incident).select_related("incident"),
    may_comment=can_comment_on_incident,
    may_attach=can_attach_to_incident,
    may_write_work_notes=can_see_work_notes,
    add_comment=services.do_add_incident_comment,
    add_attachment=services.do_add_incident_attachment,
    requester="the caller",
)


class IncidentViewSet(
    ticket_activity_actions(INCIDENT_ACTIVITY, CommentSerializer, AttachmentSerializer),
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """Incidents, by number. Requesters see and report their own (as callers, through the
    portal channel); agents see all and work them. No DELETE: cancel instead."""

    lookup_field = "number"
    # Any number but a path separator: numbers kept from an import may hold a dot ("C.12"),
    # which the router's default pattern refuses.
    lookup_value_regex = "[^/]+"
    permission_classes = [permissions.IsAuthenticated, WorkIncidents]
    filterset_class = IncidentApiFilter
    ordering_fields = ["number", "priority", "state", "opened_at", "updated_at", "sla_due_at"]
    ordering = ["-opened_at"]
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self):
        return incidents_for(self.request.user).select_related(*DETAIL_RELATED)

    def get_serializer_class(self):
        if getattr(self, "swagger_fake_view", False) or can_work_incidents(self.request.user):
            return IncidentSerializer
        return PortalIncidentSerializer

    def _reloaded(self, incident: Incident) -> Incident:
        return self.get_queryset().get(pk=incident.pk)

    def perform_create(self, serializer: Any) -> None:
        fields = dict(serializer.validated_data)
        if not can_work_incidents(self.request.user):
            # The portal: people report their own incidents.
            fields.update(caller=self.request.user, channel=Channel.SELF_SERVICE)
        incident = services.do_open_incident(actor=self.request.user, **fields)
        serializer.instance = self._reloaded(incident)

    @extend_schema(responses={200: IncidentSerializer, 409: CONFLICT})
    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().partial_update(request, *args, **kwargs)

    def perform_update(self, serializer: Any) -> None:
        fields = dict(serializer.validated_data)
        version = fields.pop("version")
        incident = services.do_update_incident(
            serializer.instance,
            actor=self.request.user,
            expected_version=version,
            **fields,
        )
        serializer.instance = self._reloaded(incident)

    def _answer(self, incident: Incident) -> Response:
        return Response(self.get_serializer(self._reloaded(incident)).data)

    @extend_schema(request=TransitionSerializer, responses={200: IncidentSerializer, 409: CONFLICT})
    @action(detail=True, methods=["post"])
    def transition(self, request: Request, number: str) -> Response:
        """Move the incident: on_hold needs `on_hold_reason`; resolved needs `resolution_code`
        and `resolution_notes`; resolved → in_progress reopens (within the reopen window)."""
        incident = self.get_object()
        serializer = TransitionSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        moved = services.do_change_incident_state(
            incident,
            data.pop("state"),
            actor=request.user,
            expected_version=data.pop("version"),
            **data,
        )
        return self._answer(moved)

    @extend_schema(request=HoldReasonSerializer, responses={200: IncidentSerializer, 409: CONFLICT})
    @action(detail=True, methods=["post"], url_path="hold-reason")
    def hold_reason(self, request: Request, number: str) -> Response:
        """Change what an incident on hold waits for; it stays on hold (400 when it is not on
        hold). Journaled as its own event; the SLA clocks count or pause by the new reason
        from now on. Not a response: the first response and the state stay as they are."""
        incident = self.get_object()
        serializer = HoldReasonSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        changed = services.do_change_incident_on_hold_reason(
            incident,
            data["on_hold_reason"],
            actor=request.user,
            expected_version=data["version"],
        )
        return self._answer(changed)

    @extend_schema(request=AssignSerializer, responses={200: IncidentSerializer, 409: CONFLICT})
    @action(detail=True, methods=["post"])
    def assign(self, request: Request, number: str) -> Response:
        """Set the assignment group (slug) and assignee (user id); null clears either."""
        incident = self.get_object()
        serializer = AssignSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        assigned = services.do_assign_incident(
            incident,
            assignment_group=data.get("assignment_group"),
            assignee=data.get("assignee"),
            actor=request.user,
            expected_version=data["version"],
        )
        return self._answer(assigned)


class PriorityMatrixAccess(permissions.BasePermission):
    """Agents read the matrix; the incident process owner and manager change it. A permission
    class (not a check in the handlers) so that OPTIONS describes only what the caller may do."""

    def has_permission(self, request: Request, view: Any) -> bool:
        if request.method in permissions.SAFE_METHODS:
            if not can_work_incidents(request.user):
                raise exceptions.PermissionDenied("The priority matrix is for agents.")
            return True
        if not can_manage_priority_matrix(request.user):
            raise exceptions.PermissionDenied(
                "The incident process owner and manager set the priority matrix."
            )
        return True


class PriorityMatrixView(GenericAPIView):
    """The impact × urgency → priority matrix. Agents read it; the incident process owner and
    manager change it (PUT: all nine cells; PATCH: some)."""

    serializer_class = PriorityMatrixSerializer
    permission_classes = [permissions.IsAuthenticated, PriorityMatrixAccess]
    pagination_class = None
    filter_backends: list = []

    def get_object(self) -> dict[tuple[int, int], int]:
        """The one matrix (OPTIONS asks for the object a PUT would replace)."""
        return services.matrix_cells()

    def _matrix(self) -> Response:
        cells = [
            {"impact": impact, "urgency": urgency, "priority": priority}
            for (impact, urgency), priority in sorted(services.matrix_cells().items())
        ]
        return Response({"cells": cells})

    def get(self, request: Request) -> Response:
        return self._matrix()

    def _change(self, request: Request, partial: bool) -> Response:
        serializer = self.get_serializer(data=request.data, partial=partial)
        serializer.is_valid(raise_exception=True)
        cells = {
            (cell["impact"], cell["urgency"]): cell["priority"]
            for cell in serializer.validated_data["cells"]
        }
        services.do_update_priority_matrix(cells, actor=request.user)
        return self._matrix()

    def put(self, request: Request) -> Response:
        return self._change(request, partial=False)

    def patch(self, request: Request) -> Response:
        return self._change(request, partial=True)


class CategoryAccess(permissions.BasePermission):
    """Agents read (requesters: 403 on the list, 404 on a record through the selector); the
    incident process owner and manager, and administrators, create and change."""

    message = "The incident process owner and manager manage the categories."

    def has_permission(self, request: Request, view: Any) -> bool:
        if view.action == "list":
            self.message = "Incident categories are for agents."
            return can_view_categories(request.user)
        if view.action == "create":
            return can_manage_categories(request.user)
        return True

    def has_object_permission(self, request: Request, view: Any, obj: Any) -> bool:
        if request.method in permissions.SAFE_METHODS:
            return True
        return can_manage_categories(request.user)


class CategoryViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """Incident categories and subcategories (one level), each with its incident count.
    No DELETE: deactivate instead (incidents keep their category)."""

    serializer_class = CategorySerializer
    permission_classes = [permissions.IsAuthenticated, CategoryAccess]
    filterset_class = CategoryFilter
    ordering_fields = ["name", "is_active", "incident_count"]
    ordering = ["name", "id"]
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self):
        return category_list_for(self.request.user)

    def _reloaded(self, category: Any) -> Any:
        return self.get_queryset().get(pk=category.pk)

    def perform_create(self, serializer: CategorySerializer) -> None:
        data = serializer.validated_data
        category = services.do_create_category(
            actor=self.request.user,
            name=data["name"],
            parent=data.get("parent"),
        )
        serializer.instance = self._reloaded(category)

    def perform_update(self, serializer: CategorySerializer) -> None:
        category = services.do_update_category(
            serializer.instance,
            actor=self.request.user,
            **serializer.validated_data,
        )
        serializer.instance = self._reloaded(category)
