"""The service review FilterSet, shared by the review list page and the API."""

import django_filters
from django import forms
from django.db.models import QuerySet
from django.utils import timezone

from kaizen.core.filtering import search_terms
from kaizen.servicelevels.models import Agreement, AgreementKind, ReviewStatus, ServiceReview

SEARCH_FIELDS = ("number", "agreement__number", "agreement__name", "minutes", "attendees")
STATUS_CHOICES = [*ReviewStatus.choices, ("overdue", "Overdue (scheduled, past due)")]


def filter_status(queryset: QuerySet, name: str, value: str) -> QuerySet:
    if value == "overdue":
        return queryset.filter(status=ReviewStatus.SCHEDULED, due_on__lt=timezone.localdate())
    return queryset.filter(status=value)


def search(queryset: QuerySet, name: str, value: str) -> QuerySet:
    return search_terms(queryset, SEARCH_FIELDS, value)


DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class ServiceReviewFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(method=search, label="Search")
    status = django_filters.ChoiceFilter(
        choices=STATUS_CHOICES, method=filter_status, empty_label="Any status"
    )
    agreement = django_filters.ModelChoiceFilter(
        queryset=Agreement.objects.filter(kind=AgreementKind.SLA).only("id", "number", "name"),
        to_field_name="number",
        empty_label="Any agreement",
    )
    due_from = django_filters.DateFilter(
        field_name="due_on", lookup_expr="gte", label="Due from", widget=DATE_INPUT
    )
    due_to = django_filters.DateFilter(
        field_name="due_on", lookup_expr="lte", label="Due to", widget=DATE_INPUT
    )

    class Meta:
        model = ServiceReview
        fields = ()
