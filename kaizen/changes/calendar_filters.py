"""The change calendar's filters, shared by the month, week and list pages, the iCalendar feed
and the API: by service (directly or through a CI of it), CI (by name: a CMDB has too many for
a list) and team, and for the list and the API a range of dates."""

import datetime as dt

import django_filters
from django import forms
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from kaizen.catalog.models import ConfigurationItem, Service
from kaizen.changes.models import Change, ChangeWindow
from kaizen.people.models import Team

_DATE = forms.DateInput(attrs={"type": "date"})


def local_midnight(day: dt.date) -> dt.datetime:
    """The start of a day in the reader's time zone."""
    return timezone.make_aware(dt.datetime.combine(day, dt.time()), timezone.get_current_timezone())


def on_service(queryset: QuerySet, name: str, value: Service | None) -> QuerySet:
    if value is None:
        return queryset
    direct = Change.services.through.objects.filter(change_id=OuterRef("pk"), service=value)
    through_ci = Change.configuration_items.through.objects.filter(
        change_id=OuterRef("pk"), configurationitem__services=value
    )
    return queryset.filter(Q(Exists(direct)) | Q(Exists(through_ci)))


def on_ci(queryset: QuerySet, name: str, value: str) -> QuerySet:
    if not value.strip():
        return queryset
    named = Change.configuration_items.through.objects.filter(
        change_id=OuterRef("pk"), configurationitem__name__iexact=value.strip()
    )
    return queryset.filter(Exists(named))


class CalendarFilter(django_filters.FilterSet):
    service = django_filters.ModelChoiceFilter(
        queryset=Service.objects.all(), to_field_name="slug", method=on_service, label="Service"
    )
    ci = django_filters.CharFilter(method=on_ci, label="CI (name)")
    team = django_filters.ModelChoiceFilter(
        queryset=Team.objects.filter(is_active=True),
        to_field_name="slug",
        field_name="assignment_group",
        label="Team",
    )

    class Meta:
        model = Change
        fields: list[str] = []


class CalendarListFilter(CalendarFilter):
    """The list's and the API's filters: a range of local dates, both included."""

    start = django_filters.DateFilter(method="from_date", label="From", widget=_DATE)
    end = django_filters.DateFilter(method="until_date", label="To", widget=_DATE)

    def from_date(self, queryset: QuerySet, name: str, value: dt.date) -> QuerySet:
        return queryset.filter(planned_end__gt=local_midnight(value))

    def until_date(self, queryset: QuerySet, name: str, value: dt.date) -> QuerySet:
        return queryset.filter(planned_start__lt=local_midnight(value + dt.timedelta(days=1)))


def windows_for_filter(filterset: CalendarFilter) -> QuerySet[ChangeWindow]:
    """The active windows that matter to the filtered changes: for a service (or a CI's
    services) those of the service and those for all services; else all."""
    windows = ChangeWindow.objects.filter(is_active=True).prefetch_related("services")
    data = filterset.form.cleaned_data if filterset.is_bound and filterset.is_valid() else {}
    if data.get("service"):
        return windows.filter(Q(all_services=True) | Q(services=data["service"])).distinct()
    if data.get("ci"):
        ci_services = ConfigurationItem.services.through.objects.filter(
            configurationitem__name__iexact=data["ci"].strip()
        ).values("service_id")
        return windows.filter(Q(all_services=True) | Q(services__in=ci_services)).distinct()
    return windows
