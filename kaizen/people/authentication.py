"""`Authorization: Bearer <token>` for the REST API, backed by ApiToken.

Failed token attempts are counted per address, as failed sign-ins are (the same switch, limit
and cool-off: KAIZEN_SIGNIN_LOCKOUT, KAIZEN_SIGNIN_FAILURE_LIMIT, KAIZEN_SIGNIN_LOCKOUT_MINUTES):
at the limit the address is refused with 429 for the cool-off, whatever token it sends, so
guessing tokens is as slow as guessing passwords. The count lives in Django's cache (Redis when
REDIS_URL is set, shared by every process; otherwise each process counts its own)."""

from datetime import timedelta

from django.conf import settings
from django.core.cache import cache
from django.utils import timezone
from rest_framework import authentication, exceptions
from rest_framework.request import Request

from kaizen.people.models import ApiToken, User, hash_token
from kaizen.people.signins import client_address, journal_refused_token

# Writing last_used_at on every call would turn each read into a write.
LAST_USED_RESOLUTION = timedelta(minutes=5)


class BearerTokenAuthentication(authentication.BaseAuthentication):
    keyword = "Bearer"

    def authenticate(self, request: Request) -> tuple[User, ApiToken] | None:
        header = authentication.get_authorization_header(request).split()
        if not header or header[0].lower() not in (b"bearer", b"token"):
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed("Authorization header must be 'Bearer <token>'")
        raw = header[1].decode(errors="replace")
        failures_key = _failures_key(request)
        if failures_key and (cache.get(failures_key) or 0) >= settings.AXES_FAILURE_LIMIT:
            minutes = _cool_off_seconds() // 60
            raise exceptions.Throttled(
                wait=_cool_off_seconds(),
                detail=f"Too many failed token attempts from this address: try again in "
                f"{minutes} minutes.",
            )
        now = timezone.now()
        token = ApiToken.objects.select_related("user").filter(key_hash=hash_token(raw)).first()
        usable = (
            token is not None
            and token.revoked_at is None
            and (token.expires_at is None or token.expires_at > now)
            and token.user.is_active
        )
        if not usable:
            if token is not None:  # a real token of someone's, refused: journaled on them
                journal_refused_token(token, request)
            if failures_key:
                cache.add(failures_key, 0, _cool_off_seconds())
                cache.incr(failures_key)
            raise exceptions.AuthenticationFailed("Invalid, expired or revoked token")
        if failures_key:
            cache.delete(failures_key)  # a good token clears the address's failures
        if token.last_used_at is None or now - token.last_used_at > LAST_USED_RESOLUTION:
            ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        return token.user, token

    def authenticate_header(self, request: Request) -> str:
        return self.keyword


def _cool_off_seconds() -> int:
    return int(settings.AXES_COOLOFF_TIME.total_seconds())


def _failures_key(request: Request) -> str:
    """The cache key counting the address's failed token attempts; "" when not counted."""
    if not settings.AXES_ENABLED:
        return ""
    return f"kaizen:token-failures:{client_address(request._request)}"
