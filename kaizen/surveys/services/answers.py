"""Answering a survey: from the e-mail's link, the answer page, or the portal.

Answers can be changed until the survey closes (its expiry); the first answer and every change
are journaled with the answers before and after. An answer that calls for it opens a
follow-up (once per invitation), and a "not resolved" answer may ask to reopen the ticket
within its reopen window, through the ticket's registered `reopen` action (its own service).
"""

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from kaizen.catalog.ticket_sources import ticket_records, ticket_source
from kaizen.core.errors import Conflict
from kaizen.journal.events import EventType
from kaizen.people.models import User
from kaizen.surveys.models import FollowUp, Invitation, InvitationState, Question, QuestionKind
from kaizen.surveys.services.base import INVITATIONS, moment
from kaizen.surveys.services.followups import low_reason, open_follow_up

MAX_TEXT = 2000


class SurveyClosed(Conflict):
    """The survey no longer takes answers (expired, or not sent yet)."""


@dataclass(frozen=True)
class Answered:
    invitation: Invitation
    follow_up: FollowUp | None
    reopened: bool
    reopen_refused: str  # why the ticket was not reopened ("" if it was or was not asked)


def clean_answers(questions: list[Question], raw: Mapping[str, Any]) -> dict[str, Any]:
    """The answers by question id, checked against each question, naming the question."""
    cleaned: dict[str, Any] = {}
    for question in questions:
        key = str(question.pk)
        value = raw.get(key)
        field = f"q{question.pk}"
        if value in (None, ""):
            if question.required:
                raise ValidationError({field: f"please answer: {question.text}"})
            continue
        if question.kind in (QuestionKind.RATING, QuestionKind.NPS):
            top = 5 if question.kind == QuestionKind.RATING else 10
            low = 1 if question.kind == QuestionKind.RATING else 0
            try:
                number = int(value)
            except (TypeError, ValueError):
                raise ValidationError({field: f"a whole number from {low} to {top}"}) from None
            if not low <= number <= top:
                raise ValidationError({field: f"a whole number from {low} to {top}"})
            cleaned[key] = number
        elif question.kind == QuestionKind.RESOLVED:
            text = str(value).strip().lower()
            if text in ("1", "yes", "true"):
                cleaned[key] = True
            elif text in ("0", "no", "false"):
                cleaned[key] = False
            else:
                raise ValidationError({field: "yes or no"})
        elif question.kind == QuestionKind.CHOICE:
            if value not in question.options:
                raise ValidationError({field: f"one of: {', '.join(question.options)}"})
            cleaned[key] = value
        else:
            text = str(value).strip()
            if len(text) > MAX_TEXT:
                raise ValidationError({field: f"at most {MAX_TEXT} characters"})
            if text:
                cleaned[key] = text
    unknown = set(raw) - {str(question.pk) for question in questions}
    if unknown:
        raise ValidationError(
            {"answers": f"not questions of this survey: {', '.join(sorted(unknown))}"}
        )
    return cleaned


def takes_answers(invitation: Invitation, at: dt.datetime) -> bool:
    return (
        invitation.state in (InvitationState.SENT, InvitationState.ANSWERED)
        and at < invitation.expires_at
    )


@transaction.atomic
def do_answer_survey(
    invitation: Invitation,
    answers: Mapping[str, Any],
    *,
    actor: User | None,
    from_mail_link: bool = False,
    reopen: bool = False,
    at: dt.datetime | None = None,
) -> Answered:
    """Record (or change) the answers. `actor` is the person answering (the recipient; None
    when the link alone identifies them, journaled as the recipient)."""
    at = moment(at)
    locked = INVITATIONS.lock(invitation, None)
    if not takes_answers(locked, at):
        raise SurveyClosed(
            "This survey is closed: it no longer takes answers."
            if locked.state != InvitationState.SCHEDULED
            else "This survey has not been sent yet."
        )
    questions = list(locked.survey_version.questions.all())
    cleaned = clean_answers(questions, answers)
    headline = next((question for question in questions if question.is_headline), None)
    resolved = next((q for q in questions if q.kind == QuestionKind.RESOLVED), None)
    first = locked.state != InvitationState.ANSWERED
    before = INVITATIONS.snapshot(locked)
    locked.answers = cleaned
    locked.score = cleaned.get(str(headline.pk)) if headline else None
    locked.said_resolved = cleaned.get(str(resolved.pk)) if resolved else None
    locked.reopen_requested = bool(reopen and locked.said_resolved is False)
    locked.state = InvitationState.ANSWERED
    if first:
        locked.answered_at = at
    if from_mail_link and locked.link_used_at is None:
        locked.link_used_at = at
    event = EventType.SURVEY_ANSWERED if first else EventType.SURVEY_ANSWER_CHANGED
    INVITATIONS.finish(locked, invitation, before, event, actor=actor or locked.recipient, at=at)
    follow_up = FollowUp.objects.filter(invitation=locked).first()
    if follow_up is None:
        reason = low_reason(locked.definition, locked, headline.kind if headline else "")
        if reason:
            follow_up = open_follow_up(locked, reason, at=at)
    reopened, refused = False, ""
    if (
        locked.reopen_requested
        and not before["reopen_requested"]
        and locked.definition.offer_reopen
    ):
        reopened, refused = _reopen(locked, actor=actor or locked.recipient, at=at)
    return Answered(locked, follow_up, reopened, refused)


def _reopen(invitation: Invitation, *, actor: User, at: dt.datetime) -> tuple[bool, str]:
    """Reopen the ticket through its source's own `reopen` action, in a savepoint: a refusal
    (outside the reopen window, no longer resolved) leaves the answer recorded."""
    source = ticket_source(invitation.source_key)
    if source is None or source.reopen is None:
        return False, "tickets of this kind cannot be reopened from a survey"
    ticket = ticket_records(invitation.source_key, [invitation.ticket_number]).get(
        invitation.ticket_number
    )
    if ticket is None:
        return False, "the ticket no longer exists"
    note = "Reopened by the requester from the satisfaction survey: not resolved."
    try:
        with transaction.atomic():
            source.reopen(ticket, note, actor=actor, at=at)
    except ValidationError as exc:
        return False, " ".join(exc.messages)
    except Conflict as exc:
        return False, str(exc)
    return True, ""
