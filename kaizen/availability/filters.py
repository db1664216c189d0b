"""The outage FilterSet, shared by the list page and the API."""

import datetime as dt

import django_filters
from django.db.models import Q, QuerySet
from django.utils import timezone

from kaizen.availability.models import Outage, OutageKind, OutageOrigin, OutageStatus
from kaizen.availability.selectors import month_start
from kaizen.catalog.models import ConfigurationItem, Service
from kaizen.core.filtering import search_terms

SEARCH_FIELDS = ("number", "title", "description", "cause_reference")
STATUS_CHOICES = [("ongoing", "Going on now"), *OutageStatus.choices]
PERIOD_CHOICES = [
    ("this_month", "This month"),
    ("last_month", "Last month"),
    ("last_90_days", "Last 90 days"),
    ("last_12_months", "Last 12 months"),
]


def period_range(value: str, now: dt.datetime | None = None) -> tuple[dt.datetime, dt.datetime]:
    now = now or timezone.now()
    if value == "last_month":
        return month_start(now, 1), month_start(now)
    if value == "last_90_days":
        return now - dt.timedelta(days=90), now
    if value == "last_12_months":
        return month_start(now, 11), now
    return month_start(now), now


def filter_period(queryset: QuerySet, name: str, value: str) -> QuerySet:
    """The outages that overlap the period (an ongoing one overlaps every period since)."""
    start, end = period_range(value)
    return queryset.filter(started_at__lt=end).filter(
        Q(ended_at__isnull=True) | Q(ended_at__gt=start)
    )


def filter_status(queryset: QuerySet, name: str, value: str) -> QuerySet:
    if value == "ongoing":
        return queryset.filter(ended_at__isnull=True).exclude(status=OutageStatus.DISMISSED)
    return queryset.filter(status=value)


def search(queryset: QuerySet, name: str, value: str) -> QuerySet:
    return search_terms(queryset, SEARCH_FIELDS, value)


class OutageFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(method=search, label="Search")
    status = django_filters.ChoiceFilter(choices=STATUS_CHOICES, method=filter_status)
    kind = django_filters.ChoiceFilter(choices=OutageKind.choices)
    origin = django_filters.ChoiceFilter(choices=OutageOrigin.choices)
    service = django_filters.ModelChoiceFilter(
        queryset=Service.objects.all(), to_field_name="slug", label="Service"
    )
    configuration_item = django_filters.ModelChoiceFilter(
        queryset=ConfigurationItem.objects.all(), label="Configuration item"
    )
    period = django_filters.ChoiceFilter(
        choices=PERIOD_CHOICES, method=filter_period, label="Period"
    )

    class Meta:
        model = Outage
        fields = ()
