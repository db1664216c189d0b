"""Outgoing mail about a ticket threads: its own stable Message-ID, the ticket's root id (and
what other apps register) in References/In-Reply-To, the ticket's number in the subject."""

import pytest

from kaizen.incidents.models import Incident
from kaizen.notifications import threading
from kaizen.notifications.delivery import deliver_notifications
from kaizen.notifications.services import queue_notification

pytestmark = pytest.mark.django_db(transaction=True)


def test_mail_about_a_ticket_carries_its_thread_headers(inbox, requester, settings, monkeypatch):
    settings.DEFAULT_FROM_EMAIL = "Kaizen <desk@example.com>"
    monkeypatch.setattr(threading, "_SOURCES", [lambda number: [f"first-{number}@client.org"]])
    ticket = Incident(number="INC0000042")  # unsaved: only its number is read
    (row,) = queue_notification(
        "test_update",
        [requester],
        {"title": "Printer", "ticket": ticket},
        category="incident_updates",
    )
    row.refresh_from_db()
    assert row.thread == "INC0000042"
    assert row.message_id.endswith("@example.com") and len(row.message_id) == 32 + 12
    assert row.references == "inc0000042.ticket@example.com first-INC0000042@client.org"
    assert deliver_notifications([row.pk]) == 1
    (sent,) = inbox.messages
    assert sent["Message-ID"] == f"<{row.message_id}>"
    assert sent["References"] == "<inc0000042.ticket@example.com> <first-INC0000042@client.org>"
    assert sent["In-Reply-To"] == "<first-INC0000042@client.org>"
    assert sent["Auto-Submitted"] == "auto-generated"
    assert sent["X-Kaizen-Ticket"] == "INC0000042"
    assert sent["Subject"] == "[INC0000042] [Kaizen] Printer changed"
    assert threading.number_from_root("inc0000042.ticket@example.com") == "INC0000042"


def test_mail_about_no_ticket_has_only_its_own_id(inbox, requester):
    (row,) = queue_notification(
        "test_update", [requester], {"title": "Digest"}, category="incident_updates"
    )
    assert deliver_notifications([row.pk]) == 1
    row.refresh_from_db()
    (sent,) = inbox.messages
    assert (row.thread, row.references) == ("", "")
    assert sent["Message-ID"] == f"<{row.message_id}>"
    assert sent["References"] is None and sent["In-Reply-To"] is None
    assert sent["Subject"] == "[Kaizen] Digest changed"
