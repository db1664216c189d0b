"""How the availability app's events read (kaizen/journal/presenting.py): an outage recorded
or proposed reads as the values it was created with."""

from kaizen.journal.events import EventType
from kaizen.journal.presenting import register_event_shape

register_event_shape(EventType.OUTAGE_RECORDED, EventType.OUTAGE_PROPOSED, creates=True)
