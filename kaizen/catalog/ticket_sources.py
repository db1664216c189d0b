"""Tickets that happen on services and configuration items, found without importing their
process.

Processes do not import each other (.importlinter), yet one must often ask about another's
records on the same part of the catalogue: the incidents opened on a changed service after
the change (candidates "caused by this change"), the incidents a problem explains, the change
that fixes a problem. Each process registers its tickets here from its AppConfig.ready(); a
reader asks by the source's key and gets plain rows, and acts on another process's ticket only
through the actions that process registered (each one of its own journaled services).
"""

import datetime as dt
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from django.db import models


@dataclass(frozen=True)
class Disruption:
    """What a ticket says of a lost service (a major or critical incident, a failed change),
    for availability's outage proposals: the services and CI it stopped, from when until when
    (None: not over yet)."""

    number: str
    title: str
    service_ids: tuple[int, ...]
    configuration_item_id: int | None
    started_at: dt.datetime
    ended_at: dt.datetime | None


@dataclass(frozen=True)
class TicketSource:
    key: str  # "incident"
    label: str  # "Incident"
    model: type[models.Model]
    opened_field: str
    # Foreign keys to catalog.Service and catalog.ConfigurationItem; "" for a ticket that
    # names several (a change): it is then found by number and text, not by service or CI.
    service_field: str
    ci_field: str
    title_field: str
    number_field: str = "number"
    # The category's name, through a relation when it is one ("category__name"); "" if none.
    category_field: str = ""
    state_field: str = "state"
    open_states: tuple[str, ...] = ()
    # add_note(ticket, body, *, actor, at, is_work_note): a comment or work note on the ticket.
    add_note: Callable[..., Any] | None = None
    # resolve(ticket, notes, *, actor, at): resolve an open ticket through its lifecycle.
    resolve: Callable[..., Any] | None = None
    # reopen(ticket, notes, *, actor, at): reopen a resolved ticket within its reopen window
    # (a ValidationError naming the field when it cannot be).
    reopen: Callable[..., Any] | None = None
    # The text a person searches tickets by, besides the number and title ("description").
    text_fields: tuple[str, ...] = field(default=())
    # When the ticket was resolved (a datetime field, empty while open); "" if the source has
    # no such time. Read by ticket_resolution_times.
    resolved_field: str = ""
    # The names of the categories a ticket may have now (for another process's forms).
    category_names: Callable[[], list[str]] | None = None
    # A field naming another process's ticket by its number (a change's "problem it fixes").
    reference_field: str = ""
    # disruptions(ids): of the tickets with these ids, those that stand for a lost service.
    disruptions: Callable[[Iterable[int]], list[Disruption]] | None = None


@dataclass(frozen=True)
class TicketRow:
    number: str
    title: str
    opened_at: dt.datetime
    service_id: int | None
    configuration_item_id: int | None
    url: str
    pk: Any = None
    category: str = ""
    state: str = ""
    is_open: bool = False
    state_label: str = ""


_SOURCES: dict[str, TicketSource] = {}


def register_ticket_source(source: TicketSource) -> None:
    _SOURCES[source.key] = source


def ticket_source(key: str) -> TicketSource | None:
    return _SOURCES.get(key)


def registered_sources() -> list[TicketSource]:
    return list(_SOURCES.values())


def _rows(source: TicketSource, queryset: Any) -> list[TicketRow]:
    values = queryset.annotate(
        _service_id=models.F(f"{source.service_field}_id")
        if source.service_field
        else models.Value(None, models.IntegerField()),
        _ci_id=models.F(f"{source.ci_field}_id")
        if source.ci_field
        else models.Value(None, models.IntegerField()),
    ).values_list(
        "pk",
        source.number_field,
        source.title_field,
        source.opened_field,
        "_service_id",
        "_ci_id",
        source.state_field,
        *([source.category_field] if source.category_field else []),
    )
    model = source.model
    labels = dict(model._meta.get_field(source.state_field).flatchoices)
    rows = []
    for pk, number, title, opened_at, service_id, ci_id, state, *category in values:
        record = model(pk=pk, **{source.number_field: number})
        url = record.get_absolute_url() if hasattr(record, "get_absolute_url") else ""
        rows.append(
            TicketRow(
                number,
                title,
                opened_at,
                service_id,
                ci_id,
                url,
                pk=pk,
                category=(category[0] or "") if category else "",
                state=state,
                is_open=state in source.open_states,
                state_label=str(labels.get(state, state)),
            )
        )
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
    if source is None or not (service_ids or ci_ids) or not source.service_field:
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


def ticket_records(key: str, numbers: Iterable[str]) -> dict[str, Any]:
    """The source's ticket records (model instances) by number, to act on through the
    source's registered actions."""
    source = _SOURCES.get(key)
    numbers = list(numbers)
    if source is None or not numbers:
        return {}
    records = source.model.objects.filter(**{f"{source.number_field}__in": numbers})
    return {getattr(record, source.number_field): record for record in records}


def search_tickets(key: str, text: str, *, limit: int = 20) -> list[TicketRow]:
    """The source's tickets whose number starts with, or whose title or text fields hold,
    `text`: newest first."""
    source = _SOURCES.get(key)
    text = text.strip()
    if source is None or not text:
        return []
    match = models.Q(**{f"{source.number_field}__istartswith": text}) | models.Q(
        **{f"{source.title_field}__icontains": text}
    )
    for name in source.text_fields:
        match |= models.Q(**{f"{name}__icontains": text})
    queryset = source.model.objects.filter(match).order_by(f"-{source.opened_field}", "-pk")
    return _rows(source, queryset[:limit])


def category_names(key: str) -> list[str]:
    """The source's category names, or none when it has none (or is not installed)."""
    source = _SOURCES.get(key)
    if source is None or source.category_names is None:
        return []
    return source.category_names()


def tickets_referencing(key: str, number: str, *, limit: int = 50) -> list[TicketRow]:
    """The source's tickets whose reference field names `number` (e.g. the changes raised to
    fix a problem), newest first."""
    source = _SOURCES.get(key)
    if source is None or not source.reference_field or not number:
        return []
    queryset = source.model.objects.filter(**{source.reference_field: number}).order_by(
        f"-{source.opened_field}", "-pk"
    )
    return _rows(source, queryset[:limit])


def ticket_resolution_times(
    key: str, numbers: Iterable[str]
) -> dict[str, tuple[dt.datetime, dt.datetime | None]]:
    """(opened at, resolved at or None) of the source's tickets by number, in one query; empty
    when the source records no resolution time."""
    source = _SOURCES.get(key)
    numbers = list(numbers)
    if source is None or not source.resolved_field or not numbers:
        return {}
    values = source.model.objects.filter(**{f"{source.number_field}__in": numbers}).values_list(
        source.number_field, source.opened_field, source.resolved_field
    )
    return {number: (opened, resolved) for number, opened, resolved in values}


def ticket_columns(
    key: str, *, opened_from: dt.datetime, opened_until: dt.datetime, chunk_size: int = 5000
) -> Iterator[tuple[str, dt.datetime, int | None, int | None, str, str]]:
    """(number, opened_at, service id, CI id, category name, text) of every ticket of the
    source opened in [opened_from, opened_until), streamed in the database's order, for scans
    over many tickets (the problem candidates). The text is the title and the text fields,
    one after the other. Nothing when the source is not registered."""
    source = _SOURCES.get(key)
    if source is None:
        return
    none = models.Value(None, models.IntegerField())
    columns = source.model.objects.filter(
        **{f"{source.opened_field}__gte": opened_from, f"{source.opened_field}__lt": opened_until}
    ).values_list(
        source.number_field,
        source.opened_field,
        models.F(f"{source.service_field}_id") if source.service_field else none,
        models.F(f"{source.ci_field}_id") if source.ci_field else none,
        source.category_field or models.Value(""),
        source.title_field,
        *source.text_fields,
    )
    for number, opened_at, service_id, ci_id, category, title, *texts in columns.iterator(
        chunk_size=chunk_size
    ):
        text = " — ".join(part for part in (title, *texts) if part)
        yield number, opened_at, service_id, ci_id, category or "", text
