"""How a known error was used: the incidents it was applied to, whether the workaround was
copied onto them, and how long the problem's incidents took to resolve with the workaround and
without it (plain durations from opening to resolution, medians with their n)."""

import datetime as dt
import statistics
from dataclasses import dataclass

from kaizen.catalog.ticket_sources import ticket_resolution_times, tickets_numbered
from kaizen.problems.models import KnownError, LinkedIncident

INCIDENT = "incident"


@dataclass(frozen=True)
class Application:
    number: str
    title: str
    url: str
    applied_at: dt.datetime
    linked_by: str
    workaround_applied: bool
    resolved_in: dt.timedelta | None


@dataclass(frozen=True)
class Median:
    median: dt.timedelta | None
    n: int


@dataclass(frozen=True)
class KnownErrorUse:
    applications: list[Application]
    with_workaround: Median
    without_workaround: Median


def _median(durations: list[dt.timedelta]) -> Median:
    if not durations:
        return Median(None, 0)
    seconds = statistics.median(duration.total_seconds() for duration in durations)
    return Median(dt.timedelta(seconds=round(seconds)), len(durations))


def known_error_use(known_error: KnownError) -> KnownErrorUse:
    """Applications of the known error, and the resolution times of its problem's incidents:
    those it was applied to with the workaround copied, against the problem's other incidents
    (linked without the workaround). Four queries whatever the number of incidents."""
    links = (
        list(
            LinkedIncident.objects.filter(problem_id=known_error.problem_id)
            .select_related("linked_by")
            .order_by("-linked_at", "-id")
        )
        if known_error.problem_id
        else []
    )
    numbers = [link.incident_number for link in links]
    times = ticket_resolution_times(INCIDENT, numbers)
    applied_numbers = [
        link.incident_number for link in links if link.known_error_id == known_error.pk
    ]
    rows = tickets_numbered(INCIDENT, applied_numbers)

    def resolved_in(number: str) -> dt.timedelta | None:
        opened, resolved = times.get(number, (None, None))
        return resolved - opened if opened and resolved else None

    applications = [
        Application(
            number=link.incident_number,
            title=rows[link.incident_number].title if link.incident_number in rows else "",
            url=rows[link.incident_number].url if link.incident_number in rows else "",
            applied_at=link.workaround_applied_at or link.linked_at,
            linked_by=str(link.linked_by) if link.linked_by else "the system",
            workaround_applied=link.workaround_applied,
            resolved_in=resolved_in(link.incident_number),
        )
        for link in links
        if link.known_error_id == known_error.pk
    ]
    with_, without = [], []
    for link in links:
        duration = resolved_in(link.incident_number)
        if duration is None:
            continue
        used = link.workaround_applied and link.known_error_id == known_error.pk
        (with_ if used else without).append(duration)
    return KnownErrorUse(applications, _median(with_), _median(without))
