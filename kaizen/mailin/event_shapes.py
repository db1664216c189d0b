"""How the inbound mail events read (kaizen/journal/presenting.py)."""

from kaizen.journal.events import EventType
from kaizen.journal.presenting import Key, register_event_shape
from kaizen.mailin.models import MessageState, Outcome

MESSAGE_KEYS = {
    "message_id": Key("Message-ID"),
    "mailbox": Key("Mailbox"),
    "sender": Key("From"),
    "ticket": Key("Ticket"),
    "outcome": Key("Outcome", choices=dict(Outcome.choices)),
    "reason": Key("Reason"),
    "was": Key("Was", choices=dict(MessageState.choices)),
}
register_event_shape(
    EventType.MAILBOX_CREATED, creates=True, keys={"password_stored": Key("Password stored")}
)
register_event_shape(EventType.MAILBOX_UPDATED, keys={"password_stored": Key("Password stored")})
register_event_shape(
    EventType.MAIL_PROCESSED,
    EventType.MAIL_SET_ASIDE,
    EventType.MAIL_IGNORED,
    EventType.MAIL_REPROCESS_REQUESTED,
    keys=MESSAGE_KEYS,
)
