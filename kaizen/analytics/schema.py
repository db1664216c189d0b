"""The analytics store's tables: the contract between the sync (writer) and the KPI engine.

Each fact table is declared by its fact family (kaizen.analytics.families); the store adds its
own bookkeeping table, `sync_state` (the journal cursor and what the facts were built under).

Timestamps are naive wall-clock times in the reporting time zone (settings.TIME_ZONE), so a
"month" or a "day" is the organisation's own; durations are computed from the aware times
before conversion, so a DST change never shortens or lengthens one. Names of related records
(team, service, category...) are stored as text: the store is for grouping and filtering, and
a renamed team keeps its history under its current name after a rebuild.
"""

from kaizen.analytics.families import families

SYNC_STATE = """
CREATE TABLE IF NOT EXISTS sync_state (
    name VARCHAR PRIMARY KEY,
    value VARCHAR NOT NULL
)
"""


def schema() -> tuple[str, ...]:
    """Every statement that creates the store's tables: each family's, then the sync state."""
    return (*(family.ddl for family in families()), SYNC_STATE)
