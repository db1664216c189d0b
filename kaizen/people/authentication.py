"""`Authorization: Bearer <token>` for the REST API, backed by ApiToken."""

from datetime import timedelta

from django.utils import timezone
from rest_framework import authentication, exceptions
from rest_framework.request import Request

from kaizen.people.models import ApiToken, User, hash_token
from kaizen.people.signins import journal_refused_token

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
            raise exceptions.AuthenticationFailed("Invalid, expired or revoked token")
        if token.last_used_at is None or now - token.last_used_at > LAST_USED_RESOLUTION:
            ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        return token.user, token

    def authenticate_header(self, request: Request) -> str:
        return self.keyword
