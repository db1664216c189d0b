"""The outages' fact family: one row per outage (`outage_facts`).

Rows come from one query per chunk whatever its size (no N+1): the outages with their
service's, offering's and configuration item's names. An outage's row is rewritten on its own
journal events (recorded, proposed, updated, confirmed, dismissed, ended: their subject is the
outage) and when the service, offering or configuration item it names is edited.

The rows say what was recorded, not what it costs: whether an outage's time counts against an
agreed availability (planned work inside a maintenance window does not, overlaps count once,
only agreed service hours count) is the availability engine's to judge, and the availability
KPIs are measured by it (kaizen.kpis.availability_rows). `confirmed` is the first condition of
counting: a proposed outage counts once a person confirms it, a dismissed one never.
"""

from collections.abc import Collection, Iterator, Sequence

import pyarrow as pa
from django.db.models import Q, QuerySet

from kaizen.analytics.facts import (
    LOCAL_MICROSECONDS,
    UtcText,
    fetch_rows,
    hours_between,
    local_wall_time,
    offering_names,
    utc_column,
)
from kaizen.analytics.families import FactContext, RecordFamily, register
from kaizen.availability.models import Outage, OutageStatus
from kaizen.journal.events import EventType

OUTAGE_FACTS = """
CREATE TABLE IF NOT EXISTS outage_facts (
    outage_id BIGINT PRIMARY KEY,
    number VARCHAR NOT NULL,
    service VARCHAR NOT NULL,
    offering VARCHAR,                -- 'Service: Offering'
    ci VARCHAR,                      -- the configuration item, by name
    kind VARCHAR NOT NULL,           -- unplanned, planned, degraded
    status VARCHAR NOT NULL,         -- proposed, confirmed, dismissed
    confirmed BOOLEAN NOT NULL,      -- status is confirmed: it counts (proposals wait)
    share_affected SMALLINT NOT NULL, -- percent of the service's users; 100 unless degraded
    started_at TIMESTAMP NOT NULL,
    ended_at TIMESTAMP,              -- NULL while it goes on
    duration_hours DOUBLE,           -- wall clock, started -> ended; NULL while it goes on
    cause_kind VARCHAR NOT NULL,     -- incident, change, supplier, other, unknown
    cause_reference VARCHAR,         -- the incident or change number, the supplier's name
    origin VARCHAR NOT NULL,         -- manual, major_incident, failed_change, monitoring, import
    confirmed_at TIMESTAMP           -- when a person confirmed it (or recorded it confirmed)
)
"""

TIMES = ("started_at", "ended_at", "confirmed_at")
OUTAGE_FACT_SCHEMA = pa.schema(
    [
        ("outage_id", pa.int64()),
        ("number", pa.string()),
        ("service", pa.string()),
        ("offering", pa.string()),
        ("ci", pa.string()),
        ("kind", pa.string()),
        ("status", pa.string()),
        ("confirmed", pa.bool_()),
        ("share_affected", pa.int16()),
        ("started_at", LOCAL_MICROSECONDS),
        ("ended_at", LOCAL_MICROSECONDS),
        ("duration_hours", pa.float64()),
        ("cause_kind", pa.string()),
        ("cause_reference", pa.string()),
        ("origin", pa.string()),
        ("confirmed_at", LOCAL_MICROSECONDS),
    ]
)

OUTAGE_VALUES = (
    "id",
    "number",
    "service__name",
    "offering__service__name",
    "offering__name",
    "configuration_item__name",
    "kind",
    "status",
    "share_affected",
    *TIMES,
    "cause_kind",
    "cause_reference",
    "origin",
)


def _outage_values(outages: QuerySet[Outage]) -> QuerySet:
    return outages.values_list(
        *(UtcText(name) if name in TIMES else name for name in OUTAGE_VALUES)
    )


def outage_fact_table(rows: Sequence[tuple]) -> pa.Table:
    """Fact rows for outage rows read as OUTAGE_VALUES."""
    column = dict(zip(OUTAGE_VALUES, zip(*rows, strict=True), strict=True))
    times = {name: utc_column(column[name]) for name in TIMES}
    facts = {
        "outage_id": column["id"],
        "number": column["number"],
        "service": column["service__name"],
        "offering": offering_names(column),
        "ci": column["configuration_item__name"],
        "kind": column["kind"],
        "status": column["status"],
        "confirmed": [status == OutageStatus.CONFIRMED for status in column["status"]],
        "share_affected": column["share_affected"],
        **{name: local_wall_time(times[name]) for name in TIMES},
        "duration_hours": hours_between(times["started_at"], times["ended_at"]),
        "cause_kind": column["cause_kind"],
        "cause_reference": [reference or None for reference in column["cause_reference"]],
        "origin": column["origin"],
    }
    return pa.table(facts, schema=OUTAGE_FACT_SCHEMA)


def _table_where(outages: Q) -> pa.Table | None:
    rows = fetch_rows(_outage_values(Outage.objects.filter(outages).order_by("pk")))
    return outage_fact_table(rows) if rows else None


def _rows_between(after: int, up_to: int, context: FactContext) -> pa.Table:
    table = _table_where(Q(pk__gt=after, pk__lte=up_to))
    return OUTAGE_FACT_SCHEMA.empty_table() if table is None else table


def _rows_of(ids: Collection[int], chunk_size: int, context: FactContext) -> Iterator[pa.Table]:
    ordered = sorted(ids)
    for start in range(0, len(ordered), chunk_size):
        table = _table_where(Q(pk__in=ordered[start : start + chunk_size]))
        if table is not None:
            yield table


# Events that edit a record outage facts show by name, with the outage fields pointing at it.
RENAME_EVENTS: dict[str, tuple[str, ...]] = {
    EventType.SERVICE_UPDATED: ("service",),
    EventType.OFFERING_UPDATED: ("offering",),
    EventType.CI_UPDATED: ("configuration_item",),
}
BREAKDOWN_COLUMNS = {"service": "service", "offering": "offering", "ci": "ci"}
COLUMN_LABELS = {
    "outage_id": "outage",
    "ci": "configuration item",
    "confirmed": "confirmed (counts)",
    "share_affected": "share of users affected (%)",
    "duration_hours": "hours it lasted",
}

OUTAGES = register(
    RecordFamily(
        name="outage_facts",
        label="Outages (one row per outage)",
        noun="outages",
        column_labels=COLUMN_LABELS,
        ddl=OUTAGE_FACTS,
        version="1",
        model=Outage,
        key="outage_id",
        breakdowns=BREAKDOWN_COLUMNS,
        rows_between=_rows_between,
        rows_of=_rows_of,
        renames=RENAME_EVENTS,
    )
)
