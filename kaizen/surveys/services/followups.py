"""Following up unhappy answers: a follow-up for the ticket team's lead with a target time,
and its outcome.

The target counts `follow_up_hours` in the business hours of the survey's calendar (an SLA
business calendar, kaizen/sla), or around the clock without one. It is a due time with a state
computed from it (`due_state`), not an SLA clock: follow-ups are not a ticket kind of the SLA
engine (docs/surveys.md says why).
"""

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction

from kaizen.journal.events import EventType
from kaizen.notifications.services import queue_notification
from kaizen.people.models import User
from kaizen.sla.targets import calendar_index
from kaizen.surveys.models import (
    FollowUp,
    FollowUpOutcome,
    FollowUpState,
    Invitation,
    QuestionKind,
    SurveyDefinition,
)
from kaizen.surveys.services.base import FOLLOW_UPS, moment
from kaizen.surveys.triggers import trigger_kind


def low_reason(definition: SurveyDefinition, invitation: Invitation, scale: str) -> str:
    """Why this answer calls for a follow-up ("": it does not)."""
    score = invitation.score
    if score is not None:
        if scale == QuestionKind.RATING and score <= definition.low_rating_max:
            return f"Rated {score} of 5"
        if scale == QuestionKind.NPS and score <= definition.low_nps_max:
            return f"Would recommend {score} of 10"
    if definition.follow_up_not_resolved and invitation.said_resolved is False:
        return "Says the issue was not resolved"
    return ""


def due_time(definition: SurveyDefinition, start: dt.datetime) -> dt.datetime:
    hours = definition.follow_up_hours
    calendar = definition.follow_up_calendar
    if calendar is None:
        return start + dt.timedelta(hours=hours)
    index = calendar_index(calendar)
    return index.instant_reaching(start, hours * 3600 * 1_000_000)


def due_state(follow_up: FollowUp, now: dt.datetime) -> str:
    """ "open", "overdue", "done in time" or "done late"."""
    if follow_up.state == FollowUpState.DONE:
        late = follow_up.done_at is not None and follow_up.done_at > follow_up.due_at
        return "done late" if late else "done in time"
    return "overdue" if now > follow_up.due_at else "open"


def open_follow_up(invitation: Invitation, reason: str, *, at: dt.datetime) -> FollowUp:
    """Inside the answer's transaction: the follow-up, journaled, and a mail to its owner."""
    definition = invitation.definition
    team = invitation.team
    owner = team.manager if team is not None else None
    follow_up = FollowUp.objects.create(
        invitation=invitation,
        reason=reason,
        owner=owner,
        team=team,
        opened_at=at,
        due_at=due_time(definition, at),
        updated_at=at,
    )
    FOLLOW_UPS.record_created(EventType.SURVEY_FOLLOW_UP_OPENED, follow_up, actor=None, at=at)
    kind = trigger_kind(invitation.source_key)
    if owner is not None:
        queue_notification(
            "survey_follow_up",
            [owner],
            {"follow_up": follow_up, "invitation": invitation},
            category=kind.follow_up_category if kind else "satisfaction_follow_ups",
        )
    return follow_up


@transaction.atomic
def do_close_follow_up(
    follow_up: FollowUp,
    *,
    outcome: str,
    notes: str = "",
    contacted_requester: bool = False,
    actor: User | None,
    expected_version: int | None,
    at: dt.datetime | None = None,
) -> FollowUp:
    """Record what was done; the follow-up is done."""
    if outcome not in FollowUpOutcome.values:
        raise ValidationError({"outcome": f"{outcome!r} is not an outcome"})
    if not notes.strip() and outcome != FollowUpOutcome.NO_ACTION:
        raise ValidationError({"outcome_notes": "say what was done"})
    at = moment(at)
    locked = FOLLOW_UPS.lock(follow_up, expected_version)
    if locked.state == FollowUpState.DONE:
        raise ValidationError({"outcome": "this follow-up is done already"})
    before = FOLLOW_UPS.snapshot(locked)
    locked.state = FollowUpState.DONE
    locked.outcome = outcome
    locked.outcome_notes = notes.strip()
    locked.contacted_requester = contacted_requester
    locked.done_at = at
    FOLLOW_UPS.finish(
        locked, follow_up, before, EventType.SURVEY_FOLLOW_UP_DONE, actor=actor, at=at
    )
    return locked
