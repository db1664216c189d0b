"""Comments, work notes and attachments: added to an incident, never changed afterwards
(the shared mechanics of kaizen/journal/ticket_activity.py with the incident's rules)."""

import datetime as dt

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction

from kaizen.incidents.models import Incident, IncidentAttachment, IncidentComment
from kaizen.incidents.services import notices
from kaizen.incidents.services.base import INCIDENTS, moment
from kaizen.incidents.services.records import refuse_if_final
from kaizen.journal import ticket_activity
from kaizen.journal.events import EventType
from kaizen.journal.ticket_activity import max_attachment_bytes
from kaizen.people.models import User

__all__ = ["do_add_incident_attachment", "do_add_incident_comment", "max_attachment_bytes"]


@transaction.atomic
def do_add_incident_comment(
    incident: Incident,
    body: str,
    *,
    actor: User | None,
    is_work_note: bool = False,
    at: dt.datetime | None = None,
    notify: bool = True,
) -> IncidentComment:
    """A comment the caller sees, or a work note for agents only.

    An agent's first comment the caller sees is the incident's first response.
    """
    at = moment(at)

    def first_response(locked: Incident, comment: IncidentComment) -> None:
        by_agent = actor is not None and actor.is_agent and actor.pk != locked.caller_id
        if not is_work_note and by_agent and locked.first_responded_at is None:
            locked.first_responded_at = at

    comment = ticket_activity.add_comment(
        INCIDENTS,
        incident,
        IncidentComment,
        body=body,
        actor=actor,
        is_work_note=is_work_note,
        at=at,
        comment_event=EventType.INCIDENT_COMMENTED,
        work_note_event=EventType.INCIDENT_WORK_NOTE_ADDED,
        refuse=refuse_if_final,
        on_comment=first_response,
    )
    if notify and not is_work_note:
        notices.tell_caller(incident, "incident_updated", actor=actor, comment=comment)
    return comment


@transaction.atomic
def do_add_incident_attachment(
    incident: Incident, upload: UploadedFile, *, actor: User | None, at: dt.datetime | None = None
) -> IncidentAttachment:
    """Store the file under incidents/<number>/ in the default storage and record it."""
    return ticket_activity.add_attachment(
        INCIDENTS,
        incident,
        IncidentAttachment,
        upload,
        actor=actor,
        at=moment(at),
        event=EventType.INCIDENT_ATTACHMENT_ADDED,
        refuse=refuse_if_final,
    )
