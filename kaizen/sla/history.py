"""A ticket's field values over time, rebuilt from its journal events."""

import datetime as dt
from collections.abc import Iterable
from typing import Any

from kaizen.sla.engine import TicketState


def journal_value(value: Any) -> Any:
    """Related records are journaled as {"id", "repr"}; the engine matches on the id."""
    if isinstance(value, dict) and "id" in value:
        return value["id"]
    return value


def ticket_history(events: Iterable[tuple[dt.datetime, dict]]) -> list[TicketState]:
    """`events` are (occurred_at, changes) in journal order; each state holds every field."""
    fields: dict[str, Any] = {}
    history: list[TicketState] = []
    for occurred_at, changes in events:
        if not changes:
            continue
        fields = dict(fields)  # each state keeps its own copy
        for name, change in changes.items():
            value = change.get("new")
            # Only related records ({"id", "repr"}) need unwrapping; the recompute runs this
            # for every event in the journal, so the call is skipped for plain values.
            fields[name] = journal_value(value) if isinstance(value, dict) else value
        history.append(TicketState(occurred_at, fields))
    return history
