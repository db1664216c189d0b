import pytest

from kaizen.catalog import services as catalog_services
from kaizen.e2e.conftest import sign_in
from kaizen.people.models import UserKind
from kaizen.testing import PASSWORD, make_offering, make_service, make_user

pytestmark = pytest.mark.browser


def test_it_lets_a_requester_sign_in_browse_the_catalogue_and_open_a_service(page, live_server):
    make_user("emma", kind=UserKind.REQUESTER, first_name="Emma", last_name="Jones")
    mail = make_service(
        "Email and Calendar", slug="email", summary="Corporate mailboxes and calendars"
    )
    make_offering(mail, "Shared mailbox", offering_type="action")
    make_service("Payroll", slug="payroll", summary="Monthly payroll")
    make_service("AI Assistant", slug="ai", summary="Pilot", lifecycle="pipeline")

    sign_in(page, live_server.url, "emma", PASSWORD)
    page.wait_for_url(f"{live_server.url}/")  # her home: her tickets and the catalogue
    page.click("#block-requester-catalogue .kz-block-link")
    page.wait_for_url(f"{live_server.url}/catalog/")
    body = page.locator("main")
    assert "Email and Calendar" in body.inner_text()
    assert "AI Assistant" not in body.inner_text()  # pipeline services are not offered yet

    page.fill("main input[name=q]", "mailbox")
    page.keyboard.press("Enter")
    page.wait_for_url("**/catalog/?*q=mailbox*")
    assert "Payroll" not in page.locator("main").inner_text()

    page.get_by_role("link", name="Email and Calendar").first.click()
    page.wait_for_url(f"{live_server.url}/catalog/services/email/")
    assert page.locator("h1").inner_text().strip().startswith("Email and Calendar")
    assert "Shared mailbox" in page.locator("main").inner_text()
    # Requesters do not see the internal change history.
    assert page.locator("#timeline").count() == 0


def test_it_lets_a_catalogue_manager_edit_a_service_and_see_it_in_the_timeline(page, live_server):
    manager = make_user("cara", first_name="Cara", last_name="Catalogue")
    from kaizen.people.services import do_grant_process_role

    do_grant_process_role(manager, "catalog", "manager", actor=None)
    service = make_service("VPN", slug="vpn", summary="Remote access")

    sign_in(page, live_server.url, "cara", PASSWORD)
    page.goto(f"{live_server.url}/catalog/services/vpn/edit/")
    page.fill("#id_summary", "Secure remote access from anywhere")
    page.click("main form button[type=submit]")
    page.wait_for_url(f"{live_server.url}/catalog/services/vpn/")
    timeline = page.locator("#timeline").inner_text()
    assert "Service updated" in timeline
    assert "Secure remote access from anywhere" in timeline
    service.refresh_from_db()
    assert service.summary == "Secure remote access from anywhere"
    assert catalog_services.allowed_lifecycle_targets(service)
