"""Comments, work notes and attachments of a change: added, never changed afterwards."""

import datetime as dt

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction

from kaizen.changes.models import Change, ChangeAttachment, ChangeComment
from kaizen.changes.services.base import CHANGES, moment
from kaizen.changes.services.records import refuse_if_final
from kaizen.journal import ticket_activity
from kaizen.journal.events import EventType
from kaizen.people.models import User


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
    return ticket_activity.add_comment(
        CHANGES,
        change,
        ChangeComment,
        body=body,
        actor=actor,
        is_work_note=is_work_note,
        at=moment(at),
        comment_event=EventType.CHANGE_COMMENTED,
        work_note_event=EventType.CHANGE_WORK_NOTE_ADDED,
        refuse=refuse_if_final,
    )


@transaction.atomic
def do_add_change_attachment(
    change: Change, upload: UploadedFile, *, actor: User | None, at: dt.datetime | None = None
) -> ChangeAttachment:
    """Store the file under changes/<number>/ in the default storage and record it."""
    return ticket_activity.add_attachment(
        CHANGES,
        change,
        ChangeAttachment,
        upload,
        actor=actor,
        at=moment(at),
        event=EventType.CHANGE_ATTACHMENT_ADDED,
        refuse=refuse_if_final,
    )
