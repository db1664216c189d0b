"""Problem management in a real browser (Chromium through Playwright): a problem manager
accepts a candidate the nightly scan found, records the root cause and the workaround with the
five whys, moves it to known error and publishes the known error; an agent then reports a new
incident of the same kind, is offered the known error while typing, and applies it from the
incident's page (the incident is linked and the workaround is its work note)."""

import datetime as dt

import pytest
from django.utils import timezone

from kaizen.e2e.conftest import sign_in
from kaizen.incidents.models import Incident
from kaizen.incidents.tests.helpers import make_incident
from kaizen.people.models import Process, Role, UserKind
from kaizen.people.services import do_grant_process_role
from kaizen.problems.models import Candidate, KnownError, LinkedIncident, Problem, State
from kaizen.problems.services.candidates import do_scan_candidates
from kaizen.testing import PASSWORD, make_service, make_user

pytestmark = pytest.mark.browser
SHORT = "VPN drops right after login"
WORKAROUND = "Connect to the second gateway (vpn2.example.com) until the fix."


def test_a_candidate_becomes_a_known_error_that_an_agent_applies(page, browser, live_server):
    url = live_server.url
    pia = make_user("pia", first_name="Pia", last_name="Problem")
    do_grant_process_role(pia, Process.PROBLEM, Role.MANAGER, actor=None)
    tom = make_user("tom", first_name="Tom", last_name="Baker")
    do_grant_process_role(tom, Process.INCIDENT, Role.PRACTITIONER, actor=None)
    caller = make_user("rita", kind=UserKind.REQUESTER, first_name="Rita")
    vpn = make_service(name="VPN", slug="vpn")
    now = timezone.now()
    for day in range(8):
        make_incident(
            caller,
            service=vpn,
            short_description=SHORT,
            description="The tunnel comes up, then drops within a minute.",
            at=now - dt.timedelta(days=day, hours=2),
        )
    do_scan_candidates(now=now)
    candidate = Candidate.objects.get(incident_count=8)

    sign_in(page, url, "pia", PASSWORD)
    page.goto(f"{url}/problems/candidates/")
    page.locator(f"a[href='/problems/candidates/{candidate.pk}/']").first.click()
    page.wait_for_selector("#accept")
    page.fill("#accept input[name=statement]", "VPN sessions drop after login")
    page.click("#accept button[type=submit]")
    page.wait_for_selector("#problem-badges")
    problem = Problem.objects.get()
    assert problem.owner == pia and problem.incident_links.count() == 8
    assert page.locator("#incidents tbody tr").count() == 8

    page.click("#state button:has-text('Assessed')")
    page.wait_for_selector("text=is now assessed")
    page.click("button:has-text('Record the analysis')")
    page.fill("#id_workaround", WORKAROUND)
    page.fill("#id_root_cause", "The first gateway's session table is too small since 4.2.")
    page.select_option("#id_cause_category", "capacity")
    page.select_option("#id_analysis_method", "five_whys")
    page.fill("#id_why_0", "Why does the tunnel drop?")
    page.fill("#id_because_0", "The gateway evicts the session")
    page.fill("#id_why_1", "Why is it evicted?")
    page.fill("#id_because_1", "The session table is full")
    page.click("#analysis-edit button[type=submit]")
    page.wait_for_selector("text=Analysis saved")
    assert "The session table is full" in page.locator("#five-whys").inner_text()
    page.click("#state button:has-text('Known error')")
    page.wait_for_selector("text=is now known error")

    page.click("#known-errors a:has-text('Record known error')")
    page.wait_for_load_state()
    page.click("button:has-text('Record as draft')")  # the problem's words are the defaults
    page.wait_for_selector("#publish")
    page.click("#publish button:has-text('Publish')")
    page.wait_for_load_state()
    known_error = KnownError.objects.get()
    assert known_error.status == "published" and known_error.workaround == WORKAROUND

    # An agent reports the ninth: the known error is suggested while typing.
    agent = browser.new_context(viewport={"width": 1400, "height": 1000}).new_page()
    sign_in(agent, url, "tom", PASSWORD)
    agent.goto(f"{url}/incidents/new/")
    agent.select_option("#id_caller", label="Rita")
    agent.select_option("#id_service", label="VPN")
    agent.fill("#id_short_description", "VPN drops after login again")
    agent.wait_for_selector(f"#known-error-suggestions >> text={known_error.number}")
    agent.click("button:has-text('Open incident')")
    agent.wait_for_selector("#problems-panel")
    incident = Incident.objects.order_by("-id").first()
    agent.click("#suggested-known-errors button:has-text('Apply')")
    agent.wait_for_selector(f"#linked-problems >> text={problem.number}")
    link = LinkedIncident.objects.get(incident_number=incident.number)
    assert link.workaround_applied and link.known_error == known_error
    assert incident.comments.get(is_work_note=True).body.find(WORKAROUND) >= 0
    problem.refresh_from_db()
    assert problem.state == State.KNOWN_ERROR and problem.incident_links.count() == 9
