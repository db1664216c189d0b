"""One FilterSet per list, shared by the web UI and the API."""

import django_filters
from django import forms
from django.db.models import QuerySet

from kaizen.catalog.models import Service
from kaizen.core.filtering import search_terms
from kaizen.sla.kinds import kind_choices
from kaizen.sla.models import BusinessCalendar, SLADefinition, TargetKind


class CalendarFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label="Search")
    holiday_country = django_filters.CharFilter(lookup_expr="iexact", label="Holiday country")

    class Meta:
        model = BusinessCalendar
        fields = ["q", "holiday_country"]

    def search(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return search_terms(queryset, ("name", "slug", "description", "time_zone"), value)


class DefinitionFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label="Search")
    ticket_kind = django_filters.ChoiceFilter(
        choices=kind_choices, empty_label="Any", label="Ticket kind"
    )
    kind = django_filters.ChoiceFilter(choices=TargetKind.choices, empty_label="Any")
    calendar = django_filters.ModelChoiceFilter(
        queryset=BusinessCalendar.objects.order_by("name"),
        to_field_name="slug",
        empty_label="Any",
        label="Calendar",
    )
    is_active = django_filters.BooleanFilter(
        label="Active",
        widget=forms.Select(
            choices=[("", "Any"), ("true", "Yes"), ("false", "No")],
            attrs={"class": "form-select form-select-sm"},
        ),
    )
    service = django_filters.ModelChoiceFilter(
        queryset=Service.objects.order_by("name"),
        to_field_name="slug",
        empty_label="Any",
        label="Service",
    )

    class Meta:
        model = SLADefinition
        fields = ["q", "ticket_kind", "kind", "calendar", "is_active", "service"]

    def search(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return search_terms(queryset, ("name", "calendar__name", "service__name"), value)
