"""The fulfilment queue's filters: my tasks, my teams' tasks, state, team, SLA standing."""

import django_filters
from django.db.models import QuerySet

from kaizen.core.filtering import search_terms
from kaizen.people.models import Team
from kaizen.requests.models import FulfilmentTask, TaskState
from kaizen.requests.task_selectors import WORKABLE_STATES

SCOPE_CHOICES = [("mine", "Assigned to me"), ("my_teams", "My teams' tasks")]
STATE_CHOICES = [("any", "Any state"), *TaskState.choices]
SLA_CHOICES = [
    ("breached", "Breached"),
    ("warning", "Warning"),
    ("ok", "On track"),
    ("none", "No target running"),
]


class TaskQueueFilter(django_filters.FilterSet):
    """Without a state chosen the queue shows the tasks to work now (open, in progress, on
    hold): the view applies that default (`default_states`)."""

    q = django_filters.CharFilter(method="search", label="Search")
    scope = django_filters.ChoiceFilter(
        choices=SCOPE_CHOICES, method="filter_scope", label="Whose", empty_label="Everyone's"
    )
    state = django_filters.ChoiceFilter(
        choices=STATE_CHOICES,
        method="filter_state",
        label="State",
        empty_label="To work (open, in progress, on hold)",
    )
    team = django_filters.ModelChoiceFilter(
        field_name="assignment_group",
        queryset=Team.objects.filter(is_active=True).order_by("name"),
        to_field_name="slug",
        label="Team",
    )
    sla = django_filters.ChoiceFilter(choices=SLA_CHOICES, method="filter_sla", label="OLA")

    class Meta:
        model = FulfilmentTask
        fields = ["q", "scope", "state", "team", "sla"]

    def search(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return search_terms(queryset, ("number", "title", "request__number"), value)

    def filter_scope(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        user = self.request.user if self.request is not None else None
        if user is None:
            return queryset.none()
        if value == "mine":
            return queryset.filter(assignee=user)
        return queryset.filter(assignment_group__in=user.teams.all())

    def filter_state(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return queryset if value == "any" else queryset.filter(state=value)

    def filter_sla(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return queryset.filter(sla_state="" if value == "none" else value)


def default_states(queryset: QuerySet, data: dict) -> QuerySet:
    """The workable tasks when no state was chosen."""
    if data.get("state"):
        return queryset
    return queryset.filter(state__in=WORKABLE_STATES)
