"""`kaizen journal verify` folds the surveys' journal back into their rows: definitions,
triggers, invitations (drawn in bulk, sent and expired in batches, answered) and follow-ups."""

import datetime as dt
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from kaizen.surveys.models import FollowUp, Invitation
from kaizen.surveys.services.answers import do_answer_survey
from kaizen.surveys.services.definitions import do_update_trigger
from kaizen.surveys.services.followups import do_close_follow_up
from kaizen.surveys.services.sending import do_send_surveys
from kaizen.surveys.tests.helpers import make_survey, plan, requester, resolved_incident
from kaizen.testing import make_team, make_user

pytestmark = pytest.mark.django_db


def test_the_journal_matches_every_survey_record():
    now = timezone.now()
    _, trigger = make_survey(expiry_days=3)
    do_update_trigger(trigger, actor=None, expected_version=None, cooldown_days=1)
    team = make_team("Desk", manager=make_user("lead"))
    for _ in range(3):
        resolved_incident(requester(), at=now - dt.timedelta(minutes=5), assignment_group=team)
    plan(now=now)
    do_send_surveys(now=now)
    first, second, _ = Invitation.objects.order_by("pk")
    headline = first.survey_version.questions.get(is_headline=True)
    do_answer_survey(first, {str(headline.pk): 1}, actor=None, at=now + dt.timedelta(hours=1))
    do_answer_survey(second, {str(headline.pk): 4}, actor=None, at=now + dt.timedelta(hours=1))
    do_close_follow_up(
        FollowUp.objects.get(), outcome="no_action", actor=None, expected_version=None
    )
    do_send_surveys(now=now + dt.timedelta(days=4))  # the third expires
    out = StringIO()
    call_command("journal", "verify", stdout=out)
    lines = out.getvalue().splitlines()
    # 3 drawn, 3 sent, 2 answered, 1 expired.
    assert "surveys.invitation: 3 records, 9 events: the journal matches" in lines
    assert "surveys.follow_up: 1 record, 2 events: the journal matches" in lines
    assert "surveys.trigger: 1 record, 2 events: the journal matches" in lines
