"""/api/v1/mailboxes/ and /api/v1/inbound-messages/: administrators only; the password is
write-only; bad input is a 400 naming the field; a message is processed again on request."""

import pytest

from kaizen.mailin.models import Mailbox
from kaizen.mailin.services import receive
from kaizen.mailin.tests.conftest import mail

pytestmark = pytest.mark.django_db


def test_others_than_administrators_are_refused(api, agent, mailbox):
    client = api(agent)
    assert client.get("/api/v1/mailboxes/").status_code == 403
    assert client.get("/api/v1/inbound-messages/").status_code == 403


def test_an_administrator_creates_and_changes_a_mailbox(api, admin_user, service_desk):
    client = api(admin_user)
    created = client.post(
        "/api/v1/mailboxes/",
        {
            "name": "Helpdesk",
            "address": "help@example.com",
            "security": "tls",
            "host": "imap.example.com",
            "username": "help",
            "password_env": "HELP_IMAP_PASSWORD",
            "default_team": service_desk.pk,
        },
        format="json",
    )
    assert created.status_code == 201, created.json()
    body = created.json()
    assert "password" not in body
    assert (body["password_stored"], body["folder"], body["unknown_senders"]) == (
        False,
        "INBOX",
        "create",
    )
    changed = client.patch(
        f"/api/v1/mailboxes/{body['id']}/",
        {"version": body["version"], "password": "s3cret", "folder": "Support"},
        format="json",
    )
    assert changed.status_code == 200, changed.json()
    assert (changed.json()["password_stored"], changed.json()["folder"]) == (True, "Support")
    stale = client.patch(
        f"/api/v1/mailboxes/{body['id']}/", {"version": 1, "folder": "X"}, format="json"
    )
    assert stale.status_code == 409


def test_bad_input_names_the_field(api, admin_user, mailbox):
    answer = api(admin_user).post(
        "/api/v1/mailboxes/",
        {"name": "Other", "address": "not an address", "security": "push"},
        format="json",
    )
    assert answer.status_code == 400
    assert answer.json() == {"address": ["Enter a valid email address."]}
    answer = api(admin_user).post(
        "/api/v1/mailboxes/",
        {"name": "Other", "address": "other@example.com", "security": "tls", "port": 70000},
        format="json",
    )
    assert answer.status_code == 400
    assert answer.json() == {
        "host": ["name the IMAP server (or choose delivery by LMTP)"],
        "username": ["give the user name Kaizen signs in with"],
        "port": ["a port is between 1 and 65535"],
    }
    duplicate = api(admin_user).post(
        "/api/v1/mailboxes/",
        {"name": "support", "address": "support@example.com", "security": "push"},
        format="json",
    )
    assert duplicate.status_code == 400
    assert duplicate.json() == {
        "name": ["another mailbox is called support"],
        "address": ["another mailbox reads support@example.com"],
    }
    assert Mailbox.objects.count() == 1


def test_messages_are_listed_and_processed_again(api, admin_user, mailbox, requester, settings):
    settings.KAIZEN_MAIL_MAX_MESSAGE_MB = 0
    aside = receive(mailbox, mail(subject="Laptop broken", message_id="<l@client.example.com>"))
    client = api(admin_user)
    listed = client.get("/api/v1/inbound-messages/?state=set_aside").json()
    (row,) = listed["results"]
    assert (row["message_id"], row["state"], row["mailbox"]) == (
        "l@client.example.com",
        "set_aside",
        "Support",
    )
    assert "KAIZEN_MAIL_MAX_MESSAGE_MB" in row["reason"]
    settings.KAIZEN_MAIL_MAX_MESSAGE_MB = 25
    again = client.post(f"/api/v1/inbound-messages/{aside.pk}/reprocess/")
    assert again.status_code == 200
    assert (again.json()["state"], again.json()["ticket_number"]) == ("processed", "INC0000001")
    twice = client.post(f"/api/v1/inbound-messages/{aside.pk}/reprocess/")
    assert twice.status_code == 400
    assert twice.json() == {"state": ["the message is processed: nothing to redo"]}
