"""How the surveys' journal events read in the history (kaizen/journal/presenting.py): the
records' fields read through their models; the created, drawn and opened events create their
record. The link nonce is a secret: never journaled (it is not a tracked field)."""

from kaizen.journal.events import EventType
from kaizen.journal.presenting import Key, register_event_shape

register_event_shape(
    EventType.SURVEY_DEFINITION_CREATED,
    EventType.SURVEY_TRIGGER_CREATED,
    EventType.SURVEY_INVITATION_PLANNED,
    EventType.SURVEY_FOLLOW_UP_OPENED,
    creates=True,
)
register_event_shape(
    EventType.SURVEY_VERSION_PUBLISHED,
    keys={
        "version": Key("Version"),
        "introduction": Key("Introduction"),
        "questions": Key("Questions"),
    },
)
