"""How service level management's journal events read in the history
(kaizen/journal/presenting.py): the fields read through their models; scheduling a review and
agreeing an action create them."""

from kaizen.journal.events import EventType
from kaizen.journal.presenting import Key, register_event_shape

register_event_shape(EventType.REVIEW_SCHEDULED, EventType.REVIEW_ACTION_ADDED, creates=True)
register_event_shape(
    EventType.REVIEW_CANCELLED, change_keys={"cancelled_reason": Key(label="Reason")}
)
register_event_shape(
    EventType.REVIEW_ACTION_UPDATED,
    change_keys={"improvement_reference": Key(label="Improvement register")},
)
