"""Helpers shared by every app's FilterSets."""

from django.db.models import Q, QuerySet


def search_terms(queryset: QuerySet, fields: tuple[str, ...], value: str) -> QuerySet:
    """Every whitespace-separated term must match at least one of `fields` (case-insensitive)."""
    condition = Q()
    for term in value.split():
        term_condition = Q()
        for field in fields:
            term_condition |= Q(**{f"{field}__icontains": term})
        condition &= term_condition
    return queryset.filter(condition)
