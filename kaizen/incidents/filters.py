"""The incident FilterSets, shared by the queues, the portal list and the API."""

import django_filters
from django import forms
from django.db.models import Q, QuerySet

from kaizen.catalog.models import Service
from kaizen.core.filtering import IdFilter, search_terms
from kaizen.incidents.models import (
    OPEN_STATES,
    Category,
    Channel,
    Impact,
    Incident,
    OnHoldReason,
    Priority,
    SlaState,
    State,
    Urgency,
)
from kaizen.incidents.selectors import (
    SLA_STANDINGS,
    caller_updated,
    sla_standing,
    stopped_this_month,
)
from kaizen.people.models import Team
from kaizen.people.selectors import active_agents

STATE_CHOICES = [("open", "Open (any)"), *State.choices]
SLA_CHOICES = [
    *SLA_STANDINGS.items(),
    ("met_month", "A clock met this month"),
    ("breached_month", "A clock breached this month"),
]
ATTENTION_CHOICES = [
    ("caller_updated", "Caller updated it since the assignee acted"),
    ("unassigned", "Nobody assigned"),
]
SEARCH_FIELDS = ("number", "short_description", "description")


# A caller's own list also offers what waits for them (the home page's "Waiting for you").
YOUR_TURN = "your_turn"
MY_STATE_CHOICES = [
    ("open", "Open (any)"),
    (YOUR_TURN, "Waiting for you"),
    *State.choices,
]


def filter_state(queryset: QuerySet, name: str, value: str) -> QuerySet:
    if value == "open":
        return queryset.filter(state__in=OPEN_STATES)
    if value == YOUR_TURN:
        return queryset.filter(state=State.ON_HOLD, on_hold_reason=OnHoldReason.AWAITING_CALLER)
    return queryset.filter(state=value)


def search(queryset: QuerySet, name: str, value: str) -> QuerySet:
    return search_terms(queryset, SEARCH_FIELDS, value)


def filter_sla(queryset: QuerySet, name: str, value: str) -> QuerySet:
    if value in SLA_STANDINGS:
        return sla_standing(queryset, value)
    return stopped_this_month(queryset, value)


def filter_attention(queryset: QuerySet, name: str, value: str) -> QuerySet:
    if value == "caller_updated":
        return caller_updated(queryset)
    return queryset.filter(assignee__isnull=True)


class IncidentFilter(django_filters.FilterSet):
    """The agents' queue filters (and the base of the API's)."""

    q = django_filters.CharFilter(method=search, label="Search")
    state = django_filters.ChoiceFilter(choices=STATE_CHOICES, method=filter_state)
    priority = django_filters.ChoiceFilter(choices=Priority.choices)
    assignment_group = django_filters.ModelChoiceFilter(
        queryset=Team.objects.filter(is_active=True), to_field_name="slug", label="Group"
    )
    assignee = django_filters.ModelChoiceFilter(queryset=active_agents(), label="Assignee")
    service = django_filters.ModelChoiceFilter(
        queryset=Service.objects.all(), to_field_name="slug", label="Service"
    )
    category = django_filters.ModelChoiceFilter(
        queryset=Category.objects.filter(parent=None),
        method="filter_category",
        label="Category",
    )
    major_incident = django_filters.BooleanFilter(
        label="Major",
        widget=forms.Select(choices=[("", "Any"), ("true", "Major only"), ("false", "Not major")]),
    )
    # What the home page's blocks link to (kaizen/home/selectors.py).
    sla = django_filters.ChoiceFilter(choices=SLA_CHOICES, method=filter_sla, label="SLA")
    attention = django_filters.ChoiceFilter(
        choices=ATTENTION_CHOICES, method=filter_attention, label="Attention"
    )

    class Meta:
        model = Incident
        fields = [
            "q",
            "state",
            "priority",
            "assignment_group",
            "assignee",
            "service",
            "category",
            "major_incident",
            "sla",
            "attention",
        ]

    def filter_category(self, queryset: QuerySet, name: str, value: Category) -> QuerySet:
        return queryset.filter(Q(category=value) | Q(subcategory__parent=value))


class IncidentApiFilter(IncidentFilter):
    """The API has room for every dimension: callers, channels, impact, SLA state, dates."""

    caller = IdFilter(field_name="caller_id", label="Caller (user id)")
    channel = django_filters.ChoiceFilter(choices=Channel.choices)
    impact = django_filters.ChoiceFilter(choices=Impact.choices)
    urgency = django_filters.ChoiceFilter(choices=Urgency.choices)
    sla_state = django_filters.ChoiceFilter(choices=SlaState.choices[1:], label="SLA state")
    opened_after = django_filters.IsoDateTimeFilter(field_name="opened_at", lookup_expr="gte")
    opened_before = django_filters.IsoDateTimeFilter(field_name="opened_at", lookup_expr="lt")
    updated_after = django_filters.IsoDateTimeFilter(field_name="updated_at", lookup_expr="gte")

    class Meta(IncidentFilter.Meta):
        fields = [
            *IncidentFilter.Meta.fields,
            "caller",
            "channel",
            "impact",
            "urgency",
            "sla_state",
            "opened_after",
            "opened_before",
            "updated_after",
        ]


class MyIncidentFilter(django_filters.FilterSet):
    """A requester's own list: search and state only."""

    q = django_filters.CharFilter(method=search, label="Search")
    state = django_filters.ChoiceFilter(choices=MY_STATE_CHOICES, method=filter_state)

    class Meta:
        model = Incident
        fields = ["q", "state"]


def search_name(queryset: QuerySet, name: str, value: str) -> QuerySet:
    return search_terms(queryset, ("name",), value)


class CategoryFilter(django_filters.FilterSet):
    """The category list and /api/v1/categories/."""

    q = django_filters.CharFilter(method=search_name, label="Search")
    parent = django_filters.ModelChoiceFilter(
        queryset=Category.objects.filter(parent=None),
        null_label="None (top level)",
        label="Parent",
        help_text="A category's id: its subcategories; `null`: the top-level categories",
    )
    active = django_filters.BooleanFilter(
        field_name="is_active",
        label="Status",
        help_text="true: active ones only; false: inactive ones only",
        widget=forms.Select(choices=[("", "Any"), ("true", "Active"), ("false", "Inactive")]),
    )

    class Meta:
        model = Category
        fields = ["q", "parent", "active"]
