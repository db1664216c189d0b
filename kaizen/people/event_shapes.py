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
# Sign-ins (kaizen/people/signins.py): where from, for how long a lock-out lasts, which token.
register_event_shape(
    EventType.USER_SIGNED_IN,
    EventType.USER_SIGNIN_FAILED,
    EventType.USER_LOCKED_OUT,
    EventType.TOKEN_REFUSED,
    keys={
        "address": Key("From address"),
        "minutes": Key("Refused for", text=lambda minutes: f"{minutes} minutes"),
        "token": Key("Token"),
        "reason": Key("Why"),
    },
)
