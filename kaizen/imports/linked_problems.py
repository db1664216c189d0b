"""The problems an imported incident log names: ServiceNow's `problem_id` (the problem the
incident was attached to). After an import, each problem named becomes a problem record in
Kaizen, kept under its number (known only by reference when Kaizen did not have it), linked to
the incidents naming it, through the problem services (so both sides are journaled). A
re-run adds nothing twice."""

import datetime as dt
from collections import defaultdict

from kaizen.imports.linked_changes import MISSING
from kaizen.incidents.models import Incident
from kaizen.problems.models import LinkedIncident, Origin, Problem
from kaizen.problems.services.links import MAX_LINKS_PER_CALL, do_link_incidents
from kaizen.problems.services.records import do_raise_problem

COLUMN = "problem_id"


def _named(source: str) -> dict[str, list[tuple[str, dt.datetime]]]:
    """Problem number -> the (incident number, opened at) of the incidents naming it."""
    named: dict[str, list[tuple[str, dt.datetime]]] = defaultdict(list)
    rows = (
        Incident.objects.filter(imported_from=source)
        .order_by("opened_at", "pk")
        .values_list("number", "opened_at", "source_attributes")
    )
    for number, opened_at, attributes in rows.iterator(chunk_size=5000):
        value = str((attributes or {}).get(COLUMN, "")).strip()
        if value not in MISSING:
            named[value].append((number, opened_at))
    return named


def _problem(number: str, incidents: list[tuple[str, dt.datetime]], source: str) -> Problem:
    """A problem known only because the incidents name it: opened when the first of them was."""
    return do_raise_problem(
        actor=None,
        at=incidents[0][1],
        number=number,
        origin=Origin.IMPORTED,
        imported_from=source,
        reference_only=True,
        statement=f"{number}, named by incidents imported from {source}",
        source_attributes={"named_by_incidents": len(incidents)},
    )


def link_named_problems(source: str) -> dict[str, int]:
    """Make the problems the incidents imported from `source` name known, and link those
    incidents to them. Returns counts for the run's summary."""
    named = _named(source)
    existing = {problem.number: problem for problem in Problem.objects.filter(number__in=named)}
    linked_already = set(
        LinkedIncident.objects.filter(problem__number__in=named).values_list(
            "problem__number", "incident_number"
        )
    )
    created = linked = 0
    for number, incidents in sorted(named.items()):
        problem = existing.get(number)
        if problem is None:
            problem = _problem(number, incidents, source)
            created += 1
        new = [incident for incident, _ in incidents if (number, incident) not in linked_already]
        for start in range(0, len(new), MAX_LINKS_PER_CALL):
            linked += len(
                do_link_incidents(problem, new[start : start + MAX_LINKS_PER_CALL], actor=None)
            )
    return {
        "problems_named": len(named),
        "problems_created": created,
        "problem_links_added": linked,
    }
