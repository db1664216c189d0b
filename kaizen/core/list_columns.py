"""Columns another app adds to a list page, without the list's app knowing it.

The catalogue's service list shows each service's availability this month, which the
availability app measures (.importlinter: the catalogue is below it): the app registers a
column for the list's key from its AppConfig.ready(), and the list's view asks for the columns
of the records on its page.

A column's `cells(request, records)` returns each record's cell (HTML rendered by a template,
so escaped), by primary key, or None to show no column (the reader may not see it). It must
cost a fixed number of queries for the whole page: list pages' query counts are tested.
"""

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from django.http import HttpRequest


@dataclass(frozen=True)
class ListColumn:
    name: str  # unique per list key, e.g. "availability.month"
    header: str
    cells: Callable[[HttpRequest, list[Any]], Mapping[Any, str] | None]
    order: int = 100


@dataclass(frozen=True)
class ShownColumn:
    header: str
    cells: Mapping[Any, str]

    def cell(self, record: Any) -> str:
        return self.cells.get(record.pk, "")


_COLUMNS: dict[str, dict[str, ListColumn]] = {}


def register_list_column(list_key: str, column: ListColumn) -> None:
    _COLUMNS.setdefault(list_key, {})[column.name] = column


def shown_columns(list_key: str, request: HttpRequest, records: list[Any]) -> list[ShownColumn]:
    """The columns registered for the list, in their order, with the page's cells."""
    shown = []
    for column in sorted(_COLUMNS.get(list_key, {}).values(), key=lambda item: item.order):
        cells = column.cells(request, records)
        if cells is not None:
            shown.append(ShownColumn(column.header, cells))
    return shown
