"""What every outage and target write shares: the tracked fields, the row lock with its version
check and the ending (save, journal event with complete changes), through the shared record
mechanics of kaizen/journal/tracking.py."""

import datetime as dt

from django.utils import timezone

from kaizen.availability.models import AvailabilityTarget, Outage
from kaizen.journal.tracking import TrackedRecord

# Every field an outage event reports. The recorded (or proposed) event carries all of them,
# every later event each one that changed, so the figures can be replayed from the journal.
OUTAGE_FIELDS = (
    "number",
    "service",
    "offering",
    "configuration_item",
    "kind",
    "share_affected",
    "started_at",
    "ended_at",
    "title",
    "description",
    "cause_kind",
    "cause_reference",
    "status",
    "origin",
    "origin_key",
    "dismissed_reason",
    "confirmed_by",
    "confirmed_at",
)
OUTAGES = TrackedRecord(
    model=Outage,
    tracked_fields=OUTAGE_FIELDS,
    related_fields=("service", "offering", "configuration_item", "confirmed_by"),
    noun="outage",
)
TARGET_FIELDS = ("service", "valid_from", "target_percent", "calendar", "note")
TARGETS = TrackedRecord(
    model=AvailabilityTarget,
    tracked_fields=TARGET_FIELDS,
    related_fields=("service", "calendar"),
    noun="availability target",
    label=str,
    label_field="valid_from",
)


def moment(at: dt.datetime | None) -> dt.datetime:
    return at or timezone.now()
