"""Problems as an SLA ticket kind: a problem target's clocks run live through the problem
services, in business hours, and `kaizen sla recompute` rebuilds exactly the same clocks from
the journal (the second real ticket kind the engine measures end to end)."""

import pytest

from kaizen.problems.models import ClosureCode, State
from kaizen.problems.services.lifecycle import do_move_problem
from kaizen.problems.tests.factories import raise_problem, walk
from kaizen.sla.clock_rows import DERIVED_FIELDS
from kaizen.sla.kinds import registered_kinds
from kaizen.sla.models import SLAClock
from kaizen.sla.services import do_create_sla_definition, do_recompute_clocks
from kaizen.sla.tests.helpers import freeze_sla_time, london, office_calendar

pytestmark = pytest.mark.django_db
NOW = "2026-03-13 12:00"  # a Friday


def snapshot() -> list[tuple]:
    rows = SLAClock.objects.order_by("ticket_id", "definition_id", "sequence")
    return [tuple(getattr(row, name) for name in ("ticket_id", *DERIVED_FIELDS)) for row in rows]


@pytest.fixture
def targets(monkeypatch):
    freeze_sla_time(monkeypatch, NOW)
    calendar = office_calendar()
    common = {"calendar": calendar, "ticket_kind": "problem", "priorities": [2]}
    return {
        "assess": do_create_sla_definition(
            actor=None, name="P2 problem assessed", kind="response", target_minutes=8 * 60, **common
        ),
        "resolve": do_create_sla_definition(
            actor=None,
            name="P2 problem resolved",
            kind="resolution",
            target_minutes=5 * 8 * 60,
            **common,
        ),
    }


def test_problems_are_a_registered_kind():
    kinds = {kind.key: kind for kind in registered_kinds()}
    assert kinds["problem"].label == "Problem"
    assert kinds["problem"].rules.first_response_field == "assessed_at"


def test_clocks_run_in_business_hours_and_recompute_rebuilds_them(targets, problem_manager):
    # Raised Monday 10:00 (priority 2: impact 1, urgency 2); assessed Monday 15:00 (5 business
    # hours); resolved Wednesday 11:00: Mon 10-17 (7 h) + Tue 9-17 (8 h) + Wed 9-11 (2 h) =
    # 17 business hours of the 40 allowed.
    problem = raise_problem(problem_manager, at=london("2026-03-09 10:00"), impact=1, urgency=2)
    assert problem.priority == 2
    problem = walk(problem, State.ASSESSED, actor=problem_manager, at=london("2026-03-09 15:00"))
    problem = walk(
        problem,
        State.KNOWN_ERROR,
        State.FIX_IN_PROGRESS,
        actor=problem_manager,
        at=london("2026-03-10 12:00"),
    )
    problem = walk(problem, State.RESOLVED, actor=problem_manager, at=london("2026-03-11 11:00"))
    clocks = {clock.definition_id: clock for clock in problem.sla_clocks.all()}
    response, resolution = clocks[targets["assess"].pk], clocks[targets["resolve"].pk]
    assert response.elapsed_us == 5 * 3600 * 10**6 and not response.breached
    assert resolution.elapsed_us == 17 * 3600 * 10**6 and not resolution.breached
    assert resolution.stopped_at == london("2026-03-11 11:00")
    live = snapshot()
    SLAClock.objects.all().delete()
    do_recompute_clocks(actor=None, now=london(NOW), full=True)
    assert snapshot() == live


def test_a_problem_never_assessed_breaches_its_response_target(targets, problem_manager):
    problem = raise_problem(problem_manager, at=london("2026-03-09 10:00"), impact=1, urgency=2)
    problem.refresh_from_db()
    # 8 business hours from Monday 10:00: Monday 17:00 is 7, so Tuesday 10:00.
    assert problem.sla_due_at == london("2026-03-10 10:00")
    do_recompute_clocks(actor=None, now=london(NOW), full=True)
    problem.refresh_from_db()
    assert problem.sla_state == "breached"
    do_move_problem(
        problem,
        State.CLOSED,
        actor=problem_manager,
        expected_version=None,
        at=london("2026-03-12 10:00"),
        closure_code=ClosureCode.CANCELLED,
        reason="Raised twice",
    )
    # Closed, nothing counts any more (the closure code says why); the missed assessment stays
    # missed, frozen at the business hours it ran: Mon 10-17, Tue and Wed 9-17, Thu 9-10.
    response = problem.sla_clocks.get(definition=targets["assess"])
    resolution = problem.sla_clocks.get(definition=targets["resolve"])
    assert response.breached and response.running_since is None
    assert response.elapsed_us == (7 + 8 + 8 + 1) * 3600 * 10**6
    assert resolution.stopped_at == london("2026-03-12 10:00") and not resolution.breached
