"""Comments, work notes and attachments of a problem: added, never changed afterwards."""

import datetime as dt

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction

from kaizen.journal.events import EventType
from kaizen.journal.ticket_activity import TicketActivity
from kaizen.people.models import User
from kaizen.problems.models import Problem, ProblemAttachment, ProblemComment
from kaizen.problems.services.base import PROBLEMS, moment
from kaizen.problems.services.records import refuse_if_closed

ACTIVITY = TicketActivity(
    tracked=PROBLEMS,
    comment_model=ProblemComment,
    attachment_model=ProblemAttachment,
    comment_event=EventType.PROBLEM_COMMENTED,
    work_note_event=EventType.PROBLEM_WORK_NOTE_ADDED,
    attachment_event=EventType.PROBLEM_ATTACHMENT_ADDED,
    refuse=refuse_if_closed,
)


@transaction.atomic
def do_add_problem_comment(
    problem: Problem,
    body: str,
    *,
    actor: User | None,
    is_work_note: bool = False,
    at: dt.datetime | None = None,
) -> ProblemComment:
    """A comment, or a work note."""
    return ACTIVITY.comment(problem, body, actor=actor, is_work_note=is_work_note, at=moment(at))


@transaction.atomic
def do_add_problem_attachment(
    problem: Problem, upload: UploadedFile, *, actor: User | None, at: dt.datetime | None = None
) -> ProblemAttachment:
    """Store the file under problems/<number>/ and record it."""
    return ACTIVITY.attach(problem, upload, actor=actor, at=moment(at))
