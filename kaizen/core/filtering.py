"""Helpers shared by every app's FilterSets."""

import django_filters
from django import forms
from django.db.models import Q, QuerySet

# The largest id a database key holds (a signed 64-bit integer).
LARGEST_ID = 2**63 - 1


class IdFilter(django_filters.NumberFilter):
    """A record's id (`?caller=12`): a whole number from 1 to the largest key. A bigger one is
    a 400 naming the filter; SQLite cannot even bind it (a server error before)."""

    field_class = forms.IntegerField

    def __init__(self, *args: object, **kwargs: object) -> None:
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", LARGEST_ID)
        super().__init__(*args, **kwargs)


def search_terms(queryset: QuerySet, fields: tuple[str, ...], value: str) -> QuerySet:
    """Every whitespace-separated term must match at least one of `fields` (case-insensitive)."""
    condition = Q()
    for term in value.split():
        term_condition = Q()
        for field in fields:
            term_condition |= Q(**{f"{field}__icontains": term})
        condition &= term_condition
    return queryset.filter(condition)
