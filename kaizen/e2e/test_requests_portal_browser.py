"""Service requests in a real browser (Chromium through Playwright): a catalogue manager builds
a request type's form row by row (adding a question, choosing its type shows only its
settings), a requester finds it in the catalogue, sees the conditional question appear when
its answer calls for it, is refused field by field, submits, follows it in "My requests", and
an agent delivers it. Every page is checked with axe-core (no serious or critical violation)
and the pages' Content-Security-Policy reports nothing.

KAIZEN_SCREENSHOTS=<dir> keeps a screenshot of each page, to look at."""

import os
from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe

from kaizen.e2e.conftest import sign_in, watch_csp
from kaizen.e2e.test_accessibility import BLOCKING, WCAG_21_AA
from kaizen.people.models import Process, Role, UserKind
from kaizen.people.services import do_grant_process_role
from kaizen.requests.models import ServiceRequest, State
from kaizen.requests.tests.factories import LAPTOP_FORM, make_request_type
from kaizen.testing import PASSWORD, make_offering, make_service, make_team, make_user

pytestmark = pytest.mark.browser


def _look(page, name: str, found: list[str]) -> None:
    """The page's blocking accessibility violations into `found`, and its screenshot."""
    results = Axe().run(page, options=WCAG_21_AA).response
    found += [
        f"{page.url}: {violation['id']}: {violation['help']}"
        for violation in results["violations"]
        if violation["impact"] in BLOCKING
    ]
    folder = os.environ.get("KAIZEN_SCREENSHOTS")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=f"{folder}/{name}.png", full_page=True)


def test_a_type_is_built_ordered_and_delivered(page, browser, live_server):
    base = live_server.url
    found: list[str] = []
    cara = make_user("cara", first_name="Cara", last_name="Catalogue")
    do_grant_process_role(cara, Process.CATALOG, Role.MANAGER, actor=None)
    alan = make_user("alan", first_name="Alan", last_name="Agent")
    do_grant_process_role(alan, Process.INCIDENT, Role.PRACTITIONER, actor=None)
    make_user("rita", kind=UserKind.REQUESTER, first_name="Rita", last_name="Requester")
    desk = make_team("Desktop support", members=[alan])
    workplace = make_service("Workplace", summary="Laptops, phones and desks")
    laptop = make_request_type(
        make_offering(workplace, "Laptops"),
        form=LAPTOP_FORM,
        summary="A laptop for work, set up and ready",
        price="900.00",
        fulfilment_group=desk,
        tasks=[{"title": "Order the laptop", "team": desk.pk}],
    )
    make_request_type(make_offering(workplace, "Desks"), name="Standing desk")

    # The catalogue manager adds a question with the builder.
    sign_in(page, base, "cara", PASSWORD)
    page.goto(f"{base}/requests/types/")
    _look(page, "type_list", found)
    page.goto(f"{base}{laptop.get_absolute_url()}")
    _look(page, "type_detail", found)
    page.click("text=Edit the form")
    page.wait_for_selector("[data-kz-rows]")
    assert page.locator("[data-kz-row]").count() == 3
    page.click("[data-kz-add-row]")
    row = page.locator("[data-kz-row]").nth(3)
    row.locator("input[name$='-label']").fill("Keyboard layout")
    row.locator("input[name$='-key']").fill("layout")
    assert not row.locator("textarea[name$='-choices']").is_visible()
    row.locator("select[name$='-type']").select_option("choice")
    assert row.locator("textarea[name$='-choices']").is_visible()
    assert not row.locator("input[name$='-max_length']").is_visible()
    row.locator("textarea[name$='-choices']").fill("UK\nUS\nGerman")
    _look(page, "type_form_builder", found)
    page.click("#row-builder button[type=submit]")
    page.wait_for_selector("text=requesters now fill version 2")
    laptop.refresh_from_db()
    assert [f["key"] for f in laptop.current_form.fields] == [
        "model",
        "reason",
        "needed_by",
        "layout",
    ]
    page.goto(f"{base}/requests/types/{laptop.pk}/approval-steps/")
    page.click("[data-kz-add-row]")
    _look(page, "type_steps", found)
    page.goto(f"{base}/requests/types/{laptop.pk}/tasks/")
    _look(page, "type_tasks", found)

    # The requester orders it.
    blocked: list[str] = []
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    watch_csp(context, blocked)
    rita = context.new_page()
    sign_in(rita, base, "rita", PASSWORD)
    rita.goto(f"{base}/requests/catalogue/")
    _look(rita, "catalogue", found)
    rita.fill("#id_q", "laptop")
    rita.click("#catalogue-search button[type=submit]")
    assert rita.locator(".kz-request-type").count() == 1
    rita.click("text=New laptop")
    rita.wait_for_selector("#request-form")
    assert not rita.locator("#question-reason").is_visible()
    rita.check("input[name=model][value='Developer 16-inch']")
    assert rita.locator("#question-reason").is_visible()
    _look(rita, "order", found)
    rita.click("#request-form button[type=submit]")
    rita.wait_for_selector("#id_reason_errors")
    assert "this field is required" in rita.inner_text("#id_reason_errors")
    _look(rita, "order_refused", found)
    rita.fill("#id_reason", "I build the mobile app")
    rita.fill("#id_needed_by", "2026-05-04")
    rita.check("input[name=layout][value='UK']")
    rita.click("#request-form button[type=submit]")
    rita.wait_for_selector("#request-state")
    made = ServiceRequest.objects.get()
    assert made.answers["layout"] == "UK" and made.state == State.IN_FULFILMENT
    _look(rita, "request_requester", found)
    rita.goto(f"{base}/requests/mine/")
    assert rita.locator("#request-list tbody tr").count() == 1
    _look(rita, "mine", found)
    context.close()

    # An agent sees it in the list and on its page.
    agent_context = browser.new_context(viewport={"width": 1280, "height": 900})
    watch_csp(agent_context, blocked)
    agent = agent_context.new_page()
    sign_in(agent, base, "alan", PASSWORD)
    agent.goto(f"{base}/requests/")
    _look(agent, "list", found)
    agent.goto(f"{base}{made.get_absolute_url()}")
    _look(agent, "request_agent", found)
    agent.goto(f"{base}/requests/catalogue/{laptop.pk}/")
    _look(agent, "order_on_behalf", found)
    agent.goto(f"{base}{made.get_absolute_url()}")
    agent.click("#request-actions summary:has-text('Put on hold')")
    agent.select_option("#hold-form select[name=hold_reason]", "awaiting_stock")
    agent.click("#hold-form button[type=submit]")
    agent.wait_for_selector("text=is on hold")
    made.refresh_from_db()
    assert made.state == State.ON_HOLD
    _look(agent, "request_on_hold", found)
    agent_context.close()

    assert found == []
    assert blocked == []
