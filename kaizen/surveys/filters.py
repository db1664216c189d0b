"""The FilterSets of the invitation and follow-up lists, shared by the pages and the API."""

import django_filters

from kaizen.catalog.models import Service
from kaizen.people.models import Team
from kaizen.surveys.models import (
    FollowUp,
    FollowUpState,
    Invitation,
    InvitationState,
    SurveyDefinition,
)


class InvitationFilter(django_filters.FilterSet):
    state = django_filters.ChoiceFilter(choices=InvitationState.choices, empty_label="Any state")
    definition = django_filters.ModelChoiceFilter(
        queryset=SurveyDefinition.objects.all(), empty_label="Any survey", label="Survey"
    )
    service = django_filters.ModelChoiceFilter(
        queryset=Service.objects.all(), empty_label="Any service"
    )
    team = django_filters.ModelChoiceFilter(queryset=Team.objects.all(), empty_label="Any team")
    ticket = django_filters.CharFilter(field_name="ticket_number", lookup_expr="istartswith")

    class Meta:
        model = Invitation
        fields = ["state", "definition", "service", "team", "ticket"]


class FollowUpFilter(django_filters.FilterSet):
    state = django_filters.ChoiceFilter(choices=FollowUpState.choices, empty_label="Any state")
    team = django_filters.ModelChoiceFilter(queryset=Team.objects.all(), empty_label="Any team")

    class Meta:
        model = FollowUp
        fields = ["state", "team"]
