"""Every write to incidents, each with its journal event and SLA clock refresh.

Every `do_*` takes `actor=` (None: the system) and `at=` (default: now) for the record's
timestamps and the event's time, so an importer replaying another tool's history and a person
working live go through the same rules. Updates take `expected_version` (optimistic locking:
ConflictError when someone changed the incident meanwhile; None skips the check).
"""

from kaizen.incidents.services.activity import (
    do_add_incident_attachment,
    do_add_incident_comment,
    max_attachment_bytes,
)
from kaizen.incidents.services.assignment import do_assign_incident, is_reassignment
from kaizen.incidents.services.auto_close import (
    auto_close_at,
    auto_close_days,
    do_auto_close_resolved,
)
from kaizen.incidents.services.base import TRACKED_FIELDS, ConflictError
from kaizen.incidents.services.bulk import (
    BulkResult,
    do_bulk_assign_incidents,
    do_bulk_change_incident_on_hold_reason,
    do_bulk_change_incident_state,
)
from kaizen.incidents.services.categories import do_create_category, do_update_category
from kaizen.incidents.services.lifecycle import (
    TRANSITIONS,
    allowed_targets,
    do_change_incident_on_hold_reason,
    do_change_incident_state,
    may_reopen,
)
from kaizen.incidents.services.matrix import do_update_priority_matrix, matrix_cells, priority_for
from kaizen.incidents.services.records import EDITABLE_FIELDS, do_open_incident, do_update_incident

__all__ = [
    "EDITABLE_FIELDS",
    "TRACKED_FIELDS",
    "TRANSITIONS",
    "BulkResult",
    "ConflictError",
    "allowed_targets",
    "auto_close_at",
    "auto_close_days",
    "do_add_incident_attachment",
    "do_add_incident_comment",
    "do_assign_incident",
    "do_auto_close_resolved",
    "do_bulk_assign_incidents",
    "do_bulk_change_incident_on_hold_reason",
    "do_bulk_change_incident_state",
    "do_change_incident_on_hold_reason",
    "do_change_incident_state",
    "do_create_category",
    "do_open_incident",
    "do_update_category",
    "do_update_incident",
    "do_update_priority_matrix",
    "is_reassignment",
    "matrix_cells",
    "max_attachment_bytes",
    "may_reopen",
    "priority_for",
]
