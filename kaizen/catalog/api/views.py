"""Catalogue and CMDB endpoints.

Reads come from the permission-aware selectors (an invisible record is a 404); writes ask
kaizen.catalog.permissions (403 for a visible record the user may not change) and then call
one `do_*` service; a domain ValidationError it raises is a 400 on its field (the API's
exception handler, kaizen/api/errors.py).
"""

from typing import Any

from django.db.models import Model
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, permissions, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.request import Request
from rest_framework.response import Response

from kaizen.catalog import services
from kaizen.catalog.api.serializers import (
    ConfigurationItemSerializer,
    DependencySerializer,
    LifecycleSerializer,
    OfferingSerializer,
    ServiceSerializer,
)
from kaizen.catalog.filters import (
    ConfigurationItemFilter,
    DependencyFilter,
    OfferingFilter,
    ServiceFilter,
)
from kaizen.catalog.models import Service
from kaizen.catalog.permissions import (
    can_edit_service,
    can_manage_catalog,
    can_manage_cmdb,
    can_view_cmdb,
)
from kaizen.catalog.selectors import cis_for, dependencies_for, offerings_for, service_list_for
from kaizen.core.api.serializers import versioned_update, versioned_updates
from kaizen.people.models import User


class MayWrite(permissions.BasePermission):
    """Asks the viewset's `may_create(user)` and `may_change(user, obj)` for unsafe methods."""

    message = "Your roles do not allow this change."

    def has_permission(self, request: Request, view: Any) -> bool:
        if view.action != "create":
            return True
        return view.may_create(request.user)

    def has_object_permission(self, request: Request, view: Any, obj: Model) -> bool:
        if request.method in permissions.SAFE_METHODS:
            return True
        return view.may_change(request.user, obj)


def require_service_editor(user: User, service: Service) -> None:
    """Offerings and dependencies are changed by whoever may edit their service."""
    if not can_edit_service(user, service):
        raise PermissionDenied("Only the catalogue's managers and the service owner change it.")


class CatalogViewSet(viewsets.GenericViewSet):
    permission_classes = [permissions.IsAuthenticated, MayWrite]

    def may_create(self, user: User) -> bool:
        return True

    def may_change(self, user: User, obj: Any) -> bool:
        raise NotImplementedError


@versioned_updates(ServiceSerializer, "service")
class ServiceViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    CatalogViewSet,
):
    """The service catalogue. Requesters see live, public services. No DELETE: retire instead."""

    serializer_class = ServiceSerializer
    lookup_field = "slug"
    filterset_class = ServiceFilter
    ordering_fields = ["name", "service_type", "lifecycle", "criticality", "updated_at"]
    ordering = ["name"]

    def get_queryset(self):
        return service_list_for(self.request.user)

    def may_create(self, user: User) -> bool:
        return can_manage_catalog(user)

    def may_change(self, user: User, service: Service) -> bool:
        return can_edit_service(user, service)

    def _reloaded(self, service: Service) -> Service:
        # Read back through the selector so the answer carries offering_count like a GET.
        return self.get_queryset().get(pk=service.pk)

    def perform_create(self, serializer: ServiceSerializer) -> None:
        service = services.do_create_service(actor=self.request.user, **serializer.validated_data)
        serializer.instance = self._reloaded(service)

    def perform_update(self, serializer: ServiceSerializer) -> None:
        service = serializer.instance
        version, fields = versioned_update(serializer)
        owner_changes = "owner" in fields and fields["owner"] != service.owner
        if owner_changes and not can_manage_catalog(self.request.user):
            raise PermissionDenied("Only the catalogue's managers change a service's owner.")
        updated = services.do_update_service(
            service, actor=self.request.user, expected_version=version, **fields
        )
        serializer.instance = self._reloaded(updated)

    @extend_schema(request=LifecycleSerializer, responses=ServiceSerializer)
    @action(detail=True, methods=["post"])
    def lifecycle(self, request: Request, slug: str) -> Response:
        """Move the service through its lifecycle (pipeline → live → retired; retired → live)."""
        service = self.get_object()
        serializer = LifecycleSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.do_change_service_lifecycle(
            service,
            serializer.validated_data["lifecycle"],
            actor=request.user,
            reason=serializer.validated_data["reason"],
        )
        return Response(self.get_serializer(self._reloaded(service)).data)


@versioned_updates(OfferingSerializer, "offering")
class OfferingViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    CatalogViewSet,
):
    """What each service provides. Filter with `?service=<slug>`."""

    serializer_class = OfferingSerializer
    filterset_class = OfferingFilter
    ordering_fields = ["name", "offering_type", "service__name"]
    ordering = ["service__name", "name"]

    def get_queryset(self):
        return offerings_for(self.request.user)

    def may_change(self, user: User, offering: Any) -> bool:
        return can_edit_service(user, offering.service)

    def perform_create(self, serializer: OfferingSerializer) -> None:
        fields = dict(serializer.validated_data)
        service = fields.pop("service")
        require_service_editor(self.request.user, service)
        serializer.instance = services.do_create_offering(
            service, actor=self.request.user, **fields
        )

    def perform_update(self, serializer: OfferingSerializer) -> None:
        version, fields = versioned_update(serializer)
        fields.pop("service", None)
        serializer.instance = services.do_update_offering(
            serializer.instance, actor=self.request.user, expected_version=version, **fields
        )


class DependencyViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.DestroyModelMixin,
    CatalogViewSet,
):
    """`service` needs `depends_on`. Filter with `?service=<slug>` or `?depends_on=<slug>`."""

    serializer_class = DependencySerializer
    filterset_class = DependencyFilter
    ordering_fields = ["service__name", "depends_on__name", "kind"]
    ordering = ["service__name", "depends_on__name"]

    def get_queryset(self):
        return dependencies_for(self.request.user)

    def may_change(self, user: User, dependency: Any) -> bool:
        return can_edit_service(user, dependency.service)

    def perform_create(self, serializer: DependencySerializer) -> None:
        fields = dict(serializer.validated_data)
        service = fields.pop("service")
        require_service_editor(self.request.user, service)
        serializer.instance = services.do_add_service_dependency(
            service,
            fields.pop("depends_on"),
            actor=self.request.user,
            **fields,
        )

    def perform_destroy(self, dependency: Any) -> None:
        services.do_remove_service_dependency(dependency, actor=self.request.user)


@versioned_updates(ConfigurationItemSerializer, "configuration item")
class ConfigurationItemViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    CatalogViewSet,
):
    """The CMDB, for agents. `services` lists the slugs of the services a CI supports."""

    serializer_class = ConfigurationItemSerializer
    filterset_class = ConfigurationItemFilter
    ordering_fields = ["name", "ci_type", "status", "updated_at"]
    ordering = ["name"]

    def get_queryset(self):
        return cis_for(self.request.user).prefetch_related("services")

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Any:
        # Same answer as the CI list page: the list is forbidden, a single CI is 404.
        if not can_view_cmdb(request.user):
            raise PermissionDenied("The CMDB is for agents.")
        return super().list(request, *args, **kwargs)

    def may_create(self, user: User) -> bool:
        return can_manage_cmdb(user)

    def may_change(self, user: User, ci: Any) -> bool:
        return can_manage_cmdb(user)

    def perform_create(self, serializer: ConfigurationItemSerializer) -> None:
        serializer.instance = services.do_create_ci(
            actor=self.request.user, **serializer.validated_data
        )

    def perform_update(self, serializer: ConfigurationItemSerializer) -> None:
        version, fields = versioned_update(serializer)
        serializer.instance = services.do_update_ci(
            serializer.instance, actor=self.request.user, expected_version=version, **fields
        )
