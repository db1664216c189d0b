"""Comments, work notes and attachments of a request: added, never changed afterwards."""

import datetime as dt

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction

from kaizen.core.errors import Conflict
from kaizen.journal.events import EventType
from kaizen.journal.ticket_activity import TicketActivity
from kaizen.people.models import User
from kaizen.requests.models import (
    FINAL_STATES,
    RequestAttachment,
    RequestComment,
    ServiceRequest,
    State,
)
from kaizen.requests.services import notices
from kaizen.requests.services.base import REQUESTS, moment

# A fulfilled or failed request still takes comments until it is closed (the requester may
# answer the agent's last message); a closed, cancelled or rejected one takes none.
NO_MORE_ACTIVITY = frozenset(FINAL_STATES) - {State.FULFILLED, State.FAILED}


def refuse_if_closed(request: ServiceRequest, field: str) -> None:
    if request.state in NO_MORE_ACTIVITY:
        raise Conflict(
            f"{request.number} is {request.get_state_display().lower()}: it takes no more "
            "comments or files"
        )


ACTIVITY = TicketActivity(
    tracked=REQUESTS,
    comment_model=RequestComment,
    attachment_model=RequestAttachment,
    comment_event=EventType.REQUEST_COMMENTED,
    work_note_event=EventType.REQUEST_WORK_NOTE_ADDED,
    attachment_event=EventType.REQUEST_ATTACHMENT_ADDED,
    refuse=refuse_if_closed,
)


@transaction.atomic
def do_add_request_comment(
    request: ServiceRequest,
    body: str,
    *,
    actor: User | None,
    is_work_note: bool = False,
    at: dt.datetime | None = None,
) -> RequestComment:
    """A comment (the requester sees it), or a work note (agents only). An agent's first
    comment to the requester is the request's response."""
    at = moment(at)
    comment = ACTIVITY.comment(request, body, actor=actor, is_work_note=is_work_note, at=at)
    if actor is None or actor.pk != request.requested_for_id:
        notices.request_commented(request, comment, actor)  # e-mail to the requester (portal)
    if (
        not is_work_note
        and actor is not None
        and actor.is_agent
        and actor.pk != request.requested_for_id
        and request.responded_at is None
    ):
        locked = REQUESTS.lock(request, None)
        before = REQUESTS.snapshot(locked)
        locked.responded_at = at
        REQUESTS.finish(locked, request, before, EventType.REQUEST_UPDATED, actor=actor, at=at)
    return comment


@transaction.atomic
def do_add_request_attachment(
    request: ServiceRequest,
    upload: UploadedFile,
    *,
    actor: User | None,
    at: dt.datetime | None = None,
    field_key: str = "",
) -> RequestAttachment:
    """Store the file under requests/<number>/ and record it; `field_key` names the form's
    attachment field it answers."""
    attachment = ACTIVITY.attach(request, upload, actor=actor, at=moment(at))
    if field_key:
        attachment.field_key = field_key
        attachment.save(update_fields=["field_key"])
    return attachment
