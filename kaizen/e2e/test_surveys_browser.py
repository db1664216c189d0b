"""Satisfaction surveys in a real browser (Chromium through Playwright): an incident is
resolved; the planner draws the survey from the journal and the mail goes to the outbox; the
requester opens the "Dissatisfied" (2) link of the e-mail on a phone, without signing in, and
sends it; the team's lead signs in and finds the follow-up waiting, with its due time."""

import datetime as dt
import random
import re

import pytest
from django.utils import timezone

from kaizen.e2e.conftest import sign_in
from kaizen.incidents.tests.helpers import make_incident, move
from kaizen.notifications.models import Notification
from kaizen.people.models import UserKind
from kaizen.surveys.models import FollowUp, Invitation
from kaizen.surveys.planner import do_plan_invitations
from kaizen.surveys.services.definitions import do_add_trigger, do_create_survey
from kaizen.surveys.services.sending import do_send_surveys
from kaizen.testing import PASSWORD, make_team, make_user

pytestmark = pytest.mark.browser


def test_the_requester_answers_2_from_the_mail_and_the_lead_sees_the_follow_up(
    page, browser, live_server
):
    url = live_server.url
    lead = make_user("lena", first_name="Lena", last_name="Lead")
    desk = make_team("Service desk", manager=lead)
    ann = make_user("ann", first_name="Ann", kind=UserKind.REQUESTER)
    survey = do_create_survey(actor=None, name="After resolution")
    do_add_trigger(survey, actor=None, delay_minutes=0, window_start_hour=0, window_end_hour=24)
    now = timezone.now()
    incident = make_incident(caller=ann, assignment_group=desk, short_description="VPN drops")
    move(incident, "in_progress", "resolved", at=now - dt.timedelta(minutes=2))
    do_plan_invitations(now=now, rng=random.Random(1))
    do_send_surveys(now=now)
    mail = Notification.objects.get(subject__icontains="how did we do", address=ann.email)
    (link,) = re.findall(r"Dissatisfied: \S+(/surveys/a/\S+)", mail.text)

    phone = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True)
    answer = phone.new_page()
    answer.goto(f"{url}{link}")
    assert "VPN drops" in answer.inner_text("#survey-answer")
    chosen = answer.get_by_label("2 — Dissatisfied")
    assert chosen.is_checked()  # the point chosen in the e-mail
    answer.get_by_role("radio", name="No", exact=True).check()  # was it resolved?
    answer.click("#send-answer")
    answer.wait_for_selector("#answer-recorded")
    assert "/surveys/r/" in answer.url
    phone.close()
    invitation = Invitation.objects.get()
    assert invitation.score == 2 and invitation.said_resolved is False

    sign_in(page, url, "lena", PASSWORD)
    page.goto(f"{url}/surveys/follow-ups/")
    row = page.locator("#follow-ups tbody tr").first
    assert incident.number in row.inner_text() and "Rated 2 of 5" in row.inner_text()
    row.get_by_role("link", name=incident.number).click()
    page.wait_for_selector("#follow-up-reason")
    assert "Ann: Rated 2 of 5" in page.inner_text("#follow-up-reason")
    assert page.inner_text("#due-state") == "Open"
    follow_up = FollowUp.objects.get()
    assert follow_up.owner == lead
