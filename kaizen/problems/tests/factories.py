"""Problems ready for the step a test is about, made through the services."""

import datetime as dt
from typing import Any

from kaizen.people.models import User
from kaizen.problems.models import Problem, State
from kaizen.problems.services.lifecycle import do_move_problem
from kaizen.problems.services.records import do_raise_problem, do_update_problem

T0 = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)  # a Monday

# What each state needs, filled in before moving there.
ANALYSIS = {
    "root_cause": "The connection pool of the mail gateway is 20, peak load needs 60.",
    "cause_category": "capacity",
    "workaround": "Restart the gateway's worker; it drains the pool.",
}
FIX = {"fix": "Raise the pool to 100 and alert at 80% use."}


def raise_problem(actor: User | None, *, at: dt.datetime = T0, **fields: Any) -> Problem:
    fields.setdefault("statement", "Mail gateway rejects connections at peak times")
    fields.setdefault("owner", actor)
    return do_raise_problem(actor=actor, at=at, **fields)


def walk(problem: Problem, *states: str, actor: User | None, at: dt.datetime = T0) -> Problem:
    """Move the problem through `states`, recording what each needs on the way."""
    for state in states:
        if state == State.KNOWN_ERROR and not problem.root_cause:
            problem = do_update_problem(
                problem, actor=actor, expected_version=None, at=at, **ANALYSIS
            )
        if state in (State.FIX_IN_PROGRESS, State.RESOLVED) and not problem.fix:
            problem = do_update_problem(problem, actor=actor, expected_version=None, at=at, **FIX)
        problem = do_move_problem(problem, state, actor=actor, expected_version=None, at=at)
    return problem
