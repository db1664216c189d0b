"""Linking a problem to the incidents it explains, and unlinking: each journaled on the problem
and on the incident (found by number through the catalogue's ticket sources: the incident
process is not imported here)."""

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from kaizen.catalog.ticket_sources import ticket_records, tickets_numbered
from kaizen.journal.events import EventType
from kaizen.journal.services import record_event
from kaizen.people.models import User
from kaizen.problems.models import KnownError, LinkedIncident, Problem
from kaizen.problems.services.base import PROBLEMS, moment
from kaizen.problems.services.records import refuse_if_closed

INCIDENT = "incident"
MAX_LINKS_PER_CALL = 500


def _numbers(numbers: Iterable[str]) -> list[str]:
    cleaned = list(dict.fromkeys(number.strip() for number in numbers if number.strip()))
    if not cleaned:
        raise ValidationError({"incidents": "name at least one incident by its number"})
    if len(cleaned) > MAX_LINKS_PER_CALL:
        raise ValidationError({"incidents": f"at most {MAX_LINKS_PER_CALL} incidents at once"})
    return cleaned


@transaction.atomic
def do_link_incidents(
    problem: Problem,
    numbers: Iterable[str],
    *,
    actor: User | None,
    at: dt.datetime | None = None,
    known_error: KnownError | None = None,
    workaround_applied: bool = False,
) -> list[LinkedIncident]:
    """Link the incidents (by number) to the problem; those already linked are left as they
    are. Unknown numbers are refused, naming them, and nothing is linked."""
    at = moment(at)
    numbers = _numbers(numbers)
    locked = PROBLEMS.lock(problem, expected_version=None)
    refuse_if_closed(locked, "incidents")
    found = tickets_numbered(INCIDENT, numbers)
    missing = [number for number in numbers if number not in found]
    if missing:
        raise ValidationError({"incidents": f"there is no incident {', '.join(missing[:10])}"})
    already = set(
        LinkedIncident.objects.filter(problem=locked, incident_number__in=numbers).values_list(
            "incident_number", flat=True
        )
    )
    new = [number for number in numbers if number not in already]
    if not new:
        return []
    links = LinkedIncident.objects.bulk_create(
        [
            LinkedIncident(
                problem=locked,
                incident_number=number,
                incident_opened_at=found[number].opened_at,
                linked_at=at,
                linked_by=actor,
                known_error=known_error,
                workaround_applied=workaround_applied,
                workaround_applied_at=at if workaround_applied else None,
            )
            for number in new
        ]
    )
    data: dict[str, Any] = {"incidents": new}
    if known_error is not None:
        data["known_error"] = known_error.number
    record_event(EventType.PROBLEM_INCIDENT_LINKED, locked, actor=actor, data=data, occurred_at=at)
    incidents = ticket_records(INCIDENT, new)
    for number in new:
        record_event(
            EventType.INCIDENT_PROBLEM_LINKED,
            incidents[number],
            actor=actor,
            data={"problem": locked.number, "statement": locked.statement},
            occurred_at=at,
        )
    return links


@transaction.atomic
def do_unlink_incident(
    problem: Problem, number: str, *, actor: User | None, at: dt.datetime | None = None
) -> None:
    """Remove the link; the journal keeps that it was there."""
    at = moment(at)
    locked = PROBLEMS.lock(problem, expected_version=None)
    refuse_if_closed(locked, "incidents")
    deleted, _ = LinkedIncident.objects.filter(problem=locked, incident_number=number).delete()
    if not deleted:
        raise ValidationError({"incidents": f"{number} is not linked to {locked.number}"})
    record_event(
        EventType.PROBLEM_INCIDENT_UNLINKED,
        locked,
        actor=actor,
        data={"incidents": [number]},
        occurred_at=at,
    )
    incident = ticket_records(INCIDENT, [number]).get(number)
    if incident is not None:
        record_event(
            EventType.INCIDENT_PROBLEM_UNLINKED,
            incident,
            actor=actor,
            data={"problem": locked.number},
            occurred_at=at,
        )
