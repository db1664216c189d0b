"""Sending invitations and their one reminder through the notification outbox, and closing
invitations that expired.

Each batch claims its rows in one transaction (locked, on PostgreSQL skipping those another
worker holds, SKIP LOCKED), writes the outbox rows (kaizen.notifications: sent after commit)
and marks the invitations sent, journaled, in that same transaction: a re-run finds them sent,
and a worker that dies part-way rolls back both, so nothing is sent twice or lost.
"""

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.template import Context
from django.template.loader import get_template
from django.utils import timezone

from kaizen.journal.events import EventType
from kaizen.journal.services import build_event, record_events, to_journal_value
from kaizen.notifications.models import Notification, NotificationOptOut
from kaizen.notifications.tasks import send_notifications
from kaizen.surveys import links
from kaizen.surveys.models import Invitation, InvitationState
from kaizen.surveys.services.base import moment
from kaizen.surveys.triggers import trigger_kind

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


def mark_invitations(
    invitations: list[Invitation], event_type: EventType, at: dt.datetime, **values: object
) -> None:
    """Set `values` on the claimed invitations in one UPDATE per batch, each change journaled
    (old and new value of every field set) in one bulk write."""
    if not invitations:
        return
    events = []
    for invitation in invitations:
        changes = {
            name: {
                "old": to_journal_value(getattr(invitation, name)),
                "new": to_journal_value(value),
            }
            for name, value in values.items()
        }
        for name, value in values.items():
            setattr(invitation, name, value)
        invitation.version += 1
        invitation.updated_at = at
        events.append(
            build_event(event_type, invitation, actor=None, occurred_at=at, changes=changes)
        )
    # The same values for every claimed row: one UPDATE (a bulk_update's CASE per row costs
    # several times more).
    Invitation.objects.filter(pk__in=[i.pk for i in invitations]).update(
        **values, version=F("version") + 1, updated_at=at
    )
    record_events(events)


def _category(invitation: Invitation) -> str:
    kind = trigger_kind(invitation.source_key)
    return kind.mail_category if kind else "satisfaction_surveys"


def _queue_mails(template: str, invitations: list[Invitation], at: dt.datetime) -> None:
    """The outbox rows of a batch, as `queue_notification` writes them (its contract: rendered
    in the recipient's time zone with `recipient` and `site_url`, nothing for people without an
    address, inactive or opted out; sent after commit), with one opt-out query, the templates
    loaded once and one INSERT for the batch instead of a round of each per invitation."""
    if not invitations:
        return
    categories = {i.pk: _category(i) for i in invitations}
    opted_out = set(
        NotificationOptOut.objects.filter(
            category__in=set(categories.values()), user__in=[i.recipient_id for i in invitations]
        ).values_list("user_id", "category")
    )
    subject = get_template(f"notifications/{template}.subject.txt")
    text = get_template(f"notifications/{template}.txt")
    html = get_template(f"notifications/{template}.html")
    rows = []
    for invitation in invitations:
        person = invitation.recipient
        category = categories[invitation.pk]
        if not person.is_active or not person.email or (person.pk, category) in opted_out:
            continue
        values = {
            **mail_context(invitation),
            "recipient": person,
            "site_url": settings.KAIZEN_SITE_URL,
        }
        with timezone.override(person.time_zone or settings.TIME_ZONE):
            rows.append(
                Notification(
                    recipient=person,
                    address=person.email,
                    category=category,
                    subject=" ".join(
                        subject.template.render(Context(values, autoescape=False)).split()
                    )[:300],
                    text=text.template.render(Context(values, autoescape=False)),
                    html=html.template.render(Context(values, autoescape=True)),
                )
            )
    created = Notification.objects.bulk_create(rows)
    ids = [row.pk for row in created]
    transaction.on_commit(lambda: send_notifications(ids), robust=True)


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
            _queue_mails("survey_invitation", due, now)
            mark_invitations(
                due,
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
            due = [
                invitation
                for invitation in candidates
                if invitation.sent_at
                and invitation.sent_at + dt.timedelta(days=invitation.trigger.reminder_after_days)
                <= now
            ]
            _queue_mails("survey_reminder", due, now)
            mark_invitations(due, EventType.SURVEY_INVITATION_REMINDED, now, reminded_at=now)
            reminded += len(due)
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
            mark_invitations(
                due,
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
