"""Readers of the analytics store for the tests."""

from typing import Any

from kaizen.analytics.store import connect


def rows(table: str, order_by: str) -> list[dict[str, Any]]:
    """Every row of a store table, as dicts, in a stable order."""
    with connect(read_only=True) as connection:
        result = connection.execute(f"SELECT * FROM {table} ORDER BY {order_by}")
        columns = [description[0] for description in result.description]
        return [dict(zip(columns, row, strict=True)) for row in result.fetchall()]


def incident_facts() -> dict[str, dict[str, Any]]:
    """Incident fact rows by incident number."""
    return {row["number"]: row for row in rows("incident_facts", "incident_id")}


def event_facts(incident=None) -> list[dict[str, Any]]:
    found = rows("incident_event_facts", "event_id")
    if incident is None:
        return found
    return [row for row in found if row["incident_id"] == incident.pk]
