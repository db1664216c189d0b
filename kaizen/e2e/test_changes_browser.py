"""A normal change from start to end in a real browser (Chromium through Playwright): raised
from the form, submitted, authorised by two CAB members, scheduled into a conflict that is
acknowledged, implemented, reviewed with the incident it caused confirmed, and closed."""

import datetime as dt

import pytest
from django.utils import timezone

from kaizen.changes import services as change_services
from kaizen.changes.models import CausedIncidentStatus, Change, State
from kaizen.changes.tests.cab_helpers import make_cab_member
from kaizen.changes.tests.factories import complete_fields
from kaizen.e2e.conftest import sign_in
from kaizen.incidents.tests.helpers import make_incident
from kaizen.people.models import Process, Role
from kaizen.people.services import do_grant_process_role
from kaizen.testing import PASSWORD, make_service, make_user

pytestmark = pytest.mark.browser


def local(moment: dt.datetime) -> str:
    """A datetime-local input's value, in the server's time zone (the test user's)."""
    return timezone.localtime(moment).strftime("%Y-%m-%dT%H:%M")


def test_a_normal_change_from_raising_to_closing(page, browser, live_server):
    url = live_server.url
    tom = make_user("tom", first_name="Tom", last_name="Baker")
    do_grant_process_role(tom, Process.CHANGE, Role.PRACTITIONER, actor=None)
    make_cab_member("ann", last_name="Archer")
    make_cab_member("bob", last_name="Brown")
    mail = make_service(name="Mail", slug="mail")
    start = (timezone.now() + dt.timedelta(days=3)).replace(second=0, microsecond=0)
    # Already booked on Mail in the same hours: the calendar will object.
    booked = change_services.do_raise_change(
        actor=tom,
        services=[mail],
        **complete_fields(
            title="Mail relay patch", planned_start=start, planned_end=start + dt.timedelta(hours=2)
        ),
    )
    for state in ("assess", "authorise"):
        change_services.do_move_change(booked, state, actor=tom, expected_version=None)
    change_services.do_decide_authorisation(booked, authorised=True, actor=None)
    change_services.do_move_change(booked, "scheduled", actor=tom, expected_version=None)
    booked.refresh_from_db()

    sign_in(page, url, "tom", PASSWORD)
    page.goto(f"{url}/changes/new/")
    page.fill("#id_title", "Upgrade the mail gateway to 10.2")
    page.fill("#id_description", "Apply vendor release 10.2 on both gateway nodes.")
    page.fill("#id_justification", "10.1 is out of support in April.")
    page.fill("#id_implementation_plan", "Fail over to node B, upgrade A, fail back, upgrade B.")
    page.fill("#id_backout_plan", "Reinstall 10.1 from the snapshot.")
    page.select_option("#id_services", label="Mail")
    page.fill("#id_planned_start", local(start + dt.timedelta(hours=1)))
    page.fill("#id_planned_end", local(start + dt.timedelta(hours=3)))
    page.select_option("#id_impact", "1")  # high impact: high risk, two CAB members decide
    page.click("#change-form button[type=submit]")
    page.wait_for_selector("text=raised as a draft")
    change = Change.objects.get(title="Upgrade the mail gateway to 10.2")
    assert change.risk == 3 and change.requester == tom

    page.click("button:has-text('Submit for assessment')")
    page.wait_for_selector("text=is now assess")
    page.click("button:has-text('Request authorisation')")
    page.wait_for_selector("text=is now authorise")
    assert "Waiting for its approvers" in page.locator("#state").inner_text()

    for name in ("ann", "bob"):
        context = browser.new_context(viewport={"width": 1400, "height": 1000})
        approver = context.new_page()
        sign_in(approver, url, name, PASSWORD)
        approver.goto(f"{url}/changes/{change.number}/")
        approver.locator("#authorisation button[value=approve]").click()
        approver.wait_for_load_state()
        context.close()
    change.refresh_from_db()
    assert change.authorised_at is not None

    page.goto(f"{url}/changes/{change.number}/")
    assert booked.number in page.locator("#schedule").inner_text()
    page.click("button:has-text('Schedule')")
    page.wait_for_selector("text=nobody acknowledged")
    change.refresh_from_db()
    assert change.state == State.AUTHORISE
    conflict = page.locator("#conflicts li", has_text=booked.number).first
    conflict.locator("textarea").fill("The relay patch does not touch the gateways.")
    conflict.locator("button:has-text('Acknowledge')").click()
    page.wait_for_selector("text=Acknowledged by Tom Baker")
    page.click("button:has-text('Schedule')")
    page.wait_for_selector("text=is now scheduled")

    page.click("#state button[data-bs-target='#move-implement']")
    page.wait_for_selector("#move-implement.show button[type=submit]", state="visible")
    page.click("#move-implement button[type=submit]")
    page.wait_for_selector("text=is now implement")
    # Mail breaks while the gateway is upgraded.
    incident = make_incident(make_user("rita"), service=mail, short_description="No mail")
    page.click("#state button[data-bs-target='#move-review']")
    page.wait_for_selector("#move-review.show button[type=submit]", state="visible")
    page.click("#move-review button[type=submit]")
    page.wait_for_selector("text=is now review")
    caused = page.locator("#caused")
    assert incident.number in caused.inner_text() and "Proposed" in caused.inner_text()
    caused.locator("button:has-text('Caused by it')").click()
    page.wait_for_selector("#caused .badge:has-text('Confirmed')")

    page.check("#review-form input[value=no]")
    page.fill("#review-form textarea", "Test the failover of the relay first.")
    page.click("#review-form button[type=submit]")
    page.wait_for_selector("text=Post-implementation review recorded.")
    # The state card's own toggle (not the messages' close buttons), then its form once shown.
    page.click("#state button[data-bs-target='#move-closed']")
    page.wait_for_selector("#move-closed.show #closure-code", state="visible")
    page.select_option("#closure-code", "failed")
    page.click("#move-closed button[type=submit]")
    # Closing runs the improvement and review listeners: give a loaded machine its time.
    page.wait_for_selector("text=is now closed", timeout=45_000)
    page.screenshot(path="/tmp/change-e2e-closed.png", full_page=True)

    change.refresh_from_db()
    assert change.state == State.CLOSED and change.closure_code == "failed"
    assert change.objectives_met is False and change.actual_start and change.actual_end
    link = change.caused_incidents.get()
    assert link.incident_number == incident.number
    assert link.status == CausedIncidentStatus.CONFIRMED and link.decided_by == tom
