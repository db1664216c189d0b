from rest_framework import serializers

from kaizen.core.api.serializers import VersionedSerializer
from kaizen.people.models import ApiToken, ProcessRole, Team, User
from kaizen.people.selectors import active_agents
from kaizen.people.services import PROFILE_FIELDS, USER_FIELDS


class UserSummarySerializer(serializers.ModelSerializer):
    display_name = serializers.CharField(source="__str__", read_only=True)

    class Meta:
        model = User
        fields = ["id", "username", "display_name"]
        read_only_fields = fields


class ProcessRoleSerializer(serializers.ModelSerializer):
    class Meta:
        model = ProcessRole
        fields = ["id", "user", "process", "role", "granted_at"]
        read_only_fields = ["granted_at"]
        # Granting an existing role is a no-op in the service, and the service explains the
        # CAB rule naming the field; the generated unique-together check would only get in
        # the way.
        validators = []


class UserSerializer(VersionedSerializer):
    display_name = serializers.CharField(source="__str__", read_only=True)
    teams = serializers.SlugRelatedField(slug_field="slug", many=True, read_only=True)
    process_roles = ProcessRoleSerializer(many=True, read_only=True)
    manager = serializers.PrimaryKeyRelatedField(
        queryset=User.objects.filter(is_active=True),
        allow_null=True,
        required=False,
        help_text="Who approves this person's service requests where a manager must (a person's "
        "id), or null",
    )

    class Meta:
        model = User
        fields = [
            "id",
            "display_name",
            *USER_FIELDS,
            "last_login",
            "date_joined",
            "teams",
            "process_roles",
            "password",
            "version",
        ]
        read_only_fields = ["last_login", "date_joined"]
        extra_kwargs = {
            "password": {
                "write_only": True,
                "required": False,
                "style": {"input_type": "password"},
                "help_text": "Sets a new password. Without one a new person cannot sign in "
                "with a password.",
            }
        }


class ProfileSerializer(VersionedSerializer):
    """What a person may change about themselves, and the version they read (`me`)."""

    class Meta:
        model = User
        fields = [*PROFILE_FIELDS, "version"]


class TeamSerializer(VersionedSerializer):
    manager = serializers.PrimaryKeyRelatedField(
        queryset=active_agents(), allow_null=True, required=False
    )
    members = UserSummarySerializer(many=True, read_only=True)

    class Meta:
        model = Team
        fields = [
            "id",
            "name",
            "slug",
            "description",
            "email",
            "manager",
            "is_active",
            "members",
            "version",
        ]


class TeamMemberSerializer(serializers.Serializer):
    user = serializers.PrimaryKeyRelatedField(queryset=User.objects.all())


class ApiTokenSerializer(serializers.ModelSerializer):
    status = serializers.ChoiceField(choices=["active", "expired", "revoked"], read_only=True)

    class Meta:
        model = ApiToken
        fields = [
            "id",
            "name",
            "prefix",
            "created_at",
            "expires_at",
            "last_used_at",
            "revoked_at",
            "status",
        ]
        read_only_fields = ["prefix", "created_at", "last_used_at", "revoked_at"]


class ApiTokenCreateSerializer(serializers.ModelSerializer):
    token = serializers.CharField(
        source="secret",
        read_only=True,
        help_text="The secret, returned only in this response: store it now.",
    )

    class Meta:
        model = ApiToken
        fields = ["id", "name", "prefix", "created_at", "expires_at", "token"]
        read_only_fields = ["prefix", "created_at"]
