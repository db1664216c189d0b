"""How the people app's events read in timelines and the audit trail
(kaizen/journal/presenting.py)."""

from kaizen.journal.events import EventType
from kaizen.journal.presenting import Key, register_event_shape
from kaizen.people.models import Process, Role

register_event_shape(EventType.USER_CREATED, EventType.TEAM_CREATED, creates=True)
register_event_shape(
    EventType.PROCESS_ROLE_GRANTED,
    EventType.PROCESS_ROLE_REVOKED,
    keys={
        "process": Key("Process", choices=dict(Process.choices)),
        "role": Key("Role", choices=dict(Role.choices)),
    },
)
register_event_shape(
    EventType.API_TOKEN_CREATED,
    EventType.API_TOKEN_REVOKED,
    keys={"token": Key("Token"), "prefix": Key("Begins with")},
)
