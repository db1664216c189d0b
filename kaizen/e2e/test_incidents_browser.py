"""The main path in a real browser: a requester reports, an agent picks it up from the queue
and resolves it, the requester reads the resolution; an agent changes what an incident on hold
waits for (Chromium through Playwright)."""

import re

import pytest

from kaizen.e2e.conftest import sign_in
from kaizen.incidents import services
from kaizen.incidents.models import Incident
from kaizen.people.models import UserKind
from kaizen.testing import PASSWORD, make_service, make_team, make_user

pytestmark = pytest.mark.browser


def test_it_takes_an_incident_from_report_to_resolution(page, browser, live_server):
    emma = make_user("emma", kind=UserKind.REQUESTER, first_name="Emma", last_name="Jones")
    tom = make_user("tom", first_name="Tom", last_name="Baker")
    make_team("Service Desk", slug="service-desk", members=[tom])
    make_service("Email and Calendar", slug="email")

    sign_in(page, live_server.url, "emma", PASSWORD)
    page.goto(f"{live_server.url}/incidents/report/")
    page.fill("#id_short_description", "Outlook keeps asking for my password")
    page.fill("#id_description", "Since this morning, every five minutes.")
    page.select_option("#id_service", label="Email and Calendar")
    page.select_option("#id_urgency", label="It slows my work down")
    page.click("main form button[type=submit]")
    # The number counter is not reset between browser tests, so read the number it got.
    page.wait_for_url(re.compile(r"/incidents/INC\d+/$"))
    number = page.url.rstrip("/").rsplit("/", 1)[-1]
    assert "is recorded" in page.locator("main").inner_text()

    agent_context = browser.new_context(viewport={"width": 1400, "height": 1000})
    agent = agent_context.new_page()
    sign_in(agent, live_server.url, "tom", PASSWORD)
    agent.goto(f"{live_server.url}/incidents/queues/unassigned/")
    agent.locator(".row-select").first.check()
    assert agent.inner_text("#bulk-count") == "1"
    agent.select_option("#bulk_assignment_group", label="Service Desk")
    agent.select_option("#bulk_assignee", label="Tom Baker")
    agent.click("button[value=assign]")
    agent.wait_for_selector("text=Assigned 1 incident.")
    agent.goto(f"{live_server.url}/incidents/queues/mine/")
    agent.get_by_role("link", name=number).click()
    agent.click("button[data-bs-target='#resolve-form']")
    agent.wait_for_selector("#resolve-form.show")
    agent.select_option("#resolution-code", "solved")
    agent.fill("#resolution-notes", "Re-created your Outlook profile.")
    agent.click("#resolve-form button[type=submit]")
    agent.wait_for_selector(f"text={number} is now resolved.")
    agent_context.close()

    page.goto(f"{live_server.url}/incidents/{number}/")
    assert "Re-created your Outlook profile." in page.locator("#resolution").inner_text()
    incident = Incident.objects.get()
    assert (incident.caller, incident.assignee, incident.state) == (emma, tom, "resolved")
    assert incident.first_responded_at is not None


def test_it_changes_what_an_incident_on_hold_waits_for(page, live_server):
    tom = make_user("tom", first_name="Tom", last_name="Baker")
    rita = make_user("rita", kind=UserKind.REQUESTER, first_name="Rita", last_name="Jones")
    incident = services.do_open_incident(
        actor=tom, caller=rita, short_description="Printer on floor 2 jams", impact=2, urgency=2
    )

    sign_in(page, live_server.url, "tom", PASSWORD)
    page.goto(f"{live_server.url}/incidents/{incident.number}/")
    page.click("button[data-bs-target='#hold-form']")
    page.wait_for_selector("#hold-form.show")
    page.select_option("#hold-reason", "awaiting_vendor")
    page.click("#hold-form button[type=submit]")
    page.wait_for_selector(f"text={incident.number} is now on hold.")
    assert "awaiting vendor" in page.inner_text("#hold-reason-now")

    page.click("button[data-bs-target='#hold-reason-form']")
    page.wait_for_selector("#hold-reason-form.show")
    offered = page.locator("#new-hold-reason option").all_inner_texts()
    assert offered == ["—", "Awaiting caller", "Awaiting problem", "Awaiting change"]
    page.select_option("#new-hold-reason", "awaiting_caller")
    page.click("#hold-reason-form button[type=submit]")
    page.wait_for_selector(f"text={incident.number} is on hold: awaiting caller.")
    assert "awaiting caller" in page.inner_text("#hold-reason-now")
    assert "On hold: awaiting caller" in page.inner_text("#incident-badges")
    assert "On-hold reason changed" in page.inner_text("#timeline")

    incident.refresh_from_db()
    assert (incident.state, incident.on_hold_reason) == ("on_hold", "awaiting_caller")
    assert incident.first_responded_at is None
