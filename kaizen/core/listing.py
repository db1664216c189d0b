"""The one way list pages filter, search, sort and paginate."""

from dataclasses import dataclass
from typing import Any

import django_filters
from django import forms
from django.core.paginator import Page, Paginator
from django.db.models import QuerySet
from django.http import HttpRequest

from kaizen.core.widgets import speed_up_selects

PER_PAGE_CHOICES = (25, 50, 100)


@dataclass
class ListPage:
    page: Page
    filterset: django_filters.FilterSet
    sort: str
    per_page: int

    def context(self) -> dict[str, Any]:
        return {
            "page_obj": self.page,
            "object_list": self.page.object_list,
            "filter": self.filterset,
            "sort": self.sort,
            "per_page": self.per_page,
            "per_page_choices": PER_PAGE_CHOICES,
        }


def list_page(
    request: HttpRequest,
    queryset: QuerySet[Any],
    filterset_class: type[django_filters.FilterSet],
    *,
    sort_fields: dict[str, str],
    default_sort: str,
) -> ListPage:
    """Apply the shared FilterSet, a whitelisted sort (`?sort=name` / `?sort=-name`) and paging.

    `sort_fields` maps the public sort key to the ORM ordering expression, so a URL can never
    order by an arbitrary (perhaps hidden) field. The page's primary key breaks ties so pages
    never repeat or skip rows.
    """
    filterset = filterset_class(request.GET or None, queryset=queryset, request=request)
    speed_up_selects(filterset.form)
    for field in filterset.form.fields.values():
        css = "form-select" if isinstance(field.widget, forms.Select) else "form-control"
        field.widget.attrs.setdefault("class", f"{css} {css}-sm")
    rows = filterset.qs if filterset.is_bound and filterset.is_valid() else queryset
    sort = request.GET.get("sort", default_sort)
    key = sort.lstrip("-")
    if key not in sort_fields:
        sort, key = default_sort, default_sort.lstrip("-")
    prefix = "-" if sort.startswith("-") else ""
    rows = rows.order_by(f"{prefix}{sort_fields[key]}", f"{prefix}pk")
    try:
        per_page = int(request.GET.get("per_page", PER_PAGE_CHOICES[0]))
    except ValueError:
        per_page = PER_PAGE_CHOICES[0]
    if per_page not in PER_PAGE_CHOICES:
        per_page = PER_PAGE_CHOICES[0]
    page = Paginator(rows, per_page).get_page(request.GET.get("page"))
    return ListPage(page=page, filterset=filterset, sort=sort, per_page=per_page)
