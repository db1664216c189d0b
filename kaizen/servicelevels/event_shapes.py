"""How service level management's journal events read in the history: the records' fields
read through their models; a version's targets read in words. Creating events create."""

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
