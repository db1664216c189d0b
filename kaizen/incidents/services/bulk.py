"""Bulk actions from the queues: each incident its own change and journal event, and a
report of the ones that could not be changed (the others are not held back by them)."""

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError

from kaizen.incidents.models import Incident
from kaizen.incidents.services.assignment import do_assign_incident
from kaizen.incidents.services.base import ConflictError
from kaizen.incidents.services.lifecycle import (
    do_change_incident_on_hold_reason,
    do_change_incident_state,
)
from kaizen.people.models import Team, User


@dataclass
class BulkResult:
    done: list[Incident] = field(default_factory=list)
    failed: list[tuple[Incident, str]] = field(default_factory=list)


def _message(error: ValidationError | ConflictError) -> str:
    if isinstance(error, ConflictError):
        return str(error)
    if hasattr(error, "error_dict"):
        return "; ".join(
            f"{name.replace('_', ' ')}: {message}"
            for name, errors in error.message_dict.items()
            for message in errors
        )
    return " ".join(error.messages)


def _each(
    incidents: Iterable[Incident],
    versions: Mapping[int, int] | None,
    change: Callable[[Incident, int | None], Incident],
) -> BulkResult:
    result = BulkResult()
    for incident in incidents:
        try:
            result.done.append(change(incident, (versions or {}).get(incident.pk)))
        except (ValidationError, ConflictError) as error:
            result.failed.append((incident, _message(error)))
    return result


def do_bulk_assign_incidents(
    incidents: Iterable[Incident],
    *,
    assignment_group: Team | None,
    assignee: User | None,
    actor: User | None,
    versions: Mapping[int, int] | None = None,
    **options: Any,
) -> BulkResult:
    """Assign each incident; `versions` (incident id → version read) guards against
    overwriting what someone changed meanwhile."""
    return _each(
        incidents,
        versions,
        lambda incident, version: do_assign_incident(
            incident,
            assignment_group=assignment_group,
            assignee=assignee,
            actor=actor,
            expected_version=version,
            **options,
        ),
    )


def do_bulk_change_incident_state(
    incidents: Iterable[Incident],
    state: str,
    *,
    actor: User | None,
    versions: Mapping[int, int] | None = None,
    **options: Any,
) -> BulkResult:
    """Move each incident to `state` (`options`: hold reason, resolution code and notes)."""
    return _each(
        incidents,
        versions,
        lambda incident, version: do_change_incident_state(
            incident, state, actor=actor, expected_version=version, **options
        ),
    )


def do_bulk_change_incident_on_hold_reason(
    incidents: Iterable[Incident],
    on_hold_reason: str,
    *,
    actor: User | None,
    versions: Mapping[int, int] | None = None,
    **options: Any,
) -> BulkResult:
    """Change what each incident on hold is waiting for (they stay on hold); an incident not
    on hold, or waiting for that already, is reported and left as it is."""
    return _each(
        incidents,
        versions,
        lambda incident, version: do_change_incident_on_hold_reason(
            incident, on_hold_reason, actor=actor, expected_version=version, **options
        ),
    )
