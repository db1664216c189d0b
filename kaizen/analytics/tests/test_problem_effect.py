"""The fix's effect on a hand-computed example: a problem on Mail/Email resolved Wed 1 April
2026 09:00, its kind's incidents counted week by week either side."""

import datetime as dt

import pytest
from django.template.loader import render_to_string

from kaizen.analytics.problem_effect import measure_fix_effect
from kaizen.analytics.sync import sync
from kaizen.analytics.tests.problem_story import at, category, incident_at, raise_problem, stamp
from kaizen.incidents.tests.helpers import move
from kaizen.problems import hooks
from kaizen.testing import make_service

pytestmark = pytest.mark.django_db
RESOLVED = at(4, 1)
WEEK = dt.timedelta(weeks=1)
BEFORE = [3, 2, 4, 3, 3, 2, 4, 3]  # weeks -8 .. -1: 24 incidents, median 3
AFTER = [0, 1, 0, 0, 1, 0, 0, 0]  # weeks 0 .. 7: 2 incidents, median 0
LATER = RESOLVED + 20 * WEEK


@pytest.fixture
def fixed(office, settings):
    """Each week's incidents are opened on its Thursday (a day after the week starts) at
    10:00, 11:00... UTC. Three are resolved, in business hours of the office calendar (Mon-Fri
    09:00-17:00 London, the reporting calendar): in week -8, the 10:00 one at 12:00 (2 business
    hours) and the 11:00 one at 16:00 (5); in week 1, after 1 (BST: 11:00 to 12:00 in
    London). Noise: a Mail incident of another category
    and a cancelled one in week -1; an Email incident on another service in week 2."""
    settings.KAIZEN_REPORTING_CALENDAR = "office"
    mail, other = make_service(slug="mail", name="Mail"), make_service(slug="calendar")
    email = category("Email")
    problem = raise_problem(at(1, 5), services=[mail], category="Email")
    opened = []
    for week, count in zip(range(-8, 8), BEFORE + AFTER, strict=True):
        thursday = RESOLVED + week * WEEK + dt.timedelta(days=1, hours=1)
        opened.append(
            [
                incident_at(thursday + j * dt.timedelta(hours=1), service=mail, category=email)
                for j in range(count)
            ]
        )
    first, second = opened[0][:2]
    move(first, "in_progress", "resolved", at=at(2, 5, 12))
    move(second, "in_progress", "resolved", at=at(2, 5, 16))
    move(opened[9][0], "in_progress", "resolved", at=at(4, 9, 11))
    week_before = RESOLVED - WEEK + dt.timedelta(days=2)
    incident_at(week_before, service=mail, category=category("Hardware"))
    move(incident_at(week_before, service=mail, category=email), "cancelled")
    incident_at(RESOLVED + 2 * WEEK + dt.timedelta(days=1), service=other, category=email)
    problem = stamp(problem, RESOLVED, state="resolved", resolved_at=RESOLVED)
    sync()
    return problem


def test_it_compares_equal_windows_of_weeks_before_and_after_the_fix(fixed):
    effect = measure_fix_effect(fixed, now=LATER)
    figures = effect.figures
    assert effect.verdict == "reduced"
    assert figures["kind"] == "incidents on Mail in the category Email"
    assert (figures["weeks"], figures["before_weekly"], figures["after_weekly"]) == (
        8,
        BEFORE,
        AFTER,
    )
    assert (figures["before_incidents"], figures["after_incidents"]) == (24, 2)
    assert (figures["before_business_hours"], figures["after_business_hours"]) == (7.0, 1.0)
    assert figures["unmeasured"] == 23  # 26 incidents, 3 resolved
    test = figures["incidents_test"]
    # Every one of the 8 x 8 (before, after) pairs has the before week higher: U = 64.
    assert test["u_statistic"] == 64 and test["effect_size"] == -1
    assert (test["median_before"], test["median_after"], test["difference"]) == (3, 0, -3)
    assert test["significant"] and test["p_value"] < 0.001
    assert effect.summary.startswith(
        "In the 8 weeks after the fix on 1 Apr 2026, 2 incidents on Mail in the category "
        "Email were opened against 24 in the 8 weeks before (fewer than chance would explain)"
    )
    assert effect.chart["svg"].startswith("<svg") and "1 Apr 2026" in effect.chart["title"]


def test_the_kpi_counts_the_same_incidents(fixed):
    from kaizen.analytics.tests.helpers import rows

    (row,) = [r for r in rows("problem_facts", "problem_id") if r["number"] == fixed.number]
    assert (row["incidents_before"], row["incidents_after"], row["incidents_avoided"]) == (
        24,
        2,
        22,
    )


def test_it_is_too_early_before_four_weeks_have_passed(fixed):
    effect = measure_fix_effect(fixed, now=RESOLVED + 4 * WEEK - dt.timedelta(minutes=1))
    assert effect.verdict == "too_early"
    assert "compared from 29 Apr 2026" in effect.summary
    # Four weeks on, the four weeks after are compared with the four before: 2, 4, 3 and 3
    # ... against 0, 1, 0, 0.
    effect = measure_fix_effect(fixed, now=RESOLVED + 4 * WEEK)
    assert effect.figures["weeks"] == 4
    assert effect.figures["before_weekly"] == BEFORE[4:]
    assert effect.figures["after_weekly"] == AFTER[:4]


def test_a_problem_not_fixed_has_no_effect_and_one_without_a_kind_no_data(db):
    assert measure_fix_effect(raise_problem(at(3, 1))) is None  # not resolved
    accepted = stamp(
        raise_problem(at(3, 1), category="Email"),
        at(3, 2),
        state="closed",
        closure_code="risk_accepted",
        resolved_at=at(3, 2),
    )
    assert measure_fix_effect(accepted) is None
    kindless = stamp(raise_problem(at(3, 1)), at(3, 2), state="resolved", resolved_at=at(3, 2))
    effect = measure_fix_effect(kindless)
    assert effect.verdict == "no_data" and "names no service" in effect.summary


def test_the_problem_page_hook_is_registered_and_the_include_renders_it(fixed):
    effect = hooks.fix_effect(fixed)  # measured now: the 8 weeks have long passed
    assert effect is not None and effect.verdict == "reduced"
    html = render_to_string("problems/_fix_effect.html", {"fix_effect": effect})
    assert "Fewer incidents after the fix" in html
    assert "2 incidents on Mail" in html and "<svg" in html
    assert "24" in html and "reduced" not in html  # the label, never the key
