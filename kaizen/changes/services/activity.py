"""Comments, work notes and attachments of a change: added, never changed afterwards."""

import datetime as dt

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction

from kaizen.changes.models import Change, ChangeAttachment, ChangeComment
from kaizen.changes.services.base import CHANGES, moment
from kaizen.changes.services.records import refuse_if_final
from kaizen.journal.events import EventType
from kaizen.journal.ticket_activity import TicketActivity
from kaizen.people.models import User

ACTIVITY = TicketActivity(
    tracked=CHANGES,
    comment_model=ChangeComment,
    attachment_model=ChangeAttachment,
    comment_event=EventType.CHANGE_COMMENTED,
    work_note_event=EventType.CHANGE_WORK_NOTE_ADDED,
    attachment_event=EventType.CHANGE_ATTACHMENT_ADDED,
    refuse=refuse_if_final,
)


@transaction.atomic
def do_add_change_comment(
    change: Change,
    body: str,
    *,
    actor: User | None,
    is_work_note: bool = False,
    at: dt.datetime | None = None,
) -> ChangeComment:
    """A comment the requester sees, or a work note for agents only."""
    return ACTIVITY.comment(change, body, actor=actor, is_work_note=is_work_note, at=moment(at))


@transaction.atomic
def do_add_change_attachment(
    change: Change, upload: UploadedFile, *, actor: User | None, at: dt.datetime | None = None
) -> ChangeAttachment:
    """Store the file under changes/<number>/ in the default storage and record it."""
    return ACTIVITY.attach(change, upload, actor=actor, at=moment(at))
