"""FilterSets of the API lists that have no page of their own (yet): corrective actions across
initiatives and the improvement opportunities. The register's filters are in `filters.py`,
shared with the register page."""

import django_filters
from django.db.models import Q, QuerySet
from django.utils import timezone

from kaizen.core.filtering import IdFilter
from kaizen.improvement.models import (
    Action,
    ActionStatus,
    Opportunity,
    OpportunityKind,
    OpportunityStatus,
)
from kaizen.people.selectors import active_agents

UNFINISHED = (ActionStatus.OPEN, ActionStatus.IN_PROGRESS)


def overdue(queryset: QuerySet, name: str, value: bool | None) -> QuerySet:
    if value is None:
        return queryset
    late = Q(status__in=UNFINISHED, due_on__lt=timezone.localdate())
    return queryset.filter(late) if value else queryset.exclude(late)


class ActionFilter(django_filters.FilterSet):
    """My improvement actions: `owner` (user id), `status`, `overdue`, `initiative` (id)."""

    owner = django_filters.ModelChoiceFilter(queryset=active_agents(), label="Owner")
    status = django_filters.ChoiceFilter(choices=ActionStatus.choices)
    overdue = django_filters.BooleanFilter(
        method=overdue, label="Open or in progress past the due date"
    )
    initiative = IdFilter(field_name="initiative_id", label="Initiative id")

    class Meta:
        model = Action
        fields = ["owner", "status", "overdue", "initiative"]


class OpportunityFilter(django_filters.FilterSet):
    kind = django_filters.ChoiceFilter(choices=OpportunityKind.choices)
    status = django_filters.ChoiceFilter(choices=OpportunityStatus.choices)
    kpi_key = django_filters.CharFilter(label="KPI key")

    class Meta:
        model = Opportunity
        fields = ["kind", "status", "kpi_key"]
