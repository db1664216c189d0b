"""The read-only link to an initiative's report (step 6): its token, its expiry, and finding
the initiative a link opens.

The token is random (32 bytes) and shown once, when the link is made; only its SHA-256 is
stored, so the database (a backup, a copy for testing) does not hold working links. A link
expires: by default after KAIZEN_SHARE_LINK_DAYS days; the person making it may choose a
number of days or a last day, up to KAIZEN_SHARE_LINK_MAX_DAYS ahead. An expired link answers
like an unknown one.
"""

import datetime as dt
import hashlib
import secrets

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import timezone

from kaizen.improvement.models import Initiative


def new_token() -> str:
    return secrets.token_urlsafe(32)


def token_hash(token: str) -> str:
    """What is stored of a token: its SHA-256, in hex (64 characters)."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def default_days() -> int:
    return int(getattr(settings, "KAIZEN_SHARE_LINK_DAYS", 30))


def max_days() -> int:
    return int(getattr(settings, "KAIZEN_SHARE_LINK_MAX_DAYS", 365))


def expiry(
    *, days: int | None = None, expires_on: dt.date | None = None, now: dt.datetime | None = None
) -> dt.datetime:
    """When a link made `now` stops working: after `days` days, at the end of `expires_on`
    (in the current time zone), or after the default number of days. Never more than the
    maximum ahead."""
    now = now or timezone.now()
    longest = max_days()
    if days is not None and expires_on is not None:
        raise ValidationError({"expires_on": "give a number of days or a last day, not both"})
    if expires_on is not None:
        day_after = dt.datetime.combine(expires_on + dt.timedelta(days=1), dt.time())
        moment = timezone.make_aware(day_after, timezone.get_current_timezone())
        if moment <= now:
            raise ValidationError({"expires_on": "today or a later day"})
        if moment > now + dt.timedelta(days=longest + 1):
            raise ValidationError({"expires_on": f"at most {longest} days ahead"})
        return moment
    if days is None:
        days = default_days()
    if isinstance(days, bool) or not isinstance(days, int) or not 1 <= days <= longest:
        raise ValidationError({"days": f"from 1 to {longest} days"})
    return now + dt.timedelta(days=days)


def is_live(initiative: Initiative, now: dt.datetime | None = None) -> bool:
    """Whether the initiative has a link that still opens its report."""
    if not initiative.share_token_hash or initiative.share_expires_at is None:
        return False
    return initiative.share_expires_at > (now or timezone.now())


def shared_initiative(token: str) -> Initiative | None:
    """The initiative a live link opens; None for an unknown, revoked or expired one."""
    if not token or len(token) > 200:
        return None
    return (
        Initiative.objects.select_related("owner")
        .filter(share_token_hash=token_hash(token), share_expires_at__gt=timezone.now())
        .first()
    )
