"""The candidate scan over real incidents (opened through the incident services), and the
decisions on its candidates: accept raises the problem and links exactly its incidents,
dismissal stays until the evidence grows, a re-run never duplicates."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from kaizen.journal.events import EventType
from kaizen.journal.models import JournalEvent
from kaizen.problems.models import (
    Candidate,
    CandidateKind,
    CandidateStatus,
    LinkedIncident,
    Origin,
)
from kaizen.problems.services import candidates as services
from kaizen.problems.services.links import do_link_incidents
from kaizen.problems.services.records import do_raise_problem
from kaizen.problems.tests.candidate_helpers import (
    NOW,
    category,
    make_problem_manager,
    open_incidents,
)
from kaizen.testing import make_ci, make_service

pytestmark = pytest.mark.django_db


def events(event_type: str) -> list[JournalEvent]:
    return list(JournalEvent.objects.filter(event_type=event_type).order_by("id"))


def scan(at=NOW):
    return services.do_scan_candidates(now=at)


@pytest.fixture
def problem_manager(db):
    return make_problem_manager()


@pytest.fixture
def email(db):
    return make_service("Email")


def test_a_spike_on_a_service_is_found_and_the_steady_one_is_not(requester, email):
    steady = make_service("Printing")
    spike = open_incidents(requester, per_week=1, recent=8, service=email)
    open_incidents(requester, per_week=3, recent=4, service=steady)
    result = scan()
    (candidate,) = Candidate.objects.all()
    assert candidate.kind == CandidateKind.SERVICE_RATE
    assert candidate.subject_key == str(email.pk)
    assert candidate.subject_label == "More incidents than usual on service Email"
    assert candidate.incident_count == 8
    assert candidate.incident_numbers == sorted(i.number for i in spike[-8:])
    assert candidate.expected_count == 1.0
    assert candidate.window_end == NOW and candidate.window_start == NOW - dt.timedelta(days=7)
    assert candidate.evidence["words"].startswith(
        "8 incidents were opened on service Email in the 7 days from 2026-11-30 to 2026-12-07, "
        "where its own history (12 incidents in the 84 days before) expects 1.0."
    )
    # sum over k = 8..20 of C(20, k) (1/13)^k (12/13)^(20-k) = 0.0000663; two subjects tested.
    assert "the chance of 8 or more would be 1 in 15,079" in candidate.evidence["words"]
    assert "categories tested, it is 1 in 7,540 (Benjamini-Hochberg)" in candidate.evidence["words"]
    assert [point["count"] for point in candidate.evidence["series"]] == [1] * 12 + [8]
    assert result.found == [str(candidate)] and result.subjects_tested == 2
    (found,) = events(EventType.PROBLEM_CANDIDATE_FOUND)
    assert found.data == {"incidents": 8, "expected": 1.0}


def test_ci_and_category_spikes_are_their_own_candidates(requester):
    database = make_ci("db-01")
    network = category("Network")
    open_incidents(requester, per_week=1, recent=9, configuration_item=database, category=network)
    scan()
    kinds = {(c.kind, c.subject_key, c.subject_label) for c in Candidate.objects.all()}
    assert kinds == {
        (
            CandidateKind.CI_RATE,
            str(database.pk),
            "More incidents than usual on configuration item db-01",
        ),
        (CandidateKind.CATEGORY_RATE, "Network", "More incidents than usual on category Network"),
    }


def test_a_rerun_updates_the_open_candidate_and_never_duplicates(requester, email):
    open_incidents(requester, per_week=1, recent=8, service=email)
    scan()
    open_incidents(requester, weeks=0, recent=2, service=email)
    result = scan()
    (candidate,) = Candidate.objects.all()
    assert candidate.incident_count == 10 and candidate.status == CandidateStatus.OPEN
    assert result.updated == [str(candidate)] and result.found == []
    assert len(events(EventType.PROBLEM_CANDIDATE_FOUND)) == 1


def test_incidents_linked_to_a_problem_do_not_count(requester, email, agent):
    incidents = open_incidents(requester, per_week=1, recent=8, service=email)
    problem = do_raise_problem(actor=agent, statement="Mail relay drops")
    do_link_incidents(problem, [i.number for i in incidents[-4:]], actor=agent)
    result = scan()
    assert result.incidents_explained == 4
    assert not Candidate.objects.exists()  # 4 unexplained recent incidents: below the minimum


def test_dismissed_stays_dismissed_until_the_evidence_grows(requester, email, problem_manager):
    open_incidents(requester, per_week=1, recent=8, service=email)
    scan()
    candidate = Candidate.objects.get()
    with pytest.raises(ValidationError) as error:
        services.do_dismiss_candidate(candidate, reason="  ", actor=problem_manager)
    assert "reason" in error.value.message_dict
    services.do_dismiss_candidate(candidate, reason="Planned migration", actor=problem_manager)
    candidate.refresh_from_db()
    assert candidate.status == CandidateStatus.DISMISSED
    assert candidate.dismissed_incident_count == 8
    (dismissed,) = events(EventType.PROBLEM_CANDIDATE_DISMISSED)
    assert dismissed.data == {"reason": "Planned migration", "incidents": 8}
    assert dismissed.actor == problem_manager

    result = scan()  # the same 8: stays dismissed
    candidate.refresh_from_db()
    assert candidate.status == CandidateStatus.DISMISSED and result.kept == [str(candidate)]

    open_incidents(requester, weeks=0, recent=1, service=email)
    result = scan()  # 9 > 8: back
    candidate.refresh_from_db()
    assert candidate.status == CandidateStatus.OPEN and candidate.incident_count == 9
    assert result.reopened == [str(candidate)]
    reopened = events(EventType.PROBLEM_CANDIDATE_FOUND)[-1]
    assert reopened.data == {
        "incidents": 9,
        "expected": 1.0,
        "reopened": True,
        "dismissed_with": 8,
    }
    assert Candidate.objects.count() == 1


def test_accept_raises_the_problem_and_links_exactly_its_incidents(
    requester, email, problem_manager
):
    incidents = open_incidents(requester, per_week=1, recent=8, service=email)
    scan()
    candidate = Candidate.objects.get()
    problem = services.do_accept_candidate(candidate, actor=problem_manager, at=NOW)
    assert problem.origin == Origin.CANDIDATE
    assert problem.statement == "More incidents than usual on service Email"
    assert list(problem.services.all()) == [email]
    assert problem.description.startswith("Found from the data: 8 incidents were opened")
    linked = set(
        LinkedIncident.objects.filter(problem=problem).values_list("incident_number", flat=True)
    )
    assert linked == {i.number for i in incidents[-8:]}
    candidate.refresh_from_db()
    assert candidate.status == CandidateStatus.ACCEPTED and candidate.problem == problem
    assert candidate.decided_by == problem_manager and candidate.decided_at == NOW
    (accepted,) = events(EventType.PROBLEM_CANDIDATE_ACCEPTED)
    assert accepted.data == {"problem": problem.number, "incidents": 8}
    # Decided once: a second decision is refused, and the next scan leaves it as it is (its
    # incidents are explained now).
    with pytest.raises(services.CandidateDecided):
        services.do_dismiss_candidate(candidate, reason="Oops", actor=problem_manager)
    result = scan()
    assert result.found == [] and Candidate.objects.get().status == CandidateStatus.ACCEPTED


def test_a_cluster_of_similar_descriptions_is_found_and_accepted(requester, email, problem_manager):
    mail = category("Email")
    alike = open_incidents(
        requester,
        weeks=6,
        per_week=1,
        text="Outlook cannot connect to the Exchange server",
        service=email,
        category=mail,
    )
    open_incidents(requester, weeks=3, per_week=1, text="Printer on floor 3 jams")
    scan()
    (candidate,) = Candidate.objects.filter(kind=CandidateKind.SIMILAR_TEXT)
    assert candidate.incident_numbers == sorted(i.number for i in alike)
    assert candidate.subject_label.startswith("“Outlook cannot connect to the Exchange server”")
    assert candidate.evidence["category"] == "Email"
    problem = services.do_accept_candidate(
        candidate, actor=problem_manager, statement="Outlook loses Exchange"
    )
    assert problem.statement == "Outlook loses Exchange"
    assert problem.category == "Email" and list(problem.services.all()) == [email]
    assert problem.incident_links.count() == 6


def test_a_cluster_whose_words_shift_is_the_same_candidate(requester):
    open_incidents(requester, weeks=5, per_week=1, text="VPN drops every hour")
    scan()
    (first,) = Candidate.objects.filter(kind=CandidateKind.SIMILAR_TEXT)
    first.subject_key = "text:renamed"  # as if its words had been others
    first.save()
    open_incidents(requester, weeks=0, recent=3, text="VPN drops every hour at home")
    scan()
    (again,) = Candidate.objects.filter(kind=CandidateKind.SIMILAR_TEXT)
    assert again.pk == first.pk and again.incident_count == 8


def test_the_command_scans_and_prints_what_it_found(requester, email):
    import json
    from io import StringIO

    from django.core.management import call_command

    open_incidents(requester, per_week=1, recent=8, service=email)
    out = StringIO()
    call_command("problems", "scan", "--at", "2026-12-07T06:00", stdout=out)
    printed = json.loads(out.getvalue())
    assert printed["found"] == [
        "Incident rate on a service: More incidents than usual on service Email"
    ]
    assert printed["incidents_read"] == 20 and printed["incidents_explained"] == 0
    call_command("problems", "scan", "--at", "2026-12-07T06:00", stdout=StringIO())
    assert Candidate.objects.count() == 1


def test_the_nightly_task_runs_the_scan(requester, email):
    from django.utils import timezone

    from kaizen.incidents.tests.helpers import make_incident
    from kaizen.problems.tasks import scan_candidates

    for hours in (5, 30):
        make_incident(requester, at=timezone.now() - dt.timedelta(hours=hours), service=email)
    assert scan_candidates()["incidents_read"] == 2
