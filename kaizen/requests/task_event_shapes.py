"""How the fulfilment tasks' events read (kaizen/journal/presenting.py): a task's creation with
every field set, its moves by their state change (the `from`/`to` data repeat it), what it
waits for by its label, its work notes by their words.

Imported from RequestsConfig.ready() (the journal's autodiscovery finds only event_shapes.py)."""

from kaizen.journal.events import EventType
from kaizen.journal.presenting import Key, register_event_shape
from kaizen.requests.models import HoldReason

HOLD_REASONS = Key("Waiting for", choices=dict(HoldReason.choices))
TASK_CHANGES = {"hold_reason": HOLD_REASONS, "outcome_note": Key("Outcome")}

register_event_shape(EventType.REQUEST_TASK_CREATED, creates=True, change_keys=TASK_CHANGES)
register_event_shape(EventType.REQUEST_TASK_UPDATED, change_keys=TASK_CHANGES)
register_event_shape(
    EventType.REQUEST_TASK_STATE_CHANGED,
    change_keys=TASK_CHANGES,
    keys={"from": Key(hidden=True), "to": Key(hidden=True)},
)
register_event_shape(EventType.REQUEST_TASK_COMMENTED, keys={"note": Key("Work note")})
