"""The main path in a real browser: a requester reports, an agent picks it up from the queue
and resolves it, the requester reads the resolution (Chromium through Playwright).

Not collected with the suite (the name does not start with test_): kaizen/e2e/ keeps one
Playwright browser for the whole session, and a second one in this folder cannot start while
it runs. Its home is kaizen/e2e/test_incidents_browser.py; until it moves there, run it alone:
`.venv/bin/pytest kaizen/incidents/tests/browser_main_path.py`.
"""

import pytest

from kaizen.e2e.conftest import browser, page, sign_in  # noqa: F401 - fixtures
from kaizen.incidents.models import Incident
from kaizen.people.models import UserKind
from kaizen.testing import PASSWORD, make_service, make_team, make_user

pytestmark = pytest.mark.browser


def test_it_takes_an_incident_from_report_to_resolution(page, browser, live_server):  # noqa: F811
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
    page.wait_for_url(f"{live_server.url}/incidents/INC0000001/")
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
    agent.get_by_role("link", name="INC0000001").click()
    agent.click("button[data-bs-target='#resolve-form']")
    agent.wait_for_selector("#resolve-form.show")
    agent.select_option("#resolution-code", "solved")
    agent.fill("#resolution-notes", "Re-created your Outlook profile.")
    agent.click("#resolve-form button[type=submit]")
    agent.wait_for_selector("text=INC0000001 is now resolved.")
    agent_context.close()

    page.goto(f"{live_server.url}/incidents/INC0000001/")
    assert "Re-created your Outlook profile." in page.locator("#resolution").inner_text()
    incident = Incident.objects.get()
    assert (incident.caller, incident.assignee, incident.state) == (emma, tom, "resolved")
    assert incident.first_responded_at is not None
