"""The change FilterSets, shared by the list page and the API."""

import django_filters
from django.db.models import Q, QuerySet

from kaizen.catalog.models import ConfigurationItem, Service
from kaizen.changes.models import OPEN_STATES, Change, ChangeCategory, ChangeType, Risk, State
from kaizen.core.filtering import search_terms
from kaizen.people.models import Team
from kaizen.people.selectors import active_agents

STATE_CHOICES = [("open", "Open (any)"), *State.choices]
SEARCH_FIELDS = ("number", "title", "description")
MINE_CHOICES = [
    ("requested", "I requested"),
    ("owned", "I own"),
    ("implementing", "I implement"),
]


def filter_state(queryset: QuerySet, name: str, value: str) -> QuerySet:
    if value == "open":
        return queryset.filter(state__in=OPEN_STATES)
    return queryset.filter(state=value)


def search(queryset: QuerySet, name: str, value: str) -> QuerySet:
    return search_terms(queryset, SEARCH_FIELDS, value)


class ChangeFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(method=search, label="Search")
    state = django_filters.ChoiceFilter(choices=STATE_CHOICES, method=filter_state)
    change_type = django_filters.ChoiceFilter(choices=ChangeType.choices, label="Type")
    risk = django_filters.ChoiceFilter(choices=Risk.choices)
    assignment_group = django_filters.ModelChoiceFilter(
        queryset=Team.objects.filter(is_active=True), to_field_name="slug", label="Group"
    )
    implementer = django_filters.ModelChoiceFilter(queryset=active_agents(), label="Implementer")
    service = django_filters.ModelChoiceFilter(
        queryset=Service.objects.all(), to_field_name="slug", label="Service", field_name="services"
    )
    configuration_item = django_filters.ModelChoiceFilter(
        queryset=ConfigurationItem.objects.all(),
        label="Configuration item",
        field_name="configuration_items",
    )
    category = django_filters.ModelChoiceFilter(queryset=ChangeCategory.objects.all())
    unauthorised = django_filters.BooleanFilter(label="Unauthorised")
    mine = django_filters.ChoiceFilter(choices=MINE_CHOICES, method="filter_mine", label="Mine")

    class Meta:
        model = Change
        fields = ()

    def filter_mine(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        user = getattr(self.request, "user", None)
        if user is None or not user.is_authenticated:
            return queryset.none()
        field = {"requested": "requester", "owned": "owner", "implementing": "implementer"}[value]
        return queryset.filter(Q(**{field: user}))
