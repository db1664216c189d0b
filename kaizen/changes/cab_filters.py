"""The FilterSets of the CAB lists, shared by the pages and the API."""

import django_filters

from kaizen.changes.models import (
    ApprovalPolicy,
    ApprovalRound,
    CabMeeting,
    MeetingKind,
    MeetingStatus,
    RoundStatus,
)


class MeetingFilter(django_filters.FilterSet):
    kind = django_filters.ChoiceFilter(choices=MeetingKind.choices, empty_label="Any kind")
    status = django_filters.ChoiceFilter(choices=MeetingStatus.choices, empty_label="Any status")
    starts_after = django_filters.DateFilter(
        field_name="starts_at", lookup_expr="date__gte", label="From"
    )
    starts_before = django_filters.DateFilter(
        field_name="starts_at", lookup_expr="date__lte", label="Until"
    )

    class Meta:
        model = CabMeeting
        fields = ["kind", "status", "starts_after", "starts_before"]


class RoundFilter(django_filters.FilterSet):
    change = django_filters.CharFilter(field_name="change__number", label="Change number")
    status = django_filters.ChoiceFilter(choices=RoundStatus.choices)

    class Meta:
        model = ApprovalRound
        fields = ["change", "status"]


class PolicyFilter(django_filters.FilterSet):
    is_active = django_filters.BooleanFilter()

    class Meta:
        model = ApprovalPolicy
        fields = ["is_active", "change_type", "route"]
