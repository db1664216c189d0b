"""How the problem app's events read (kaizen/journal/presenting.py): comments, work notes and
files by their words and names, linked incidents and problems by their numbers linked to their
pages, the structured analysis in sentences."""

from collections.abc import Mapping
from typing import Any

from kaizen.catalog.ticket_sources import tickets_numbered
from kaizen.journal.events import EventType
from kaizen.journal.presenting import Key, Link, register_event_shape
from kaizen.journal.ticket_activity import register_ticket_activity_shapes

# The candidates' and the known errors' events read as their own modules say.
from kaizen.problems import candidate_event_shapes, known_error_event_shapes  # noqa: F401
from kaizen.problems.models import FOUR_PS, Problem, ProblemAttachment, ProblemComment
from kaizen.problems.permissions import can_work_problems
from kaizen.problems.services.lifecycle import LinkedIncidents


def _may_read(reader: Any, problem: Any, work_note: bool) -> bool:
    return can_work_problems(reader)


def incident_names(raw: set[str], reader: Any) -> Mapping[str, Any]:
    """Incident numbers linked to the incident (one query for a page of history)."""
    found = tickets_numbered("incident", raw)
    return {number: Link(number, row.url) for number, row in found.items() if row.url}


def problem_names(raw: set[str], reader: Any) -> Mapping[str, Any]:
    if not can_work_problems(reader):
        return {}
    numbers = Problem.objects.filter(number__in=raw).values_list("number", "statement")
    return {
        number: Link(f"{number} {statement}", Problem(number=number).get_absolute_url())
        for number, statement in numbers
    }


def analysis_text(value: Any) -> str:
    """Five whys as "Why …? Because …", four Ps as "People: …; Process: …"."""
    if not value:
        return "none"
    if isinstance(value, dict) and "steps" in value:
        return " · ".join(
            f"{step.get('why', '')} — {step.get('because', '')}" for step in value["steps"]
        )
    if isinstance(value, dict):
        labels = dict(FOUR_PS)
        return "; ".join(
            f"{labels.get(key, key)}: {', '.join(causes)}" for key, causes in value.items()
        )
    return str(value)


register_event_shape(
    EventType.PROBLEM_CREATED,
    creates=True,
    change_keys={"analysis": Key(text=analysis_text, whole=True)},
)
register_event_shape(
    EventType.PROBLEM_UPDATED,
    EventType.PROBLEM_STATE_CHANGED,
    change_keys={"analysis": Key(text=analysis_text, whole=True)},
    keys={"reason": Key("Why")},
)
register_ticket_activity_shapes(
    comment_model=ProblemComment,
    attachment_model=ProblemAttachment,
    comment_events=(EventType.PROBLEM_COMMENTED, EventType.PROBLEM_WORK_NOTE_ADDED),
    attachment_event=EventType.PROBLEM_ATTACHMENT_ADDED,
    may_read=_may_read,
)
register_event_shape(
    EventType.PROBLEM_INCIDENT_LINKED,
    EventType.PROBLEM_INCIDENT_UNLINKED,
    keys={
        "incidents": Key("Incidents", names=incident_names),
        "known_error": Key("From known error"),
    },
)
register_event_shape(
    EventType.INCIDENT_PROBLEM_LINKED,
    EventType.INCIDENT_PROBLEM_UNLINKED,
    keys={"problem": Key("Problem", names=problem_names), "statement": Key(hidden=True)},
)
register_event_shape(
    EventType.PROBLEM_LINKED_INCIDENTS_RESOLVED,
    keys={
        "mode": Key("What was done", choices=dict(LinkedIncidents.CHOICES)),
        "incidents": Key("Incidents", names=incident_names),
    },
)
