"""How the surveys' journal events read in a record's history and the audit trail: hand-written
lines for each, recorded by the services themselves."""

import datetime as dt
import random

import pytest

from kaizen.journal.events import EventType
from kaizen.journal.presenting import present
from kaizen.journal.selectors import timeline_for
from kaizen.journal.tests.test_event_texts import lines_of
from kaizen.surveys.models import FollowUp, Invitation
from kaizen.surveys.planner import do_plan_invitations
from kaizen.surveys.services.answers import do_answer_survey
from kaizen.surveys.services.definitions import (
    STANDARD_QUESTIONS,
    do_publish_survey_version,
    do_update_survey,
    do_update_trigger,
)
from kaizen.surveys.services.followups import do_close_follow_up
from kaizen.surveys.services.sending import do_send_surveys
from kaizen.surveys.tests.helpers import T0, make_survey, requester, resolved_incident
from kaizen.testing import make_team, make_user

pytestmark = pytest.mark.django_db
H = dt.timedelta(hours=1)


def lines_for(subject, event_type):
    chosen = [event for event in timeline_for(subject) if event.event_type == event_type]
    return [lines_of(event) for event in present(chosen, None)]


def test_survey_events_read_in_words(settings):
    settings.TIME_ZONE = "UTC"
    definition, trigger = make_survey()
    do_update_survey(definition, actor=None, expected_version=None, low_rating_max=1)
    do_update_trigger(trigger, actor=None, expected_version=None, inclusion_rate=0.5)
    do_update_trigger(trigger, actor=None, expected_version=None, reminder_after_days=2)
    do_publish_survey_version(definition, questions=STANDARD_QUESTIONS[:1], actor=None)
    team = make_team("Desk", manager=make_user("lead"))
    resolved_incident(requester("ann"), at=T0, assignment_group=team)
    do_plan_invitations(now=T0 + H, rng=random.Random(3))  # 0.24 < 0.5: drawn
    invitation = Invitation.objects.get()
    do_send_surveys(now=T0 + H)
    do_send_surveys(now=T0 + H + dt.timedelta(days=2))
    (headline,) = invitation.survey_version.questions.all()
    q = headline.pk
    do_answer_survey(invitation, {str(q): 1}, actor=None, at=T0 + 50 * H)
    do_answer_survey(invitation, {str(q): 2}, actor=None, at=T0 + 51 * H)
    follow_up = FollowUp.objects.get()
    do_close_follow_up(
        follow_up, outcome="no_action", actor=None, expected_version=None, at=T0 + 52 * H
    )

    (created,) = lines_for(definition, EventType.SURVEY_DEFINITION_CREATED)
    assert created[:3] == ["Name: After resolution", "Slug: after-resolution", "Is active: Yes"]
    assert "Follow up ratings up to: 2" in created
    assert lines_for(definition, EventType.SURVEY_DEFINITION_UPDATED) == [
        ["Follow up ratings up to: 2 → 1"]
    ]
    second, first = lines_for(definition, EventType.SURVEY_VERSION_PUBLISHED)
    assert second == [
        "Version: 2",
        "Questions: How satisfied are you with how your ticket was handled? "
        "(Rating 1-5 (every point labelled), headline)",
    ]
    assert first[0] == "Version: 1" and "Was your issue resolved?" in first[1]
    (trigger_created,) = lines_for(trigger, EventType.SURVEY_TRIGGER_CREATED)
    assert "Cool-down (days): 0" in trigger_created and "Inclusion rate: 1" in trigger_created
    assert lines_for(trigger, EventType.SURVEY_TRIGGER_UPDATED) == [
        ["Reminder after (days): 0 → 2"],
        ["Inclusion rate: 1 → 0.5"],
    ]
    (planned,) = lines_for(invitation, EventType.SURVEY_INVITATION_PLANNED)
    assert "Inclusion probability: 0.5" in planned and "Recipient: Ann" in planned
    assert "Triggered at: 2 Mar 2026, 09:00" in planned and "Team: Desk" in planned
    assert lines_for(invitation, EventType.SURVEY_INVITATION_SENT) == [
        ["State: Scheduled → Sent", "Sent at: (none) → 2 Mar 2026, 10:00"]
    ]
    assert lines_for(invitation, EventType.SURVEY_INVITATION_REMINDED) == [
        ["Reminded at: (none) → 4 Mar 2026, 10:00"]
    ]
    assert lines_for(invitation, EventType.SURVEY_ANSWERED) == [
        [
            "State: Sent → Answered",
            "Answered at: (none) → 4 Mar 2026, 11:00",
            f"Answers (by question id): (none) → {q}: 1",
            "Score: (none) → 1",
        ]
    ]
    assert lines_for(invitation, EventType.SURVEY_ANSWER_CHANGED) == [
        [f"Answers (by question id): {q}: 1 → {q}: 2", "Score: 1 → 2"]
    ]
    (opened,) = lines_for(follow_up, EventType.SURVEY_FOLLOW_UP_OPENED)
    assert opened[:3] == ["Invitation: Survey on INC0000001", "Reason: Rated 1 of 5", "Owner: Lead"]
    assert lines_for(follow_up, EventType.SURVEY_FOLLOW_UP_DONE) == [
        [
            "State: Open → Done",
            "Outcome: (none) → No action needed",
            "Done at: (none) → 4 Mar 2026, 13:00",
        ]
    ]


def test_an_expired_survey_reads_so(settings):
    settings.TIME_ZONE = "UTC"
    make_survey(expiry_days=3)
    resolved_incident(at=T0)
    do_plan_invitations(now=T0 + H, rng=random.Random(1))
    do_send_surveys(now=T0 + H)
    do_send_surveys(now=T0 + dt.timedelta(days=4))
    invitation = Invitation.objects.get()
    assert lines_for(invitation, EventType.SURVEY_INVITATION_EXPIRED) == [
        ["State: Sent → Expired", "Expired at: (none) → 6 Mar 2026, 09:00"]
    ]
