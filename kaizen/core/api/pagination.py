"""The API's one pagination: `?page=2&page_size=100`."""

from typing import Any

from rest_framework import exceptions, pagination
from rest_framework.request import Request


def _positive_whole_number(request: Request, name: str) -> None:
    value = request.query_params.get(name)
    if value is not None and not (value.isdigit() and int(value) >= 1):
        raise exceptions.ValidationError({name: [f"must be a whole number from 1, not {value!r}"]})


class PageNumberPagination(pagination.PageNumberPagination):
    """A page number from 1 (or "last") and a page size from 1 (at most 500: more is read as
    500). Anything else is a 400 naming the parameter: DRF would answer a page 0 with a 404 and
    quietly use the default size for a size of -5. A page after the last is a 404."""

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 500

    def paginate_queryset(self, queryset: Any, request: Request, view: Any = None) -> Any:
        if request.query_params.get(self.page_query_param) not in self.last_page_strings:
            _positive_whole_number(request, self.page_query_param)
        _positive_whole_number(request, self.page_size_query_param)
        return super().paginate_queryset(queryset, request, view)
