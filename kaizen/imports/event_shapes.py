"""How an import's events read (kaizen/journal/presenting.py): the finished run's summary."""

from kaizen.journal.events import EventType
from kaizen.journal.presenting import Key, register_event_shape

register_event_shape(
    EventType.IMPORT_RUN_FINISHED,
    keys={
        "rows_read": Key("Rows read"),
        "rows_rejected": Key("Rows rejected"),
        "records_created": Key("Records created"),
        "records_already_present": Key("Already present"),
        "records_refused": Key("Records refused"),
        "events_written": Key("History events written"),
        "problems_by_reason": Key("Problems (rows by reason)"),
        "problems_named": Key("Problem records named"),
        "problems_created": Key("Problem records created"),
        "problem_links_added": Key("Incidents linked to problems"),
        "seconds": Key("Took", text=lambda value: f"{value:g} s"),
    },
)
