"""A ticket's field values over time, rebuilt from its journal events."""

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Any

from kaizen.sla.engine import TicketState


def journal_value(value: Any) -> Any:
    """Related records are journaled as {"id", "repr"}; the engine matches on the id."""
    if isinstance(value, dict) and "id" in value:
        return value["id"]
    return value


def field_values(changes: Mapping[str, Mapping[str, Any]]) -> dict[str, Any]:
    """An event's `changes` ({field: {"old", "new"}}) as the values the fields took."""
    return {name: journal_value(change.get("new")) for name, change in changes.items()}


def history_from_values(
    events: Iterable[tuple[dt.datetime, Mapping[str, Any]]],
) -> list[TicketState]:
    """`events` are (occurred_at, field values as `field_values` gives them) in journal order;
    each state holds every field. An event that changed nothing starts no state."""
    fields: dict[str, Any] = {}
    history: list[TicketState] = []
    for occurred_at, values in events:
        if values:
            # A new dict per state (each keeps its own copy), merged in one step: the
            # recompute runs this for every event in the journal.
            fields = {**fields, **values}
            history.append(TicketState(occurred_at, fields))
    return history


def ticket_history(events: Iterable[tuple[dt.datetime, dict]]) -> list[TicketState]:
    """`events` are (occurred_at, changes) in journal order; each state holds every field."""
    return history_from_values(
        (occurred_at, field_values(changes)) for occurred_at, changes in events
    )
