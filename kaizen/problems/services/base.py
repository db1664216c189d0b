"""What every problem and known-error write shares: the tracked fields, the row lock with its
version check and the ending (save, journal event with complete changes), through the shared
ticket mechanics of kaizen/journal/tracking.py."""

import datetime as dt

from django.utils import timezone

from kaizen.journal.events import EventType
from kaizen.journal.tracking import TrackedRecord
from kaizen.problems.models import KnownError, Problem
from kaizen.sla import refresh as sla_refresh

# Every field a problem event reports. The created event carries all of them, every later
# event each one that changed, so the problem facts can be rebuilt from the journal alone.
PROBLEM_FIELDS = (
    "number",
    "statement",
    "description",
    "services",
    "configuration_items",
    "category",
    "impact",
    "urgency",
    "priority",
    "owner",
    "assignment_group",
    "raised_by",
    "origin",
    "workaround",
    "root_cause",
    "cause_category",
    "analysis_method",
    "analysis",
    "fix",
    "fix_change_number",
    "state",
    "closure_code",
    "closure_notes",
    "duplicate_of",
    "risk_review_on",
    "opened_at",
    "assessed_at",
    "root_cause_at",
    "known_error_at",
    "workaround_at",
    "fix_started_at",
    "resolved_at",
    "closed_at",
    "reopen_count",
    "reference_only",
)


def refresh_clocks(problem: Problem) -> None:
    """The problem's SLA clocks follow each write (problems are an SLA ticket kind)."""
    sla_refresh.refresh_ticket_clocks(problem)


PROBLEMS = TrackedRecord(
    model=Problem,
    tracked_fields=PROBLEM_FIELDS,
    related_fields=("owner", "assignment_group", "raised_by", "duplicate_of"),
    many_fields=("services", "configuration_items"),
    unversioned_events=(
        EventType.PROBLEM_COMMENTED,
        EventType.PROBLEM_WORK_NOTE_ADDED,
        EventType.PROBLEM_ATTACHMENT_ADDED,
        EventType.PROBLEM_INCIDENT_LINKED,
        EventType.PROBLEM_INCIDENT_UNLINKED,
        EventType.PROBLEM_LINKED_INCIDENTS_RESOLVED,
        EventType.PROBLEM_RISK_REVIEW_DUE,
    ),
    noun="problem",
    after_write=refresh_clocks,
)

KNOWN_ERROR_FIELDS = (
    "number",
    "problem",
    "title",
    "symptom",
    "root_cause",
    "workaround",
    "services",
    "configuration_items",
    "category",
    "status",
    "published_to_portal",
    "portal_title",
    "portal_body",
    "created_by",
    "created_at",
    "published_at",
    "retired_at",
)

KNOWN_ERRORS = TrackedRecord(
    model=KnownError,
    tracked_fields=KNOWN_ERROR_FIELDS,
    related_fields=("problem", "created_by"),
    many_fields=("services", "configuration_items"),
    unversioned_events=(EventType.KNOWN_ERROR_APPLIED,),
    noun="known error",
)


def moment(at: dt.datetime | None) -> dt.datetime:
    return at or timezone.now()
