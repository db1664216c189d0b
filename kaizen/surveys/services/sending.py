"""Sending invitations and their one reminder through the notification outbox, and closing
invitations that expired.

Each batch claims its rows in one transaction (locked, on PostgreSQL skipping those another
worker holds, SKIP LOCKED), writes the outbox rows (kaizen.notifications: sent after commit)
and marks the invitations sent, journaled, in that same transaction: a re-run finds them sent,
and a worker that dies part-way rolls back both, so nothing is sent twice or lost.
"""

import datetime as dt
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Q

from kaizen.journal.events import EventType
from kaizen.notifications.services import queue_notification
from kaizen.surveys import links
from kaizen.surveys.models import Invitation, InvitationState
from kaizen.surveys.services.base import INVITATIONS, moment

CATEGORY = "surveys"
BATCH = 500


@dataclass
class SendRun:
    sent: int = 0
    reminded: int = 0
    expired: int = 0

    def as_json(self) -> dict[str, int]:
        return {"sent": self.sent, "reminded": self.reminded, "expired": self.expired}


def mail_context(invitation: Invitation) -> dict[str, object]:
    version = invitation.survey_version
    headline = version.headline
    points = [
        {"value": value, "label": label, "url": links.mail_url(invitation, value)}
        for value, label in (headline.points if headline else [])
    ]
    return {
        "invitation": invitation,
        "survey": invitation.definition,
        "version": version,
        "headline": headline,
        "points": points,
        "page_url": links.mail_url(invitation),
    }


def _claim(queryset):  # type: ignore[no-untyped-def]
    return list(
        queryset.select_for_update(skip_locked=True, of=("self",))
        .select_related("definition", "survey_version", "recipient", "trigger")
        .prefetch_related("survey_version__questions")
        .order_by("pk")[:BATCH]
    )


def _mark(invitation: Invitation, event_type: EventType, at: dt.datetime, **values: object) -> None:
    before = INVITATIONS.snapshot(invitation)
    for name, value in values.items():
        setattr(invitation, name, value)
    INVITATIONS.finish(invitation, invitation, before, event_type, actor=None, at=at)


def send_due(now: dt.datetime) -> int:
    """Send the invitations whose time has come, a batch per transaction."""
    sent = 0
    while True:
        with transaction.atomic():
            due = _claim(
                Invitation.objects.filter(
                    state=InvitationState.SCHEDULED, scheduled_for__lte=now, expires_at__gt=now
                )
            )
            for invitation in due:
                queue_notification(
                    "survey_invitation",
                    [invitation.recipient],
                    mail_context(invitation),
                    category=CATEGORY,
                )
                _mark(
                    invitation,
                    EventType.SURVEY_INVITATION_SENT,
                    now,
                    state=InvitationState.SENT,
                    sent_at=now,
                )
        sent += len(due)
        if len(due) < BATCH:
            return sent


def remind_due(now: dt.datetime) -> int:
    """At most one reminder, `reminder_after_days` after sending, while unanswered and open."""
    reminded = 0
    after_pk = 0
    while True:
        with transaction.atomic():
            candidates = _claim(
                Invitation.objects.filter(
                    state=InvitationState.SENT,
                    reminded_at__isnull=True,
                    trigger__reminder_after_days__gt=0,
                    expires_at__gt=now,
                    pk__gt=after_pk,
                )
            )
            for invitation in candidates:
                days = invitation.trigger.reminder_after_days
                if invitation.sent_at and invitation.sent_at + dt.timedelta(days=days) <= now:
                    queue_notification(
                        "survey_reminder",
                        [invitation.recipient],
                        mail_context(invitation),
                        category=CATEGORY,
                    )
                    _mark(invitation, EventType.SURVEY_INVITATION_REMINDED, now, reminded_at=now)
                    reminded += 1
        if len(candidates) < BATCH:
            return reminded
        after_pk = candidates[-1].pk


def expire_due(now: dt.datetime) -> int:
    """Invitations unanswered at their expiry close; answered ones simply stop taking changes."""
    expired = 0
    while True:
        with transaction.atomic():
            due = _claim(
                Invitation.objects.filter(
                    Q(state=InvitationState.SCHEDULED) | Q(state=InvitationState.SENT),
                    expires_at__lte=now,
                )
            )
            for invitation in due:
                _mark(
                    invitation,
                    EventType.SURVEY_INVITATION_EXPIRED,
                    now,
                    state=InvitationState.EXPIRED,
                    expired_at=now,
                )
        expired += len(due)
        if len(due) < BATCH:
            return expired


def do_send_surveys(*, now: dt.datetime | None = None) -> SendRun:
    """One pass: expire, send what is due, remind."""
    now = moment(now)
    run = SendRun()
    run.expired = expire_due(now)
    run.sent = send_due(now)
    run.reminded = remind_due(now)
    return run
