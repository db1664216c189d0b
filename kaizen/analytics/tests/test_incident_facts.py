"""One fact row per incident, from incidents opened and worked through the incident services."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from kaizen.analytics.sync import sync
from kaizen.analytics.tests.helpers import incident_facts
from kaizen.incidents import services
from kaizen.incidents.models import Incident
from kaizen.incidents.tests.helpers import last_event, make_incident, move
from kaizen.sla.services import do_create_calendar, do_create_sla_definition
from kaizen.sla.tests.helpers import freeze_sla_time
from kaizen.testing import make_offering, make_service

pytestmark = pytest.mark.django_db

LONDON = ZoneInfo("Europe/London")


def london(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).replace(tzinfo=LONDON)


def weekend_incident(resolved: str = "2026-03-09 10:00", **fields):
    """Opened Friday 6 March 2026 16:00 London (GMT), first response 16:30, resolved (by
    default) Monday 9 March 10:00."""
    incident = make_incident(at=london("2026-03-06 16:00"), **fields)
    incident = move(incident, "in_progress", at=london("2026-03-06 16:30"))
    return move(incident, "resolved", at=london(resolved))


@pytest.fixture
def p3_resolution(office):
    """Resolution of priority 3 incidents (impact and urgency medium) in 8 office hours."""
    return do_create_sla_definition(
        actor=None,
        name="P3 resolution",
        kind="resolution",
        target_minutes=8 * 60,
        calendar=office,
        priorities=[3],
    )


def test_it_measures_wall_and_business_hours_across_a_weekend(office, settings):
    settings.KAIZEN_REPORTING_CALENDAR = "office"
    incident = weekend_incident()
    sync()
    fact = incident_facts()[incident.number]
    # Friday 16:00 -> Monday 10:00 is 66 hours; on 09:00-17:00 weekdays it is Friday 16-17
    # and Monday 09-10: 2 business hours.
    assert fact["resolution_hours"] == 66.0
    assert fact["resolution_business_hours"] == 2.0
    assert fact["first_response_hours"] == 0.5
    assert fact["first_response_business_hours"] == 0.5


def test_it_leaves_business_hours_empty_without_a_calendar(office):
    incident = weekend_incident()
    sync()
    fact = incident_facts()[incident.number]
    assert fact["resolution_hours"] == 66.0
    assert fact["resolution_business_hours"] is None
    assert fact["first_response_business_hours"] is None


def test_it_measures_on_the_resolution_clocks_calendar_before_the_reporting_one(
    p3_resolution, settings
):
    do_create_calendar(
        actor=None,
        name="Long days",
        slug="long-days",
        time_zone="Europe/London",
        periods=[(day, dt.time(8), dt.time(18)) for day in range(5)],
    )
    settings.KAIZEN_REPORTING_CALENDAR = "long-days"
    clocked = weekend_incident(impact=2, urgency=2)  # priority 3: has a resolution clock
    unclocked = weekend_incident()  # priority 5: no clock, so the reporting calendar
    sync()
    facts = incident_facts()
    # Office 09:00-17:00: Friday 16-17 + Monday 09-10. Long days 08:00-18:00: Friday 16-18 +
    # Monday 08-10.
    assert facts[clocked.number]["resolution_business_hours"] == 2.0
    assert facts[unclocked.number]["resolution_business_hours"] == 4.0


def record_sla_verdict(incident: Incident, met: bool) -> None:
    # What an importer stores from the tool it reads; no incident service writes this field.
    Incident.objects.filter(pk=incident.pk).update(recorded_sla_met=met)


def test_it_takes_the_sla_verdict_from_kaizens_clock_else_the_recorded_one(
    p3_resolution, monkeypatch
):
    # Open incidents' clocks are measured at the time of their last write: Tuesday noon (12
    # business hours since Friday 16:00, breached) for the first, Friday 17:00 (1 hour, still
    # running) for every later one.
    freeze_sla_time(monkeypatch, "2026-03-10 12:00")
    open_breached = make_incident(impact=2, urgency=2, at=london("2026-03-06 16:00"))
    record_sla_verdict(open_breached, True)
    freeze_sla_time(monkeypatch, "2026-03-06 17:00")
    met = weekend_incident(impact=2, urgency=2)  # 2 business hours of 8
    # Friday 16-17, Monday 09-17, Tuesday 09-12: 12 business hours of 8.
    breached = weekend_incident(resolved="2026-03-10 12:00", impact=2, urgency=2)
    met_but_recorded_missed = weekend_incident(impact=2, urgency=2)
    record_sla_verdict(met_but_recorded_missed, False)
    recorded_missed = weekend_incident()  # priority 5: no clock
    record_sla_verdict(recorded_missed, False)
    still_running = make_incident(impact=2, urgency=2, at=london("2026-03-06 16:00"))
    record_sla_verdict(still_running, True)
    unmeasured = weekend_incident()
    sync()
    verdicts = {
        number: (fact["sla_met"], fact["sla_source"]) for number, fact in incident_facts().items()
    }
    assert verdicts == {
        open_breached.number: (False, "kaizen"),  # breached is settled, even while open
        met.number: (True, "kaizen"),
        breached.number: (False, "kaizen"),
        met_but_recorded_missed.number: (True, "kaizen"),
        recorded_missed.number: (False, "recorded"),
        still_running.number: (True, "recorded"),  # the running clock has no verdict yet
        unmeasured.number: (None, None),
    }


@pytest.fixture
def p3_response(office):
    """First response to priority 3 incidents within 1 office hour."""
    return do_create_sla_definition(
        actor=None,
        name="P3 response",
        kind="response",
        target_minutes=60,
        calendar=office,
        priorities=[3],
    )


def test_it_takes_the_response_verdict_from_kaizens_response_clock(p3_response, monkeypatch):
    # Open incidents' clocks are measured at the time of their last write: Tuesday noon for
    # the first (12 business hours since Friday 16:00 without a response: breached), Friday
    # 16:30 (half an hour of the hour: still running) for every later one.
    freeze_sla_time(monkeypatch, "2026-03-10 12:00")
    waiting_breached = make_incident(impact=2, urgency=2, at=london("2026-03-06 16:00"))
    freeze_sla_time(monkeypatch, "2026-03-06 16:30")
    met = weekend_incident(impact=2, urgency=2)  # responded after half an hour
    # Responded Monday 10:00: Friday 16-17 and Monday 09-10, 2 business hours of 1.
    late = make_incident(impact=2, urgency=2, at=london("2026-03-06 16:00"))
    late = move(late, "in_progress", at=london("2026-03-09 10:00"))
    still_running = make_incident(impact=2, urgency=2, at=london("2026-03-06 16:00"))
    no_clock = weekend_incident()  # priority 5: no response target
    recorded_only = weekend_incident()  # an imported tool's verdict is the resolution's
    record_sla_verdict(recorded_only, True)
    sync()
    facts = incident_facts()
    assert {number: fact["response_sla_met"] for number, fact in facts.items()} == {
        waiting_breached.number: False,  # breached is settled, even before any response
        met.number: True,
        late.number: False,
        still_running.number: None,
        no_clock.number: None,
        recorded_only.number: None,
    }
    # A response target alone says nothing of the resolution.
    assert facts[met.number]["sla_met"] is None


def test_it_counts_first_contact_resolution_only_for_settled_first_touch_incidents(
    agent, bob, desk
):
    at = london("2026-03-02 09:00")
    first_touch = move(
        make_incident(assignment_group=desk, assignee=agent, at=at), "in_progress", "resolved"
    )
    closed_first_touch = move(
        make_incident(assignment_group=desk, assignee=agent, at=at),
        "in_progress",
        "resolved",
        "closed",
    )
    reassigned = make_incident(assignment_group=desk, assignee=agent, at=at)
    reassigned = services.do_assign_incident(
        reassigned, assignment_group=desk, assignee=bob, actor=None, expected_version=None
    )
    reassigned = move(reassigned, "in_progress", "resolved")
    reopened = move(make_incident(assignment_group=desk, at=at), "in_progress", "resolved")
    reopened = move(reopened, "in_progress", "resolved")
    still_open = move(make_incident(assignment_group=desk, at=at), "in_progress")
    cancelled = move(make_incident(at=at), "cancelled")
    sync()
    fcr = {number: fact["first_contact_resolution"] for number, fact in incident_facts().items()}
    assert fcr == {
        first_touch.number: True,
        closed_first_touch.number: True,
        reassigned.number: False,
        reopened.number: False,
        still_open.number: None,
        cancelled.number: None,
    }


def test_it_stores_times_as_wall_clock_time_in_the_reporting_zone(settings):
    settings.TIME_ZONE = "Europe/London"
    # 3 July 2026 16:00 in London is 15:00 UTC (summer time).
    incident = make_incident(at=dt.datetime(2026, 7, 3, 15, 0, tzinfo=dt.UTC))
    sync()
    assert incident_facts()[incident.number]["opened_at"] == dt.datetime(2026, 7, 3, 16, 0)


def test_it_stores_times_in_utc_when_that_is_the_reporting_zone(settings):
    settings.TIME_ZONE = "UTC"
    incident = make_incident(at=dt.datetime(2026, 7, 3, 15, 0, tzinfo=dt.UTC))
    sync()
    assert incident_facts()[incident.number]["opened_at"] == dt.datetime(2026, 7, 3, 15, 0)


def test_it_fills_every_dimension_by_the_names_people_see(agent, desk, requester):
    email = make_service("Email", slug="email")
    mailbox = make_offering(email, "Mailbox access")
    incident = make_incident(
        caller=requester,
        assignment_group=desk,
        assignee=agent,
        service=email,
        offering=mailbox,
        channel="email",
        impact=1,
        urgency=2,
        major_incident=True,
        at=london("2026-03-02 09:00"),
    )
    sync()
    fact = incident_facts()[incident.number]
    assert fact == fact | {
        "incident_id": incident.pk,
        "imported_from": "",
        "state": "assigned",
        "is_open": True,
        "priority": 2,  # impact high x urgency medium: 2 - High
        "impact": 1,
        "urgency": 2,
        "channel": "email",
        "service": "Email",
        "offering": "Email: Mailbox access",
        "ci": None,
        "location": None,
        "category": None,
        "subcategory": None,
        "team": "Service desk",
        "assignee": "Alan Agent",
        "caller": "Rita Requester",
        "major_incident": True,
        "reassignment_count": 0,
        "reopen_count": 0,
        "first_responded_at": None,
        "first_response_hours": None,
        "resolution_hours": None,
        "first_contact_resolution": None,
        "last_event_id": last_event(incident).pk,
    }
