"""Problem endpoints.

Reads come from the permission-aware selectors (agents only; anyone else gets an empty list
and 404s); actions ask kaizen.problems.permissions (403) and then call one service (a domain
ValidationError becomes a 400 naming the field, a version conflict a 409 with the current
version).
"""

from typing import Any

from django.db.models import Count
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import exceptions, mixins, permissions, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from kaizen.core.api.ticket_activity import TicketActivity, ticket_activity_actions
from kaizen.problems.api.serializers import (
    LinkedIncidentSerializer,
    LinkIncidentsSerializer,
    ProblemAttachmentSerializer,
    ProblemCommentSerializer,
    ProblemSerializer,
    ProblemTransitionSerializer,
)
from kaizen.problems.filters import ProblemFilter
from kaizen.problems.models import Problem
from kaizen.problems.permissions import can_edit_problem, can_move_problem, can_work_problems
from kaizen.problems.selectors import (
    DETAIL_RELATED,
    attachments_for,
    comments_for,
    problems_for,
)
from kaizen.problems.services.activity import do_add_problem_attachment, do_add_problem_comment
from kaizen.problems.services.lifecycle import do_move_problem
from kaizen.problems.services.links import do_link_incidents, do_unlink_incident
from kaizen.problems.services.records import do_raise_problem, do_update_problem

CONFLICT = OpenApiResponse(description="The problem moved on since you read `version`")


def _works_problems(user: Any, problem: Any = None) -> bool:
    return can_work_problems(user)


PROBLEM_ACTIVITY = TicketActivity(
    comments=lambda user, problem: comments_for(problem),
    attachments=lambda user, problem: attachments_for(problem),
    may_comment=_works_problems,
    may_attach=_works_problems,
    may_write_work_notes=_works_problems,
    add_comment=do_add_problem_comment,
    add_attachment=do_add_problem_attachment,
    requester="agents",
)


class WorkProblems(permissions.BasePermission):
    message = "Problems are worked by agents."

    def has_permission(self, request: Request, view: Any) -> bool:
        return can_work_problems(request.user)


class ProblemViewSet(
    ticket_activity_actions(
        PROBLEM_ACTIVITY, ProblemCommentSerializer, ProblemAttachmentSerializer
    ),
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """Problems, by number: agents read, raise and link incidents; problem managers, the
    owner and the assignment group edit; problem managers and the owner move them. No
    DELETE: close as cancelled instead."""

    lookup_field = "number"
    lookup_value_regex = "[^/]+"
    serializer_class = ProblemSerializer
    permission_classes = [permissions.IsAuthenticated, WorkProblems]
    filterset_class = ProblemFilter
    ordering_fields = ["number", "priority", "state", "opened_at", "updated_at"]
    ordering = ["-opened_at"]
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]

    def get_queryset(self):
        return (
            problems_for(self.request.user)
            .select_related(*DETAIL_RELATED)
            .prefetch_related("services", "configuration_items")
            .annotate(incident_count=Count("incident_links"))
        )

    def _answer(self, problem: Problem) -> Response:
        reloaded = self.get_queryset().get(pk=problem.pk)
        return Response(ProblemSerializer(reloaded, context={"request": self.request}).data)

    def destroy(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        raise exceptions.MethodNotAllowed("DELETE", detail="Close the problem as cancelled.")

    def perform_create(self, serializer: Any) -> None:
        fields = dict(serializer.validated_data)
        problem = do_raise_problem(
            actor=self.request.user,
            services=fields.pop("services", []),
            configuration_items=fields.pop("configuration_items", []),
            **fields,
        )
        serializer.instance = self.get_queryset().get(pk=problem.pk)

    @extend_schema(responses={200: ProblemSerializer, 409: CONFLICT})
    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().partial_update(request, *args, **kwargs)

    def perform_update(self, serializer: Any) -> None:
        if not can_edit_problem(self.request.user, serializer.instance):
            raise exceptions.PermissionDenied(
                "Problem managers, the problem's owner and its group edit it."
            )
        fields = dict(serializer.validated_data)
        problem = do_update_problem(
            serializer.instance,
            actor=self.request.user,
            expected_version=fields.pop("version"),
            services=fields.pop("services", None),
            configuration_items=fields.pop("configuration_items", None),
            **fields,
        )
        serializer.instance = self.get_queryset().get(pk=problem.pk)

    @extend_schema(
        request=ProblemTransitionSerializer, responses={200: ProblemSerializer, 409: CONFLICT}
    )
    @action(detail=True, methods=["post"])
    def transition(self, request: Request, number: str) -> Response:
        """Move the problem: closed needs `closure_code` (a duplicate `duplicate_of`, an
        accepted risk `risk_review_on`, a cancellation a `reason`); re-opening a resolved or
        closed problem (to root_cause_analysis) needs a `reason`; resolving may notify or
        resolve the linked open incidents (`linked_incidents`)."""
        problem = self.get_object()
        if not can_move_problem(request.user, problem):
            raise exceptions.PermissionDenied("Problem managers and the problem's owner move it.")
        serializer = ProblemTransitionSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        moved = do_move_problem(
            problem,
            data.pop("state"),
            actor=request.user,
            expected_version=data.pop("version"),
            **data,
        )
        return self._answer(moved)

    @extend_schema(
        methods=["GET"], request=None, responses={200: LinkedIncidentSerializer(many=True)}
    )
    @extend_schema(
        methods=["POST"],
        request=LinkIncidentsSerializer,
        responses={201: LinkedIncidentSerializer(many=True)},
    )
    @action(detail=True, methods=["get", "post"], pagination_class=None, filter_backends=[])
    def incidents(self, request: Request, number: str) -> Response:
        """The incidents the problem explains; POST links more (by number; those linked
        already are left as they are, an unknown number is a 400 naming it)."""
        problem = self.get_object()
        if request.method == "GET":
            links = problem.incident_links.select_related("linked_by", "known_error")
            return Response(LinkedIncidentSerializer(links, many=True).data)
        serializer = LinkIncidentsSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        links = do_link_incidents(
            problem, serializer.validated_data["incidents"], actor=request.user
        )
        return Response(
            LinkedIncidentSerializer(links, many=True).data, status=status.HTTP_201_CREATED
        )

    @extend_schema(request=None, responses={204: None})
    @action(
        detail=True,
        methods=["delete"],
        url_path=r"incidents/(?P<incident_number>[^/]+)",
        filter_backends=[],
    )
    def unlink(self, request: Request, number: str, incident_number: str) -> Response:
        """Unlink one incident (the journal keeps that it was linked)."""
        do_unlink_incident(self.get_object(), incident_number, actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)
