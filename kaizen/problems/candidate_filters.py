"""The FilterSet of the candidate list, shared by the page and the API."""

import django_filters

from kaizen.problems.models import Candidate, CandidateKind, CandidateStatus


class CandidateFilter(django_filters.FilterSet):
    kind = django_filters.ChoiceFilter(choices=CandidateKind.choices, empty_label="Any kind")
    status = django_filters.ChoiceFilter(choices=CandidateStatus.choices, empty_label="Any status")

    class Meta:
        model = Candidate
        fields = ["kind", "status"]
