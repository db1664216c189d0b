"""How the catalogue's events read (kaizen/journal/presenting.py)."""

from kaizen.catalog.models import DependencyKind
from kaizen.journal.events import EventType
from kaizen.journal.presenting import Key, register_event_shape

register_event_shape(
    EventType.SERVICE_CREATED,
    EventType.OFFERING_CREATED,
    EventType.CI_CREATED,
    EventType.LOCATION_CREATED,
    creates=True,
)
register_event_shape(
    EventType.SERVICE_DEPENDENCY_ADDED,
    EventType.SERVICE_DEPENDENCY_REMOVED,
    keys={
        "kind": Key("Dependency", choices=dict(DependencyKind.choices)),
        "depends_on": Key("On"),
        "note": Key("Note"),
    },
)
