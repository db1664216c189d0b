"""The filter of the failed mail list."""

import django_filters
from django.db.models import QuerySet

from kaizen.core.filtering import search_terms
from kaizen.notifications.models import Notification


class FailedNotificationFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label="Search")

    class Meta:
        model = Notification
        fields = ["q"]

    def search(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return search_terms(queryset, ("subject", "address", "last_error"), value)
