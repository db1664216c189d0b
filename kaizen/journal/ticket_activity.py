"""Comments, work notes and attachments of any process's tickets: added to a ticket, never
changed afterwards, each journaled on the ticket without bumping its version (see
TrackedRecord.unversioned_events). Each process calls these from its own services with its
TrackedRecord, comment and attachment models and event types."""

import datetime as dt
import mimetypes
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import PurePath
from typing import Any

from django.conf import settings
from django.core.exceptions import SuspiciousFileOperation, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import models
from django.utils.text import get_valid_filename

from kaizen.core.models import TicketComment
from kaizen.journal.events import EventType
from kaizen.journal.tracking import TrackedRecord

EXCERPT = 200

# Called with the locked ticket and the field to name: raises when the ticket takes no more
# comments or files (a final state).
Refusal = Callable[[Any, str], None]


def checked_comment_body(body: str) -> str:
    body = body.strip()
    if not body:
        raise ValidationError({"body": "write the comment first"})
    if len(body) > TicketComment.MAX_LENGTH:
        raise ValidationError(
            {
                "body": f"at most {TicketComment.MAX_LENGTH:,} characters (this one has "
                f"{len(body):,}): attach a long text as a file instead"
            }
        )
    return body


def add_comment(
    tracked: TrackedRecord,
    ticket: Any,
    comment_model: type[models.Model],
    *,
    body: str,
    actor: Any,
    is_work_note: bool,
    at: dt.datetime,
    comment_event: EventType,
    work_note_event: EventType,
    refuse: Refusal,
    on_comment: Callable[[Any, Any], None] | None = None,
) -> Any:
    """Add the comment to the locked ticket and journal it. `on_comment(locked, comment)` may
    set tracked fields that follow from it (an incident's first response)."""
    body = checked_comment_body(body)
    locked = tracked.lock(ticket, expected_version=None)
    refuse(locked, "body")
    before = tracked.snapshot(locked)
    ticket_field = tracked.model._meta.model_name
    comment = comment_model.objects.create(
        **{ticket_field: locked},
        author=actor,
        body=body,
        is_work_note=is_work_note,
        created_at=at,
    )
    if on_comment is not None:
        on_comment(locked, comment)
    event = work_note_event if is_work_note else comment_event
    data = {"comment": comment.pk, "excerpt": body[:EXCERPT]}
    tracked.finish(locked, ticket, before, event, actor=actor, at=at, data=data, bump_version=False)
    return comment


def max_attachment_bytes() -> int:
    return settings.KAIZEN_MAX_ATTACHMENT_MB * 1024 * 1024


def check_upload(upload: UploadedFile) -> str:
    """The safe file name of an acceptable upload; a ValidationError on `file` otherwise."""
    name = PurePath(upload.name or "").name
    try:
        safe_name = get_valid_filename(name)
    except SuspiciousFileOperation as exc:
        raise ValidationError({"file": f"{name!r} is not a usable file name"}) from exc
    if not upload.size:
        raise ValidationError({"file": f"{name} is empty"})
    if upload.size > max_attachment_bytes():
        size_mb = upload.size / (1024 * 1024)
        raise ValidationError(
            {
                "file": f"{name} is {size_mb:.1f} MB; attachments may be at most "
                f"{settings.KAIZEN_MAX_ATTACHMENT_MB} MB"
            }
        )
    return safe_name


def add_attachment(
    tracked: TrackedRecord,
    ticket: Any,
    attachment_model: type[models.Model],
    upload: UploadedFile,
    *,
    actor: Any,
    at: dt.datetime,
    event: EventType,
    refuse: Refusal,
) -> Any:
    """Store the file in the default storage (the attachment model's upload_to says where) and
    record it; nothing half-written: if the row rolls back, the stored file goes too."""
    safe_name = check_upload(upload)
    locked = tracked.lock(ticket, expected_version=None)
    refuse(locked, "file")
    before = tracked.snapshot(locked)
    original_name = PurePath(upload.name or safe_name).name[:255]
    content_type = (
        getattr(upload, "content_type", None)
        or mimetypes.guess_type(original_name)[0]
        or "application/octet-stream"
    )
    attachment = attachment_model(
        **{tracked.model._meta.model_name: locked},
        original_name=original_name,
        size=upload.size,
        content_type=content_type[:120],
        uploaded_by=actor,
        created_at=at,
    )
    attachment.file.save(safe_name, upload, save=False)
    try:
        attachment.save()
        data = {"attachment": attachment.pk, "name": original_name, "size": upload.size}
        tracked.finish(
            locked, ticket, before, event, actor=actor, at=at, data=data, bump_version=False
        )
    except BaseException:
        attachment.file.delete(save=False)
        raise
    return attachment


# -- how their events read in the history (kaizen/journal/presenting.py) -------------------

# A comment's words in one line of history; the whole comment is on the ticket's page.
COMMENT_WORDS = 120
# Whether the reader may read a ticket's comments (work_note=False) or work notes (True).
MayRead = Callable[[Any, Any, bool], bool]


def _ids(raw: set[str]) -> list[int]:
    return [int(value) for value in raw if value.isdigit()]


def _words(body: str) -> str:
    line = " ".join(body.split())
    return line if len(line) <= COMMENT_WORDS else line[: COMMENT_WORDS - 1] + "…"


def register_ticket_activity_shapes(
    *,
    comment_model: type[models.Model],
    attachment_model: type[models.Model],
    comment_events: tuple[EventType, EventType],
    attachment_event: EventType,
    may_read: MayRead,
) -> None:
    """A comment or work note reads by its words, linked to it on its ticket's page, and an
    attachment by its file name, linked to the file, when the reader may see them ("work note
    #248 on INC0001042" otherwise); one query per kind of record for a whole page of history.
    `comment_events` are the comment's and the work note's event types."""
    from django.template.defaultfilters import filesizeformat

    from kaizen.journal.presenting import Key, Link, register_event_shape

    # The comment's (and attachment's) foreign key to its ticket: "incident", "change".
    ticket_name = next(
        f.name
        for f in comment_model._meta.get_fields()
        if f.is_relation and f.many_to_one and f.name not in ("author",)
    )

    def readable(reader: Any, ticket: Any, work_note: bool) -> bool:
        if reader is None or not getattr(reader, "is_authenticated", False):
            return False
        return may_read(reader, ticket, work_note)

    def comment_names(raw: set[str], reader: Any) -> dict[str, Any]:
        comments = comment_model.objects.filter(pk__in=_ids(raw)).select_related(ticket_name)
        named: dict[str, Any] = {}
        for comment in comments:
            ticket = getattr(comment, ticket_name)
            if readable(reader, ticket, comment.is_work_note):
                url = f"{ticket.get_absolute_url()}#comment-{comment.pk}"
                named[str(comment.pk)] = Link(f"“{_words(comment.body)}”", url)
            else:
                noun = "work note" if comment.is_work_note else "comment"
                named[str(comment.pk)] = f"{noun} #{comment.pk} on {ticket.number}"
        return named

    def attachment_names(raw: set[str], reader: Any) -> dict[str, Any]:
        attachments = attachment_model.objects.filter(pk__in=_ids(raw)).select_related(ticket_name)
        named: dict[str, Any] = {}
        for item in attachments:
            ticket = getattr(item, ticket_name)
            named[str(item.pk)] = (
                Link(item.original_name, item.get_absolute_url())
                if readable(reader, ticket, False)
                else f"{item.original_name} (attachment #{item.pk} on {ticket.number})"
            )
        return named

    for event_type, noun in zip(comment_events, ("Comment", "Work note"), strict=True):
        register_event_shape(
            event_type,
            keys={"comment": Key(noun, names=comment_names), "excerpt": Key(hidden=True)},
        )
    register_event_shape(
        attachment_event,
        keys={
            "attachment": Key("File", names=attachment_names),
            "name": Key(hidden=True),
            "size": Key("Size", text=lambda value: str(filesizeformat(value))),
        },
    )


@dataclass(frozen=True)
class TicketActivity:
    """One process's comments, work notes and attachments: its models, event types and the
    refusal of its final states, so each process's services are one call each."""

    tracked: TrackedRecord
    comment_model: type[models.Model]
    attachment_model: type[models.Model]
    comment_event: EventType
    work_note_event: EventType
    attachment_event: EventType
    refuse: Refusal

    def comment(
        self, ticket: Any, body: str, *, actor: Any, is_work_note: bool, at: dt.datetime
    ) -> Any:
        return add_comment(
            self.tracked,
            ticket,
            self.comment_model,
            body=body,
            actor=actor,
            is_work_note=is_work_note,
            at=at,
            comment_event=self.comment_event,
            work_note_event=self.work_note_event,
            refuse=self.refuse,
        )

    def attach(self, ticket: Any, upload: UploadedFile, *, actor: Any, at: dt.datetime) -> Any:
        return add_attachment(
            self.tracked,
            ticket,
            self.attachment_model,
            upload,
            actor=actor,
            at=at,
            event=self.attachment_event,
            refuse=self.refuse,
        )
