"""Every write to changes, each with its journal event.

Every `do_*` takes `actor=` (None: the system) and `at=` (default: now). Updates take
`expected_version` (optimistic locking: ConflictError when someone changed the change
meanwhile; None skips the check).
"""

from kaizen.changes.services.activity import do_add_change_attachment, do_add_change_comment
from kaizen.changes.services.base import CHANGES, TRACKED_FIELDS, ConflictError
from kaizen.changes.services.categories import (
    do_create_change_category,
    do_update_change_category,
)
from kaizen.changes.services.lifecycle import (
    MOVE_LABELS,
    TRANSITIONS,
    allowed_targets,
    do_decide_authorisation,
    do_move_change,
)
from kaizen.changes.services.records import EDITABLE_FIELDS, do_raise_change, do_update_change
from kaizen.changes.services.review import (
    do_decide_caused_incident,
    do_link_caused_incident,
    do_propose_caused_incidents,
    do_record_review,
)
from kaizen.changes.services.templates import (
    do_decide_template,
    do_propose_template,
    do_retire_template,
)

__all__ = [
    "CHANGES",
    "EDITABLE_FIELDS",
    "MOVE_LABELS",
    "TRACKED_FIELDS",
    "TRANSITIONS",
    "ConflictError",
    "allowed_targets",
    "do_add_change_attachment",
    "do_add_change_comment",
    "do_create_change_category",
    "do_update_change_category",
    "do_decide_authorisation",
    "do_decide_caused_incident",
    "do_decide_template",
    "do_link_caused_incident",
    "do_move_change",
    "do_propose_caused_incidents",
    "do_propose_template",
    "do_raise_change",
    "do_record_review",
    "do_retire_template",
    "do_update_change",
]
