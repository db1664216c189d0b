"""Agreements in a real browser: the service level manager records a customer, makes an SLA
with a priority 1 resolution target through the form, and reads on the SLA's page that the
network team's OLA behind it does not fit; a new version from tomorrow is offered filled in."""

import datetime as dt

import pytest
from django.utils import timezone

from kaizen.e2e.conftest import sign_in
from kaizen.people.models import Process, Role
from kaizen.people.services import do_grant_process_role
from kaizen.servicelevels.models import Agreement
from kaizen.servicelevels.services import do_create_agreement
from kaizen.sla.services import do_create_sla_definition
from kaizen.sla.tests.helpers import office_calendar
from kaizen.testing import PASSWORD, make_service, make_team, make_user

pytestmark = pytest.mark.browser


def test_an_sla_made_in_the_form_and_its_chain(page, live_server):
    url = live_server.url
    sam = make_user("sam", first_name="Sam", last_name="Level")
    do_grant_process_role(sam, Process.SERVICE_LEVEL, Role.MANAGER, actor=None)
    mail = make_service(name="Mail", slug="mail")
    office = office_calendar()
    do_create_sla_definition(
        actor=None,
        name="P1 resolution",
        kind="resolution",
        calendar=office,
        target_minutes=240,
        priorities=[1],
    )
    network = make_team("Network")
    do_create_agreement(
        actor=sam,
        kind="ola",
        name="Network support",
        owner=sam,
        provider_team=network,
        starts_on=dt.date(2026, 1, 1),
        calendar=office,
        services=[mail],
        status="active",
        targets=[{"metric": "resolution", "priority": 1, "minutes": 300, "attainment_percent": 95}],
    )

    sign_in(page, url, "sam", PASSWORD)
    page.goto(f"{url}/service-levels/customers/new/")
    page.fill("input[name=name]", "Finance")
    page.select_option("select[name=kind]", "department")
    page.click("#party-form button[type=submit]")
    page.wait_for_selector("h1:has-text('Finance')")

    page.goto(f"{url}/service-levels/agreements/new/?kind=sla")
    page.fill("input[name=name]", "Mail for Finance")
    page.select_option("select[name=customer]", label="Finance")
    page.select_option("select[name=status]", "active")
    page.fill("input[name=starts_on]", "2026-01-01")
    page.select_option("select[name=terms-calendar]", label=str(office))
    page.fill("input[name=terms-availability_percent]", "99.5")
    page.select_option("select[name=terms-services]", label="Mail")
    page.select_option("select[name=targets-0-metric]", "resolution")
    page.select_option("select[name=targets-0-priority]", "1")
    page.select_option("select[name=targets-0-sla_definition]", label="P1 resolution")
    page.fill("input[name=targets-0-attainment_percent]", "90")
    page.click("#agreement-form button[type=submit]")
    page.wait_for_selector("#chain")
    sla = Agreement.objects.get(kind="sla")
    assert page.url.endswith(sla.get_absolute_url())
    terms = page.locator("#terms-in-force").inner_text()
    assert "Resolution of priority 1 within 4 business hours (P1 resolution), for 90 %" in terms
    chain = page.locator("#chain").inner_text()
    assert "Network support" in chain and "Does not fit: 1 h too long" in chain

    page.click("a:has-text('New version of the terms')")
    page.wait_for_selector("#terms-form")
    assert page.input_value("input[name=availability_percent]") == "99.5"
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    page.fill("input[name=valid_from]", tomorrow.isoformat())
    page.fill("input[name=availability_percent]", "99.9")
    page.fill("input[name=note]", "Raised at the review")
    page.click("#terms-form button[type=submit]")
    page.wait_for_selector(f"#versions:has-text('from {tomorrow:%-d %b %Y}')")
    assert sla.versions.count() == 2
