"""The register's FilterSets: the register page and the board (the API may share them)."""

import django_filters
from django.db.models import QuerySet

from kaizen.catalog.models import Service
from kaizen.core.filtering import search_terms
from kaizen.improvement import gates
from kaizen.improvement.models import (
    OPEN_STATUSES,
    Goal,
    Initiative,
    Priority,
    Status,
    Step,
)
from kaizen.people.models import Process
from kaizen.people.selectors import active_agents

# "held": active and held at the gate of its current step (the CSI manager's home block).
HELD = "held"
STATUS_CHOICES = [
    ("open", "Open (any)"),
    ("closed", "Closed (any)"),
    (HELD, "Held at their gate"),
    *Status.choices,
]
STEP_CHOICES = [(step.value, f"{step.value} · {step.label}") for step in Step]
SEARCH_FIELDS = ("title", "problem_statement")


def filter_status(queryset: QuerySet, name: str, value: str) -> QuerySet:
    if value == "open":
        return queryset.filter(status__in=OPEN_STATUSES)
    if value == "closed":
        return queryset.exclude(status__in=OPEN_STATUSES)
    if value == HELD:
        return queryset.filter(pk__in=held_at_their_gate())
    return queryset.filter(status=value)


def held_at_their_gate() -> list[int]:
    """The active initiatives whose current step lacks what its gate asks for."""
    active = list(Initiative.objects.filter(status=Status.ACTIVE).order_by("pk"))
    results = gates.gates_for(active)
    return [initiative.pk for initiative in active if not results[initiative.pk].passed]


def search(queryset: QuerySet, name: str, value: str) -> QuerySet:
    return search_terms(queryset, SEARCH_FIELDS, value)


def _distinct(queryset: QuerySet, **condition: object) -> QuerySet:
    # A join through a many-to-many could repeat an initiative; a subquery cannot.
    return queryset.filter(
        pk__in=Initiative.objects.filter(**condition).values("pk")  # type: ignore[arg-type]
    )


class BoardFilter(django_filters.FilterSet):
    """What narrows the board: whose, which process, how urgent, which words."""

    q = django_filters.CharFilter(method=search, label="Search")
    owner = django_filters.ModelChoiceFilter(queryset=active_agents(), label="Owner")
    process = django_filters.ChoiceFilter(choices=Process.choices)
    priority = django_filters.ChoiceFilter(choices=Priority.choices)

    class Meta:
        model = Initiative
        fields = ["q", "owner", "process", "priority"]


class InitiativeFilter(BoardFilter):
    """The register: the board's filters plus status, step, service and goal."""

    status = django_filters.ChoiceFilter(choices=STATUS_CHOICES, method=filter_status)
    current_step = django_filters.ChoiceFilter(choices=STEP_CHOICES, label="Step")
    service = django_filters.ModelChoiceFilter(
        queryset=Service.objects.only("id", "name", "slug"),
        to_field_name="slug",
        method="filter_service",
        label="Service",
    )
    goal = django_filters.ModelChoiceFilter(
        queryset=Goal.objects.only("id", "title"), method="filter_goal", label="Goal"
    )

    class Meta:
        model = Initiative
        fields = ["q", "status", "current_step", "owner", "process", "priority", "service", "goal"]

    def filter_service(self, queryset: QuerySet, name: str, value: Service) -> QuerySet:
        return _distinct(queryset, services=value)

    def filter_goal(self, queryset: QuerySet, name: str, value: Goal) -> QuerySet:
        return _distinct(queryset, goals=value)
