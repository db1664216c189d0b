"""The tracked fields of each survey record, through the shared record mechanics
(kaizen/journal/tracking.py): the created event carries all of them, every later event those
that changed, so `kaizen journal verify` can fold the journal back into the rows."""

import datetime as dt

from django.utils import timezone

from kaizen.journal.events import EventType
from kaizen.journal.tracking import TrackedRecord
from kaizen.surveys.models import FollowUp, Invitation, SurveyDefinition, SurveyTrigger

DEFINITIONS = TrackedRecord(
    model=SurveyDefinition,
    tracked_fields=(
        "name",
        "slug",
        "description",
        "is_active",
        "low_rating_max",
        "low_nps_max",
        "follow_up_not_resolved",
        "follow_up_hours",
        "follow_up_calendar",
        "offer_reopen",
    ),
    related_fields=("follow_up_calendar",),
    # Publishing a version changes no field of the definition's row.
    unversioned_events=(EventType.SURVEY_VERSION_PUBLISHED,),
    label_field="name",
    noun="survey",
)
TRIGGER_FIELDS = (
    "definition",
    "kind",
    "outcome",
    "is_active",
    "inclusion_rate",
    "strata",
    "service_ids",
    "priorities",
    "team_ids",
    "channels",
    "exclude_agent_self_service",
    "exclude_auto_closed",
    "excluded_addresses",
    "cooldown_days",
    "cap_count",
    "cap_days",
    "delay_minutes",
    "window_start_hour",
    "window_end_hour",
    "expiry_days",
    "reminder_after_days",
)
TRIGGERS = TrackedRecord(
    model=SurveyTrigger,
    tracked_fields=TRIGGER_FIELDS,
    related_fields=("definition",),
    label=str,
    label_field="id",
    noun="survey trigger",
)
INVITATIONS = TrackedRecord(
    model=Invitation,
    tracked_fields=(
        "definition",
        "survey_version",
        "trigger",
        "source_key",
        "ticket_id",
        "ticket_number",
        "recipient",
        "service",
        "team",
        "assignee",
        "priority",
        "sla_breached",
        "reassignment_count",
        "resolution_minutes",
        "triggered_at",
        "inclusion_probability",
        "state",
        "scheduled_for",
        "expires_at",
        "sent_at",
        "reminded_at",
        "answered_at",
        "expired_at",
        "link_used_at",
        "answers",
        "score",
        "said_resolved",
        "reopen_requested",
    ),
    related_fields=("definition", "survey_version", "recipient"),
    label_field="ticket_number",
    noun="survey",
)
FOLLOW_UPS = TrackedRecord(
    model=FollowUp,
    tracked_fields=(
        "invitation",
        "reason",
        "owner",
        "team",
        "opened_at",
        "due_at",
        "state",
        "outcome",
        "outcome_notes",
        "contacted_requester",
        "done_at",
    ),
    related_fields=("invitation", "owner", "team"),
    label=str,
    label_field="id",
    noun="follow-up",
)


def moment(at: dt.datetime | None) -> dt.datetime:
    return at or timezone.now()
