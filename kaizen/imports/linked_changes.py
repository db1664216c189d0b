"""The changes an imported incident log names: ServiceNow's `caused_by` (the change that
caused the incident) and `rfc` (the request for change raised for it). After an import, each
change number named becomes a change record in Kaizen (kept as numbered; known only by
reference when Kaizen did not have it), and each `caused_by` a confirmed caused-incident link.
A re-run adds nothing twice."""

import datetime as dt
from collections import defaultdict
from typing import Any

from kaizen.changes.services.imported import (
    do_record_imported_causes,
    do_record_referenced_change,
)
from kaizen.incidents.models import Incident

# The source's "no value".
MISSING = {"", "?"}
COLUMNS = ("caused_by", "rfc")


def link_named_changes(source: str) -> dict[str, int]:
    """Make the changes the incidents imported from `source` name known, and link the
    incidents they caused. Returns counts for the run's summary."""
    named: dict[str, dict[str, list[tuple[str, dt.datetime]]]] = defaultdict(
        lambda: {column: [] for column in COLUMNS}
    )
    rows = (
        Incident.objects.filter(imported_from=source)
        .order_by("opened_at", "pk")
        .values_list("number", "opened_at", "source_attributes")
    )
    for number, opened_at, attributes in rows.iterator(chunk_size=5000):
        for column in COLUMNS:
            value = str((attributes or {}).get(column, "")).strip()
            if value not in MISSING:
                named[value][column].append((number, opened_at))
    created = linked = 0
    for change_number, by_column in sorted(named.items()):
        first_seen = min(opened for pairs in by_column.values() for _, opened in pairs)
        attributes: dict[str, Any] = {
            "rfc_of_incidents": [number for number, _ in by_column["rfc"]],
        }
        change, new = do_record_referenced_change(
            change_number,
            imported_from=source,
            first_seen_at=first_seen,
            source_attributes=attributes,
        )
        created += new
        linked += do_record_imported_causes(change, by_column["caused_by"], imported_from=source)
    return {
        "changes_named": len(named),
        "changes_created": created,
        "caused_incident_links_added": linked,
    }
