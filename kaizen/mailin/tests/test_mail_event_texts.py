"""How the inbound mail events read in a message's and a mailbox's history: hand-written lines
for each, recorded by the services themselves."""

import pytest

from kaizen.journal.events import EventType
from kaizen.journal.presenting import present
from kaizen.journal.selectors import timeline_for
from kaizen.journal.tests.test_event_texts import lines_of
from kaizen.mailin.services import do_reprocess_message, do_update_mailbox, receive
from kaizen.mailin.tests.conftest import mail

pytestmark = pytest.mark.django_db


def lines_for(subject, event_type, reader=None) -> list[list[str]]:
    chosen = [event for event in timeline_for(subject) if event.event_type == event_type]
    return [lines_of(event) for event in present(chosen, reader)]


def test_message_events_read_in_words(mailbox, requester, admin_user, settings):
    processed = receive(mailbox, mail(message_id="<one@client.example.com>"))
    (lines,) = lines_for(processed, EventType.MAIL_PROCESSED, admin_user)
    assert lines == [
        "Message-ID: one@client.example.com",
        "Mailbox: Support",
        "From: rita@example.com",
        "Ticket: INC0000001",
        "Outcome: Opened a ticket",
    ]
    ignored = receive(mailbox, mail(subject="Out of office", message_id="<two@client.example.com>"))
    (lines,) = lines_for(ignored, EventType.MAIL_IGNORED, admin_user)
    assert lines[-1] == "Reason: out-of-office reply (subject 'Out of office')"
    settings.KAIZEN_MAIL_MAX_MESSAGE_MB = 0
    aside = receive(mailbox, mail(subject="big", message_id="<three@client.example.com>"))
    (lines,) = lines_for(aside, EventType.MAIL_SET_ASIDE, admin_user)
    assert lines[-1].startswith("Reason: the message is 0.0 MB; at most 0 MB are taken")
    do_reprocess_message(aside, actor=admin_user)
    (lines,) = lines_for(aside, EventType.MAIL_REPROCESS_REQUESTED, admin_user)
    assert lines == ["Message-ID: three@client.example.com", "Was: Not processed"]


def test_mailbox_events_read_in_words(mailbox, admin_user):
    (created,) = lines_for(mailbox, EventType.MAILBOX_CREATED, admin_user)
    assert "Name: Support" in created
    assert "Address: support@example.com" in created
    assert "Password stored: No" in created
    do_update_mailbox(
        mailbox, actor=admin_user, expected_version=mailbox.version, folder="Support", password="s"
    )
    (updated,) = lines_for(mailbox, EventType.MAILBOX_UPDATED, admin_user)
    assert updated == ["Folder: INBOX → Support", "Password stored: Yes"]
