"""Sign-ins in the journal: each sign-in, failed attempt and lock-out of an account, and each
refused API token, on the person concerned (an attempt on a username nobody has is counted
by django-axes, which locks its address, but has no one to be journaled on).

The lock-out itself is django-axes' (settings: AXES_*); `locked_out` is the page it shows."""

from typing import Any

from axes.signals import user_locked_out
from django.conf import settings
from django.contrib.auth.signals import user_logged_in, user_login_failed
from django.db import transaction
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from kaizen.journal.events import EventType
from kaizen.journal.services import record_event
from kaizen.people.models import ApiToken, User


def client_address(request: HttpRequest | None) -> str:
    """The address django-axes counted the attempt against (the proxy's client address when
    KAIZEN_BEHIND_PROXY), or what the connection came from."""
    if request is None:
        return ""
    return getattr(request, "axes_ip_address", None) or request.META.get("REMOTE_ADDR", "")


def _journal(
    event_type: EventType, user: User, request: HttpRequest | None, *, by_them: bool, **data: Any
) -> None:
    """On `user`'s record; the actor is them only for a sign-in (a failed attempt may be
    anyone's)."""
    with transaction.atomic():
        record_event(
            event_type,
            user,
            actor=user if by_them else None,
            data={"address": client_address(request), **data},
        )


def _named(username: str | None) -> User | None:
    if not username:
        return None
    return User.objects.filter(username=username).first()


@receiver(user_logged_in, dispatch_uid="kaizen.people.signins.signed_in")
def journal_sign_in(sender: Any, request: HttpRequest | None, user: User, **kwargs: Any) -> None:
    # A person signing in sends a form (the sign-in page, the admin's); a session opened in
    # code (Django's test client) has no request method and is not a sign-in to journal.
    if request is not None and request.method == "POST":
        _journal(EventType.USER_SIGNED_IN, user, request, by_them=True)


@receiver(user_login_failed, dispatch_uid="kaizen.people.signins.failed")
def journal_failed_sign_in(
    sender: Any, credentials: dict[str, Any], request: HttpRequest | None = None, **kwargs: Any
) -> None:
    if getattr(request, "axes_locked_out", False):
        return  # refused because locked out: journaled as that (journal_lock_out)
    user = _named(credentials.get("username"))
    if user is not None:
        _journal(EventType.USER_SIGNIN_FAILED, user, request, by_them=False)


# Sent by django-axes on the attempt that reaches the limit and on every attempt refused while
# the lock lasts, so each of them is journaled once, as a lock-out.
@receiver(user_locked_out, dispatch_uid="kaizen.people.signins.locked_out")
def journal_lock_out(
    sender: Any, request: HttpRequest, username: str | None, ip_address: str, **kwargs: Any
) -> None:
    user = _named(username)
    if user is not None:
        minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
        _journal(EventType.USER_LOCKED_OUT, user, request, by_them=False, minutes=minutes)


def locked_out(
    request: HttpRequest, original_response: HttpResponse | None, credentials: Any
) -> HttpResponse:
    """django-axes' answer to a sign-in while locked out: 429 and a page saying why."""
    context = {
        "failure_limit": settings.AXES_FAILURE_LIMIT,
        "minutes": int(settings.AXES_COOLOFF_TIME.total_seconds() // 60),
    }
    return render(request, "registration/locked_out.html", context, status=429)


def journal_refused_token(token: ApiToken, request: HttpRequest) -> None:
    """A revoked or expired token (or one of a deactivated person) was presented."""
    reason = (
        "revoked"
        if token.revoked_at is not None
        else "person deactivated"
        if not token.user.is_active
        else "expired"
    )
    _journal(
        EventType.TOKEN_REFUSED, token.user, request, by_them=False, token=token.name, reason=reason
    )
