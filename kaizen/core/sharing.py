"""Read-only links to reports (an initiative's, an agreement's service level report): their
token, their expiry, and the form that asks for how long a link works.

The token is random (32 bytes) and shown once, when the link is made; only its SHA-256 is
stored, so the database (a backup, a copy for testing) does not hold working links. A link
expires: by default after KAIZEN_SHARE_LINK_DAYS days; the person making it may choose a
number of days or a last day, up to KAIZEN_SHARE_LINK_MAX_DAYS ahead. An expired link answers
like an unknown one. Each app keeps its links on its own records and finds the record a
token opens by `token_hash(token)`.
"""

import datetime as dt
import hashlib
import secrets
from typing import Any

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import timezone

from kaizen.core.forms import StyledFormMixin

LONGEST_TOKEN = 200  # anything longer is no token of ours: not even hashed


def new_token() -> str:
    return secrets.token_urlsafe(32)


def token_hash(token: str) -> str:
    """What is stored of a token: its SHA-256, in hex (64 characters)."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def plausible(token: str) -> bool:
    return bool(token) and len(token) <= LONGEST_TOKEN


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


class ShareLinkForm(StyledFormMixin, forms.Form):
    """A new read-only link to a report: how long it works (empty: the default)."""

    days = forms.IntegerField(
        required=False,
        min_value=1,
        label="Works for (days)",
        widget=forms.NumberInput(attrs={"placeholder": "days"}),
    )
    expires_on = forms.DateField(
        required=False,
        label="or until (last day)",
        widget=forms.DateInput(attrs={"type": "date"}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        longest, default = max_days(), default_days()
        self.fields["days"].widget.attrs.update({"max": longest, "placeholder": default})
        self.fields["days"].help_text = f"{default} days unless you choose; at most {longest}."
