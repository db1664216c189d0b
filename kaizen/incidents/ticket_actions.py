"""What another process may do to an incident, registered with the catalogue's ticket sources
(kaizen/catalog/ticket_sources.py): each action is one of the incident's own services, so the
incident's rules, journal and notifications apply as if a person did it on the incident page."""

import datetime as dt
from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db.models import Q

from kaizen.catalog.ticket_sources import Disruption
from kaizen.incidents.models import Category, Incident, ResolutionCode, State
from kaizen.incidents.services.activity import do_add_incident_comment
from kaizen.incidents.services.lifecycle import do_change_incident_state
from kaizen.people.models import User


def add_note(
    incident: Incident, body: str, *, actor: User | None, at: dt.datetime, is_work_note: bool
) -> None:
    do_add_incident_comment(incident, body, actor=actor, is_work_note=is_work_note, at=at)


def resolve(incident: Incident, notes: str, *, actor: User | None, at: dt.datetime) -> None:
    """Resolve the open incident with a workaround or fix described by `notes` (a problem's
    resolution: the cause is removed, so the incident is solved)."""
    do_change_incident_state(
        incident,
        State.RESOLVED,
        actor=actor,
        expected_version=None,
        resolution_code=ResolutionCode.SOLVED,
        resolution_notes=notes,
        at=at,
    )


def reopen(incident: Incident, notes: str, *, actor: User | None, at: dt.datetime) -> None:
    """Reopen the resolved incident (back to In progress) within its reopen window, with
    `notes` saying why as a comment the caller sees; the lifecycle refuses it otherwise."""
    if incident.state != State.RESOLVED:
        state = State(incident.state).label.lower()
        raise ValidationError({"state": f"{incident.number} is {state}, not resolved"})
    do_change_incident_state(incident, State.IN_PROGRESS, actor=actor, expected_version=None, at=at)
    if notes.strip():
        do_add_incident_comment(incident, notes, actor=actor, is_work_note=False, at=at)


def category_names() -> list[str]:
    """The active top-level and sub-category names, each once, sorted."""
    names = Category.objects.filter(is_active=True).values_list("name", flat=True)
    return sorted(set(names), key=str.casefold)


def disruptions(ids: Iterable[int]) -> list[Disruption]:
    """Of these incidents, the major or critical (priority 1) ones on a service, not cancelled:
    each stopped its service from its opening until its resolution (availability proposes
    an outage for a person to confirm)."""
    rows = (
        Incident.objects.filter(pk__in=list(ids), service__isnull=False)
        .filter(Q(major_incident=True) | Q(priority=1))
        .exclude(state=State.CANCELLED)
        .values_list(
            "number",
            "short_description",
            "service_id",
            "configuration_item_id",
            "opened_at",
            "resolved_at",
        )
    )
    return [
        Disruption(number, title, (service_id,), ci_id, opened_at, resolved_at)
        for number, title, service_id, ci_id, opened_at, resolved_at in rows
    ]
