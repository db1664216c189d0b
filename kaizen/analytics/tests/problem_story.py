"""Problems for the measurement tests, raised and linked through the problem services.

`stamp()` records a problem's lifecycle times and state as one journaled edit, standing in for
the lifecycle's moves (the fact rows only read the times and the state they leave).
"""

import datetime as dt
from typing import Any

from django.db import transaction

from kaizen.incidents.models import Category
from kaizen.incidents.tests.helpers import make_incident
from kaizen.journal.events import EventType
from kaizen.problems.models import Problem
from kaizen.problems.services.base import PROBLEMS
from kaizen.problems.services.records import do_raise_problem

UTC = dt.UTC


def at(month: int, day: int, hour: int = 9, minute: int = 0, year: int = 2026) -> dt.datetime:
    return dt.datetime(year, month, day, hour, minute, tzinfo=UTC)


def category(name: str) -> Category:
    return Category.objects.get_or_create(name=name)[0]


def raise_problem(when: dt.datetime, **fields: Any) -> Problem:
    fields.setdefault("statement", "Mail keeps dropping")
    return do_raise_problem(actor=None, at=when, **fields)


@transaction.atomic
def stamp(problem: Problem, when: dt.datetime, **fields: Any) -> Problem:
    """Set lifecycle fields (state, closure_code, *_at, risk_review_on) as one journaled move."""
    locked = PROBLEMS.lock(problem, expected_version=None)
    before = PROBLEMS.snapshot(locked)
    for name, value in fields.items():
        setattr(locked, name, value)
    PROBLEMS.finish(locked, problem, before, EventType.PROBLEM_STATE_CHANGED, actor=None, at=when)
    return locked


def incident_at(when: dt.datetime, **fields: Any):
    return make_incident(at=when, **fields)
