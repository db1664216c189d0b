"""How service level management's journal events read in the history
(kaizen/journal/presenting.py): the records' fields read through their models; a version's
targets read in words. Creating a record, scheduling a review and agreeing an action create."""

from typing import Any

from kaizen.journal.events import EventType
from kaizen.journal.presenting import Key, register_event_shape
from kaizen.servicelevels.targets import describe


def targets_text(targets: Any) -> str:
    """The targets in words (the SLA definitions are named on the agreement's page)."""
    if not targets:
        return "none"
    return "; ".join(describe(target, {}) for target in targets)


TARGETS = {"targets": Key(text=targets_text, whole=True)}

for created in (
    EventType.CUSTOMER_CREATED,
    EventType.SUPPLIER_CREATED,
    EventType.AGREEMENT_CREATED,
):
    register_event_shape(created, creates=True)
register_event_shape(EventType.AGREEMENT_TERMS_CREATED, creates=True, change_keys=TARGETS)
register_event_shape(EventType.AGREEMENT_TERMS_UPDATED, change_keys=TARGETS)

register_event_shape(EventType.REVIEW_SCHEDULED, EventType.REVIEW_ACTION_ADDED, creates=True)
register_event_shape(
    EventType.REVIEW_CANCELLED, change_keys={"cancelled_reason": Key(label="Reason")}
)
register_event_shape(
    EventType.REVIEW_ACTION_UPDATED,
    change_keys={"improvement_reference": Key(label="Improvement register")},
)
