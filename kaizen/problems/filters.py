"""The problem FilterSet, shared by the list page and the API."""

import django_filters
from django.db.models import QuerySet

from kaizen.catalog.models import ConfigurationItem, Service
from kaizen.core.filtering import search_terms
from kaizen.people.models import Team
from kaizen.people.selectors import active_agents
from kaizen.problems.models import OPEN_STATES, CauseCategory, ClosureCode, Priority, Problem, State

STATE_CHOICES = [("open", "Open (any)"), *State.choices]
SEARCH_FIELDS = ("number", "statement", "description", "root_cause", "workaround")


def filter_state(queryset: QuerySet, name: str, value: str) -> QuerySet:
    if value == "open":
        return queryset.filter(state__in=OPEN_STATES)
    return queryset.filter(state=value)


def search(queryset: QuerySet, name: str, value: str) -> QuerySet:
    return search_terms(queryset, SEARCH_FIELDS, value)


class ProblemFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(method=search, label="Search")
    state = django_filters.ChoiceFilter(choices=STATE_CHOICES, method=filter_state)
    priority = django_filters.ChoiceFilter(choices=Priority.choices)
    closure_code = django_filters.ChoiceFilter(choices=ClosureCode.choices, label="Closed as")
    cause_category = django_filters.ChoiceFilter(choices=CauseCategory.choices, label="Cause")
    assignment_group = django_filters.ModelChoiceFilter(
        queryset=Team.objects.filter(is_active=True), to_field_name="slug", label="Group"
    )
    owner = django_filters.ModelChoiceFilter(queryset=active_agents(), label="Owner")
    service = django_filters.ModelChoiceFilter(
        queryset=Service.objects.all(), to_field_name="slug", label="Service", field_name="services"
    )
    configuration_item = django_filters.ModelChoiceFilter(
        queryset=ConfigurationItem.objects.all(),
        label="Configuration item",
        field_name="configuration_items",
    )
    incident = django_filters.CharFilter(
        field_name="incident_links__incident_number", label="Explains incident"
    )

    class Meta:
        model = Problem
        fields = ()
