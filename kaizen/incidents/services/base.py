"""What every incident write shares: the tracked fields, the row lock with its version check,
and the ending (save, journal event with complete changes, SLA clocks), through the shared
ticket mechanics of kaizen/journal/tracking.py."""

import datetime as dt

from django.utils import timezone

from kaizen.incidents.models import Incident
from kaizen.journal.events import EventType
from kaizen.journal.tracking import TrackedRecord, VersionConflict
from kaizen.sla import refresh as sla_refresh

# Every field an incident event reports. The created event carries all of them; every later
# event carries each one that changed, so SLA clocks and KPI facts can be rebuilt from the
# journal alone. `version` and `updated_at` are bookkeeping, and `sla_due_at`/`sla_state`
# belong to the SLA engine, so none of those is journaled here.
TRACKED_FIELDS = (
    "number",
    "caller",
    "opened_by",
    "channel",
    "service",
    "offering",
    "configuration_item",
    "location",
    "category",
    "subcategory",
    "impact",
    "urgency",
    "priority",
    "short_description",
    "description",
    "assignment_group",
    "assignee",
    "major_incident",
    "state",
    "on_hold_reason",
    "resolution_code",
    "resolution_notes",
    "opened_at",
    "first_responded_at",
    "resolved_at",
    "closed_at",
    "cancelled_at",
    "reassignment_count",
    "reopen_count",
    "recorded_sla_met",
)
RELATED_FIELDS = (
    "caller",
    "opened_by",
    "service",
    "offering",
    "configuration_item",
    "location",
    "category",
    "subcategory",
    "assignment_group",
    "assignee",
)

# Comments and attachments never change the fields people edit, so they neither bump the
# version nor count as the "change" a conflict message names.
UNVERSIONED_EVENTS = (
    EventType.INCIDENT_COMMENTED,
    EventType.INCIDENT_WORK_NOTE_ADDED,
    EventType.INCIDENT_ATTACHMENT_ADDED,
)


def _refresh_clocks(incident: Incident) -> None:
    sla_refresh.refresh_ticket_clocks(incident)


# The shared ticket mechanics (kaizen/journal/tracking.py) with the incident's fields: every
# write locks the row with its version check, and ends by saving the changed fields,
# journaling them and refreshing the incident's SLA clocks.
INCIDENTS = TrackedRecord(
    model=Incident,
    tracked_fields=TRACKED_FIELDS,
    related_fields=RELATED_FIELDS,
    unversioned_events=UNVERSIONED_EVENTS,
    noun="incident",
    after_write=_refresh_clocks,
)
# A version conflict: who changed the incident when (a 409 in the API, a message on the page).
ConflictError = VersionConflict

snapshot = INCIDENTS.snapshot
changes_between = INCIDENTS.changes_between
initial_changes = INCIDENTS.initial_changes
lock = INCIDENTS.lock
finish = INCIDENTS.finish


def moment(at: dt.datetime | None) -> dt.datetime:
    return at or timezone.now()
