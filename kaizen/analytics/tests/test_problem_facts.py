"""Problem facts, and what incident facts learn from their problem links: figures worked out
by hand, and the incremental sync agreeing with a rebuild."""

import datetime as dt

import pytest
from django.utils import timezone

from kaizen.analytics.sync import rebuild, sync
from kaizen.analytics.tests.helpers import incident_facts, rows
from kaizen.analytics.tests.problem_story import at, category, incident_at, raise_problem, stamp
from kaizen.problems.services.links import do_link_incidents, do_unlink_incident
from kaizen.problems.services.records import do_update_problem
from kaizen.testing import make_ci, make_service

pytestmark = pytest.mark.django_db
HOUR = dt.timedelta(hours=1)


def problem_facts() -> dict[str, dict]:
    return {row["number"]: row for row in rows("problem_facts", "problem_id")}


@pytest.fixture
def mail(db):
    return make_service(slug="mail", name="Mail")


def test_a_problem_row_holds_its_times_links_and_durations(mail, desk):
    """Raised Mar 2 09:00; root cause recorded Mar 2 19:00 (10 h); workaround Mar 3 09:00
    (24 h); known error Mar 4 09:00 (48 h); resolved Mar 6 09:00 (96 h). Two incidents linked,
    one worked with the workaround."""
    server = make_ci(name="mail-01")
    problem = raise_problem(
        at(3, 2),
        services=[mail],
        configuration_items=[server],
        category="Email",
        impact=1,
        urgency=2,
        assignment_group=desk,
    )
    first = incident_at(at(3, 1), service=mail)
    second = incident_at(at(3, 5), service=mail)
    do_link_incidents(problem, [first.number], actor=None, at=at(3, 2, 10))
    do_update_problem(
        problem,
        actor=None,
        expected_version=None,
        at=at(3, 2, 19),
        root_cause="Queue fills up",
        cause_category="capacity",
    )
    do_update_problem(
        problem, actor=None, expected_version=None, at=at(3, 3), workaround="Restart the queue"
    )
    stamp(problem, at(3, 4), state="known_error", known_error_at=at(3, 4))
    do_link_incidents(
        problem, [second.number], actor=None, at=at(3, 5, 10), workaround_applied=True
    )
    stamp(problem, at(3, 6), state="resolved", resolved_at=at(3, 6))

    sync()
    row = problem_facts()[problem.number]
    assert (row["state"], row["is_open"], row["closure_code"]) == ("resolved", False, None)
    assert (row["service"], row["ci"], row["category"], row["team"]) == (
        "Mail",
        "mail-01",
        "Email",
        "Service desk",
    )
    assert (row["cause_category"], row["origin"], row["reference_only"]) == (
        "capacity",
        "raised",
        False,
    )
    assert (row["linked_incidents"], row["workarounds_applied"]) == (2, 1)
    assert row["has_workaround"] and row["has_root_cause"]
    assert (row["root_cause_hours"], row["workaround_hours"]) == (10.0, 24.0)
    assert (row["known_error_hours"], row["resolution_hours"]) == (48.0, 96.0)
    incidents = incident_facts()
    assert incidents[first.number]["problem"] == problem.number
    assert incidents[second.number]["workaround_applied"] is True
    assert incidents[first.number]["workaround_applied"] is False
    # Opened Mar 1, before the known error (Mar 4): not a repeat; Mar 5, after it: a repeat.
    assert incidents[first.number]["known_error"] is False
    assert incidents[second.number]["known_error"] is True


def test_the_fix_windows_count_incidents_of_the_problem_s_kind(mail):
    """Resolved Apr 1 09:00 (window 8 weeks: Feb 4 09:00 .. May 27 09:00). Of its kind (Mail,
    Email): Feb 10, Mar 3, Mar 30 before; Apr 20 after. Not counted: Feb 3 (outside), a Mail
    incident of another category, a cancelled one, one on another service."""
    email, other = category("Email"), category("Hardware")
    calendar = make_service(slug="calendar", name="Calendar")
    problem = raise_problem(at(1, 5), services=[mail], category="Email")
    for when in (at(2, 3), at(2, 10), at(3, 3), at(3, 30), at(4, 20)):
        incident_at(when, service=mail, category=email)
    incident_at(at(3, 10), service=mail, category=other)
    incident_at(at(3, 11), service=calendar, category=email)
    cancelled = incident_at(at(3, 12), service=mail, category=email)
    from kaizen.incidents.tests.helpers import move

    move(cancelled, "cancelled")
    stamp(problem, at(4, 1), state="resolved", resolved_at=at(4, 1))
    recent = raise_problem(timezone.now() - dt.timedelta(days=20), services=[mail])
    stamp(recent, timezone.now() - 10 * HOUR, state="resolved", resolved_at=timezone.now())

    sync()
    facts = problem_facts()
    row = facts[problem.number]
    assert (row["incidents_before"], row["incidents_after"], row["incidents_avoided"]) == (3, 1, 2)
    # Resolved now: its after window has not passed.
    assert facts[recent.number]["incidents_after"] is None
    assert facts[recent.number]["incidents_avoided"] is None


def test_the_sync_keeps_the_facts_as_a_rebuild_makes_them(mail, desk):
    problem = raise_problem(at(3, 2), services=[mail], category="Email")
    incidents = [incident_at(at(3, day), service=mail) for day in (1, 3, 4)]
    sync()
    do_link_incidents(problem, [i.number for i in incidents[:2]], actor=None, at=at(3, 5))
    sync()
    assert incident_facts()[incidents[0].number]["problem"] == problem.number
    do_unlink_incident(problem, incidents[1].number, actor=None, at=at(3, 6))
    do_update_problem(
        problem, actor=None, expected_version=None, at=at(3, 6), workaround="Restart", owner=None
    )
    stamp(problem, at(3, 7), state="known_error", known_error_at=at(3, 2))
    sync()
    facts = incident_facts()
    assert facts[incidents[1].number]["problem"] is None  # unlinked: its row was refreshed
    assert facts[incidents[0].number]["known_error"] is False  # opened before Mar 2
    incident_at(at(3, 10), service=mail, category=category("Email"))
    stamp(problem, at(3, 20), state="resolved", resolved_at=at(3, 20))
    sync(batch_size=2)
    synced = (problem_facts(), incident_facts())
    assert synced[0][problem.number]["linked_incidents"] == 1
    assert synced[0][problem.number]["incidents_after"] == 0

    rebuild()
    rebuilt = (problem_facts(), incident_facts())
    assert synced == rebuilt


def test_a_late_incident_refreshes_the_fixed_problem_it_falls_around(mail):
    """An incident opened inside a fixed problem's window after the problem's last sync (an
    import of older history) changes its counts at the next sync."""
    problem = raise_problem(at(1, 5), services=[mail])
    stamp(problem, at(4, 1), state="resolved", resolved_at=at(4, 1))
    sync()
    assert problem_facts()[problem.number]["incidents_before"] == 0
    incident_at(at(3, 15), service=mail)
    sync()
    assert problem_facts()[problem.number]["incidents_before"] == 1
