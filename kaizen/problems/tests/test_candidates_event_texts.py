"""How the candidate events read in the candidate's history: hand-written lines for each,
recorded by the services themselves."""

import pytest

from kaizen.journal.events import EventType
from kaizen.journal.presenting import present
from kaizen.journal.selectors import timeline_for
from kaizen.journal.tests.test_event_texts import lines_of
from kaizen.problems.models import Candidate
from kaizen.problems.services import candidates as services
from kaizen.problems.tests.candidate_helpers import NOW, make_problem_manager, open_incidents
from kaizen.testing import make_service

pytestmark = pytest.mark.django_db


def lines_for(subject, event_type) -> list[list[str]]:
    chosen = [event for event in timeline_for(subject) if event.event_type == event_type]
    return [lines_of(event) for event in present(chosen, None)]


def test_candidate_events_read_in_words(requester):
    manager = make_problem_manager()
    email = make_service("Email")
    open_incidents(requester, per_week=1, recent=8, service=email)
    services.do_scan_candidates(now=NOW)
    candidate = Candidate.objects.get()
    services.do_dismiss_candidate(candidate, reason="A planned migration", actor=manager)
    open_incidents(requester, weeks=0, recent=1, service=email)
    services.do_scan_candidates(now=NOW)
    assert lines_for(candidate, EventType.PROBLEM_CANDIDATE_FOUND) == [
        [
            "Incidents behind it: 9",
            "Usually expected: 1",
            "Opened again: yes, its evidence grew since it was dismissed",
            "Incidents when dismissed: 8",
        ],
        ["Incidents behind it: 8", "Usually expected: 1"],
    ]
    assert lines_for(candidate, EventType.PROBLEM_CANDIDATE_DISMISSED) == [
        ["Why: A planned migration", "Incidents behind it: 8"]
    ]
    problem = services.do_accept_candidate(candidate, actor=manager, statement="Mail drops")
    assert lines_for(candidate, EventType.PROBLEM_CANDIDATE_ACCEPTED) == [
        [
            f"Problem raised: {problem.number} Mail drops </problems/{problem.number}/>",
            "Incidents linked: 9",
        ]
    ]
