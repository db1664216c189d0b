"""How the SLA app's events read (kaizen/journal/presenting.py). The clock events' subject is
the ticket; their data describes the clock."""

from kaizen.journal.events import EventType
from kaizen.journal.presenting import Key, register_event_shape
from kaizen.sla.models import SLAClock

register_event_shape(EventType.CALENDAR_CREATED, EventType.SLA_DEFINITION_CREATED, creates=True)
register_event_shape(
    EventType.CALENDAR_UPDATED,
    EventType.SLA_DEFINITION_UPDATED,
    keys={"remeasure_since": Key("History re-measured since")},
)
register_event_shape(
    EventType.SLA_CLOCK_WARNING,
    EventType.SLA_CLOCK_BREACHED,
    EventType.SLA_ESCALATED,
    data_model=SLAClock,
    keys={
        "definition": Key("SLA"),
        "kind": Key("Clock", choices={"response": "Response", "resolution": "Resolution"}),
        "percent": Key("Threshold reached", text=lambda value: f"{value} % of the target"),
        "breach_at": Key("Breached at"),
    },
)
register_event_shape(
    EventType.SLA_RECOMPUTED,
    keys={
        "since": Key("Since"),
        "reason": Key("Why"),
        "tickets": Key("Tickets"),
        "settled_tickets": Key("Settled tickets re-measured"),
        "full": Key("Every ticket re-measured"),
        "clocks": Key("Clocks"),
        "changed_clocks": Key("Clocks changed"),
    },
)
