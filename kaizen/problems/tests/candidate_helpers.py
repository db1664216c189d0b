"""People and incident histories shared by the candidate tests."""

import datetime as dt
from functools import partial
from itertools import count

from kaizen.incidents.services.categories import do_create_category
from kaizen.incidents.tests.helpers import make_incident
from kaizen.people import services as people_services
from kaizen.people.models import Process, Role
from kaizen.testing import assert_constant_queries as shared_assert_constant_queries
from kaizen.testing import make_user

NOW = dt.datetime(2026, 12, 7, 6, 0, tzinfo=dt.UTC)
_numbers = count(1)

assert_constant_queries = partial(shared_assert_constant_queries, "problems")


def make_problem_manager():
    """Pia: the problem process's manager (decides on candidates)."""
    user = make_user("pia", first_name="Pia", last_name="Problem")
    people_services.do_grant_process_role(user, Process.PROBLEM, Role.MANAGER, actor=None)
    return user


def category(name: str):
    return do_create_category(name, actor=None)


def open_incidents(
    caller, *, weeks: int = 12, per_week: int = 1, recent: int = 0, text: str = "", **fields
):
    """`per_week` incidents in each of the `weeks` weeks before the last 7 days (to NOW), then
    `recent` in those days, at noon on spread days (none on a window's edge)."""
    made = []
    moments = [
        NOW - dt.timedelta(weeks=week, days=index % 7, hours=12)
        for week in range(1, weeks + 1)
        for index in range(per_week)
    ] + [NOW - dt.timedelta(days=index % 7, hours=12) for index in range(recent)]
    for at in moments:
        made.append(
            make_incident(
                caller,
                at=at,
                short_description=text or f"Oddity{next(_numbers):05d}",  # alike to nothing
                **fields,
            )
        )
    return made


def make_candidate(numbers=(), *, kind="service_rate", subject_key=None, **fields):
    """A recorded candidate (as a scan would record it) naming incidents by number."""
    from kaizen.problems.models import Candidate

    numbers = list(numbers)
    fields.setdefault("subject_label", f"More incidents than usual on service {subject_key}")
    fields.setdefault("expected_count", 1.0 if kind != "similar_text" else None)
    fields.setdefault("p_value", 0.0001 if kind != "similar_text" else None)
    fields.setdefault(
        "evidence",
        {
            "words": "8 incidents were opened on service Email in the 7 days from 2026-11-30 "
            "to 2026-12-07, where its own history expects 1.0.",
            "test": "exact conditional test of two Poisson rates",
            "series": [
                {"start": "2026-11-23T06:00:00+00:00", "count": None},
                {"start": "2026-11-30T06:00:00+00:00", "count": len(numbers)},
            ],
            "control_limit": 4.0,
            "adjusted_p_value": 0.0002,
            "subjects_tested": 3,
            "history_count": 12,
        },
    )
    return Candidate.objects.create(
        kind=kind,
        subject_key=subject_key or f"key-{next(_numbers)}",
        window_start=NOW - dt.timedelta(days=7),
        window_end=NOW,
        incident_count=len(numbers),
        incident_numbers=numbers,
        found_at=NOW,
        refreshed_at=NOW,
        **fields,
    )
