"""Comments, work notes and attachments of any process's tickets: added to a ticket, never
changed afterwards, each journaled on the ticket without bumping its version (see
TrackedRecord.unversioned_events). Each process calls these from its own services with its
TrackedRecord, comment and attachment models and event types."""

import datetime as dt
import mimetypes
from collections.abc import Callable
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
