"""Inbound mail in a real browser: an administrator finds a message set aside with its reason,
fixes the cause and processes it again; the ticket it opens is linked from the message."""

import pytest

from kaizen.e2e.conftest import sign_in
from kaizen.mailin.models import Security
from kaizen.mailin.services import do_create_mailbox, receive
from kaizen.mailin.tests.conftest import mail
from kaizen.people.models import UserKind
from kaizen.testing import PASSWORD, make_team, make_user

pytestmark = pytest.mark.browser


def test_an_administrator_processes_a_message_set_aside_again(
    page, live_server, settings, tmp_path
):
    make_user("ada", first_name="Ada", last_name="Admin", is_superuser=True, is_staff=True)
    make_user("rita", kind=UserKind.REQUESTER, first_name="Rita", last_name="Requester")
    mailbox = do_create_mailbox(
        actor=None,
        name="Support",
        address="support@example.com",
        security=Security.PUSH,
        default_team=make_team("Service Desk"),
    )
    receive(mailbox, mail(subject="VPN drops every hour"))
    receive(mailbox, mail(subject="Out of office until Monday"))
    settings.KAIZEN_MAIL_MAX_MESSAGE_MB = 0
    receive(mailbox, mail(subject="Scanner broken", text="The scanner shows E07."))
    sign_in(page, live_server.url, "ada", PASSWORD)

    page.goto(f"{live_server.url}/mail/mailboxes/")
    page.screenshot(path=str(tmp_path / "mailboxes.png"), full_page=True)
    assert page.get_by_role("link", name="Support").is_visible()
    page.get_by_role("link", name="Mail not processed").click()
    row = page.locator("tr", has_text="Scanner broken")
    assert "KAIZEN_MAIL_MAX_MESSAGE_MB" in row.inner_text()
    assert page.locator("tr", has_text="VPN drops every hour").count() == 0
    page.screenshot(path=str(tmp_path / "not-processed.png"), full_page=True)

    settings.KAIZEN_MAIL_MAX_MESSAGE_MB = 25
    row.get_by_role("link", name="Scanner broken").click()
    page.get_by_role("button", name="Process again").click()
    assert "Processed: opened a ticket INC0000002." in page.locator("main").inner_text()
    page.screenshot(path=str(tmp_path / "message.png"), full_page=True)
    page.get_by_role("link", name="INC0000002").click()
    assert "Scanner broken" in page.locator("main").inner_text()
    print(tmp_path)
