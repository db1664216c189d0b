"""The filter of the import runs list."""

import django_filters
from django.db.models import QuerySet

from kaizen.core.filtering import search_terms
from kaizen.imports.models import ImportKind, ImportRun, RunStatus


class ImportRunFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label="Search")
    kind = django_filters.ChoiceFilter(choices=ImportKind.choices, empty_label="Any")
    status = django_filters.ChoiceFilter(choices=RunStatus.choices, empty_label="Any")

    class Meta:
        model = ImportRun
        fields = ["q", "kind", "status"]

    def search(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return search_terms(queryset, ("source_name",), value)
