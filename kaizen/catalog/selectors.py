"""Permission-aware reads: a user only ever gets the rows they may see."""

from django.db.models import Count, Q, QuerySet

from kaizen.catalog.models import (
    ConfigurationItem,
    Lifecycle,
    Service,
    ServiceDependency,
    ServiceOffering,
)
from kaizen.catalog.permissions import can_view_cmdb
from kaizen.people.models import User
from kaizen.people.permissions import is_agent


def services_for(user: User) -> QuerySet[Service]:
    """Agents see the whole catalogue; requesters see public, live services."""
    services = Service.objects.select_related("owner", "support_team")
    if is_agent(user):
        return services
    if user.is_authenticated:
        return services.filter(lifecycle=Lifecycle.LIVE, is_public=True)
    return services.none()


def service_list_for(user: User) -> QuerySet[Service]:
    """With `offering_count`: the offerings this user would see on the service's page."""
    visible = None if is_agent(user) else Q(offerings__is_active=True)
    return services_for(user).annotate(
        offering_count=Count("offerings", filter=visible, distinct=True)
    )


def offerings_for(user: User) -> QuerySet[ServiceOffering]:
    offerings = ServiceOffering.objects.select_related("service")
    visible = services_for(user)
    if is_agent(user):
        return offerings
    return offerings.filter(service__in=visible, is_active=True)


def dependencies_for(user: User) -> QuerySet[ServiceDependency]:
    """Dependencies are internal (impact analysis): agents only, as on the service page."""
    if not is_agent(user):
        return ServiceDependency.objects.none()
    return ServiceDependency.objects.select_related("service", "depends_on")


def cis_for(user: User) -> QuerySet[ConfigurationItem]:
    if not can_view_cmdb(user):
        return ConfigurationItem.objects.none()
    return ConfigurationItem.objects.select_related("support_team")
