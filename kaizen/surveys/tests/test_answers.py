"""Answering: signed one-time links (tampered, spent, expired refused), the page without
signing in, changes until the survey closes, follow-ups of low scores, reopening on "not
resolved" within the window."""

import datetime as dt
import re

import pytest
from django.core import signing
from django.utils import timezone

from kaizen.incidents.models import Incident
from kaizen.journal.events import EventType
from kaizen.journal.models import JournalEvent
from kaizen.surveys import links
from kaizen.surveys.models import FollowUp, Invitation
from kaizen.surveys.services.answers import SurveyClosed, do_answer_survey
from kaizen.surveys.services.followups import do_close_follow_up, due_state
from kaizen.surveys.services.sending import do_send_surveys
from kaizen.surveys.tests.helpers import make_survey, plan, requester, resolved_incident
from kaizen.testing import make_team, make_user

pytestmark = pytest.mark.django_db
HOUR = dt.timedelta(hours=1)


def sent_invitation(*, now=None, team=None, **trigger):
    """A survey sent now (the incident resolved a minute ago)."""
    now = now or timezone.now()
    make_survey(**trigger)
    lead = make_user("lead")
    team = team or make_team("Service desk", manager=lead)
    resolved_incident(requester("ann"), at=now - dt.timedelta(minutes=1), assignment_group=team)
    plan(now=now)
    do_send_surveys(now=now)
    return Invitation.objects.select_related("survey_version").get()


def headline_and_resolved(invitation):
    questions = list(invitation.survey_version.questions.all())
    return questions[0], questions[1]


def test_the_mail_link_shows_the_chosen_point_and_answering_spends_it(client):
    invitation = sent_invitation()
    headline, _ = headline_and_resolved(invitation)
    url = links.mail_url(invitation, 4)
    page = client.get(url)
    assert page.status_code == 200
    checked = re.findall(
        rf'<input[^>]*name="q{headline.pk}"[^>]*value="(\d)"[^>]*checked', page.text
    )
    assert checked == ["4"]
    assert "<fieldset" in page.text and "<legend" in page.text
    invitation.refresh_from_db()
    assert invitation.state == "sent" and invitation.link_used_at is None  # opening is no answer
    answered = client.post(url, {f"q{headline.pk}": "4"})
    assert answered.status_code == 302 and answered.url.startswith("/surveys/r/")
    invitation.refresh_from_db()
    assert invitation.state == "answered" and invitation.score == 4
    assert invitation.link_used_at is not None
    again = client.get(url)
    assert again.status_code == 410 and "used already" in again.text
    # The answer page it led to still takes a change.
    changed = client.post(answered.url, {f"q{headline.pk}": "5"})
    assert changed.status_code == 302
    invitation.refresh_from_db()
    assert invitation.score == 5
    types = list(JournalEvent.objects.for_subject(invitation).values_list("event_type", flat=True))
    assert types[-2:] == [EventType.SURVEY_ANSWERED, EventType.SURVEY_ANSWER_CHANGED]


def test_a_tampered_link_is_refused(client):
    invitation = sent_invitation()
    token = links.mail_token(invitation, 5)
    forged = signing.dumps({"i": invitation.pk, "n": invitation.link_nonce, "r": 1}, salt="other")
    assert client.get(f"/surveys/a/{token[:-2]}xx/").status_code == 410
    assert client.get(f"/surveys/a/{forged}/").status_code == 410
    wrong_nonce = signing.dumps({"i": invitation.pk, "n": "guess", "r": 1}, salt=links.MAIL_SALT)
    assert client.get(f"/surveys/a/{wrong_nonce}/").status_code == 410
    # A page token is no mail token, and the reverse.
    assert client.get(f"/surveys/a/{links.page_token(invitation)}/").status_code == 410
    assert client.get(f"/surveys/r/{token}/").status_code == 410


def test_an_expired_survey_takes_no_answer(client):
    invitation = sent_invitation(expiry_days=7)
    headline, _ = headline_and_resolved(invitation)
    later = timezone.now() + dt.timedelta(days=8)
    with pytest.raises(SurveyClosed):
        do_answer_survey(invitation, {str(headline.pk): 3}, actor=None, at=later)
    Invitation.objects.filter(pk=invitation.pk).update(expires_at=timezone.now() - HOUR)
    response = client.post(links.mail_url(invitation, 3), {f"q{headline.pk}": "3"})
    assert response.status_code == 409 and "closed" in response.text
    invitation.refresh_from_db()
    assert invitation.state == "sent" and invitation.score is None


def test_bad_answers_name_the_question(client):
    invitation = sent_invitation()
    headline, _ = headline_and_resolved(invitation)
    response = client.post(links.mail_url(invitation), {f"q{headline.pk}": "9"})
    assert response.status_code == 400
    assert f'id="id_q{headline.pk}_errors"' in response.text
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as refused:
        do_answer_survey(invitation, {str(headline.pk): 0}, actor=None)
    assert f"q{headline.pk}" in refused.value.error_dict


def test_a_low_score_opens_a_follow_up_for_the_teams_lead_with_a_due_time():
    now = timezone.now()
    invitation = sent_invitation(now=now)
    headline, _ = headline_and_resolved(invitation)
    result = do_answer_survey(invitation, {str(headline.pk): 2}, actor=None, at=now + HOUR)
    follow_up = result.follow_up
    assert follow_up is not None and follow_up.reason == "Rated 2 of 5"
    assert follow_up.owner.username == "lead"
    assert follow_up.due_at == now + HOUR + dt.timedelta(hours=8)  # no calendar: 8 h on
    assert due_state(follow_up, now + 2 * HOUR) == "open"
    assert due_state(follow_up, now + 10 * HOUR) == "overdue"
    # Changing the answer keeps the one follow-up.
    do_answer_survey(invitation, {str(headline.pk): 1}, actor=None, at=now + 2 * HOUR)
    assert FollowUp.objects.count() == 1
    done = do_close_follow_up(
        follow_up,
        outcome="contacted_fixed",
        notes="Called Ann; the printer queue is fixed.",
        contacted_requester=True,
        actor=follow_up.owner,
        expected_version=None,
        at=now + 3 * HOUR,
    )
    assert done.state == "done" and due_state(done, now + 20 * HOUR) == "done in time"


def test_a_satisfied_answer_opens_none():
    invitation = sent_invitation()
    headline, resolved = headline_and_resolved(invitation)
    result = do_answer_survey(invitation, {str(headline.pk): 4, str(resolved.pk): True}, actor=None)
    assert result.follow_up is None


def test_the_follow_up_target_counts_business_hours_on_the_calendar():
    from kaizen.sla.tests.config_helpers import make_calendar
    from kaizen.surveys.services.definitions import do_update_survey
    from kaizen.surveys.services.followups import due_time

    calendar = make_calendar()  # Mon-Fri 09:00-17:00 (see config_helpers)
    invitation = sent_invitation()
    definition = do_update_survey(
        invitation.definition, actor=None, expected_version=None, follow_up_calendar=calendar
    )
    friday_4pm = dt.datetime(2026, 3, 6, 16, tzinfo=dt.UTC)
    # 1 h on Friday, 7 h on Monday from 09:00: Monday 16:00 (in the calendar's zone).
    due = due_time(definition, friday_4pm)
    local = due.astimezone(__import__("zoneinfo").ZoneInfo(calendar.time_zone))
    assert (local.weekday(), local.hour) == (0, 16)


def test_not_resolved_reopens_the_incident_when_asked_within_its_window(settings):
    settings.KAIZEN_REOPEN_WINDOW_DAYS = 7
    invitation = sent_invitation()
    headline, resolved = headline_and_resolved(invitation)
    result = do_answer_survey(
        invitation, {str(headline.pk): 3, str(resolved.pk): False}, actor=None, reopen=True
    )
    assert result.reopened and result.follow_up.reason == "Says the issue was not resolved"
    incident = Incident.objects.get(number=invitation.ticket_number)
    assert incident.state == "in_progress" and incident.reopen_count == 1
    assert incident.comments.get().body.startswith("Reopened by the requester")


def test_not_resolved_outside_the_window_records_the_answer_and_says_why(settings):
    settings.KAIZEN_REOPEN_WINDOW_DAYS = 7
    invitation = sent_invitation()
    headline, resolved = headline_and_resolved(invitation)
    later = timezone.now() + dt.timedelta(days=9)
    Invitation.objects.filter(pk=invitation.pk).update(expires_at=later + dt.timedelta(days=1))
    result = do_answer_survey(
        invitation,
        {str(headline.pk): 3, str(resolved.pk): False},
        actor=None,
        reopen=True,
        at=later,
    )
    assert not result.reopened and "within 7 days" in result.reopen_refused
    invitation.refresh_from_db()
    assert invitation.state == "answered" and invitation.said_resolved is False


def test_requesters_answer_their_own_from_the_portal_and_nobody_elses(client):
    invitation = sent_invitation()
    headline, _ = headline_and_resolved(invitation)
    other = requester("bob")
    client.force_login(other)
    assert client.get(f"/surveys/mine/{invitation.pk}/").status_code == 404
    client.force_login(invitation.recipient)
    listing = client.get("/surveys/mine/")
    assert invitation.ticket_number in listing.text
    response = client.post(f"/surveys/mine/{invitation.pk}/", {f"q{headline.pk}": "5"})
    assert response.status_code == 302
    invitation.refresh_from_db()
    assert invitation.score == 5 and invitation.link_used_at is None
