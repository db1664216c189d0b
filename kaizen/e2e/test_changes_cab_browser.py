"""Authorisation by the CAB in a real browser: two CAB members approve a change, one from the
approval inbox and one from the change page, and it becomes authorised (Chromium through
Playwright)."""

import pytest

from kaizen.changes.models import RoundStatus
from kaizen.changes.tests.cab_helpers import awaiting, make_cab_member
from kaizen.e2e.conftest import sign_in
from kaizen.people.models import Process, Role
from kaizen.people.services import do_grant_process_role
from kaizen.testing import PASSWORD, make_user

pytestmark = pytest.mark.browser


def test_two_cab_members_authorise_a_change(page, browser, live_server):
    raiser = make_user("tom", first_name="Tom", last_name="Baker")
    do_grant_process_role(raiser, Process.CHANGE, Role.PRACTITIONER, actor=None)
    make_cab_member("ann", last_name="Archer")
    make_cab_member("bob", last_name="Brown")
    # High impact: high risk, so the seeded policy asks two of the CAB.
    change = awaiting(raiser, impact=1, title="Replace the core switch")

    sign_in(page, live_server.url, "ann", PASSWORD)
    page.goto(f"{live_server.url}/changes/approvals/")
    item = page.locator(f"#waiting-{change.number}")
    assert "Moderate and high risk: two CAB members" in item.inner_text()
    item.locator("textarea[name=comment]").fill("Staging test went fine.")
    item.locator("button[value=approve]").click()
    page.wait_for_selector(f"text=You approved {change.number}.")
    assert "Nothing waits for your vote." in page.locator("#waiting").inner_text()

    other = browser.new_context(viewport={"width": 1400, "height": 1000})
    bob = other.new_page()
    sign_in(bob, live_server.url, "bob", PASSWORD)
    bob.goto(f"{live_server.url}/changes/{change.number}/")
    panel = bob.locator("#authorisation")
    assert "1 of 2 approvals needed (2 asked); 1 still to vote" in panel.inner_text()
    assert "“Staging test went fine.”" in panel.inner_text()
    panel.locator("button[value=approve]").click()
    bob.wait_for_selector(f"text={change.number} is now authorised.")
    assert "Authorised" in bob.locator("#authorisation .card-header").inner_text()
    bob.screenshot(path="/tmp/cab-e2e-authorised.png", full_page=True)
    other.close()

    change.refresh_from_db()
    assert change.authorised_at is not None
    assert change.approval_rounds.get().status == RoundStatus.AUTHORISED
