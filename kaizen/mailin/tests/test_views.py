"""The administrators' pages: mailboxes (list, detail, add, edit), the mail not processed with
its reasons, and processing a message again."""

import pytest

from kaizen.incidents.models import Incident
from kaizen.mailin.models import Mailbox, MessageState
from kaizen.mailin.services import receive
from kaizen.mailin.tests.conftest import mail
from kaizen.testing import assert_constant_queries

pytestmark = pytest.mark.django_db


def test_only_administrators_open_the_pages(web, agent, mailbox):
    client = web(agent)
    for url in ("/mail/mailboxes/", f"/mail/mailboxes/{mailbox.pk}/", "/mail/messages/"):
        assert client.get(url).status_code == 403


def test_an_administrator_adds_and_edits_a_mailbox(web, admin_user, service_desk):
    client = web(admin_user)
    page = client.get("/mail/mailboxes/new/")
    assert page.status_code == 200
    answer = client.post(
        "/mail/mailboxes/new/",
        {
            "name": "Helpdesk",
            "address": "Help@Example.com",
            "security": "tls",
            "host": "imap.example.com",
            "username": "help",
            "password": "secret",
            "folder": "INBOX",
            "creates": "incident",
            "default_team": service_desk.pk,
            "unknown_senders": "create",
            "is_active": "on",
        },
    )
    mailbox = Mailbox.objects.get()
    assert answer.status_code == 302 and answer["Location"] == f"/mail/mailboxes/{mailbox.pk}/"
    assert (mailbox.address, mailbox.password, mailbox.effective_port) == (
        "help@example.com",
        "secret",
        993,
    )
    detail = client.get(answer["Location"]).content.decode()
    assert "imap.example.com:993" in detail and "secret" not in detail
    edit = client.get(f"/mail/mailboxes/{mailbox.pk}/edit/").content.decode()
    assert "secret" not in edit
    client.post(
        f"/mail/mailboxes/{mailbox.pk}/edit/",
        {
            "name": "Helpdesk",
            "address": "help@example.com",
            "security": "tls",
            "host": "imap2.example.com",
            "username": "help",
            "password": "",
            "folder": "INBOX",
            "creates": "incident",
            "unknown_senders": "refuse",
            "is_active": "on",
            "version": mailbox.version,
        },
    )
    mailbox.refresh_from_db()
    assert (mailbox.host, mailbox.password, mailbox.unknown_senders) == (
        "imap2.example.com",
        "secret",
        "refuse",
    )


def test_a_mailbox_without_its_server_is_refused_on_the_field(web, admin_user):
    answer = web(admin_user).post(
        "/mail/mailboxes/new/",
        {
            "name": "Helpdesk",
            "address": "help@example.com",
            "security": "tls",
            "folder": "INBOX",
            "creates": "incident",
            "unknown_senders": "create",
        },
    )
    assert answer.status_code == 200
    errors = answer.context["form"].errors
    assert errors["host"] == ["name the IMAP server (or choose delivery by LMTP)"]
    assert errors["username"] == ["give the user name Kaizen signs in with"]


def test_the_mail_not_processed_lists_reasons_and_processes_again(
    web, admin_user, mailbox, requester, settings
):
    settings.KAIZEN_MAIL_MAX_MESSAGE_MB = 0
    aside = receive(mailbox, mail(subject="Laptop broken"))
    settings.KAIZEN_MAIL_MAX_MESSAGE_MB = 25
    receive(mailbox, mail(subject="Done fine"))
    client = web(admin_user)
    page = client.get("/mail/messages/").content.decode()
    assert "Laptop broken" in page and "Done fine" not in page
    assert "KAIZEN_MAIL_MAX_MESSAGE_MB" in page
    every = client.get("/mail/messages/?state=").content.decode()
    assert "Done fine" in every and "INC0000001" in every
    detail = client.get(f"/mail/messages/{aside.pk}/").content.decode()
    assert "Process again" in detail and "Subject: Laptop broken" in detail
    answer = client.post(f"/mail/messages/{aside.pk}/reprocess/", follow=True)
    assert "Processed: opened a ticket INC0000002." in answer.content.decode()
    aside.refresh_from_db()
    assert aside.state == MessageState.PROCESSED
    assert Incident.objects.get(number="INC0000002").short_description == "Laptop broken"


def test_the_lists_have_no_n_plus_one(web, admin_user, mailbox, requester):
    client = web(admin_user)
    receive(mailbox, mail(subject="Out of office first"))

    def add_rows() -> None:
        for index in range(3):
            receive(mailbox, mail(subject=f"Out of office {index}"))

    assert_constant_queries(
        "mailin", "message_list", lambda: client.get("/mail/messages/?state="), add_rows
    )
    assert_constant_queries(
        "mailin", "mailbox_list", lambda: client.get("/mail/mailboxes/"), add_rows
    )
