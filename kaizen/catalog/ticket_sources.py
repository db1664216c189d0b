"""Tickets that happen on services and configuration items, found without importing their
process.

Processes do not import each other (.importlinter), yet one must often ask about another's
records on the same part of the catalogue: the incidents opened on a changed service after
the change (candidates "caused by this change"), later the changes that fix a problem's CI.
Each process registers its tickets here from its AppConfig.ready(); a reader asks by the
source's key and gets plain rows.
"""

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db import models


@dataclass(frozen=True)
class TicketSource:
    key: str  # "incident"
    label: str  # "Incident"
    model: type[models.Model]
    opened_field: str
    service_field: str  # a foreign key to catalog.Service
    ci_field: str  # a foreign key to catalog.ConfigurationItem
    title_field: str
    number_field: str = "number"


@dataclass(frozen=True)
class TicketRow:
    number: str
    title: str
    opened_at: dt.datetime
    service_id: int | None
    configuration_item_id: int | None
    url: str


_SOURCES: dict[str, TicketSource] = {}


def register_ticket_source(source: TicketSource) -> None:
    _SOURCES[source.key] = source


def ticket_source(key: str) -> TicketSource | None:
    return _SOURCES.get(key)


def _rows(source: TicketSource, queryset: Any) -> list[TicketRow]:
    values = queryset.values_list(
        "pk",
        source.number_field,
        source.title_field,
        source.opened_field,
        f"{source.service_field}_id",
        f"{source.ci_field}_id",
    )
    model = source.model
    rows = []
    for pk, number, title, opened_at, service_id, ci_id in values:
        record = model(pk=pk, **{source.number_field: number})
        url = record.get_absolute_url() if hasattr(record, "get_absolute_url") else ""
        rows.append(TicketRow(number, title, opened_at, service_id, ci_id, url))
    return rows


def tickets_on(
    key: str,
    *,
    service_ids: Iterable[int],
    ci_ids: Iterable[int],
    opened_from: dt.datetime,
    opened_until: dt.datetime,
    limit: int = 200,
) -> list[TicketRow]:
    """The source's tickets opened in [opened_from, opened_until) on any of the services or
    CIs, oldest first; none when nothing registered under `key` (the process is not
    installed)."""
    source = _SOURCES.get(key)
    service_ids, ci_ids = list(service_ids), list(ci_ids)
    if source is None or not (service_ids or ci_ids):
        return []
    on = models.Q(**{f"{source.service_field}__in": service_ids}) | models.Q(
        **{f"{source.ci_field}__in": ci_ids}
    )
    window = {
        f"{source.opened_field}__gte": opened_from,
        f"{source.opened_field}__lt": opened_until,
    }
    queryset = (
        source.model.objects.filter(on).filter(**window).order_by(source.opened_field, "pk")
    )[:limit]
    return _rows(source, queryset)


def tickets_numbered(key: str, numbers: Iterable[str]) -> dict[str, TicketRow]:
    """The source's tickets by number (those that exist)."""
    source = _SOURCES.get(key)
    numbers = list(numbers)
    if source is None or not numbers:
        return {}
    queryset = source.model.objects.filter(**{f"{source.number_field}__in": numbers})
    return {row.number: row for row in _rows(source, queryset)}
