"""Problem candidates over the API: the list (filter by kind and status), one candidate with its
evidence and incidents, and the two decisions: accept (raise the problem, link the incidents)
and dismiss (with a reason).

Reads come from kaizen.problems.candidate_selectors (agents; anyone else sees nothing);
decisions ask kaizen.problems.permissions (403) and call one service, whose ValidationError
the API's exception handler answers with 400 naming the field (409 when already decided).
"""

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import mixins, permissions, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from kaizen.problems.candidate_filters import CandidateFilter
from kaizen.problems.candidate_selectors import candidates_for
from kaizen.problems.models import Candidate, Problem
from kaizen.problems.permissions import can_manage_problems, can_work_problems
from kaizen.problems.services import candidates as services


class CandidateSerializer(serializers.ModelSerializer):
    kind_label = serializers.CharField(source="get_kind_display", read_only=True)
    status_label = serializers.CharField(source="get_status_display", read_only=True)
    problem = serializers.CharField(source="problem.number", allow_null=True, default=None)
    decided_by = serializers.CharField(source="decided_by.username", allow_null=True, default=None)

    class Meta:
        model = Candidate
        fields = [
            "id",
            "kind",
            "kind_label",
            "subject_key",
            "subject_label",
            "status",
            "status_label",
            "window_start",
            "window_end",
            "incident_count",
            "expected_count",
            "p_value",
            "evidence",
            "incident_numbers",
            "found_at",
            "refreshed_at",
            "decided_by",
            "decided_at",
            "dismissal_reason",
            "dismissed_incident_count",
            "problem",
        ]
        read_only_fields = fields


class CandidateAcceptSerializer(serializers.Serializer):
    statement = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        max_length=Problem._meta.get_field("statement").max_length,
        help_text="The problem's statement (blank: the candidate's own words)",
    )


class CandidateDismissSerializer(serializers.Serializer):
    reason = serializers.CharField(help_text="Why it is not a problem worth investigating")


class CandidateAcceptedSerializer(serializers.Serializer):
    problem = serializers.CharField(help_text="The number of the problem raised")
    candidate = CandidateSerializer()


class ViewOrDecide(permissions.BasePermission):
    """Agents read; problem managers and administrators decide."""

    message = "The problem managers decide on candidates."

    def has_permission(self, request: Request, view: Any) -> bool:
        if not can_work_problems(request.user):
            self.message = "Problem candidates are for agents."
            return False
        if request.method in permissions.SAFE_METHODS:
            return True
        return can_manage_problems(request.user)


class CandidateViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Problem candidates found from the incident data by the nightly scan."""

    serializer_class = CandidateSerializer
    permission_classes = [permissions.IsAuthenticated, ViewOrDecide]
    filterset_class = CandidateFilter
    ordering = ["-incident_count", "-id"]

    def get_queryset(self):
        return candidates_for(self.request.user).order_by("-incident_count", "-id")

    @extend_schema(request=CandidateAcceptSerializer, responses={201: CandidateAcceptedSerializer})
    @action(detail=True, methods=["post"])
    def accept(self, request: Request, pk: str | None = None) -> Response:
        """Raise a problem from the candidate and link its incidents to it."""
        candidate = self.get_object()
        form = CandidateAcceptSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        problem = services.do_accept_candidate(
            candidate, actor=request.user, statement=form.validated_data["statement"]
        )
        fresh = self.get_queryset().get(pk=candidate.pk)
        return Response(
            {"problem": problem.number, "candidate": CandidateSerializer(fresh).data},
            status=status.HTTP_201_CREATED,
        )

    @extend_schema(request=CandidateDismissSerializer, responses=CandidateSerializer)
    @action(detail=True, methods=["post"])
    def dismiss(self, request: Request, pk: str | None = None) -> Response:
        """Dismiss the candidate: it stays dismissed until a scan finds more incidents."""
        candidate = self.get_object()
        form = CandidateDismissSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        services.do_dismiss_candidate(
            candidate, reason=form.validated_data["reason"], actor=request.user
        )
        return Response(CandidateSerializer(self.get_queryset().get(pk=candidate.pk)).data)
