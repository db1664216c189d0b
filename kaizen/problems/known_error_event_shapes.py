"""How the known-error events read (kaizen/journal/presenting.py): the incident a known error
was applied to, linked; on the incident, the known error and its problem, linked for agents.

Imported from ProblemsConfig.ready() (journal's autodiscovery finds only event_shapes.py)."""

from collections.abc import Mapping
from typing import Any

from kaizen.catalog.ticket_sources import tickets_numbered
from kaizen.journal.events import EventType
from kaizen.journal.presenting import Key, Link, register_event_shape
from kaizen.problems.models import KnownError, Problem
from kaizen.problems.permissions import can_work_problems

YES_NO = {"True": "Yes", "False": "No", "true": "Yes", "false": "No"}


def incident_names(raw: set[str], reader: Any) -> Mapping[str, Any]:
    found = tickets_numbered("incident", raw)
    return {number: Link(number, row.url) for number, row in found.items() if row.url}


def known_error_names(raw: set[str], reader: Any) -> Mapping[str, Any]:
    if reader is not None and not can_work_problems(reader):
        return {}
    return {
        number: Link(number, KnownError(number=number).get_absolute_url())
        for number in KnownError.objects.filter(number__in=raw).values_list("number", flat=True)
    }


def problem_names(raw: set[str], reader: Any) -> Mapping[str, Any]:
    if reader is not None and not can_work_problems(reader):
        return {}
    return {
        number: Link(number, Problem(number=number).get_absolute_url())
        for number in Problem.objects.filter(number__in=raw).values_list("number", flat=True)
    }


COPIED = Key("Workaround added as a work note", choices=YES_NO)

register_event_shape(EventType.KNOWN_ERROR_CREATED, creates=True)
register_event_shape(
    EventType.KNOWN_ERROR_APPLIED,
    keys={"incident": Key("Incident", names=incident_names), "workaround_copied": COPIED},
)
register_event_shape(
    EventType.INCIDENT_KNOWN_ERROR_APPLIED,
    keys={
        "known_error": Key("Known error", names=known_error_names),
        "title": Key("Title"),
        "problem": Key("Problem", names=problem_names),
        "workaround_copied": COPIED,
    },
)
