"""The problem lifecycle through the services: the allowed moves, what each needs and sets,
closing codes, re-opening, linked incidents, the journal and the version check."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from kaizen.incidents.models import Incident
from kaizen.incidents.models import State as IncidentState
from kaizen.incidents.tests.helpers import make_incident
from kaizen.journal.events import EventType
from kaizen.journal.models import JournalEvent
from kaizen.journal.tracking import VersionConflict
from kaizen.journal.verify import verify_journal
from kaizen.problems.models import ClosureCode, LinkedIncident, Priority, Problem, State
from kaizen.problems.services.lifecycle import TRANSITIONS, LinkedIncidents, do_move_problem
from kaizen.problems.services.links import do_link_incidents, do_unlink_incident
from kaizen.problems.services.records import do_update_problem
from kaizen.problems.tests.factories import ANALYSIS, FIX, T0, raise_problem, walk
from kaizen.testing import make_ci, make_service

pytestmark = pytest.mark.django_db
DAY = dt.timedelta(days=1)


def events_of(record) -> list[str]:
    return list(JournalEvent.objects.for_subject(record).values_list("event_type", flat=True))


def test_raising_numbers_derives_priority_and_journals_every_field(problem_manager):
    service, ci = make_service(name="Mail"), make_ci(name="mail-gw-1")
    problem = raise_problem(
        problem_manager, services=[service], configuration_items=[ci], impact=1, urgency=2
    )
    assert problem.number == "PRB0000001"
    assert problem.state == State.NEW
    assert problem.priority == Priority.HIGH
    event = JournalEvent.objects.for_subject(problem).get()
    assert event.event_type == EventType.PROBLEM_CREATED
    assert event.changes["services"]["new"] == [{"id": service.pk, "repr": "Mail"}]
    assert event.changes["statement"]["new"] == problem.statement
    assert raise_problem(problem_manager).number == "PRB0000002"


def test_the_happy_path_stamps_each_first_time(problem_manager):
    problem = raise_problem(problem_manager)
    moments = {}
    for day, state in enumerate(
        [
            State.ASSESSED,
            State.ROOT_CAUSE_ANALYSIS,
            State.KNOWN_ERROR,
            State.FIX_IN_PROGRESS,
            State.RESOLVED,
        ],
        start=1,
    ):
        moments[state] = T0 + day * DAY
        problem = walk(problem, state, actor=problem_manager, at=moments[state])
    problem = do_move_problem(
        problem,
        State.CLOSED,
        actor=problem_manager,
        expected_version=None,
        at=T0 + 9 * DAY,
        closure_code=ClosureCode.FIXED,
    )
    assert problem.assessed_at == moments[State.ASSESSED]
    assert problem.known_error_at == moments[State.KNOWN_ERROR]
    assert problem.fix_started_at == moments[State.FIX_IN_PROGRESS]
    assert problem.resolved_at == moments[State.RESOLVED]
    assert problem.closed_at == T0 + 9 * DAY
    assert problem.closure_code == ClosureCode.FIXED
    # The root cause was recorded (by the walk's edit) before the known error.
    assert problem.root_cause_at is not None
    assert problem.workaround_at is not None
    moves = JournalEvent.objects.for_subject(problem).filter(
        event_type=EventType.PROBLEM_STATE_CHANGED
    )
    assert [m.changes["state"]["new"] for m in moves] == [
        "assessed",
        "root_cause_analysis",
        "known_error",
        "fix_in_progress",
        "resolved",
        "closed",
    ]


@pytest.mark.parametrize("source", list(State))
def test_every_move_outside_the_table_is_refused(problem_manager, source):
    for target in set(State) - TRANSITIONS[source] - {source}:
        problem = Problem.objects.filter(state=source).first()
        if problem is None:
            problem = raise_problem(problem_manager)
            Problem.objects.filter(pk=problem.pk).update(state=source)
            problem.refresh_from_db()
        with pytest.raises(ValidationError) as refused:
            do_move_problem(problem, target, actor=problem_manager, expected_version=None)
        assert "moves to" in str(refused.value.message_dict["state"])


def test_each_state_names_what_it_still_needs(problem_manager):
    problem = raise_problem(problem_manager, owner=None)
    with pytest.raises(ValidationError) as refused:
        do_move_problem(problem, State.ASSESSED, actor=problem_manager, expected_version=None)
    assert set(refused.value.message_dict) == {"owner"}
    problem = do_update_problem(
        problem, actor=problem_manager, expected_version=None, owner=problem_manager
    )
    problem = walk(problem, State.ASSESSED, actor=problem_manager)
    with pytest.raises(ValidationError) as refused:
        do_move_problem(problem, State.KNOWN_ERROR, actor=problem_manager, expected_version=None)
    assert set(refused.value.message_dict) == {"root_cause", "cause_category", "workaround"}
    problem = walk(problem, State.KNOWN_ERROR, actor=problem_manager)
    with pytest.raises(ValidationError) as refused:
        do_move_problem(
            problem, State.FIX_IN_PROGRESS, actor=problem_manager, expected_version=None
        )
    assert set(refused.value.message_dict) == {"fix"}


def test_closing_before_resolution_takes_duplicate_risk_or_cancel(problem_manager):
    master = raise_problem(problem_manager, statement="VPN drops every 20 minutes")
    problem = raise_problem(problem_manager)
    with pytest.raises(ValidationError) as refused:
        do_move_problem(
            problem,
            State.CLOSED,
            actor=problem_manager,
            expected_version=None,
            closure_code=ClosureCode.FIXED,
        )
    assert "duplicate, risk accepted, cancelled" in refused.value.message_dict["closure_code"][0]
    with pytest.raises(ValidationError) as refused:
        do_move_problem(
            problem,
            State.CLOSED,
            actor=problem_manager,
            expected_version=None,
            closure_code=ClosureCode.DUPLICATE,
            duplicate_of=problem,
        )
    assert "itself" in refused.value.message_dict["duplicate_of"][0]
    with pytest.raises(ValidationError) as refused:
        do_move_problem(
            problem,
            State.CLOSED,
            actor=problem_manager,
            expected_version=None,
            closure_code="cancelled",
        )
    assert set(refused.value.message_dict) == {"closure_notes"}
    with pytest.raises(ValidationError) as refused:
        do_move_problem(
            problem,
            State.CLOSED,
            actor=problem_manager,
            expected_version=None,
            at=T0,
            closure_code=ClosureCode.RISK_ACCEPTED,
            risk_review_on=T0.date(),
        )
    assert set(refused.value.message_dict) == {"risk_review_on", "root_cause"}

    incident = make_incident()
    do_link_incidents(problem, [incident.number], actor=problem_manager)
    problem = do_move_problem(
        problem,
        State.CLOSED,
        actor=problem_manager,
        expected_version=None,
        closure_code=ClosureCode.DUPLICATE,
        duplicate_of=master,
    )
    assert problem.duplicate_of == master
    # The duplicate's incidents are explained by the master now.
    assert LinkedIncident.objects.filter(problem=master, incident_number=incident.number).exists()


def test_risk_accepted_keeps_its_review_date(problem_manager):
    problem = walk(raise_problem(problem_manager), State.ASSESSED, actor=problem_manager)
    problem = do_update_problem(problem, actor=problem_manager, expected_version=None, **ANALYSIS)
    review = (T0 + 90 * DAY).date()
    problem = do_move_problem(
        problem,
        State.CLOSED,
        actor=problem_manager,
        expected_version=None,
        at=T0,
        closure_code=ClosureCode.RISK_ACCEPTED,
        risk_review_on=review,
        reason="Replacing the gateway next year; restarts are cheap.",
    )
    assert (problem.closure_code, problem.risk_review_on) == (ClosureCode.RISK_ACCEPTED, review)
    assert problem.closure_notes == "Replacing the gateway next year; restarts are cheap."


def test_reopening_for_re_analysis_needs_a_reason_and_clears_the_closure(problem_manager):
    problem = walk(
        raise_problem(problem_manager),
        State.ASSESSED,
        State.KNOWN_ERROR,
        State.FIX_IN_PROGRESS,
        State.RESOLVED,
        actor=problem_manager,
    )
    problem = do_move_problem(
        problem, State.CLOSED, actor=problem_manager, expected_version=None, closure_code="fixed"
    )
    with pytest.raises(ValidationError) as refused:
        do_move_problem(
            problem, State.ROOT_CAUSE_ANALYSIS, actor=problem_manager, expected_version=None
        )
    assert set(refused.value.message_dict) == {"reason"}
    problem = do_move_problem(
        problem,
        State.ROOT_CAUSE_ANALYSIS,
        actor=problem_manager,
        expected_version=None,
        reason="It happened again after the fix.",
    )
    assert problem.state == State.ROOT_CAUSE_ANALYSIS
    assert (problem.closure_code, problem.closed_at, problem.resolved_at) == ("", None, None)
    assert problem.reopen_count == 1
    assert problem.known_error_at is not None  # first times are kept
    last = JournalEvent.objects.for_subject(problem).order_by("id").last()
    assert last.data["reason"] == "It happened again after the fix."


def test_a_stale_version_is_a_conflict(problem_manager):
    problem = raise_problem(problem_manager)
    do_update_problem(problem, actor=problem_manager, expected_version=1, description="More")
    with pytest.raises(VersionConflict):
        do_update_problem(problem, actor=problem_manager, expected_version=1, statement="Other")


def test_linking_is_journaled_on_both_records_and_unknown_numbers_are_named(problem_manager):
    problem = raise_problem(problem_manager)
    first, second = make_incident(), make_incident()
    with pytest.raises(ValidationError) as refused:
        do_link_incidents(problem, [first.number, "INC9999999"], actor=problem_manager)
    assert "INC9999999" in refused.value.message_dict["incidents"][0]
    assert not LinkedIncident.objects.exists()
    do_link_incidents(problem, [first.number, second.number], actor=problem_manager)
    # Linking again adds nothing.
    assert do_link_incidents(problem, [first.number], actor=problem_manager) == []
    assert events_of(first)[-1] == EventType.INCIDENT_PROBLEM_LINKED
    do_unlink_incident(problem, first.number, actor=problem_manager)
    assert list(problem.incident_links.values_list("incident_number", flat=True)) == [second.number]
    assert events_of(first)[-1] == EventType.INCIDENT_PROBLEM_UNLINKED
    # One event on the problem for each linking, naming every incident it linked.
    linked = JournalEvent.objects.for_subject(problem).get(
        event_type=EventType.PROBLEM_INCIDENT_LINKED
    )
    assert linked.data == {"incidents": [first.number, second.number]}
    assert events_of(problem).count(EventType.PROBLEM_INCIDENT_UNLINKED) == 1
    problem.refresh_from_db()
    assert problem.version == 1  # links do not change what the problem says


@pytest.mark.parametrize("mode", [LinkedIncidents.NOTIFY, LinkedIncidents.RESOLVE])
def test_resolving_tells_or_resolves_the_linked_open_incidents(problem_manager, mode):
    problem = walk(
        raise_problem(problem_manager),
        State.ASSESSED,
        State.KNOWN_ERROR,
        State.FIX_IN_PROGRESS,
        actor=problem_manager,
    )
    open_one, done = make_incident(), make_incident()
    done = do_link_and_resolve(problem, open_one, done, problem_manager)
    do_move_problem(
        problem,
        State.RESOLVED,
        actor=problem_manager,
        expected_version=None,
        linked_incidents=mode,
    )
    open_one.refresh_from_db()
    if mode == LinkedIncidents.RESOLVE:
        assert open_one.state == IncidentState.RESOLVED
        assert problem.number in open_one.resolution_notes
    else:
        assert open_one.state != IncidentState.RESOLVED
        comment = open_one.comments.get()
        assert not comment.is_work_note and FIX["fix"] in comment.body
    assert not done.comments.exists()  # an incident already resolved is left alone
    event = JournalEvent.objects.for_subject(problem).get(
        event_type=EventType.PROBLEM_LINKED_INCIDENTS_RESOLVED
    )
    assert event.data == {"mode": mode, "incidents": [open_one.number]}


def do_link_and_resolve(problem, open_one, done, actor) -> Incident:
    from kaizen.incidents.tests.helpers import move

    done = move(done, "in_progress", "resolved")
    do_link_incidents(problem, [open_one.number, done.number], actor=actor)
    return done


def test_the_journal_folds_to_the_stored_problems(problem_manager):
    problem = walk(
        raise_problem(problem_manager), State.ASSESSED, State.KNOWN_ERROR, actor=problem_manager
    )
    do_update_problem(
        problem,
        actor=problem_manager,
        expected_version=None,
        services=[make_service()],
        analysis_method="five_whys",
        analysis={
            "steps": [{"why": "Why rejected?", "because": "Pool full"}, {"why": " ", "because": ""}]
        },
    )
    problem.refresh_from_db()
    assert problem.analysis == {"steps": [{"why": "Why rejected?", "because": "Pool full"}]}
    reports = {report.kind: report for report in verify_journal()}
    assert reports["problems.problem"].mismatches == []
