"""People API: users, teams, process roles and one's own tokens.

Querysets come from the selectors, so a record the caller may not see is a 404. Writes are
checked after the lookup (403 for a visible record the caller may not change) and go through
the same services as the web UI.
"""

from typing import Any

from django.db.models import Prefetch
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import mixins, permissions, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from kaizen.core.api.serializers import versioned_update, versioned_updates
from kaizen.people import services
from kaizen.people.api.serializers import (
    ApiTokenCreateSerializer,
    ApiTokenSerializer,
    ProcessRoleSerializer,
    ProfileSerializer,
    TeamMemberSerializer,
    TeamSerializer,
    UserSerializer,
)
from kaizen.people.filters import ProcessRoleFilter, TeamFilter, UserFilter
from kaizen.people.models import User
from kaizen.people.permissions import can_manage_people, can_manage_team_members, can_view_people
from kaizen.people.selectors import (
    process_roles_for,
    teams_for,
    tokens_for,
    user_list_for,
)


class ManagePeople(permissions.BasePermission):
    """Reads follow the selector; writes are for administrators.

    A write to one record is judged after the lookup, so an invisible record is 404 first.
    """

    message = "Only administrators change people, teams and roles."

    def has_permission(self, request: Request, view: Any) -> bool:
        if request.method in permissions.SAFE_METHODS or view.detail:
            return True
        return can_manage_people(request.user)

    def has_object_permission(self, request: Request, view: Any, obj: Any) -> bool:
        return request.method in permissions.SAFE_METHODS or can_manage_people(request.user)


class ViewDirectory(permissions.BasePermission):
    message = "Teams and process roles are visible to agents."

    def has_permission(self, request: Request, view: Any) -> bool:
        return can_view_people(request.user)


class ChangeTeamMembers(permissions.BasePermission):
    message = "Only administrators and the team's manager change its members."

    def has_object_permission(self, request: Request, view: Any, obj: Any) -> bool:
        return can_manage_team_members(request.user, obj)


@versioned_updates(UserSerializer, "person")
class UserViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """People. Agents list everyone, anyone else only themselves; administrators write.

    Nobody is deleted: set `is_active` to false to stop someone signing in.
    """

    serializer_class = UserSerializer
    permission_classes = [permissions.IsAuthenticated, ManagePeople]
    filterset_class = UserFilter
    ordering_fields = ["username", "last_name", "date_joined", "last_login"]
    ordering = ["last_name", "first_name", "username", "id"]

    def get_queryset(self):
        return user_list_for(self.request.user)

    def perform_create(self, serializer: UserSerializer) -> None:
        serializer.instance = services.do_create_user(
            actor=self.request.user, **serializer.validated_data
        )

    def perform_update(self, serializer: UserSerializer) -> None:
        version, fields = versioned_update(serializer)
        serializer.instance = services.do_update_user(
            serializer.instance, actor=self.request.user, expected_version=version, **fields
        )

    @extend_schema(methods=["GET"], responses=UserSerializer)
    @extend_schema(
        methods=["PATCH"],
        request=ProfileSerializer,
        responses={
            200: UserSerializer,
            409: OpenApiResponse(description="Your details changed since you read `version`"),
        },
    )
    @action(
        detail=False,
        methods=["get", "patch"],
        permission_classes=[permissions.IsAuthenticated],
        filter_backends=[],
        pagination_class=None,
    )
    def me(self, request: Request) -> Response:
        """The caller; PATCH edits their own name, email, phone, time zone and job title, with
        the `version` read (409 if it moved)."""
        if request.method == "PATCH":
            body = ProfileSerializer(request.user, data=request.data, partial=True)
            body.is_valid(raise_exception=True)
            version, fields = versioned_update(body)
            services.do_update_profile(
                request.user, actor=request.user, expected_version=version, **fields
            )
        return Response(UserSerializer(self.get_queryset().get(pk=request.user.pk)).data)


@versioned_updates(TeamSerializer, "team")
class TeamViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """Teams (assignment groups), by slug. Agents read; administrators write.

    Teams are not deleted: set `is_active` to false. Members are changed through
    `teams/{slug}/members/`.
    """

    serializer_class = TeamSerializer
    permission_classes = [permissions.IsAuthenticated, ViewDirectory, ManagePeople]
    filterset_class = TeamFilter
    lookup_field = "slug"
    ordering_fields = ["name", "slug"]
    ordering = ["name", "id"]

    def get_queryset(self):
        members = User.objects.order_by("last_name", "first_name", "username")
        return teams_for(self.request.user).prefetch_related(Prefetch("members", queryset=members))

    def perform_create(self, serializer: TeamSerializer) -> None:
        serializer.instance = services.do_create_team(
            actor=self.request.user, **serializer.validated_data
        )

    def perform_update(self, serializer: TeamSerializer) -> None:
        version, fields = versioned_update(serializer)
        serializer.instance = services.do_update_team(
            serializer.instance, actor=self.request.user, expected_version=version, **fields
        )

    @extend_schema(
        methods=["POST"],
        request=TeamMemberSerializer,
        responses=TeamSerializer,
        description="Add a member (an active agent). Adding a member twice changes nothing.",
    )
    @extend_schema(
        methods=["DELETE"],
        request=TeamMemberSerializer,
        responses={204: None},
        description="Remove a member.",
    )
    @action(
        detail=True,
        methods=["post", "delete"],
        permission_classes=[permissions.IsAuthenticated, ViewDirectory, ChangeTeamMembers],
    )
    def members(self, request: Request, slug: str) -> Response:
        """Administrators and the team's manager add and remove members."""
        team = self.get_object()
        body = TeamMemberSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        member = body.validated_data["user"]
        if request.method == "DELETE":
            services.do_remove_team_member(team, member, actor=request.user)
            return Response(status=status.HTTP_204_NO_CONTENT)
        services.do_add_team_member(team, member, actor=request.user)
        return Response(TeamSerializer(self.get_object()).data)


class ProcessRoleViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    """Who holds which role in which process. Agents read; administrators grant and revoke.

    CAB member is a role of change enablement only. Granting a role someone already holds
    returns the existing grant.
    """

    serializer_class = ProcessRoleSerializer
    permission_classes = [permissions.IsAuthenticated, ViewDirectory, ManagePeople]
    filterset_class = ProcessRoleFilter
    ordering_fields = ["process", "role", "granted_at"]
    ordering = ["process", "role", "user__username", "id"]

    def get_queryset(self):
        return process_roles_for(self.request.user)

    def perform_create(self, serializer: ProcessRoleSerializer) -> None:
        data = serializer.validated_data
        serializer.instance = services.do_grant_process_role(
            data["user"],
            data["process"],
            data["role"],
            actor=self.request.user,
        )

    def perform_destroy(self, instance: Any) -> None:
        services.do_revoke_process_role(instance, actor=self.request.user)


class ApiTokenViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    """The caller's own API tokens.

    Creating one returns its secret in `token`, once: only a hash is kept. DELETE revokes the
    token (it stays listed with `revoked_at`, and stops working at once).
    """

    permission_classes = [permissions.IsAuthenticated]
    filter_backends = []

    def get_queryset(self):
        return tokens_for(self.request.user)

    def get_serializer_class(self):
        return ApiTokenCreateSerializer if self.action == "create" else ApiTokenSerializer

    def perform_create(self, serializer: ApiTokenCreateSerializer) -> None:
        token, secret = services.do_create_api_token(
            self.request.user,
            serializer.validated_data["name"],
            actor=self.request.user,
            expires_at=serializer.validated_data.get("expires_at"),
        )
        token.secret = secret
        serializer.instance = token

    def perform_destroy(self, instance: Any) -> None:
        services.do_revoke_api_token(instance, actor=self.request.user)
