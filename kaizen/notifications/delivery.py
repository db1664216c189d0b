"""Sending the outbox: claim one row, send it, record the outcome.

Claims are conditional UPDATEs (see NotificationQuerySet.claimable), so any number of workers
can run this at once and each row is sent by one of them. A worker that dies mid-send leaves a
claim that turns stale after KAIZEN_NOTIFICATION_CLAIM_TIMEOUT and is then taken over: mail is
sent at least once, and twice only if a worker dies between the SMTP reply and marking the row.
"""

import logging
import smtplib
from collections.abc import Iterable
from datetime import datetime, timedelta

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db.models import F
from django.utils import timezone

from kaizen.notifications.models import Notification
from kaizen.notifications.threading import new_message_id, thread_headers

logger = logging.getLogger(__name__)

BATCH_SIZE = 100
# The server answered about this one message; the next one may still go through.
MESSAGE_ERRORS = (smtplib.SMTPRecipientsRefused, smtplib.SMTPSenderRefused, smtplib.SMTPDataError)


def retry_delay(attempts: int) -> timedelta:
    """After the n-th failed attempt wait 1, 2, 4, ... minutes, at most an hour."""
    return timedelta(minutes=min(2 ** (attempts - 1), 60))


def claim_notification(pk: int, *, now: datetime) -> Notification | None:
    """Take the row for sending if it is claimable at `now`; None if another worker has it,
    it was sent, it is not due yet, or it was given up. The claim carries the real time, so
    it turns stale KAIZEN_NOTIFICATION_CLAIM_TIMEOUT after it was taken."""
    claimed = (
        Notification.objects.claimable(now)
        .filter(pk=pk)
        .update(claimed_at=timezone.now(), attempts=F("attempts") + 1)
    )
    return Notification.objects.get(pk=pk) if claimed else None


def send_notification(notification: Notification) -> None:
    subject, thread = notification.subject, notification.thread
    # The ticket's number in the subject is how a reply finds its ticket when the caller's
    # mail client drops the threading headers.
    if thread and thread not in subject:
        subject = f"[{thread}] {subject}"
    headers = thread_headers(
        notification.message_id or new_message_id(), thread, notification.references
    )
    message = EmailMultiAlternatives(
        subject,
        notification.text,
        settings.DEFAULT_FROM_EMAIL,
        [notification.address],
        headers=headers,
    )
    if notification.html:
        message.attach_alternative(notification.html, "text/html")
    message.send()


def _record_failure(notification: Notification, error: Exception, now: datetime) -> None:
    # Only while the claim is still ours: a stale claim may have been taken over meanwhile.
    Notification.objects.filter(pk=notification.pk, claimed_at=notification.claimed_at).update(
        claimed_at=None,
        last_error=f"{type(error).__name__}: {error}"[:2000],
        next_attempt_at=now + retry_delay(notification.attempts),
    )
    if notification.attempts >= settings.KAIZEN_NOTIFICATION_MAX_ATTEMPTS:
        logger.error("Giving up on notification %s: %s", notification.pk, error)
    else:
        logger.warning("Notification %s not sent, will retry: %s", notification.pk, error)


def deliver_notifications(ids: Iterable[int] | None = None, *, now: datetime | None = None) -> int:
    """Send the claimable notifications (only `ids` when given); return how many were sent.

    A failure that is not about one message (server down, timeout) ends the batch, so the
    rest waits for the next periodic run rather than each waiting for the same timeout.
    """
    now = now or timezone.now()
    due = Notification.objects.claimable(now).order_by("id")
    if ids is not None:
        due = due.filter(pk__in=list(ids))
    sent = 0
    for pk in list(due.values_list("pk", flat=True)[:BATCH_SIZE]):
        notification = claim_notification(pk, now=now)
        if notification is None:
            continue
        try:
            send_notification(notification)
        except MESSAGE_ERRORS as error:
            _record_failure(notification, error, now)
        except Exception as error:
            _record_failure(notification, error, now)
            break
        else:
            Notification.objects.filter(pk=pk).update(sent_at=timezone.now())
            sent += 1
    return sent
