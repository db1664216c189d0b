"""The one way list pages filter, search, sort and paginate."""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import django_filters
from django import forms
from django.core.exceptions import EmptyResultSet
from django.core.paginator import Page, Paginator
from django.db import connections
from django.db.models import QuerySet
from django.http import HttpRequest

from kaizen.core.widgets import speed_up_selects

PER_PAGE_CHOICES = (25, 50, 100)


class PrimaryKeyPaginator(Paginator):
    """Sorts and slices the page's primary keys, then loads those rows (with their joins).

    Ordering and limiting the list's full query made PostgreSQL join every matching row before
    keeping a page of them: 2,500 incidents and five joins for one team's open incidents at a
    million (bench/agent_queue.py). The keys sort from an index; only the page's rows are
    joined, in one more query. The list may be of model instances or of `.values()` dicts
    that include "pk".

    `rows` turns the page's part of the list into the rows shown (e.g. `.values()` of the
    columns displayed, which joins related tables): the count and the keys are then read
    from the list as filtered and sorted, without those joins. PostgreSQL keeps an inner join
    even where the foreign key makes it redundant, so counting one team's open incidents
    through the displayed columns' joins read each of them from five more tables.
    """

    def __init__(
        self,
        object_list: Any,
        per_page: int,
        *,
        rows: Callable[[QuerySet[Any]], QuerySet[Any]] | None = None,
        **options: Any,
    ) -> None:
        super().__init__(object_list, per_page, **options)
        self.rows = rows

    def page(self, number: Any) -> Page:
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        top = bottom + self.per_page
        if top + self.orphans >= self.count:
            top = self.count
        keys = list(self.object_list.values_list("pk", flat=True)[bottom:top])
        page_rows = self.object_list.order_by().filter(pk__in=keys)
        if self.rows is not None:
            page_rows = self.rows(page_rows)
        rows = {row["pk"] if isinstance(row, dict) else row.pk: row for row in page_rows}
        # A row changed out of the list between the two queries is left out, not shown stale.
        return self._get_page([rows[key] for key in keys if key in rows], number, self)


def capped_counts(querysets: dict[str, QuerySet[Any]], cap: int) -> dict[str, int]:
    """How many rows each queryset has, counting no further than `cap` + 1, in one query.

    Tab badges ("999+") count several lists per page; on PostgreSQL each query of a page
    costs a round trip whatever it does. The querysets must use the same database.
    """
    counts = dict.fromkeys(querysets, 0)
    selects, params, counted = [], [], []
    for name, rows in querysets.items():
        try:
            sql, query_params = rows.order_by().values("pk")[: cap + 1].query.sql_with_params()
        except EmptyResultSet:  # e.g. .none(): nothing to count
            continue
        selects.append(f"(SELECT COUNT(*) FROM ({sql}) capped)")
        params.extend(query_params)
        counted.append(name)
    if counted:
        database = querysets[counted[0]].db
        with connections[database].cursor() as cursor:
            cursor.execute(f"SELECT {', '.join(selects)}", params)
            counts.update(zip(counted, cursor.fetchone(), strict=True))
    return counts


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
    page_by_primary_key: bool = False,
    page_rows: Callable[[QuerySet[Any]], QuerySet[Any]] | None = None,
) -> ListPage:
    """Apply the shared FilterSet, a whitelisted sort (`?sort=name` / `?sort=-name`) and paging.

    `sort_fields` maps the public sort key to the ORM ordering expression, so a URL can never
    order by an arbitrary (perhaps hidden) field. The page's primary key breaks ties so pages
    never repeat or skip rows. `page_by_primary_key` (PrimaryKeyPaginator) is for lists of a
    large table with joins; `page_rows` (which implies it) builds the shown rows of a page
    from its part of the list (PrimaryKeyPaginator's `rows`).
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
    if page_by_primary_key or page_rows is not None:
        paginator: Paginator = PrimaryKeyPaginator(rows, per_page, rows=page_rows)
    else:
        paginator = Paginator(rows, per_page)
    page = paginator.get_page(request.GET.get("page"))
    return ListPage(page=page, filterset=filterset, sort=sort, per_page=per_page)
