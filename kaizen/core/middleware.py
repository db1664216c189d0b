import time
import uuid
import zoneinfo
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse
from django.utils import timezone

from kaizen.core.context import correlation

# Browser features no Kaizen page uses, refused to every page and anything embedded in one.
PERMISSIONS_POLICY = ", ".join(
    f"{feature}=()"
    for feature in (
        "accelerometer",
        "camera",
        "display-capture",
        "geolocation",
        "gyroscope",
        "magnetometer",
        "microphone",
        "payment",
        "usb",
    )
)


class RequestContextMiddleware:
    """Gives each request a correlation id (echoed as X-Request-ID) for its journal events,
    and every response the Permissions-Policy header."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        with correlation(uuid.uuid4()) as request_id:
            request.request_id = request_id  # type: ignore[attr-defined]
            response = self.get_response(request)
        response["X-Request-ID"] = str(request_id)
        response.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
        return response


class UserTimeZoneMiddleware:
    """Times are stored in UTC and shown in the signed-in user's own time zone."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        tz_name = getattr(request.user, "time_zone", "") if hasattr(request, "user") else ""
        if tz_name:
            try:
                timezone.activate(zoneinfo.ZoneInfo(tz_name))
            except (zoneinfo.ZoneInfoNotFoundError, ValueError):
                timezone.deactivate()
        else:
            timezone.deactivate()
        return self.get_response(request)


def start_session_clock(sender: Any, request: HttpRequest | None, **kwargs: Any) -> None:
    """On sign-in (Django's user_logged_in, connected in CoreConfig.ready): both instants start
    now, written with the new session, so the next request has nothing to write."""
    if request is not None and hasattr(request, "session"):
        now = time.time()
        request.session[SessionTimeoutMiddleware.SIGNED_IN_AT] = now
        request.session[SessionTimeoutMiddleware.LAST_SEEN_AT] = now


class SessionTimeoutMiddleware:
    """Signs a person out after KAIZEN_SESSION_IDLE_MINUTES without a request, and in any case
    KAIZEN_SESSION_MAX_HOURS after signing in (OWASP ASVS 3.3.2). Both instants live in the
    session; the last activity is written at most once a minute, so a busy page does not write
    its session on every request. API tokens have no session and are not concerned."""

    SIGNED_IN_AT = "kaizen_signed_in_at"
    LAST_SEEN_AT = "kaizen_last_seen_at"

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and hasattr(request, "session"):
            now = time.time()
            session = request.session
            signed_in_at = session.setdefault(self.SIGNED_IN_AT, now)
            last_seen_at = session.get(self.LAST_SEEN_AT, now)
            idle = now - last_seen_at > settings.KAIZEN_SESSION_IDLE_MINUTES * 60
            expired = now - signed_in_at > settings.KAIZEN_SESSION_MAX_HOURS * 3600
            if idle or expired:
                logout(request)
                reason = (
                    f"after {settings.KAIZEN_SESSION_IDLE_MINUTES} minutes without activity"
                    if idle
                    else f"{settings.KAIZEN_SESSION_MAX_HOURS} hours after you signed in"
                )
                messages.info(request, f"You were signed out {reason}. Sign in again.")
                # The request goes on signed out: a page sends the person to sign in (and
                # back), the API answers as to anyone without credentials.
                return self.get_response(request)
            if now - last_seen_at >= 60 or self.LAST_SEEN_AT not in session:
                session[self.LAST_SEEN_AT] = now
        return self.get_response(request)
