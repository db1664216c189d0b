"""Change endpoints.

Reads come from the permission-aware selectors (a change the caller may not see is a 404);
actions ask kaizen.changes.permissions (403) and then call one service (a domain
ValidationError becomes a 400 naming the field, a version conflict a 409 with the current
version).
"""

from typing import Any

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import exceptions, mixins, permissions, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from kaizen.changes import services
from kaizen.changes.api.serializers import (
    CausedIncidentDecisionSerializer,
    CausedIncidentSerializer,
    ChangeAttachmentSerializer,
    ChangeCategorySerializer,
    ChangeCommentSerializer,
    ChangeReviewSerializer,
    ChangeSerializer,
    ChangeTemplateSerializer,
    ChangeTransitionSerializer,
    DetectedWorkSerializer,
    PortalChangeSerializer,
    TemplateDecisionSerializer,
)
from kaizen.changes.filters import ChangeFilter
from kaizen.changes.models import Change, ChangeCategory
from kaizen.changes.permissions import (
    can_comment_on_change,
    can_manage_change_catalogue,
    can_see_work_notes,
    can_work_changes,
)
from kaizen.changes.selectors import (
    DETAIL_RELATED,
    attachments_for,
    changes_for,
    comments_for,
    templates_for,
)
from kaizen.core.api.ticket_activity import TicketActivity, ticket_activity_actions

CONFLICT = OpenApiResponse(description="The change moved on since you read `version`")
# Comments, work notes and files: the actions every ticket viewset shares.
CHANGE_ACTIVITY = TicketActivity(
    comments=comments_for,
    attachments=lambda user, change: attachments_for(change),
    may_comment=can_comment_on_change,
    may_attach=can_comment_on_change,
    may_write_work_notes=can_see_work_notes,
    add_comment=services.do_add_change_comment,
    add_attachment=services.do_add_change_attachment,
    requester="the requester",
)
WRITES = {
    "create",
    "partial_update",
    "transition",
    "review",
    "caused",
    "caused_decision",
    "propose_caused",
}


class WorkChanges(permissions.BasePermission):
    """Agents raise, edit and move changes; a requester only reads theirs and comments."""

    message = "Changes are raised and worked by agents."

    def has_permission(self, request: Request, view: Any) -> bool:
        if view.action in WRITES and request.method not in permissions.SAFE_METHODS:
            return can_work_changes(request.user)
        return True


class ChangeViewSet(
    ticket_activity_actions(CHANGE_ACTIVITY, ChangeCommentSerializer, ChangeAttachmentSerializer),
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """Changes, by number. Agents see all and work them; a requester sees the changes they
    raised. No DELETE: cancel instead."""

    lookup_field = "number"
    lookup_value_regex = "[^/]+"
    permission_classes = [permissions.IsAuthenticated, WorkChanges]
    filterset_class = ChangeFilter
    ordering_fields = ["number", "priority", "risk", "state", "planned_start", "opened_at"]
    ordering = ["-opened_at"]
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self):
        return (
            changes_for(self.request.user)
            .select_related(*DETAIL_RELATED)
            .prefetch_related("services", "configuration_items")
        )

    def get_serializer_class(self):
        if getattr(self, "swagger_fake_view", False) or can_work_changes(self.request.user):
            return ChangeSerializer
        return PortalChangeSerializer

    def _reloaded(self, change: Change) -> Change:
        return self.get_queryset().get(pk=change.pk)

    def _answer(self, change: Change) -> Response:
        return Response(
            ChangeSerializer(self._reloaded(change), context={"request": self.request}).data
        )

    def perform_create(self, serializer: Any) -> None:
        fields = dict(serializer.validated_data)
        fields.setdefault("requester", self.request.user)
        if fields["requester"] is None:
            fields["requester"] = self.request.user
        change = services.do_raise_change(
            actor=self.request.user,
            services=fields.pop("services", None),
            configuration_items=fields.pop("configuration_items", None),
            **fields,
        )
        serializer.instance = self._reloaded(change)

    @extend_schema(responses={200: ChangeSerializer, 409: CONFLICT})
    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().partial_update(request, *args, **kwargs)

    def perform_update(self, serializer: Any) -> None:
        fields = dict(serializer.validated_data)
        change = services.do_update_change(
            serializer.instance,
            actor=self.request.user,
            expected_version=fields.pop("version"),
            services=fields.pop("services", None),
            configuration_items=fields.pop("configuration_items", None),
            **fields,
        )
        serializer.instance = self._reloaded(change)

    @extend_schema(
        request=DetectedWorkSerializer,
        responses={200: ChangeSerializer, 201: ChangeSerializer},
    )
    @action(detail=False, methods=["post"], url_path="detected-work")
    def detected_work(self, request: Request) -> Response:
        """Work seen on a configuration item: 200 with the change that covers it (its window
        holds the moment, give or take an hour; the sighting is journaled on it), or 201 with
        a new change in Review flagged unauthorised ("work recorded on X with no change").
        The same sighting sent again (CI, moment, source and description) is recorded once:
        200 with the change it is on. Change managers and administrators."""
        if not can_manage_change_catalogue(request.user):
            raise exceptions.PermissionDenied("Change managers record detected work.")
        serializer = DetectedWorkSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        sighting = services.do_record_detected_work(
            data["configuration_item"],
            seen_at=data["seen_at"],
            description=data["description"],
            source=data["source"],
            actor=request.user,
        )
        body = ChangeSerializer(self._reloaded(sighting.change), context={"request": request}).data
        answer = status.HTTP_201_CREATED if sighting.created else status.HTTP_200_OK
        return Response(body, status=answer)

    @extend_schema(
        request=ChangeTransitionSerializer, responses={200: ChangeSerializer, 409: CONFLICT}
    )
    @action(detail=True, methods=["post"])
    def transition(self, request: Request, number: str) -> Response:
        """Move the change along its type's path: closed needs `closure_code` (and a recorded
        review), cancelled needs `closure_notes`; implement and review take `actual` when the
        work started or ended earlier than now."""
        change = self.get_object()
        serializer = ChangeTransitionSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        moved = services.do_move_change(
            change,
            data.pop("state"),
            actor=request.user,
            expected_version=data.pop("version"),
            **data,
        )
        return self._answer(moved)

    @extend_schema(request=ChangeReviewSerializer, responses={200: ChangeSerializer, 409: CONFLICT})
    @action(detail=True, methods=["post"])
    def review(self, request: Request, number: str) -> Response:
        """Record (or correct) the post-implementation review of a change in Review."""
        change = self.get_object()
        serializer = ChangeReviewSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        reviewed = services.do_record_review(
            change,
            objectives_met=data["objectives_met"],
            lessons_learned=data["lessons_learned"],
            actor=request.user,
            expected_version=data["version"],
        )
        return self._answer(reviewed)

    @extend_schema(
        methods=["GET"], request=None, responses={200: CausedIncidentSerializer(many=True)}
    )
    @extend_schema(
        methods=["POST"],
        request=CausedIncidentSerializer,
        responses={201: CausedIncidentSerializer},
    )
    @action(detail=True, methods=["get", "post"], pagination_class=None, filter_backends=[])
    def caused(self, request: Request, number: str) -> Response:
        """The incidents this change caused: proposed, confirmed and dismissed. POST records
        one as confirmed (`incident_number`, `reason`)."""
        change = self.get_object()
        if request.method == "GET":
            rows = change.caused_incidents.all()
            return Response(CausedIncidentSerializer(rows, many=True).data)
        serializer = CausedIncidentSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        link = services.do_link_caused_incident(
            change,
            serializer.validated_data["incident_number"],
            actor=request.user,
            reason=serializer.validated_data.get("reason", ""),
        )
        return Response(CausedIncidentSerializer(link).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses={200: CausedIncidentSerializer(many=True)})
    @action(detail=True, methods=["post"], url_path="caused/propose", filter_backends=[])
    def propose_caused(self, request: Request, number: str) -> Response:
        """Look again for incidents opened on the change's services and CIs from its start
        until the window after its end; answers the new proposals."""
        change = self.get_object()
        found = services.do_propose_caused_incidents(change)
        return Response(CausedIncidentSerializer(found, many=True).data)

    @extend_schema(
        operation_id="changes_caused_decide",
        request=CausedIncidentDecisionSerializer,
        responses={200: CausedIncidentSerializer},
    )
    @action(
        detail=True,
        methods=["post"],
        url_path=r"caused/(?P<link_id>[0-9]+)",
        url_name="caused-decision",
        filter_backends=[],
    )
    def caused_decision(self, request: Request, number: str, link_id: str) -> Response:
        """Confirm or dismiss (with a `reason`) a proposed caused incident."""
        change = self.get_object()
        link = get_object_or_404(change.caused_incidents, pk=link_id)
        serializer = CausedIncidentDecisionSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        decided = services.do_decide_caused_incident(
            link,
            confirmed=serializer.validated_data["status"] == "confirmed",
            actor=request.user,
            reason=serializer.validated_data["reason"],
        )
        return Response(CausedIncidentSerializer(decided).data)


class ManageCatalogue(permissions.BasePermission):
    """Agents read; change managers (and administrators) decide and edit."""

    def has_permission(self, request: Request, view: Any) -> bool:
        if request.method in permissions.SAFE_METHODS:
            return can_work_changes(request.user) or can_manage_change_catalogue(request.user)
        if view.action == "create" and view.basename == "change-template":
            return can_work_changes(request.user)  # anyone who raises changes proposes
        return can_manage_change_catalogue(request.user)


class ChangeTemplateViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    """The standard change catalogue: every version of every template."""

    serializer_class = ChangeTemplateSerializer
    permission_classes = [permissions.IsAuthenticated, ManageCatalogue]
    filterset_fields = ["status", "key"]
    ordering = ["name", "-version_number"]

    def get_queryset(self):
        return templates_for(self.request.user).prefetch_related("services", "configuration_items")

    def perform_create(self, serializer: Any) -> None:
        fields = dict(serializer.validated_data)
        template = services.do_propose_template(
            actor=self.request.user,
            revises=fields.pop("revises", None),
            services=fields.pop("services", []),
            configuration_items=fields.pop("configuration_items", []),
            **fields,
        )
        serializer.instance = self.get_queryset().get(pk=template.pk)

    @extend_schema(request=TemplateDecisionSerializer, responses={200: ChangeTemplateSerializer})
    @action(detail=True, methods=["post"])
    def decide(self, request: Request, pk: str) -> Response:
        """Approve or reject a proposed version, or retire an approved one (a note says why)."""
        template = self.get_object()
        serializer = TemplateDecisionSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        decision, note = serializer.validated_data["decision"], serializer.validated_data["note"]
        if decision == "retire":
            done = services.do_retire_template(template, actor=request.user, reason=note)
        else:
            done = services.do_decide_template(
                template, approve=decision == "approve", actor=request.user, note=note
            )
        return Response(ChangeTemplateSerializer(self.get_queryset().get(pk=done.pk)).data)


class ChangeCategoryViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """Change categories: agents read, change managers add, rename and deactivate them."""

    serializer_class = ChangeCategorySerializer
    permission_classes = [permissions.IsAuthenticated, ManageCatalogue]
    queryset = ChangeCategory.objects.order_by("name")
    http_method_names = ["get", "post", "patch", "head", "options"]

    def perform_create(self, serializer: Any) -> None:
        serializer.instance = services.do_create_change_category(
            name=serializer.validated_data["name"], actor=self.request.user
        )

    def perform_update(self, serializer: Any) -> None:
        serializer.instance = services.do_update_change_category(
            serializer.instance, actor=self.request.user, **serializer.validated_data
        )
