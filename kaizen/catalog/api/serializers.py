"""Catalogue and CMDB over the API. Serializers only parse and present; writes go to services."""

from django.db.models import QuerySet
from rest_framework import serializers

from kaizen.catalog.models import (
    ConfigurationItem,
    Lifecycle,
    Service,
    ServiceDependency,
    ServiceOffering,
)
from kaizen.catalog.selectors import services_for
from kaizen.catalog.services import CI_FIELDS, OFFERING_FIELDS, SERVICE_FIELDS
from kaizen.core.api.serializers import VersionedSerializer
from kaizen.people.models import Team, User, UserKind


class VisibleServiceField(serializers.SlugRelatedField):
    """A service named by slug, among those the requesting user may see.

    An invisible service reads as "does not exist", the same answer as for a wrong slug.
    """

    def __init__(self, **kwargs):
        super().__init__(slug_field="slug", queryset=Service.objects.all(), **kwargs)

    def get_queryset(self) -> QuerySet[Service]:
        return services_for(self.context["request"].user)


def team_field() -> serializers.SlugRelatedField:
    return serializers.SlugRelatedField(
        slug_field="slug",
        queryset=Team.objects.filter(is_active=True),
        allow_null=True,
        required=False,
        help_text="Team slug",
    )


class ServiceSerializer(VersionedSerializer):
    owner = serializers.PrimaryKeyRelatedField(
        queryset=User.objects.filter(kind=UserKind.AGENT, is_active=True),
        allow_null=True,
        required=False,
        help_text="User id of the service owner (an active agent)",
    )
    owner_name = serializers.CharField(source="owner", read_only=True, allow_null=True)
    support_team = team_field()
    offering_count = serializers.IntegerField(read_only=True)

    class Meta:
        model = Service
        fields = [
            "id",
            *SERVICE_FIELDS,
            "owner_name",
            "lifecycle",
            "offering_count",
            "version",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["lifecycle"]


class LifecycleSerializer(serializers.Serializer):
    lifecycle = serializers.ChoiceField(choices=Lifecycle.choices, help_text="Target lifecycle")
    reason = serializers.CharField(required=False, allow_blank=True, max_length=250, default="")


class OfferingSerializer(VersionedSerializer):
    service = VisibleServiceField(help_text="Service slug; fixed once the offering exists")
    service_name = serializers.CharField(source="service.name", read_only=True)

    class Meta:
        model = ServiceOffering
        fields = ["id", "service", "service_name", *OFFERING_FIELDS, "version"]
        # The service reports a duplicate name on the `name` field.
        validators: list = []

    def validate_service(self, service: Service) -> Service:
        if self.instance is not None and service.pk != self.instance.service_id:
            raise serializers.ValidationError("an offering cannot move to another service")
        return service


class DependencySerializer(serializers.ModelSerializer):
    service = VisibleServiceField(help_text="Slug of the service that needs `depends_on`")
    depends_on = VisibleServiceField(help_text="Slug of the service it needs")

    class Meta:
        model = ServiceDependency
        fields = ["id", "service", "depends_on", "kind", "note"]
        # Duplicates and cycles are refused by the service, with a message naming both.
        validators: list = []


class ConfigurationItemSerializer(VersionedSerializer):
    support_team = team_field()
    services = VisibleServiceField(many=True, required=False, help_text="Service slugs")

    class Meta:
        model = ConfigurationItem
        fields = ["id", *CI_FIELDS, "services", "version", "created_at", "updated_at"]
