"""Availability in a real browser (Chromium through Playwright): a major incident on a service
proposes an outage; the service level manager finds it waiting, confirms it with the time
service came back, reads the service's availability with the outage behind the figures, and
then the customer's service level report of the period, from the agreement's page."""

import datetime as dt

import pytest
from django.utils import timezone

from kaizen.availability.models import Outage, OutageStatus
from kaizen.availability.proposals import do_propose_outages
from kaizen.availability.services import do_set_availability_target
from kaizen.e2e.conftest import sign_in
from kaizen.incidents import services as incident_services
from kaizen.incidents.tests.helpers import make_incident
from kaizen.incidents.tests.helpers import move as move_incident
from kaizen.people.models import Process, Role
from kaizen.people.services import do_grant_process_role
from kaizen.servicelevels.services import do_create_agreement, do_create_customer
from kaizen.sla.tests.config_helpers import make_calendar
from kaizen.testing import PASSWORD, make_service, make_user

pytestmark = pytest.mark.browser


def test_a_major_incident_proposes_an_outage_the_manager_confirms(page, live_server):
    url = live_server.url
    sam = make_user("sam", first_name="Sam", last_name="Level")
    do_grant_process_role(sam, Process.SERVICE_LEVEL, Role.MANAGER, actor=None)
    mail = make_service(name="Mail", slug="mail")
    now = timezone.now().replace(second=0, microsecond=0)
    # Round the clock, so the test reads the same whatever the hour it runs.
    always = make_calendar(
        "Round the clock",
        time_zone="UTC",
        holiday_country="",
        holiday_subdivision="",
        closures=[],
        periods=[(day, dt.time(0), dt.time(0)) for day in range(7)],
    )
    agreed_from = (now - dt.timedelta(days=400)).date()
    do_set_availability_target(
        mail, actor=None, valid_from=agreed_from, target_percent=99.9, calendar=always
    )
    sla = do_create_agreement(
        actor=sam,
        kind="sla",
        name="Mail for Finance",
        owner=sam,
        customer=do_create_customer(actor=sam, name="Finance", kind="department"),
        starts_on=agreed_from,
        calendar=always,
        services=[mail],
        status="active",
        availability_percent="99.9",
    )
    opened = now - dt.timedelta(hours=3)
    incident = make_incident(service=mail, short_description="Mail down", at=opened)
    incident_services.do_update_incident(
        incident, actor=None, expected_version=None, major_incident=True
    )
    move_incident(incident, "in_progress", "resolved", at=now - dt.timedelta(minutes=30))
    assert do_propose_outages().proposed == 1
    outage = Outage.objects.get()

    sign_in(page, url, "sam", PASSWORD)
    page.goto(f"{url}/availability/")
    page.click("a:has-text('waiting for confirmation')")
    page.click(f"a:has-text('{outage.number}')")
    page.wait_for_selector("#confirm")
    # Service came back with the workaround 90 minutes after the incident was opened.
    restored = timezone.localtime(opened + dt.timedelta(minutes=90))
    page.fill("#confirm input[name=ended_at]", restored.strftime("%Y-%m-%dT%H:%M"))
    page.click("#confirm button[type=submit]")
    page.wait_for_selector("#outage-badges:has-text('Confirmed')")
    outage.refresh_from_db()
    assert outage.status == OutageStatus.CONFIRMED and outage.confirmed_by == sam
    assert outage.ended_at == opened + dt.timedelta(minutes=90)

    page.goto(f"{url}/availability/services/mail/")
    behind = page.locator("#outages").inner_text()
    assert outage.number in behind and "1 h 30 min" in behind
    months = page.locator("#months").inner_text()
    # 99.9 % of a month round the clock allows about 43 minutes.
    assert "1 h 30 min" in months and "Missed" in months

    page.goto(f"{url}{sla.get_absolute_url()}")
    page.click("a:has-text('Service level report')")
    page.wait_for_selector("#report")
    first_day = timezone.localdate(opened)
    page.fill("#period-from", first_day.isoformat())
    page.fill("#period-to", timezone.localdate().isoformat())
    page.click("button:has-text('Show')")
    page.wait_for_selector(f"#availability:has-text('{outage.number}')")
    assert "1 h 30 min" in page.locator("#availability").inner_text()
    assert "Mail availability" in page.locator("#verdict").inner_text()
