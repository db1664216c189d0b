"""What every change write shares: the tracked fields, the row lock with its version check and
the ending (save, journal event with complete changes), through the shared ticket mechanics of
kaizen/journal/tracking.py."""

import datetime as dt

from django.utils import timezone

from kaizen.changes.models import Change
from kaizen.journal.events import EventType
from kaizen.journal.tracking import TrackedRecord, VersionConflict
from kaizen.sla import refresh as sla_refresh

# Every field a change event reports. The created event carries all of them, every later
# event each one that changed, so the change facts can be rebuilt from the journal alone.
TRACKED_FIELDS = (
    "number",
    "title",
    "description",
    "justification",
    "change_type",
    "category",
    "template",
    "services",
    "configuration_items",
    "requester",
    "owner",
    "assignment_group",
    "implementer",
    "impact",
    "urgency",
    "priority",
    "risk",
    "planned_start",
    "planned_end",
    "actual_start",
    "actual_end",
    "implementation_plan",
    "backout_plan",
    "test_plan",
    "expected_outage",
    "outage_minutes",
    "problem_reference",
    "state",
    "closure_code",
    "closure_notes",
    "objectives_met",
    "lessons_learned",
    "opened_at",
    "submitted_at",
    "authorisation_requested_at",
    "authorised_at",
    "rejected_at",
    "reviewed_at",
    "closed_at",
    "cancelled_at",
    "unauthorised",
    "unauthorised_reason",
    "reference_only",
)
MANY_FIELDS = ("services", "configuration_items")
RELATED_FIELDS = (
    "category",
    "template",
    "requester",
    "owner",
    "assignment_group",
    "implementer",
)
UNVERSIONED_EVENTS = (
    EventType.CHANGE_COMMENTED,
    EventType.CHANGE_WORK_NOTE_ADDED,
    EventType.CHANGE_ATTACHMENT_ADDED,
)


def refresh_clocks(change: Change) -> None:
    """The change's SLA clocks follow each write (changes are an SLA ticket kind)."""
    sla_refresh.refresh_ticket_clocks(change)


CHANGES = TrackedRecord(
    model=Change,
    tracked_fields=TRACKED_FIELDS,
    related_fields=RELATED_FIELDS,
    many_fields=MANY_FIELDS,
    unversioned_events=UNVERSIONED_EVENTS,
    noun="change",
    after_write=refresh_clocks,
)
ConflictError = VersionConflict


def moment(at: dt.datetime | None) -> dt.datetime:
    return at or timezone.now()
