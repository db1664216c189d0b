"""Comments, work notes and attachments: added to an incident, never changed afterwards."""

import datetime as dt
import mimetypes
from pathlib import PurePath

from django.conf import settings
from django.core.exceptions import SuspiciousFileOperation, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils.text import get_valid_filename

from kaizen.incidents.models import Incident, IncidentAttachment, IncidentComment
from kaizen.incidents.services import notices
from kaizen.incidents.services.base import finish, lock, moment, snapshot
from kaizen.incidents.services.records import refuse_if_final
from kaizen.journal.events import EventType
from kaizen.people.models import User

EXCERPT = 200


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
    body = body.strip()
    if not body:
        raise ValidationError({"body": "write the comment first"})
    if len(body) > IncidentComment.MAX_LENGTH:
        raise ValidationError(
            {
                "body": f"at most {IncidentComment.MAX_LENGTH:,} characters (this one has "
                f"{len(body):,}): attach a long text as a file instead"
            }
        )
    at = moment(at)
    locked = lock(incident, expected_version=None)
    refuse_if_final(locked, "body")
    before = snapshot(locked)
    comment = IncidentComment.objects.create(
        incident=locked, author=actor, body=body, is_work_note=is_work_note, created_at=at
    )
    by_agent = actor is not None and actor.is_agent and actor.pk != locked.caller_id
    if not is_work_note and by_agent and locked.first_responded_at is None:
        locked.first_responded_at = at
    event = EventType.INCIDENT_WORK_NOTE_ADDED if is_work_note else EventType.INCIDENT_COMMENTED
    data = {"comment": comment.pk, "excerpt": body[:EXCERPT]}
    finish(locked, incident, before, event, actor=actor, at=at, data=data, bump_version=False)
    if notify and not is_work_note:
        notices.tell_caller(locked, "incident_updated", actor=actor, comment=comment)
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


@transaction.atomic
def do_add_incident_attachment(
    incident: Incident, upload: UploadedFile, *, actor: User | None, at: dt.datetime | None = None
) -> IncidentAttachment:
    """Store the file under incidents/<number>/ in the default storage and record it."""
    safe_name = check_upload(upload)
    at = moment(at)
    locked = lock(incident, expected_version=None)
    refuse_if_final(locked, "file")
    before = snapshot(locked)
    original_name = PurePath(upload.name or safe_name).name[:255]
    content_type = (
        getattr(upload, "content_type", None)
        or mimetypes.guess_type(original_name)[0]
        or "application/octet-stream"
    )
    attachment = IncidentAttachment(
        incident=locked,
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
        finish(
            locked,
            incident,
            before,
            EventType.INCIDENT_ATTACHMENT_ADDED,
            actor=actor,
            at=at,
            data=data,
            bump_version=False,
        )
    except BaseException:
        # Nothing half-written: the row rolls back, so the stored file goes too.
        attachment.file.delete(save=False)
        raise
    return attachment
