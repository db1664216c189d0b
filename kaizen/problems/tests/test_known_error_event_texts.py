"""How the known-error events read in the known error's and the incident's history:
hand-written lines for each, recorded by the services themselves."""

import pytest

from kaizen.journal.events import EventType
from kaizen.journal.presenting import present
from kaizen.journal.selectors import timeline_for
from kaizen.journal.tests.test_event_texts import lines_of
from kaizen.problems.services import known_errors
from kaizen.problems.tests.known_error_fixtures import HOUR, T0, incident

pytestmark = pytest.mark.django_db


def lines_for(subject, event_type, reader=None) -> list[list[str]]:
    chosen = [event for event in timeline_for(subject) if event.event_type == event_type]
    return [lines_of(event) for event in present(chosen, reader)]


def test_known_error_events_read_in_words(settings, known_error, problem_manager, agent):
    settings.TIME_ZONE = "UTC"
    (created,) = lines_for(known_error, EventType.KNOWN_ERROR_CREATED, agent)
    assert created[:4] == [
        "Number: KE0000001",
        "Problem: PRB0000001 VPN drops after 10 minutes",
        "Title: VPN drops after 10 minutes",
        "Symptom: Remote users lose the VPN tunnel with a timeout after about ten minutes.",
    ]
    (published,) = lines_for(known_error, EventType.KNOWN_ERROR_PUBLISHED, agent)
    assert published == [
        "Status: Draft → Published to agents",
        "Published at: (none) → 2 Mar 2026, 10:00",
    ]
    known_errors.do_update_known_error(
        known_error, actor=problem_manager, expected_version=None, workaround="Use Legacy."
    )
    (updated,) = lines_for(known_error, EventType.KNOWN_ERROR_UPDATED, agent)
    assert updated == [
        "Workaround: Reconnect with the 'Legacy' profile, which keeps the tunnel alive."
        " → Use Legacy."
    ]
    worked = incident()
    known_errors.do_apply_known_error(known_error, worked.number, actor=agent, at=T0 + 3 * HOUR)
    (applied,) = lines_for(known_error, EventType.KNOWN_ERROR_APPLIED, agent)
    assert applied == [
        f"Incident: {worked.number} </incidents/{worked.number}/>",
        "Workaround added as a work note: Yes",
    ]
    (on_incident,) = lines_for(worked, EventType.INCIDENT_KNOWN_ERROR_APPLIED, agent)
    assert on_incident == [
        "Known error: KE0000001 </problems/known-errors/KE0000001/>",
        "Title: VPN drops after 10 minutes",
        "Problem: PRB0000001 </problems/PRB0000001/>",
        "Workaround added as a work note: Yes",
    ]
    known_errors.do_retire_known_error(known_error, actor=problem_manager, at=T0 + 4 * HOUR)
    (retired,) = lines_for(known_error, EventType.KNOWN_ERROR_RETIRED, agent)
    assert retired == [
        "Status: Published to agents → Retired",
        "Retired at: (none) → 2 Mar 2026, 13:00",
    ]
