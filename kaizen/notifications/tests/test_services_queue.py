"""queue_notification: rendered into the outbox in the caller's transaction, sent after commit
(through a real SMTP server on loopback), never on rollback."""

import datetime

import pytest
from django.db import transaction
from django.utils import timezone

from kaizen.notifications.models import Notification, NotificationOptOut
from kaizen.notifications.services import queue_notification
from kaizen.people.models import UserKind
from kaizen.testing import make_user

CONTEXT = {
    "title": "INC-7 Printer on fire",
    "note": "R&D <urgent>",
    "when": datetime.datetime(2026, 3, 2, 9, 30, tzinfo=datetime.UTC),
}


def queue(recipients, template="test_update", category="incident_updates"):
    return queue_notification(template, recipients, CONTEXT, category=category)


@pytest.mark.django_db(transaction=True)
def test_it_sends_only_after_the_transaction_commits(inbox, immediate_tasks, requester):
    with transaction.atomic():
        queue([requester])
        assert Notification.objects.count() == 1
        assert inbox.messages == []
    assert len(inbox.messages) == 1
    assert inbox.recipients == [["rita@example.com"]]
    assert Notification.objects.get().sent_at is not None


@pytest.mark.django_db(transaction=True)
def test_it_sends_nothing_when_the_transaction_rolls_back(inbox, immediate_tasks, requester):
    with pytest.raises(RuntimeError), transaction.atomic():
        queue([requester])
        raise RuntimeError("the change failed")
    assert inbox.messages == []
    assert not Notification.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_it_sends_subject_text_and_html_alternatives(inbox, immediate_tasks, requester):
    queue([requester])
    (message,) = inbox.messages
    assert message["Subject"] == "[Kaizen] INC-7 Printer on fire changed"
    assert message["To"] == "rita@example.com"
    assert message["From"] == "Kaizen <kaizen@example.com>"
    assert message.get_content_type() == "multipart/alternative"
    text = message.get_body(("plain",)).get_content().replace("\r\n", "\n")
    html = message.get_body(("html",)).get_content()
    # Plain text is not HTML-escaped; the HTML part is.
    assert "Hello Rita,\nINC-7 Printer on fire: R&D <urgent>\n" in text
    assert "http://127.0.0.1:8000/incidents/7/" in text
    assert "<b>INC-7 Printer on fire</b>: R&amp;D &lt;urgent&gt;" in html


@pytest.mark.django_db(transaction=True)
def test_it_sends_plain_text_when_there_is_no_html_template(inbox, immediate_tasks, requester):
    queue([requester], template="test_plain")
    (message,) = inbox.messages
    assert message.get_content_type() == "text/plain"
    assert message.get_content().strip() == "Only text for rita"


def test_it_renders_for_each_recipient_in_their_time_zone(db, mail_templates, settings):
    settings.KAIZEN_SITE_URL = "https://itsm.example.com"
    lisbon = make_user("lena", kind=UserKind.REQUESTER, time_zone="Asia/Tokyo")
    utc = make_user("uma", kind=UserKind.REQUESTER)
    rows = {row.address: row for row in queue([lisbon, utc])}
    assert "At 18:30 JST" in rows["lena@example.com"].text
    assert "At 09:30 UTC" in rows["uma@example.com"].text
    assert "Hello Lena," in rows["lena@example.com"].text
    assert "https://itsm.example.com/incidents/7/" in rows["uma@example.com"].text
    assert {row.recipient.username for row in rows.values()} == {"lena", "uma"}


def test_it_skips_people_without_address_inactive_opted_out_and_duplicates(db, mail_templates):
    keen = make_user("keen", kind=UserKind.REQUESTER)
    silent = make_user("silent", kind=UserKind.REQUESTER)
    NotificationOptOut.objects.create(user=silent, category="incident_updates")
    no_mail = make_user("nomail", kind=UserKind.REQUESTER, email="")
    gone = make_user("gone", kind=UserKind.REQUESTER, is_active=False)
    rows = queue([keen, silent, no_mail, gone, keen])
    assert [row.address for row in rows] == ["keen@example.com"]
    # An opt-out covers its own category only.
    assert [row.address for row in queue([silent], category="incident_assigned")] == [
        "silent@example.com"
    ]


def test_it_queues_unsent_rows_with_no_attempts(db, mail_templates, requester):
    before = timezone.now()
    (row,) = queue([requester])
    row.refresh_from_db()
    assert row.category == "incident_updates" and row.status == "pending"
    assert row.sent_at is None and row.claimed_at is None and row.attempts == 0
    assert row.created_at >= before


def test_it_refuses_an_unknown_category(db, mail_templates, requester):
    with pytest.raises(ValueError, match="unknown notification category 'gossip'"):
        queue([requester], category="gossip")


def test_it_writes_nothing_and_enqueues_nothing_for_nobody(
    db, mail_templates, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks() as callbacks:
        assert queue([]) == []
    assert callbacks == []
