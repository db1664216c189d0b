"""Risk-accepted problems come back for review on their day, once, with the cost of their
incidents since the acceptance; the journal line reads in words."""

import datetime as dt

import pytest

from kaizen.analytics.problem_review import announce_risk_reviews
from kaizen.analytics.sync import sync
from kaizen.analytics.tests.problem_story import at, category, incident_at, raise_problem, stamp
from kaizen.incidents.tests.helpers import move
from kaizen.journal.events import EventType
from kaizen.journal.presenting import present
from kaizen.journal.selectors import timeline_for
from kaizen.journal.tests.test_event_texts import lines_of
from kaizen.notifications.models import Notification
from kaizen.people import services as people_services
from kaizen.people.models import Process, Role
from kaizen.problems.services.links import do_link_incidents
from kaizen.testing import make_service, make_user

pytestmark = pytest.mark.django_db
REVIEW_ON = dt.date(2026, 6, 1)


@pytest.fixture
def accepted(office, settings, agent):
    """Mail/Email problem owned by the agent, risk accepted Mar 2 09:00, review Jun 1. Since
    then: a Mail/Email incident Mar 3 10:00 resolved 13:00 (3 business hours), another Mar 4
    (open), a Calendar incident linked to it on Mar 5 resolved after 1 business hour. Not
    counted: a Mail/Email incident of Mar 1 (before the acceptance)."""
    settings.KAIZEN_REPORTING_CALENDAR = "office"
    settings.TIME_ZONE = "UTC"
    mail_service, calendar = make_service(slug="mail", name="Mail"), make_service(slug="cal")
    email = category("Email")
    problem = raise_problem(at(2, 1), services=[mail_service], category="Email", owner=agent)
    incident_at(at(3, 1), service=mail_service, category=email)
    first = incident_at(at(3, 3, 10), service=mail_service, category=email)
    move(first, "in_progress", "resolved", at=at(3, 3, 13))
    incident_at(at(3, 4), service=mail_service, category=email)
    linked = incident_at(at(3, 5, 10), service=calendar)
    move(linked, "in_progress", "resolved", at=at(3, 5, 11))
    do_link_incidents(problem, [linked.number], actor=None, at=at(3, 6))
    problem = stamp(
        problem,
        at(3, 2),
        state="closed",
        closure_code="risk_accepted",
        closed_at=at(3, 2),
        risk_review_on=REVIEW_ON,
    )
    sync()
    return problem


def test_it_tells_the_owner_on_the_review_day_with_the_cost_since(accepted, agent):
    assert announce_risk_reviews(today=REVIEW_ON - dt.timedelta(days=1)) == {"announced": 0}
    assert announce_risk_reviews(today=REVIEW_ON) == {"announced": 1}
    (notice,) = Notification.objects.filter(category="problem_risk_review")
    assert notice.recipient == agent
    assert (
        notice.subject == f"[{accepted.number}] Accepted risk due for review: Mail keeps dropping"
    )
    assert "reviewed on 1 Jun 2026" in notice.text
    assert "Since then: 3 incidents of its kind or linked to it, 4 business hours" in notice.text
    (event,) = [
        e for e in timeline_for(accepted) if e.event_type == EventType.PROBLEM_RISK_REVIEW_DUE
    ]
    assert event.data == {"review_on": "2026-06-01", "incidents": 3, "business_hours": 4.0}
    assert lines_of(present([event], None)[0]) == [
        "Review due on: 1 Jun 2026",
        "Incidents since the risk was accepted: 3",
        "Business hours to resolve them: 4",
    ]


def test_it_announces_a_review_once_and_again_when_the_day_moves(accepted):
    assert announce_risk_reviews(today=REVIEW_ON + dt.timedelta(days=3))["announced"] == 1
    assert announce_risk_reviews(today=REVIEW_ON + dt.timedelta(days=4))["announced"] == 0
    stamp(accepted, at(6, 2), risk_review_on=dt.date(2026, 9, 1))
    assert announce_risk_reviews(today=dt.date(2026, 9, 1))["announced"] == 1
    assert Notification.objects.filter(category="problem_risk_review").count() == 2


def test_without_an_owner_the_problem_managers_are_told(accepted):
    manager = make_user("pam", email="pam@example.org")
    people_services.do_grant_process_role(manager, Process.PROBLEM, Role.MANAGER, actor=None)
    stamp(accepted, at(3, 3), owner=None)
    announce_risk_reviews(today=REVIEW_ON)
    (notice,) = Notification.objects.filter(category="problem_risk_review")
    assert notice.recipient == manager
