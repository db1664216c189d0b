"""Who may read an agreement's service level report, and the read-only links to it.

The report is for service level managers, the agreement's owner and the owners of the
services it covers (any of its versions'). A service level manager shares it with the
customer's representatives through a read-only link to one period's report (`ReportLink`):
the token is shown once, only its SHA-256 is kept, it expires (kaizen/core/sharing.py) and can
be revoked; an expired, revoked or unknown token opens nothing. Making and revoking a link are
journaled on the agreement.
"""

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from kaizen.core import sharing
from kaizen.journal.events import EventType
from kaizen.journal.services import record_event
from kaizen.people.models import User
from kaizen.servicelevels.models import Agreement, ReportLink


def period_words(first_day: dt.date, last_day: dt.date) -> str:
    return f"{first_day:%-d %b %Y} – {last_day:%-d %b %Y}"


@transaction.atomic
def do_create_report_link(
    agreement: Agreement,
    *,
    actor: User | None,
    period_start: dt.date,
    period_end: dt.date,
    days: int | None = None,
    expires_on: dt.date | None = None,
    now: dt.datetime | None = None,
) -> tuple[ReportLink, str]:
    """A read-only link to the agreement's report for [period_start, period_end], and its
    token: the only time it is known."""
    now = now or timezone.now()
    if period_end < period_start:
        raise ValidationError({"period_end": "The period ends on or after its first day."})
    expires_at = sharing.expiry(days=days, expires_on=expires_on, now=now)
    token = sharing.new_token()
    link = ReportLink.objects.create(
        agreement=agreement,
        period_start=period_start,
        period_end=period_end,
        token_hash=sharing.token_hash(token),
        expires_at=expires_at,
        created_by=actor,
        created_at=now,
    )
    record_event(
        EventType.REPORT_LINK_CREATED,
        agreement,
        actor=actor,
        data={
            "period": period_words(period_start, period_end),
            "expires_at": expires_at,
        },
        occurred_at=now,
    )
    return link, token


@transaction.atomic
def do_revoke_report_link(
    link: ReportLink, *, actor: User | None, now: dt.datetime | None = None
) -> ReportLink:
    """The link opens nothing from now on (revoking it again changes nothing)."""
    now = now or timezone.now()
    locked = ReportLink.objects.select_for_update().select_related("agreement").get(pk=link.pk)
    if locked.revoked_at is not None:
        return locked
    locked.revoked_at = now
    locked.save(update_fields=["revoked_at"])
    record_event(
        EventType.REPORT_LINK_REVOKED,
        locked.agreement,
        actor=actor,
        data={
            "period": period_words(locked.period_start, locked.period_end),
            "expires_at": locked.expires_at,
        },
        occurred_at=now,
    )
    return locked


def shared_link(token: str, now: dt.datetime | None = None) -> ReportLink | None:
    """The link a token opens: None for an unknown, revoked or expired one."""
    if not sharing.plausible(token):
        return None
    return (
        ReportLink.objects.select_related("agreement", "agreement__owner")
        .filter(
            token_hash=sharing.token_hash(token),
            revoked_at__isnull=True,
            expires_at__gt=now or timezone.now(),
        )
        .first()
    )


def link_state(link: ReportLink, now: dt.datetime) -> str:
    if link.revoked_at is not None:
        return "revoked"
    return "live" if link.expires_at > now else "expired"
