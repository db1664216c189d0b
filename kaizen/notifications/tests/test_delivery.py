"""Sending the outbox: failures are kept and retried with backoff, claims are exclusive, and a
claim left by a dead worker is taken over."""

import threading
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from kaizen.notifications import tasks
from kaizen.notifications.delivery import claim_notification, deliver_notifications, retry_delay
from kaizen.notifications.models import Notification
from kaizen.notifications.services import queue_notification
from kaizen.people.models import UserKind
from kaizen.testing import make_user

pytestmark = pytest.mark.django_db(transaction=True)


def queue_for(*people) -> list[Notification]:
    context = {"title": "INC-9", "note": "resolved", "when": timezone.now()}
    return queue_notification("test_update", people, context, category="incident_updates")


def test_it_keeps_a_failed_row_unsent_and_the_periodic_retry_delivers_it(
    smtp_settings, start_smtp, immediate_tasks, requester
):
    # No SMTP server yet: the send after commit fails.
    (row,) = queue_for(requester)
    row.refresh_from_db()
    assert row.sent_at is None and row.claimed_at is None
    assert row.attempts == 1
    assert "ConnectionRefusedError" in row.last_error
    assert row.next_attempt_at > timezone.now() + timedelta(seconds=50)
    assert row.status == "pending"

    inbox = start_smtp()
    # Not due yet: the retry leaves it alone...
    tasks.retry_notifications.call_local()
    assert inbox.messages == []
    # ...until its backoff has passed.
    assert deliver_notifications(now=row.next_attempt_at) == 1
    row.refresh_from_db()
    assert row.sent_at is not None and row.attempts == 2
    assert inbox.recipients == [["rita@example.com"]]
    # Sent rows are never sent again.
    assert deliver_notifications(now=timezone.now() + timedelta(days=1)) == 0
    assert len(inbox.messages) == 1


def test_it_backs_off_exponentially_up_to_an_hour():
    assert [retry_delay(n) for n in (1, 2, 3, 7, 8, 20)] == [
        timedelta(minutes=minutes) for minutes in (1, 2, 4, 60, 60, 60)
    ]


def test_it_gives_up_after_the_configured_attempts(settings, smtp_settings, mail_templates):
    settings.KAIZEN_NOTIFICATION_MAX_ATTEMPTS = 2
    (row,) = queue_for(make_user("rita", kind=UserKind.REQUESTER))
    later = timezone.now()
    for _ in range(3):
        later += timedelta(hours=1)
        deliver_notifications(now=later)
    row.refresh_from_db()
    assert row.attempts == 2 and row.status == "failed" and row.sent_at is None


def test_it_stops_a_batch_when_the_server_is_down(smtp_settings, mail_templates):
    rows = queue_for(make_user("one"), make_user("two"), make_user("three"))
    assert deliver_notifications() == 0
    attempts = sorted(Notification.objects.values_list("attempts", flat=True))
    # One attempt failed; the others wait for the next run instead of each timing out.
    assert attempts == [0, 0, 1]
    assert len(rows) == 3


def test_it_gives_a_row_to_one_claimer_only(mail_templates, requester):
    (row,) = queue_for(requester)
    now = timezone.now()
    first = claim_notification(row.pk, now=now)
    second = claim_notification(row.pk, now=now)
    assert first is not None and first.attempts == 1 and first.claimed_at is not None
    assert second is None


def test_it_gives_each_row_to_one_of_two_concurrent_claimers(mail_templates):
    if connection.vendor == "sqlite":
        # SQLite has one writer at a time; the test database is in memory with shared-cache
        # table locks, which fail at once instead of waiting like the real (WAL) file does.
        pytest.skip("concurrent writers: PostgreSQL only")
    people = [make_user(f"person{n}", kind=UserKind.REQUESTER) for n in range(20)]
    ids = [row.pk for row in queue_for(*people)]
    start = threading.Barrier(2)
    won: dict[str, list[int]] = {}

    def claimer(name: str) -> None:
        start.wait()
        try:
            won[name] = [pk for pk in ids if claim_notification(pk, now=timezone.now())]
        finally:
            connection.close()

    threads = [threading.Thread(target=claimer, args=(name,)) for name in ("a", "b")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(won["a"] + won["b"]) == ids
    assert set(Notification.objects.values_list("attempts", flat=True)) == {1}


def test_it_takes_over_a_stale_claim_but_not_a_live_one(settings, inbox, requester):
    settings.KAIZEN_NOTIFICATION_CLAIM_TIMEOUT = 600
    (row,) = queue_for(requester)
    # A worker claimed the row five minutes ago and is still sending: hands off.
    Notification.objects.filter(pk=row.pk).update(
        claimed_at=timezone.now() - timedelta(minutes=5), attempts=1
    )
    assert deliver_notifications() == 0
    # Eleven minutes: that worker died mid-send. The periodic retry takes the row over.
    Notification.objects.filter(pk=row.pk).update(claimed_at=timezone.now() - timedelta(minutes=11))
    tasks.retry_notifications.call_local()
    row.refresh_from_db()
    assert row.sent_at is not None and row.attempts == 2
    assert inbox.recipients == [["rita@example.com"]]
