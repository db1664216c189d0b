"""One FilterSet per list, shared by the web UI and the API."""

import django_filters
from django.db.models import QuerySet

from kaizen.catalog.models import (
    CIStatus,
    CIType,
    ConfigurationItem,
    Criticality,
    Lifecycle,
    Service,
    ServiceDependency,
    ServiceOffering,
    ServiceType,
)
from kaizen.core.filtering import IdFilter, search_terms
from kaizen.people.models import Team


class ServiceFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label="Search")
    service_type = django_filters.ChoiceFilter(choices=ServiceType.choices, label="Type")
    lifecycle = django_filters.ChoiceFilter(choices=Lifecycle.choices)
    criticality = django_filters.ChoiceFilter(choices=Criticality.choices)
    category = django_filters.CharFilter(lookup_expr="iexact")
    support_team = django_filters.ModelChoiceFilter(queryset=Team.objects.all(), label="Team")
    owner = IdFilter(field_name="owner_id", label="Owner id")

    class Meta:
        model = Service
        fields = [
            "q",
            "service_type",
            "lifecycle",
            "criticality",
            "category",
            "support_team",
            "owner",
        ]

    def search(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return search_terms(
            queryset, ("name", "summary", "description", "category", "features"), value
        )


class OfferingFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label="Search")
    service = django_filters.CharFilter(field_name="service__slug", label="Service (slug)")
    offering_type = django_filters.ChoiceFilter(
        choices=ServiceOffering._meta.get_field("offering_type").choices
    )
    is_requestable = django_filters.BooleanFilter()

    class Meta:
        model = ServiceOffering
        fields = ["q", "service", "offering_type", "is_requestable", "is_active"]

    def search(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return search_terms(queryset, ("name", "description", "service__name"), value)


class DependencyFilter(django_filters.FilterSet):
    service = django_filters.CharFilter(field_name="service__slug")
    depends_on = django_filters.CharFilter(field_name="depends_on__slug")

    class Meta:
        model = ServiceDependency
        fields = ["service", "depends_on", "kind"]


class ConfigurationItemFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label="Search")
    ci_type = django_filters.ChoiceFilter(choices=CIType.choices, label="Type")
    status = django_filters.ChoiceFilter(choices=CIStatus.choices)
    service = django_filters.CharFilter(field_name="services__slug", label="Service (slug)")
    support_team = django_filters.ModelChoiceFilter(queryset=Team.objects.all(), label="Team")

    class Meta:
        model = ConfigurationItem
        fields = ["q", "ci_type", "status", "service", "support_team"]

    def search(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return search_terms(queryset, ("name", "description", "location"), value)
