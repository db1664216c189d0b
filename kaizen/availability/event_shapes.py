"""How availability's journal events read in the history (kaizen/journal/presenting.py): the
outage and target fields read through their models; recording or proposing an outage, and a
service's first target, create their record."""

from kaizen.journal.events import EventType
from kaizen.journal.presenting import register_event_shape

register_event_shape(EventType.OUTAGE_RECORDED, EventType.OUTAGE_PROPOSED, creates=True)
