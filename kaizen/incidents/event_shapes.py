"""How the incident app's events read (kaizen/journal/presenting.py): comments, work notes and
files by their words and names (kaizen/journal/ticket_activity.py), when the reader may see
them."""

from typing import Any

from kaizen.incidents.models import IncidentAttachment, IncidentComment
from kaizen.incidents.permissions import can_comment_on_incident, can_see_work_notes
from kaizen.journal.events import EventType
from kaizen.journal.presenting import register_event_shape
from kaizen.journal.ticket_activity import register_ticket_activity_shapes


def _may_read(reader: Any, incident: Any, work_note: bool) -> bool:
    if work_note:
        return can_see_work_notes(reader)
    return can_comment_on_incident(reader, incident)


register_event_shape(EventType.INCIDENT_CREATED, EventType.CATEGORY_CREATED, creates=True)
register_ticket_activity_shapes(
    comment_model=IncidentComment,
    attachment_model=IncidentAttachment,
    comment_events=(EventType.INCIDENT_COMMENTED, EventType.INCIDENT_WORK_NOTE_ADDED),
    attachment_event=EventType.INCIDENT_ATTACHMENT_ADDED,
    may_read=_may_read,
)
