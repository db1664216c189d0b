"""What every incident write shares: the tracked fields, the row lock with its version check,
and the ending (save, journal event with complete changes, SLA clocks)."""

import datetime as dt
from typing import Any

from django.utils import timezone

from kaizen.incidents.models import Incident
from kaizen.journal.events import EventType
from kaizen.journal.models import JournalEvent
from kaizen.journal.services import record_event, to_journal_value
from kaizen.people.models import User
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
# Saved on update: everything but the SLA engine's columns, so a write here never overwrites
# what the engine stored.
SAVED_FIELDS = tuple(name for name in TRACKED_FIELDS if name != "number") + (
    "version",
    "updated_at",
)

Snapshot = dict[str, Any]


class ConflictError(Exception):
    """The incident changed since the caller read it (optimistic locking)."""

    def __init__(self, incident: Incident, expected_version: int) -> None:
        self.incident = incident
        self.expected_version = expected_version
        self.current_version = incident.version
        last = (
            JournalEvent.objects.for_subject(incident)
            .exclude(event_type__in=UNVERSIONED_EVENTS)
            .select_related("actor")
            .order_by("-id")
            .first()
        )
        who, when = "someone else", ""
        if last is not None:
            who = str(last.actor) if last.actor else "the system"
            local = timezone.localtime(last.occurred_at)
            when = f" at {local:%d %b %Y %H:%M} {local.tzname()}"
        super().__init__(
            f"{incident.number} was changed by {who}{when} while you were working on it "
            f"(version {incident.version}, you had version {expected_version}). "
            "Your change was not saved: reload the incident, check their change and try again."
        )


# Comments and attachments never change the fields people edit, so they neither bump the
# version nor count as the "change" a conflict message names.
UNVERSIONED_EVENTS = (
    EventType.INCIDENT_COMMENTED,
    EventType.INCIDENT_WORK_NOTE_ADDED,
    EventType.INCIDENT_ATTACHMENT_ADDED,
)


def moment(at: dt.datetime | None) -> dt.datetime:
    return at or timezone.now()


def snapshot(incident: Incident) -> Snapshot:
    return {name: to_journal_value(getattr(incident, name)) for name in TRACKED_FIELDS}


def changes_between(before: Snapshot, after: Snapshot) -> dict[str, dict[str, Any]]:
    return {
        name: {"old": before[name], "new": after[name]}
        for name in TRACKED_FIELDS
        if before[name] != after[name]
    }


def initial_changes(incident: Incident) -> dict[str, dict[str, Any]]:
    return {name: {"old": None, "new": value} for name, value in snapshot(incident).items()}


def lock(incident: Incident, expected_version: int | None) -> Incident:
    """The incident's row, locked until the transaction ends, with its related records.

    `expected_version` is the version the caller read; None skips the check (the system,
    importers, bulk actions that did not read a version).
    """
    locked = (
        Incident.objects.select_for_update(of=("self",))
        .select_related(*RELATED_FIELDS)
        .get(pk=incident.pk)
    )
    if expected_version is not None and locked.version != expected_version:
        raise ConflictError(locked, expected_version)
    return locked


def _copy_into(target: Incident, source: Incident) -> None:
    """Let the caller's object show the saved state too (services also return it)."""
    if target is source:
        return
    for field in Incident._meta.concrete_fields:
        setattr(target, field.attname, getattr(source, field.attname))
    target._state.fields_cache = dict(source._state.fields_cache)


def finish(
    incident: Incident,
    original: Incident,
    before: Snapshot,
    event_type: EventType,
    *,
    actor: User | None,
    at: dt.datetime,
    data: dict[str, Any] | None = None,
    bump_version: bool = True,
) -> dict[str, dict[str, Any]]:
    """Save the locked `incident` if a tracked field changed, journal it, refresh its SLA
    clocks. Returns the changes (empty: nothing was saved and no event written)."""
    changes = changes_between(before, snapshot(incident))
    if changes:
        if bump_version:
            incident.version += 1
        incident.updated_at = at
        incident.save(update_fields=SAVED_FIELDS)
    if changes or data:
        record_event(event_type, incident, actor=actor, changes=changes, data=data, occurred_at=at)
        sla_refresh.refresh_ticket_clocks(incident)
    _copy_into(original, incident)
    return changes
