import django_filters
from django import forms
from django.contrib.contenttypes.models import ContentType
from django.db.models import QuerySet

from kaizen.core.filtering import search_terms
from kaizen.journal.events import EventType
from kaizen.journal.models import JournalEvent
from kaizen.journal.verify import registered

# Every record of these apps is journaled; the other processes' records are those they register
# with `kaizen journal verify` (changes, problems, outages, initiatives...), found there, so a
# process added later is offered without a change here.
JOURNALED_APPS = ("people", "catalog", "incidents", "sla")
_DATETIME = forms.DateTimeInput(attrs={"type": "datetime-local"})


def subject_type_choices() -> list[tuple[str, str]]:
    models = {kind.model for kind in registered()}
    types = ContentType.objects.filter(app_label__in=JOURNALED_APPS)
    models |= {ct.model_class() for ct in types if ct.model_class()}
    labelled = sorted(
        (model._meta.label_lower, model._meta.verbose_name.capitalize()) for model in models
    )
    return labelled


class JournalEventFilter(django_filters.FilterSet):
    """Filters for the audit view and the events API (by record, type, actor and time range)."""

    q = django_filters.CharFilter(method="search", label="Search")
    event_type = django_filters.ChoiceFilter(choices=EventType.choices, label="Event")
    subject_type = django_filters.ChoiceFilter(
        choices=subject_type_choices, method="filter_subject_type", label="Record type"
    )
    subject_id = django_filters.CharFilter(label="Record id")
    actor = django_filters.CharFilter(
        field_name="actor_repr", lookup_expr="iexact", label="Actor (username)"
    )
    since = django_filters.IsoDateTimeFilter(
        field_name="occurred_at", lookup_expr="gte", label="From"
    )
    until = django_filters.IsoDateTimeFilter(
        field_name="occurred_at", lookup_expr="lt", label="Until"
    )
    correlation_id = django_filters.UUIDFilter()

    class Meta:
        model = JournalEvent
        fields = [
            "q",
            "event_type",
            "subject_type",
            "subject_id",
            "actor",
            "since",
            "until",
            "correlation_id",
        ]

    def search(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return search_terms(queryset, ("subject_repr", "actor_repr", "event_type"), value)

    def filter_subject_type(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        app_label, _, model = value.partition(".")
        return queryset.filter(subject_type__app_label=app_label, subject_type__model=model)
