"""How the candidate events read (kaizen/journal/presenting.py): the problem raised from a
candidate linked to its page, the counts and the reason in words. Imported by the app's
ready() (the journal's autodiscovery looks for event_shapes modules only)."""

from collections.abc import Mapping
from typing import Any

from django.urls import NoReverseMatch

from kaizen.journal.events import EventType
from kaizen.journal.presenting import Key, Link, register_event_shape
from kaizen.problems.models import Problem


def problem_names(raw: set[str], reader: Any) -> Mapping[str, Any]:
    """Problem numbers linked to the problem (one query for a page of history)."""
    named: dict[str, Any] = {}
    for problem in Problem.objects.filter(number__in=raw).only("pk", "number", "statement"):
        text = f"{problem.number} {problem.statement}"
        try:
            named[problem.number] = Link(text, problem.get_absolute_url())
        except NoReverseMatch:  # the problem pages are not installed
            named[problem.number] = text
    return named


def _yes(value: Any) -> str:
    return "yes, its evidence grew since it was dismissed" if value else "no"


INCIDENTS = Key("Incidents behind it")
register_event_shape(
    EventType.PROBLEM_CANDIDATE_FOUND,
    keys={
        "incidents": INCIDENTS,
        "expected": Key("Usually expected"),
        "reopened": Key("Opened again", text=_yes),
        "dismissed_with": Key("Incidents when dismissed"),
    },
)
register_event_shape(
    EventType.PROBLEM_CANDIDATE_ACCEPTED,
    keys={
        "problem": Key("Problem raised", names=problem_names),
        "incidents": Key("Incidents linked"),
    },
)
register_event_shape(
    EventType.PROBLEM_CANDIDATE_DISMISSED,
    keys={"reason": Key("Why"), "incidents": INCIDENTS},
)
