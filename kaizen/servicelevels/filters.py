"""The agreement FilterSet, shared by the list page and the API."""

import django_filters
from django.db.models import QuerySet

from kaizen.catalog.models import Service
from kaizen.core.filtering import search_terms
from kaizen.people.models import Team
from kaizen.servicelevels.models import (
    Agreement,
    AgreementKind,
    AgreementStatus,
    Customer,
    Supplier,
)

SEARCH_FIELDS = ("number", "name", "description", "reference")


def search(queryset: QuerySet, name: str, value: str) -> QuerySet:
    return search_terms(queryset, SEARCH_FIELDS, value)


def covering(queryset: QuerySet, name: str, value: Service) -> QuerySet:
    """Agreements whose terms (any version) cover the service."""
    return queryset.filter(versions__services=value).distinct()


class AgreementFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(method=search, label="Search")
    kind = django_filters.ChoiceFilter(choices=AgreementKind.choices)
    status = django_filters.ChoiceFilter(choices=AgreementStatus.choices)
    customer = django_filters.ModelChoiceFilter(queryset=Customer.objects.all())
    supplier = django_filters.ModelChoiceFilter(queryset=Supplier.objects.all())
    provider_team = django_filters.ModelChoiceFilter(queryset=Team.objects.all(), label="Team")
    service = django_filters.ModelChoiceFilter(
        queryset=Service.objects.all(), to_field_name="slug", method=covering, label="Service"
    )

    class Meta:
        model = Agreement
        fields = ()
