"""The FilterSets of the known-error lists (agents' and the portal's), shared by the pages and
the API. The search matches every word, each in any of the texts (case-insensitive, on SQLite
and PostgreSQL alike)."""

import django_filters
from django.db.models import QuerySet

from kaizen.catalog.models import Service
from kaizen.problems.known_error_selectors import search_filter
from kaizen.problems.models import KnownError, KnownErrorStatus

AGENT_TEXTS = ("number", "title", "symptom", "root_cause", "workaround", "problem__number")
PORTAL_TEXTS = ("portal_title", "portal_body", "workaround")


def _search(texts: tuple[str, ...]):
    def search(queryset: QuerySet, name: str, value: str) -> QuerySet:
        return queryset.filter(search_filter(value, *texts)) if value.strip() else queryset

    return search


class KnownErrorFilter(django_filters.FilterSet):
    search = django_filters.CharFilter(method=_search(AGENT_TEXTS), label="Search")
    status = django_filters.ChoiceFilter(choices=KnownErrorStatus.choices, empty_label="Any status")
    service = django_filters.ModelChoiceFilter(
        field_name="services", queryset=Service.objects.order_by("name"), empty_label="Any service"
    )
    problem = django_filters.CharFilter(field_name="problem__number", label="Problem number")
    published_to_portal = django_filters.BooleanFilter(label="In the portal")

    class Meta:
        model = KnownError
        fields = ["search", "status", "service", "problem", "published_to_portal"]


class ArticleFilter(django_filters.FilterSet):
    search = django_filters.CharFilter(method=_search(PORTAL_TEXTS), label="Search")

    class Meta:
        model = KnownError
        fields = ["search"]
