"""The read-only link to an initiative's report (step 6): whether an initiative has one that
works, and finding the initiative a link opens. The token and its expiry are the reports'
shared mechanics (kaizen/core/sharing.py), re-exported here for the register's code.
"""

import datetime as dt

from django.utils import timezone

from kaizen.core.sharing import (
    default_days,
    expiry,
    max_days,
    new_token,
    plausible,
    token_hash,
)
from kaizen.improvement.models import Initiative

__all__ = [
    "default_days",
    "expiry",
    "is_live",
    "max_days",
    "new_token",
    "shared_initiative",
    "token_hash",
]


def is_live(initiative: Initiative, now: dt.datetime | None = None) -> bool:
    """Whether the initiative has a link that still opens its report."""
    if not initiative.share_token_hash or initiative.share_expires_at is None:
        return False
    return initiative.share_expires_at > (now or timezone.now())


def shared_initiative(token: str) -> Initiative | None:
    """The initiative a live link opens; None for an unknown, revoked or expired one."""
    if not plausible(token):
        return None
    return (
        Initiative.objects.select_related("owner")
        .filter(share_token_hash=token_hash(token), share_expires_at__gt=timezone.now())
        .first()
    )
