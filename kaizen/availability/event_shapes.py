"""How availability's journal events read in the history (kaizen/journal/presenting.py): the
outage and target fields read through their models; recording or proposing an outage creates
it. The origin key (what proposed it, for finding it again) is bookkeeping: not shown."""

from kaizen.journal.events import EventType
from kaizen.journal.presenting import Key, register_event_shape

HIDDEN = {"origin_key": Key(hidden=True)}

register_event_shape(
    EventType.OUTAGE_RECORDED, EventType.OUTAGE_PROPOSED, creates=True, change_keys=HIDDEN
)
register_event_shape(EventType.OUTAGE_UPDATED, change_keys=HIDDEN)
