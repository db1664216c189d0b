"""The problem KPIs of the library on a hand-made story of four problems and six incidents,
raised and linked through the services, synced into the analytics store and measured by
month; every figure worked out by hand below."""

import pytest

from kaizen.analytics.sync import sync
from kaizen.analytics.tests.problem_story import at, category, incident_at, raise_problem, stamp
from kaizen.kpis import engine, library
from kaizen.problems.services.links import do_link_incidents
from kaizen.problems.services.records import do_update_problem
from kaizen.testing import make_service

pytestmark = pytest.mark.django_db
MARCH, APRIL = "2026-03-01", "2026-04-01"


def analysed(problem, when, **fields):
    do_update_problem(problem, actor=None, expected_version=None, at=when, **fields)


@pytest.fixture
def story(analytics_store):
    """
    P1 (Mail, Email): raised Mar 2 09:00; root cause and workaround Mar 3 09:00 (24 h);
       known error Mar 4 09:00 (48 h); resolved Apr 10 09:00 (a fix).
    P2 (Mail): raised Mar 10 09:00; root cause Mar 20 09:00 (240 h); known error Mar 25
       09:00 (360 h), no workaround; closed risk accepted Apr 5 09:00.
    P3: raised Apr 2 09:00, new. P4: known only by reference (an import), first seen Mar 15.
    Incidents: I1 Mar 1 Mail/Email -> P1; I2 Mar 5 Mail/Email -> P1 (after its known error:
       a repeat); I3 Mar 6 Mail/Email; I4 Mar 20 Mail/Hardware -> P2 (before its known
       error); I5 Apr 20 Mail/Email; I6 Apr 21 Calendar/Email.
    """
    mail, calendar = make_service(slug="mail", name="Mail"), make_service(slug="calendar")
    email, hardware = category("Email"), category("Hardware")
    i1, i2, i3 = (incident_at(at(3, d), service=mail, category=email) for d in (1, 5, 6))
    i4 = incident_at(at(3, 20), service=mail, category=hardware)
    incident_at(at(4, 20), service=mail, category=email)
    incident_at(at(4, 21), service=calendar, category=email)

    p1 = raise_problem(at(3, 2), services=[mail], category="Email")
    analysed(p1, at(3, 3), root_cause="Queue full", workaround="Restart the queue")
    stamp(p1, at(3, 4), state="known_error", known_error_at=at(3, 4))
    do_link_incidents(p1, [i1.number, i2.number], actor=None, at=at(3, 5, 10))
    stamp(p1, at(4, 10), state="resolved", resolved_at=at(4, 10))

    p2 = raise_problem(at(3, 10), services=[mail])
    do_link_incidents(p2, [i4.number], actor=None, at=at(3, 20, 10))
    analysed(p2, at(3, 20), root_cause="Old disks")
    stamp(p2, at(3, 25), state="known_error", known_error_at=at(3, 25))
    stamp(
        p2,
        at(4, 5),
        state="closed",
        closure_code="risk_accepted",
        closed_at=at(4, 5),
        risk_review_on=at(10, 1).date(),
    )

    raise_problem(at(4, 2))
    raise_problem(
        at(3, 15),
        number="Problem ID 1",
        origin="imported",
        reference_only=True,
        imported_from="servicenow",
    )
    assert i3  # of P1's kind, never linked
    sync()


EXPECTED = {
    # opened, by opened_at: P1, P2, P4 | P3
    "problem.opened": {MARCH: (3, 3), APRIL: (1, 1)},
    # at Apr 1 00:00: P1 (Mar 4 .. Apr 10) and P2 (Mar 25 .. Apr 5) | at May 1: none
    "problem.known_errors_open": {MARCH: (2, 2), APRIL: (0, 0)},
    # 24 and 240 hours: median 132
    "problem.root_cause_hours_median": {MARCH: (132, 2)},
    # 48 and 360 hours: median 204
    "problem.known_error_hours_median": {MARCH: (204, 2)},
    # P1 yes, P2 no (P4 left out: by reference) | P3 no
    "problem.workaround_pct": {MARCH: (50, 2), APRIL: (0, 1)},
    # I1, I2, I4 of four | none of two
    "problem.incidents_with_problem_pct": {MARCH: (75, 4), APRIL: (0, 2)},
    # I2 of four | none of two
    "problem.repeat_incidents_pct": {MARCH: (25, 4), APRIL: (0, 2)},
    # P1, resolved Apr 10: of its kind I1, I2, I3 in the 8 weeks before, I5 after: 3 - 1
    "problem.incidents_avoided": {APRIL: (2, 1)},
}


def test_every_problem_kpi_of_the_library_is_measured_and_under_test():
    keys = {d.key for d in library.library() if d.process == "problem"}
    assert keys == set(EXPECTED)
    assert all(library.get_kpi(key).measurable for key in keys)


@pytest.mark.parametrize("key", sorted(EXPECTED))
def test_it_measures_each_problem_kpi(story, key):
    result = engine.compute(library.get_kpi(key), period="month")
    got = {row["period"]: (row["value"], row["n"]) for row in result.rows if row["n"]}
    expected = {period: figures for period, figures in EXPECTED[key].items() if figures[1]}
    assert got.keys() == expected.keys()
    for period, (value, n) in expected.items():
        assert got[period][1] == n, period
        assert got[period][0] == pytest.approx(value), period


def test_open_known_errors_are_counted_at_each_month_s_end(story):
    result = engine.compute(library.get_kpi("problem.known_errors_open"), period="month")
    got = {row["period"]: row["value"] for row in result.rows}
    assert got[MARCH] == 2 and got.get(APRIL) in (0, None)


def test_problems_opened_break_down_by_service(story):
    result = engine.compute(library.get_kpi("problem.opened"), period="all", by=["service"])
    got = {row["service"]: row["value"] for row in result.rows}
    assert got == {"Mail": 2, None: 2}
