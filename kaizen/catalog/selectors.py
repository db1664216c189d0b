"""Permission-aware reads: a user only ever gets the rows they may see."""

from django.db.models import Count, QuerySet

from kaizen.catalog.models import ConfigurationItem, Lifecycle, Service, ServiceOffering
from kaizen.people.models import User
from kaizen.people.permissions import can_view_cmdb, is_agent


def services_for(user: User) -> QuerySet[Service]:
    """Agents see the whole catalogue; requesters see public, live services."""
    services = Service.objects.select_related("owner", "support_team")
    if is_agent(user):
        return services
    if user.is_authenticated:
        return services.filter(lifecycle=Lifecycle.LIVE, is_public=True)
    return services.none()


def service_list_for(user: User) -> QuerySet[Service]:
    return services_for(user).annotate(offering_count=Count("offerings", distinct=True))


def offerings_for(user: User) -> QuerySet[ServiceOffering]:
    offerings = ServiceOffering.objects.select_related("service")
    visible = services_for(user)
    if is_agent(user):
        return offerings
    return offerings.filter(service__in=visible, is_active=True)


def cis_for(user: User) -> QuerySet[ConfigurationItem]:
    if not can_view_cmdb(user):
        return ConfigurationItem.objects.none()
    return ConfigurationItem.objects.select_related("support_team")
