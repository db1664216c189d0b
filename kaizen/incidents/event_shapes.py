"""How the incident app's events read (kaizen/journal/presenting.py): a comment or work note
by its words, linked to it on the incident's page, and an attachment by its file name, linked
to the file, when the reader may see them; "work note #248 on INC0001042" otherwise."""

from collections.abc import Mapping
from typing import Any

from django.template.defaultfilters import filesizeformat

from kaizen.incidents.models import IncidentAttachment, IncidentComment
from kaizen.incidents.permissions import can_comment_on_incident, can_see_work_notes
from kaizen.journal.events import EventType
from kaizen.journal.presenting import Key, Link, register_event_shape

# A comment's words in one line of history; the whole comment is on the incident's page.
COMMENT_WORDS = 120


def _ids(raw: set[str]) -> list[int]:
    return [int(value) for value in raw if value.isdigit()]


def _may_read(reader: Any, incident: Any, work_note: bool) -> bool:
    if reader is None or not getattr(reader, "is_authenticated", False):
        return False
    if work_note:
        return can_see_work_notes(reader)
    return can_comment_on_incident(reader, incident)


def _words(body: str) -> str:
    line = " ".join(body.split())
    return line if len(line) <= COMMENT_WORDS else line[: COMMENT_WORDS - 1] + "…"


def comment_names(raw: set[str], reader: Any) -> Mapping[str, Any]:
    """Comments by their words, linked to them on their incident's page (one query)."""
    comments = IncidentComment.objects.filter(pk__in=_ids(raw)).select_related("incident")
    named: dict[str, Any] = {}
    for comment in comments:
        incident = comment.incident
        if _may_read(reader, incident, comment.is_work_note):
            url = f"{incident.get_absolute_url()}#comment-{comment.pk}"
            named[str(comment.pk)] = Link(f"“{_words(comment.body)}”", url)
        else:
            noun = "work note" if comment.is_work_note else "comment"
            named[str(comment.pk)] = f"{noun} #{comment.pk} on {incident.number}"
    return named


def attachment_names(raw: set[str], reader: Any) -> Mapping[str, Any]:
    """Attachments by their file name, linked to the file (one query)."""
    attachments = IncidentAttachment.objects.filter(pk__in=_ids(raw)).select_related("incident")
    return {
        str(item.pk): (
            Link(item.original_name, item.get_absolute_url())
            if _may_read(reader, item.incident, work_note=False)
            else f"{item.original_name} (attachment #{item.pk} on {item.incident.number})"
        )
        for item in attachments
    }


register_event_shape(EventType.INCIDENT_CREATED, EventType.CATEGORY_CREATED, creates=True)
for event_type, noun in (
    (EventType.INCIDENT_COMMENTED, "Comment"),
    (EventType.INCIDENT_WORK_NOTE_ADDED, "Work note"),
):
    register_event_shape(
        event_type,
        keys={"comment": Key(noun, names=comment_names), "excerpt": Key(hidden=True)},
    )
register_event_shape(
    EventType.INCIDENT_ATTACHMENT_ADDED,
    keys={
        "attachment": Key("File", names=attachment_names),
        "name": Key(hidden=True),
        "size": Key("Size", text=lambda value: str(filesizeformat(value))),
    },
)
