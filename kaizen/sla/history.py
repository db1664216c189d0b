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
        fields = {
            **fields,
            **{name: journal_value(change.get("new")) for name, change in changes.items()},
        }
        history.append(TicketState(occurred_at, fields))
    return history
