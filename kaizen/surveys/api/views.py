"""Survey endpoints: definitions and triggers (survey leads write), invitations and answers
(a requester's own; agents read their tickets'), follow-ups, results, and answering with the
e-mail's link token without signing in.

Each action asks kaizen.surveys.permissions (403), reads through the selectors (404) and calls
one service (a ValidationError is a 400 naming the field, a conflict a 409: kaizen.api.errors).
"""

from typing import Any

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions, mixins, permissions, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from kaizen.people.permissions import is_agent
from kaizen.surveys import links
from kaizen.surveys.api.serializers import (
    SurveyAnswerSerializer,
    SurveyFollowUpCloseSerializer,
    SurveyFollowUpSerializer,
    SurveyInvitationSerializer,
    SurveyLinkAnswerSerializer,
    SurveyPublishSerializer,
    SurveySerializer,
    SurveyTriggerSerializer,
    SurveyVersionSerializer,
)
from kaizen.surveys.filters import FollowUpFilter, InvitationFilter
from kaizen.surveys.models import FollowUp, Invitation, SurveyDefinition, SurveyTrigger
from kaizen.surveys.permissions import can_configure_surveys
from kaizen.surveys.results import results_of
from kaizen.surveys.selectors import follow_ups_for, invitations_for
from kaizen.surveys.services.answers import do_answer_survey
from kaizen.surveys.services.definitions import (
    do_add_trigger,
    do_create_survey,
    do_publish_survey_version,
    do_update_survey,
    do_update_trigger,
)
from kaizen.surveys.services.followups import do_close_follow_up

LEADS_ONLY = "Surveys are configured by the service level and CSI managers."


class SignedIn(permissions.IsAuthenticated):
    pass


def _require_agent(user: Any) -> None:
    if not is_agent(user):
        raise exceptions.PermissionDenied("This is for agents.")


def _require_configurer(user: Any) -> None:
    if not can_configure_surveys(user):
        raise exceptions.PermissionDenied(LEADS_ONLY)


class SurveyViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """Survey definitions by slug. Agents read; survey leads create and change them and
    publish versions."""

    serializer_class = SurveySerializer
    permission_classes = [SignedIn]
    lookup_field = "slug"
    queryset = SurveyDefinition.objects.prefetch_related("versions__questions").order_by("name")

    def get_queryset(self) -> Any:
        _require_agent(self.request.user)
        return super().get_queryset()

    def perform_create(self, serializer: Any) -> None:
        _require_configurer(self.request.user)
        serializer.instance = do_create_survey(actor=self.request.user, **serializer.validated_data)

    def perform_update(self, serializer: Any) -> None:
        _require_configurer(self.request.user)
        serializer.instance = do_update_survey(
            serializer.instance,
            actor=self.request.user,
            expected_version=None,
            **serializer.validated_data,
        )

    @extend_schema(request=SurveyPublishSerializer, responses=SurveyVersionSerializer)
    @action(detail=True, methods=["post"])
    def versions(self, request: Request, slug: str) -> Response:
        """Publish a new version: invitations drawn from now on ask it."""
        _require_configurer(request.user)
        definition = self.get_object()
        data = SurveyPublishSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        version = do_publish_survey_version(definition, **data.validated_data, actor=request.user)
        return Response(SurveyVersionSerializer(version).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        parameters=[OpenApiParameter("version", int, description="Default: the current one")],
        responses={200: dict},
    )
    @action(detail=True, methods=["get"])
    def results(self, request: Request, slug: str) -> Response:
        """CSAT (weighted, Wilson intervals), RR1, non-response comparison and breakdowns of
        one version, over the invitations the reader may see."""
        definition = self.get_object()
        versions = sorted(definition.versions.all(), key=lambda v: -v.number)
        wanted = request.query_params.get("version")
        version = next((v for v in versions if str(v.number) == wanted), None)
        if wanted and version is None:
            raise exceptions.ValidationError({"version": f"this survey has no version {wanted}"})
        version = version or versions[0]
        figures = results_of(version, invitations_for(request.user).filter(definition=definition))
        return Response(figures.as_json())


class TriggerViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    serializer_class = SurveyTriggerSerializer
    permission_classes = [SignedIn]
    queryset = SurveyTrigger.objects.select_related("definition").order_by("pk")

    def get_queryset(self) -> Any:
        _require_agent(self.request.user)
        return super().get_queryset()

    def perform_create(self, serializer: Any) -> None:
        _require_configurer(self.request.user)
        values = dict(serializer.validated_data)
        definition = values.pop("definition")
        serializer.instance = do_add_trigger(definition, actor=self.request.user, **values)

    def perform_update(self, serializer: Any) -> None:
        _require_configurer(self.request.user)
        values = dict(serializer.validated_data)
        values.pop("definition", None)
        values.pop("kind", None)
        serializer.instance = do_update_trigger(
            serializer.instance, actor=self.request.user, expected_version=None, **values
        )


class InvitationViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Invitations: survey leads see all, agents their tickets' and teams', requesters their
    own. A requester answers their own with POST .../answer/."""

    serializer_class = SurveyInvitationSerializer
    permission_classes = [SignedIn]
    filterset_class = InvitationFilter

    queryset = Invitation.objects.none()  # the model, for the schema

    def get_queryset(self) -> Any:
        return invitations_for(self.request.user).order_by("-triggered_at", "-pk")

    @extend_schema(request=SurveyAnswerSerializer, responses=SurveyInvitationSerializer)
    @action(detail=True, methods=["post"])
    def answer(self, request: Request, pk: str) -> Response:
        invitation = self.get_object()
        if invitation.recipient_id != request.user.pk:
            raise exceptions.PermissionDenied("Only the person asked answers a survey.")
        data = SurveyAnswerSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        answered = do_answer_survey(
            invitation,
            data.validated_data["answers"],
            actor=request.user,
            reopen=data.validated_data["reopen"],
        )
        return Response(SurveyInvitationSerializer(answered.invitation).data)


class LinkAnswerView(APIView):
    """Answer with the token of the e-mail's link, without signing in (spends the link)."""

    permission_classes = [permissions.AllowAny]
    authentication_classes: list[Any] = []

    @extend_schema(request=SurveyLinkAnswerSerializer, responses={200: dict})
    def post(self, request: Request) -> Response:
        data = SurveyLinkAnswerSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            invitation, _ = links.read_mail_token(data.validated_data["token"])
        except links.LinkRefused as refused:
            return Response({"token": [str(refused)]}, status=status.HTTP_410_GONE)
        answered = do_answer_survey(
            invitation,
            data.validated_data["answers"],
            actor=None,
            from_mail_link=True,
            reopen=data.validated_data["reopen"],
        )
        return Response(
            {
                "ticket_number": answered.invitation.ticket_number,
                "score": answered.invitation.score,
                "answer_page": links.page_url(answered.invitation),
                "reopened": answered.reopened,
                "reopen_refused": answered.reopen_refused,
            }
        )


class FollowUpViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    serializer_class = SurveyFollowUpSerializer
    permission_classes = [SignedIn]
    filterset_class = FollowUpFilter

    queryset = FollowUp.objects.none()  # the model, for the schema

    def get_queryset(self) -> Any:
        _require_agent(self.request.user)
        return follow_ups_for(self.request.user).order_by("state", "due_at", "pk")

    @extend_schema(request=SurveyFollowUpCloseSerializer, responses=SurveyFollowUpSerializer)
    @action(detail=True, methods=["post"])
    def close(self, request: Request, pk: str) -> Response:
        follow_up = self.get_object()
        data = SurveyFollowUpCloseSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        done = do_close_follow_up(
            follow_up,
            outcome=data.validated_data["outcome"],
            notes=data.validated_data["outcome_notes"],
            contacted_requester=data.validated_data["contacted_requester"],
            actor=request.user,
            expected_version=data.validated_data.get("version"),
        )
        return Response(SurveyFollowUpSerializer(done).data)
