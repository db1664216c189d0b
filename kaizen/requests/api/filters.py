"""The API's filters of request types, requests, approvals and tasks (the pages keep their own
in kaizen/requests/filters.py)."""

import django_filters
from django.db.models import QuerySet

from kaizen.catalog.models import Service
from kaizen.core.filtering import search_terms
from kaizen.people.models import Team
from kaizen.requests.models import (
    OPEN_STATES,
    TASK_OPEN_STATES,
    FulfilmentTask,
    RequestApproval,
    RequestType,
    ServiceRequest,
    State,
    StepState,
    TaskState,
)

REQUEST_STATES = [("open", "Open (any)"), *State.choices]
TASK_STATES = [("unfinished", "Not finished (any)"), *TaskState.choices]


def _groups() -> QuerySet[Team]:
    return Team.objects.filter(is_active=True)


class RequestTypeFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label="Search")
    offering = django_filters.NumberFilter(field_name="offering_id")
    service = django_filters.ModelChoiceFilter(
        queryset=Service.objects.all(), to_field_name="slug", field_name="offering__service"
    )
    is_active = django_filters.BooleanFilter()

    class Meta:
        model = RequestType
        fields = ["q", "offering", "service", "is_active"]

    def search(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return search_terms(queryset, ("name", "summary", "offering__name"), value)


class RequestFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label="Search")
    state = django_filters.ChoiceFilter(choices=REQUEST_STATES, method="filter_state")
    request_type = django_filters.NumberFilter(field_name="request_type_id")
    service = django_filters.ModelChoiceFilter(queryset=Service.objects.all(), to_field_name="slug")
    assignment_group = django_filters.ModelChoiceFilter(queryset=_groups(), to_field_name="slug")
    requested_for = django_filters.NumberFilter(field_name="requested_for_id")
    opened_after = django_filters.IsoDateTimeFilter(field_name="opened_at", lookup_expr="gte")
    opened_before = django_filters.IsoDateTimeFilter(field_name="opened_at", lookup_expr="lt")

    class Meta:
        model = ServiceRequest
        fields = ["q", "state", "request_type", "service", "assignment_group", "requested_for"]

    def search(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return search_terms(queryset, ("number", "title"), value)

    def filter_state(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        if value == "open":
            return queryset.filter(state__in=OPEN_STATES)
        return queryset.filter(state=value)


class TaskFilter(django_filters.FilterSet):
    state = django_filters.ChoiceFilter(choices=TASK_STATES, method="filter_state")
    assignment_group = django_filters.ModelChoiceFilter(queryset=_groups(), to_field_name="slug")
    assignee = django_filters.NumberFilter(field_name="assignee_id")
    request = django_filters.CharFilter(field_name="request__number")

    class Meta:
        model = FulfilmentTask
        fields = ["state", "assignment_group", "assignee", "request"]

    def filter_state(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        if value == "unfinished":
            return queryset.filter(state__in=TASK_OPEN_STATES)
        return queryset.filter(state=value)


class ApprovalFilter(django_filters.FilterSet):
    state = django_filters.ChoiceFilter(choices=StepState.choices)
    request = django_filters.CharFilter(field_name="request__number")

    class Meta:
        model = RequestApproval
        fields = ["state", "request"]
