"""Opening an incident and editing its descriptive fields."""

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from kaizen.core.numbering import NumberFormat
from kaizen.core.numbering import next_number as next_number_of
from kaizen.incidents.models import Impact, Incident, State, Urgency
from kaizen.incidents.services import notices
from kaizen.incidents.services.base import (
    finish,
    initial_changes,
    lock,
    moment,
    snapshot,
)
from kaizen.incidents.services.matrix import priority_for
from kaizen.incidents.services.validation import check_incident
from kaizen.journal.events import EventType
from kaizen.journal.services import apply_changes, record_event
from kaizen.people.models import User
from kaizen.sla import services as sla_services

# What people describe and edit. Assignment, state and the derived fields have their own
# services; priority follows impact and urgency.
EDITABLE_FIELDS = (
    "caller",
    "channel",
    "service",
    "offering",
    "configuration_item",
    "location",
    "category",
    "subcategory",
    "impact",
    "urgency",
    "short_description",
    "description",
    "major_incident",
)
OPEN_FIELDS = (*EDITABLE_FIELDS, "opened_by", "assignment_group", "assignee")
INCIDENT_NUMBERS = NumberFormat(sequence="incident", prefix="INC")


def next_number() -> str:
    """INC0000001, INC0000002, ...: never handed out twice; numbers already taken (kept from
    an import) are skipped."""
    return next_number_of(
        INCIDENT_NUMBERS, taken=lambda number: Incident.objects.filter(number=number).exists()
    )


def _check_number(number: str) -> str:
    number = number.strip().upper()
    if not number or len(number) > Incident._meta.get_field("number").max_length:
        raise ValidationError({"number": "give a number of at most 20 characters"})
    if Incident.objects.filter(number=number).exists():
        raise ValidationError({"number": f"{number} is taken by another incident"})
    return number


def follow_assignment(incident: Incident) -> None:
    """New becomes Assigned when a group or person is given, and back when both are removed."""
    assigned = incident.assignment_group_id is not None or incident.assignee_id is not None
    if incident.state == State.NEW and assigned:
        incident.state = State.ASSIGNED
    elif incident.state == State.ASSIGNED and not assigned:
        incident.state = State.NEW


def _derive_priority(incident: Incident) -> None:
    # An impact or urgency out of range is reported on its own field by check_incident.
    if incident.impact in Impact.values and incident.urgency in Urgency.values:
        incident.priority = priority_for(incident.impact, incident.urgency)


@transaction.atomic
def do_open_incident(
    *,
    actor: User | None,
    at: dt.datetime | None = None,
    number: str | None = None,
    notify: bool = True,
    **fields: Any,
) -> Incident:
    """Open an incident. `fields` are EDITABLE_FIELDS plus `opened_by` (default: the actor)
    and `assignment_group`/`assignee` (the incident starts Assigned when given).

    `number` keeps the number of an imported incident; otherwise the next one is generated.
    The created event carries every field's initial value.
    """
    at = moment(at)
    fields.setdefault("opened_by", actor)
    unknown = set(fields) - set(OPEN_FIELDS)
    if unknown:
        raise ValueError(f"fields not settable when opening: {', '.join(sorted(unknown))}")
    incident = Incident(opened_at=at, updated_at=at, **fields)
    _derive_priority(incident)
    follow_assignment(incident)
    check_incident(incident, changed=OPEN_FIELDS)
    incident.number = _check_number(number) if number else next_number()
    incident.save()
    record_event(
        EventType.INCIDENT_CREATED,
        incident,
        actor=actor,
        changes=initial_changes(incident),
        occurred_at=at,
    )
    sla_services.refresh_incident_clocks(incident)
    if notify:
        notices.tell_assignee(incident, actor=actor)
    return incident


def refuse_if_final(incident: Incident, field: str = "state") -> None:
    if incident.is_final:
        raise ValidationError(
            {field: f"{incident.number} is {incident.get_state_display().lower()}: that is final"}
        )


@transaction.atomic
def do_update_incident(
    incident: Incident,
    *,
    actor: User | None,
    expected_version: int | None,
    at: dt.datetime | None = None,
    **fields: Any,
) -> Incident:
    """Edit the descriptive fields (EDITABLE_FIELDS). Closed and cancelled incidents are final.

    Raises ConflictError when the incident is no longer at `expected_version`.
    """
    at = moment(at)
    locked = lock(incident, expected_version)
    refuse_if_final(locked)
    before = snapshot(locked)
    changed = set(apply_changes(locked, fields, EDITABLE_FIELDS))
    if changed & {"impact", "urgency"}:
        _derive_priority(locked)
    check_incident(locked, changed)
    finish(locked, incident, before, EventType.INCIDENT_UPDATED, actor=actor, at=at)
    return locked
