"""How the notification preferences' events read (kaizen/journal/presenting.py)."""

from kaizen.journal.events import EventType
from kaizen.journal.presenting import Key, register_event_shape
from kaizen.notifications.categories import CATEGORIES

register_event_shape(
    EventType.NOTIFICATION_OPTED_IN,
    EventType.NOTIFICATION_OPTED_OUT,
    keys={"category": Key("Notifications", choices={c.key: c.label for c in CATEGORIES.values()})},
)
