"""The signed links of a survey e-mail (Django's signing, salted per use).

An e-mail link carries the invitation, its nonce and the rating chosen in the e-mail (one link
per point). Opening it shows the answer page with that point chosen; it is spent when the
answer is sent (a mail scanner that opens every link answers nothing). After that the person
is sent on to their own answer page, whose link (another salt) lets them change the answer
until the survey closes. A tampered link fails its signature; a spent, expired or closed one is
refused by the invitation's state.
"""

from typing import Any

from django.core import signing
from django.urls import reverse

from kaizen.surveys.models import Invitation

MAIL_SALT = "kaizen.surveys.mail-link"
PAGE_SALT = "kaizen.surveys.answer-page"


class LinkRefused(Exception):
    """Why a link cannot be used, in words for the person who opened it."""


def mail_token(invitation: Invitation, rating: int | None = None) -> str:
    payload: dict[str, Any] = {"i": invitation.pk, "n": invitation.link_nonce}
    if rating is not None:
        payload["r"] = rating
    return signing.dumps(payload, salt=MAIL_SALT, compress=True)


def page_token(invitation: Invitation) -> str:
    return signing.dumps({"i": invitation.pk, "n": invitation.link_nonce}, salt=PAGE_SALT)


def mail_url(invitation: Invitation, rating: int | None = None) -> str:
    return reverse("surveys:answer_mail", args=[mail_token(invitation, rating)])


def page_url(invitation: Invitation) -> str:
    return reverse("surveys:answer_page", args=[page_token(invitation)])


def _read(token: str, salt: str) -> dict[str, Any]:
    try:
        payload = signing.loads(token, salt=salt)
    except signing.BadSignature:
        raise LinkRefused("This link is not valid: it may have been cut or changed.") from None
    if not isinstance(payload, dict) or not isinstance(payload.get("i"), int):
        raise LinkRefused("This link is not valid: it may have been cut or changed.")
    return payload


def _invitation(payload: dict[str, Any]) -> Invitation:
    invitation = (
        Invitation.objects.select_related("survey_version", "definition", "recipient")
        .filter(pk=payload["i"])
        .first()
    )
    if invitation is None or invitation.link_nonce != payload.get("n"):
        raise LinkRefused("This link is not valid: it may have been cut or changed.")
    return invitation


def read_mail_token(token: str) -> tuple[Invitation, int | None]:
    """The invitation of an unspent e-mail link and the rating it carries, or LinkRefused."""
    payload = _read(token, MAIL_SALT)
    invitation = _invitation(payload)
    if invitation.link_used_at is not None:
        raise LinkRefused(
            "This link has been used already. To change your answer, use the page you were "
            "shown after answering, or sign in and open My surveys."
        )
    rating = payload.get("r")
    return invitation, rating if isinstance(rating, int) else None


def read_page_token(token: str) -> Invitation:
    return _invitation(_read(token, PAGE_SALT))
