"""The demo's satisfaction surveys: a survey after resolution (60 % of incidents sampled,
every priority 1-2 incident), drawn from the journal by the planner over the demo's history,
then a year of what people did with them, written through the survey services with their
times: about a quarter answered (fewer after an SLA breach, and lower scores then), the rest
expired; low scores followed up by the team's lead, most of them done; and a dip on one service
(VPN) in the last three months. Idempotent: nothing is added when the demo survey exists."""

import datetime as dt
import random

from django.utils import timezone

from kaizen.journal.events import EventType
from kaizen.people.models import User
from kaizen.surveys.models import (
    FollowUp,
    FollowUpState,
    Invitation,
    InvitationState,
    SurveyDefinition,
)
from kaizen.surveys.planner import do_plan_invitations
from kaizen.surveys.services.answers import do_answer_survey
from kaizen.surveys.services.definitions import do_add_trigger, do_create_survey
from kaizen.surveys.services.followups import do_close_follow_up
from kaizen.surveys.services.sending import mark_invitations

SEED = 20261215
NAME = "After resolution"
DIP_SERVICE = "vpn"


def _score(rng: random.Random, breached: bool, dipped: bool) -> int:
    weights = [5, 7, 13, 35, 40]
    if breached:
        weights = [15, 20, 25, 25, 15]
    if dipped:
        weights = [20, 25, 25, 20, 10]
    return rng.choices([1, 2, 3, 4, 5], weights)[0]


def load_surveys(now: dt.datetime | None = None) -> dict[str, int]:
    now = now or timezone.now()
    if SurveyDefinition.objects.filter(name=NAME).exists():
        return {}
    rng = random.Random(SEED)
    start = now - dt.timedelta(days=400)
    survey = do_create_survey(
        actor=None,
        name=NAME,
        description="Asked of requesters after their incident is resolved.",
        at=start,
    )
    do_add_trigger(
        survey,
        actor=None,
        inclusion_rate=0.6,
        strata=[
            {"service": None, "priority": 1, "rate": 1.0},
            {"service": None, "priority": 2, "rate": 1.0},
        ],
        cooldown_days=7,
        reminder_after_days=3,
        expiry_days=10,
        at=start,
    )
    do_plan_invitations(now=now, rng=random.Random(SEED))
    invitations = list(
        Invitation.objects.filter(definition=survey)
        .select_related("survey_version", "service", "team__manager", "recipient")
        .order_by("scheduled_for")
    )
    questions = {}
    answered = followed = 0
    by_time: dict[tuple[str, dt.datetime], list[Invitation]] = {}
    for invitation in invitations:
        if invitation.scheduled_for <= now:
            by_time.setdefault(("sent", invitation.scheduled_for), []).append(invitation)
    for (_, at), group in sorted(by_time.items(), key=lambda item: item[0][1]):
        mark_invitations(
            group, EventType.SURVEY_INVITATION_SENT, at, state=InvitationState.SENT, sent_at=at
        )
    for invitation in invitations:
        if invitation.state != InvitationState.SENT:
            continue
        breached = bool(invitation.sla_breached)
        dipped = (
            invitation.service is not None
            and invitation.service.slug == DIP_SERVICE
            and invitation.triggered_at > now - dt.timedelta(days=90)
        )
        answer_at = invitation.sent_at + dt.timedelta(hours=rng.uniform(1, 96))
        if rng.random() < (0.13 if breached else 0.27) and answer_at < min(
            now, invitation.expires_at
        ):
            version = invitation.survey_version
            if version.pk not in questions:
                questions[version.pk] = list(version.questions.all())
            headline, resolved, comment = questions[version.pk][:3]
            score = _score(rng, breached, dipped)
            answers = {str(headline.pk): score, str(resolved.pk): score >= 3 or rng.random() < 0.5}
            if score <= 2 and rng.random() < 0.5:
                answers[str(comment.pk)] = rng.choice(
                    ["It took far too long.", "Nobody told me what was happening.", "Still slow."]
                )
            do_answer_survey(invitation, answers, actor=None, at=answer_at)
            answered += 1
        elif invitation.expires_at <= now:
            mark_invitations(
                [invitation],
                EventType.SURVEY_INVITATION_EXPIRED,
                invitation.expires_at,
                state=InvitationState.EXPIRED,
                expired_at=invitation.expires_at,
            )
    for follow_up in FollowUp.objects.filter(invitation__definition=survey).select_related("owner"):
        followed += 1
        if follow_up.opened_at < now - dt.timedelta(days=5) and rng.random() < 0.85:
            done_at = follow_up.opened_at + dt.timedelta(hours=rng.uniform(2, 30))
            do_close_follow_up(
                follow_up,
                outcome=rng.choice(["contacted_fixed", "contacted_explained", "not_reached"]),
                notes="Called the requester back.",
                contacted_requester=True,
                actor=follow_up.owner or User.objects.filter(is_superuser=True).first(),
                expected_version=None,
                at=done_at,
            )
    return {
        "survey invitations": len(invitations),
        "survey answers": answered,
        "survey follow-ups": followed,
        "follow-ups open": FollowUp.objects.filter(state=FollowUpState.OPEN).count(),
    }
