"""How a problem's journal events read in its history and the incident's: hand-written lines
for each, recorded by the services themselves."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from kaizen.incidents.tests.helpers import make_incident
from kaizen.journal.events import EventType
from kaizen.journal.presenting import present
from kaizen.journal.selectors import timeline_for
from kaizen.journal.tests.test_event_texts import lines_of
from kaizen.problems.models import State
from kaizen.problems.services.activity import do_add_problem_attachment, do_add_problem_comment
from kaizen.problems.services.lifecycle import LinkedIncidents, do_move_problem
from kaizen.problems.services.links import do_link_incidents, do_unlink_incident
from kaizen.problems.services.records import do_update_problem
from kaizen.problems.tests.factories import raise_problem, walk

pytestmark = pytest.mark.django_db


def lines_for(subject, event_type, reader) -> list[list[str]]:
    chosen = [event for event in timeline_for(subject) if event.event_type == event_type]
    return [lines_of(event) for event in present(chosen, reader)]


def test_problem_events_read_in_words(settings, problem_manager):
    settings.TIME_ZONE = "UTC"
    problem = raise_problem(problem_manager, statement="VPN drops at noon")
    (created,) = lines_for(problem, EventType.PROBLEM_CREATED, problem_manager)
    assert (
        "Problem statement: VPN drops at noon" in created
        or "Statement: VPN drops at noon" in created
    )
    do_update_problem(
        problem,
        actor=problem_manager,
        expected_version=None,
        analysis_method="five_whys",
        analysis={"steps": [{"why": "Why drops?", "because": "Lease renewals"}]},
    )
    (updated,) = lines_for(problem, EventType.PROBLEM_UPDATED, problem_manager)
    assert "Analysis: (none) → Why drops? — Lease renewals" in updated
    incident = make_incident()
    do_link_incidents(problem, [incident.number], actor=problem_manager)
    do_unlink_incident(problem, incident.number, actor=problem_manager)
    incident_line = f"Incidents: {incident.number}"
    assert lines_for(problem, EventType.PROBLEM_INCIDENT_LINKED, problem_manager) == [
        [incident_line]
    ]
    assert lines_for(problem, EventType.PROBLEM_INCIDENT_UNLINKED, problem_manager) == [
        [incident_line]
    ]
    problem_line = f"Problem: {problem.number} VPN drops at noon </problems/{problem.number}/>"
    assert lines_for(incident, EventType.INCIDENT_PROBLEM_LINKED, problem_manager) == [
        [problem_line]
    ]
    assert lines_for(incident, EventType.INCIDENT_PROBLEM_UNLINKED, problem_manager) == [
        [problem_line]
    ]
    do_add_problem_comment(problem, "Seen on node B", actor=problem_manager, is_work_note=True)
    assert lines_for(problem, EventType.PROBLEM_WORK_NOTE_ADDED, problem_manager) == [
        [f"Work note: “Seen on node B” </problems/{problem.number}/#comment-1>"]
    ]
    do_add_problem_comment(problem, "Asked the vendor", actor=problem_manager)
    assert lines_for(problem, EventType.PROBLEM_COMMENTED, problem_manager) == [
        [f"Comment: “Asked the vendor” </problems/{problem.number}/#comment-2>"]
    ]
    upload = SimpleUploadedFile("trace.txt", b"timeout at 12:00", content_type="text/plain")
    do_add_problem_attachment(problem, upload, actor=problem_manager)
    assert lines_for(problem, EventType.PROBLEM_ATTACHMENT_ADDED, problem_manager) == [
        ["File: trace.txt </problems/attachments/1/>", "Size: 16\xa0bytes"]
    ]
    do_link_incidents(problem, [incident.number], actor=problem_manager)
    problem = walk(
        problem, State.ASSESSED, State.KNOWN_ERROR, State.FIX_IN_PROGRESS, actor=problem_manager
    )
    do_move_problem(
        problem,
        State.RESOLVED,
        actor=problem_manager,
        expected_version=None,
        linked_incidents=LinkedIncidents.NOTIFY,
    )
    assert lines_for(problem, EventType.PROBLEM_LINKED_INCIDENTS_RESOLVED, problem_manager) == [
        [
            "What was done: Tell their callers the cause is fixed (a comment on each)",
            f"Incidents: {incident.number}",
        ]
    ]
    moves = lines_for(problem, EventType.PROBLEM_STATE_CHANGED, problem_manager)
    assert "State: Fix in progress → Resolved" in [move[0] for move in moves]
