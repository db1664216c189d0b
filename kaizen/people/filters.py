"""One FilterSet per list, shared by the web UI and the API."""

import django_filters
from django import forms
from django.db.models import Exists, OuterRef, QuerySet

from kaizen.core.filtering import IdFilter, search_terms
from kaizen.people.models import Process, ProcessRole, Role, Team, User, UserKind

ANY = "Any"
ACTIVE_CHOICES = [("", ANY), ("true", "Active"), ("false", "Inactive")]


def active_filter() -> django_filters.BooleanFilter:
    return django_filters.BooleanFilter(label="Status", widget=forms.Select(choices=ACTIVE_CHOICES))


class UserFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label="Search")
    kind = django_filters.ChoiceFilter(choices=UserKind.choices, empty_label=ANY)
    team = django_filters.ModelChoiceFilter(
        field_name="teams",
        queryset=Team.objects.order_by("name"),
        to_field_name="slug",
        label="Team",
        empty_label=ANY,
    )
    process = django_filters.ChoiceFilter(
        choices=Process.choices, method="filter_process_role", label="Process", empty_label=ANY
    )
    role = django_filters.ChoiceFilter(
        choices=Role.choices, method="filter_process_role", label="Role", empty_label=ANY
    )
    is_active = active_filter()

    class Meta:
        model = User
        fields = ["q", "kind", "team", "process", "role", "is_active"]

    def search(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        fields = ("username", "first_name", "last_name", "email", "job_title", "department")
        return search_terms(queryset, fields, value)

    def filter_process_role(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        # Process and role must match the same grant ("manager of change", not "a manager of
        # something and something in change"), so one EXISTS checks both values.
        wanted = self.form.cleaned_data
        if name == "role" and wanted.get("process"):
            return queryset  # the process filter already matched the role too
        grant = {key: wanted[key] for key in ("process", "role") if wanted.get(key)}
        return queryset.filter(Exists(ProcessRole.objects.filter(user=OuterRef("pk"), **grant)))


class TeamFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label="Search")
    is_active = active_filter()
    manager = django_filters.ModelChoiceFilter(
        queryset=User.objects.filter(managed_teams__isnull=False).distinct(),
        label="Manager",
        empty_label=ANY,
    )

    class Meta:
        model = Team
        fields = ["q", "is_active", "manager"]

    def search(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return search_terms(queryset, ("name", "slug", "description", "email"), value)


class ProcessRoleFilter(django_filters.FilterSet):
    user = IdFilter(field_name="user_id", label="User id")
    process = django_filters.ChoiceFilter(choices=Process.choices, empty_label=ANY)
    role = django_filters.ChoiceFilter(choices=Role.choices, empty_label=ANY)

    class Meta:
        model = ProcessRole
        fields = ["user", "process", "role"]
