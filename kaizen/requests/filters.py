"""The request FilterSet of "My requests" and the agents' list of all requests."""

import django_filters
from django.db.models import QuerySet

from kaizen.catalog.models import Service
from kaizen.core.filtering import search_terms
from kaizen.people.models import Team, User
from kaizen.requests.models import OPEN_STATES, RequestType, ServiceRequest, State

STATE_CHOICES = [("open", "Open (any)"), *State.choices]
SLA_CHOICES = [
    ("ok", "Within target"),
    ("warning", "Warning"),
    ("breached", "Breached"),
    ("none", "No running clock"),
]
SEARCH_FIELDS = ("number", "title", "request_type__name")


def filter_state(queryset: QuerySet, name: str, value: str) -> QuerySet:
    if value == "open":
        return queryset.filter(state__in=OPEN_STATES)
    return queryset.filter(state=value)


def filter_sla(queryset: QuerySet, name: str, value: str) -> QuerySet:
    return queryset.filter(sla_state="" if value == "none" else value)


def search(queryset: QuerySet, name: str, value: str) -> QuerySet:
    return search_terms(queryset, SEARCH_FIELDS, value)


class RequestFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(method=search, label="Search")
    state = django_filters.ChoiceFilter(choices=STATE_CHOICES, method=filter_state)
    request_type = django_filters.ModelChoiceFilter(
        queryset=RequestType.objects.order_by("name"), label="Type"
    )
    service = django_filters.ModelChoiceFilter(
        queryset=Service.objects.order_by("name"), to_field_name="slug", label="Service"
    )
    assignment_group = django_filters.ModelChoiceFilter(
        queryset=Team.objects.filter(is_active=True), to_field_name="slug", label="Group"
    )
    requested_for = django_filters.ModelChoiceFilter(
        queryset=User.objects.filter(is_active=True), label="Requested for"
    )
    sla = django_filters.ChoiceFilter(choices=SLA_CHOICES, method=filter_sla, label="SLA")

    class Meta:
        model = ServiceRequest
        fields = ()


class MyRequestFilter(django_filters.FilterSet):
    """ "My requests": by words and state only (the lists of people, teams and types are the
    desk's)."""

    q = django_filters.CharFilter(method=search, label="Search")
    state = django_filters.ChoiceFilter(choices=STATE_CHOICES, method=filter_state)

    class Meta:
        model = ServiceRequest
        fields = ()
