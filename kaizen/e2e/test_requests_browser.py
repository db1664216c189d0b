"""A service request from order to delivery in a real browser (Chromium through Playwright):
a requester orders a laptop from the catalogue, their manager approves from the one-time link
in the e-mail without signing in, an agent works the two fulfilment tasks in order from the
queue, and the requester sees the request delivered in "My requests"."""

import re

import pytest

from kaizen.e2e.conftest import sign_in
from kaizen.notifications.models import Notification
from kaizen.people.models import UserKind
from kaizen.people.services import do_update_user
from kaizen.requests.models import ServiceRequest, State
from kaizen.requests.tests.factories import LAPTOP_FORM, make_request_type
from kaizen.testing import PASSWORD, make_offering, make_service, make_team, make_user

pytestmark = pytest.mark.browser


def test_a_laptop_is_ordered_approved_from_the_mail_and_delivered(page, browser, live_server):
    base = live_server.url
    manager = make_user("mona", first_name="Mona", last_name="Manager")
    rita = make_user("rita", kind=UserKind.REQUESTER, first_name="Rita", last_name="Requester")
    do_update_user(rita, actor=None, manager=manager)
    alan = make_user("alan", first_name="Alan", last_name="Agent")
    desk = make_team("Desktop support", members=[alan])
    workplace = make_service("Workplace", summary="Laptops, phones and desks")
    laptop = make_request_type(
        make_offering(workplace, "Laptops"),
        form=LAPTOP_FORM,
        summary="A laptop for work, set up and ready",
        fulfilment_group=desk,
        steps=[{"name": "Line manager", "approver_source": "requester_manager"}],
        tasks=[
            {"position": 1, "title": "Take a laptop from stock", "team": desk.pk},
            {"position": 2, "title": "Install and hand over", "team": desk.pk},
        ],
    )

    # The requester orders it from the catalogue.
    sign_in(page, base, "rita", PASSWORD)
    page.goto(f"{base}/requests/catalogue/?q=laptop")
    page.click(f"a[href='/requests/catalogue/{laptop.pk}/']")
    page.check("input[value='Standard 14-inch']")
    page.click("form#request-form button[type=submit]")
    page.wait_for_url(re.compile(r"/requests/REQ\d+/$"))
    assert "Awaiting approval" in page.inner_text("main")
    request = ServiceRequest.objects.get()

    # The manager approves from the e-mail's link, not signed in.
    mail = Notification.objects.get(recipient=manager, category="request_approvals")
    link = re.search(r"Approve: (\S+)", mail.text).group(1)
    path = link.split("://", 1)[1].split("/", 1)[1]
    outsider = browser.new_context(viewport={"width": 400, "height": 800})
    phone = outsider.new_page()
    phone.goto(f"{base}/{path}")
    assert "Standard 14-inch" in phone.inner_text("main")
    phone.fill("textarea[name=comment]", "Yes, her old one is five years old")
    phone.click("button[name=decision][value=approve]")
    phone.wait_for_load_state()
    assert "approved" in phone.inner_text("main").lower()
    phone.goto(f"{base}/{path}")  # the link works once
    assert "already" in phone.inner_text("main").lower()
    outsider.close()
    request.refresh_from_db()
    assert request.state == State.IN_FULFILMENT

    # The agent works the tasks in order from the fulfilment queue.
    page.context.clear_cookies()
    sign_in(page, base, "alan", PASSWORD)
    for title in ("Take a laptop from stock", "Install and hand over"):
        page.goto(f"{base}/requests/tasks/")
        page.locator("tr", has_text=title).locator("a").first.click()
        page.click("button:has-text('Start')")
        page.wait_for_load_state()
        page.click("#complete-form button[type=submit]")
        page.wait_for_load_state()
        assert "Done" in page.inner_text("main")
    request.refresh_from_db()
    assert request.state == State.FULFILLED

    # The requester sees it delivered.
    page.context.clear_cookies()
    sign_in(page, base, "rita", PASSWORD)
    page.goto(f"{base}/requests/mine/")
    row = page.locator(f"tr:has-text('{request.number}')")
    assert "Fulfilled" in row.inner_text()
    page.click(f"text={request.number}")
    assert "It was delivered" in page.inner_text("main")
