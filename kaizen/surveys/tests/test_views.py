"""The survey pages, per role: leads configure and see all; agents see their tickets'; a
requester sees only their own; the answer pages need no sign-in. Lists in a constant number
of queries."""

import datetime as dt

import pytest
from django.utils import timezone

from kaizen.surveys.models import Invitation, SurveyDefinition, SurveyTrigger
from kaizen.surveys.services.answers import do_answer_survey
from kaizen.surveys.services.sending import do_send_surveys
from kaizen.surveys.tests.helpers import make_survey, plan, requester, resolved_incident
from kaizen.testing import assert_constant_queries, make_team, make_user

pytestmark = pytest.mark.django_db


def surveyed(team=None, caller=None, score=None):
    """A resolved incident of `team` surveyed (and answered with `score`)."""
    now = timezone.now()
    if not SurveyDefinition.objects.exists():
        make_survey()
    resolved_incident(
        caller or requester(), at=now - dt.timedelta(minutes=1), assignment_group=team
    )
    plan(now=now)
    do_send_surveys(now=now)
    invitation = Invitation.objects.order_by("-pk").first()
    if score is not None:
        headline = invitation.survey_version.questions.get(is_headline=True)
        do_answer_survey(invitation, {str(headline.pk): score}, actor=None)
    return invitation


def test_leads_create_a_survey_and_a_trigger_through_the_pages(web, survey_lead):
    client = web(survey_lead)
    response = client.post(
        "/surveys/definitions/new/",
        {
            "name": "After incidents",
            "is_active": "on",
            "low_rating_max": 2,
            "low_nps_max": 6,
            "follow_up_hours": 8,
            "follow_up_not_resolved": "on",
            "offer_reopen": "on",
        },
    )
    assert response.status_code == 302
    definition = SurveyDefinition.objects.get(name="After incidents")
    assert definition.versions.get().questions.count() == 3
    response = client.post(
        f"/surveys/definitions/{definition.slug}/triggers/new/",
        {
            "outcome": "resolved",
            "is_active": "on",
            "inclusion_rate": "0.25",
            "cooldown_days": 30,
            "cap_count": 0,
            "cap_days": 365,
            "delay_minutes": 60,
            "window_start_hour": 9,
            "window_end_hour": 18,
            "expiry_days": 14,
            "reminder_after_days": 3,
            "priority_list": ["1", "2"],
            "strata_text": "*, 1, 1.0",
        },
    )
    assert response.status_code == 302, response.content
    trigger = SurveyTrigger.objects.get()
    assert trigger.inclusion_rate == 0.25 and trigger.priorities == [1, 2]
    assert trigger.strata == [{"service": None, "priority": 1, "rate": 1.0}]
    page = client.get(definition.get_absolute_url())
    assert "25 % sampled" in page.text and "1 - Critical, 2 - High" in page.text


def test_bad_trigger_input_is_a_form_error_naming_the_field(web, survey_lead):
    definition, _ = make_survey()
    response = web(survey_lead).post(
        f"/surveys/definitions/{definition.slug}/triggers/new/",
        {
            "outcome": "resolved",
            "inclusion_rate": "1.5",
            "cooldown_days": 30,
            "cap_count": 0,
            "cap_days": 365,
            "delay_minutes": 0,
            "window_start_hour": 18,
            "window_end_hour": 9,
            "expiry_days": 14,
            "reminder_after_days": 0,
        },
    )
    assert response.status_code == 200
    assert 'id="id_inclusion_rate_errors"' in response.text
    published = web(survey_lead).post(
        f"/surveys/definitions/{definition.slug}/publish/",
        {"questions": "rating | How was it?\nfeeling | ?"},
    )
    assert "line 2: start with a kind" in published.text


def test_a_new_version_is_published_from_the_page(web, survey_lead):
    definition, _ = make_survey()
    response = web(survey_lead).post(
        f"/surveys/definitions/{definition.slug}/publish/",
        {"questions": "*nps | Would you recommend us?\nresolved | Was it resolved?"},
    )
    assert response.status_code == 302
    version = definition.versions.order_by("-number").first()
    assert version.number == 2 and version.headline.kind == "nps"


def test_agents_and_requesters_may_not_configure(web, agent, requester):
    definition, _ = make_survey()
    for user in (agent, requester):
        assert web(user).get("/surveys/definitions/new/").status_code == 403
        assert web(user).get(f"/surveys/definitions/{definition.slug}/edit/").status_code == 403
    assert web(requester).get("/surveys/definitions/").status_code == 403
    assert web(requester).get(f"/surveys/definitions/{definition.slug}/results/").status_code == 403


def test_agents_see_their_teams_invitations_and_follow_ups_only(web, agent, survey_lead):
    mine = make_team("Desk", members=[agent])
    other = make_team("Network")
    seen = surveyed(team=mine, score=1)
    hidden = surveyed(team=other, score=1)
    client = web(agent)
    listing = client.get("/surveys/invitations/")
    assert seen.ticket_number in listing.text and hidden.ticket_number not in listing.text
    assert client.get(f"/surveys/invitations/{hidden.pk}/").status_code == 404
    follow_ups = client.get("/surveys/follow-ups/")
    assert seen.ticket_number in follow_ups.text and hidden.ticket_number not in follow_ups.text
    lead_list = web(survey_lead).get("/surveys/invitations/")
    assert seen.ticket_number in lead_list.text and hidden.ticket_number in lead_list.text


def test_requesters_see_only_their_own(web, requester):
    own = surveyed(caller=requester)
    other = surveyed()
    client = web(requester)
    assert client.get("/surveys/invitations/").status_code == 403
    mine = client.get("/surveys/mine/")
    assert own.ticket_number in mine.text and other.ticket_number not in mine.text
    assert client.get(f"/surveys/invitations/{other.pk}/").status_code == 404


def test_the_lead_records_the_follow_up_outcome(web):
    lead = make_user("lena")
    team = make_team("Desk", manager=lead)
    invitation = surveyed(team=team, score=2)
    follow_up = invitation.follow_up
    client = web(lead)
    page = client.get(f"/surveys/follow-ups/{follow_up.pk}/")
    assert "Rated 2 of 5" in page.text
    missing = client.post(f"/surveys/follow-ups/{follow_up.pk}/", {"outcome": "contacted_fixed"})
    assert 'id="id_outcome_notes_errors"' in missing.text
    done = client.post(
        f"/surveys/follow-ups/{follow_up.pk}/",
        {
            "outcome": "contacted_fixed",
            "outcome_notes": "Called back.",
            "contacted_requester": "on",
        },
    )
    assert done.status_code == 302
    follow_up.refresh_from_db()
    assert follow_up.state == "done" and follow_up.contacted_requester


def test_results_page_shows_csat_with_n_interval_and_the_bias_sentence(web, survey_lead):
    for score in (5, 4, 2):
        surveyed(score=score)
    surveyed()  # sent, not answered
    page = web(survey_lead).get(
        f"/surveys/definitions/{SurveyDefinition.objects.get().slug}/results/"
    )
    assert page.status_code == 200
    assert "67 %" in page.text and "n = 3" in page.text  # CSAT 2 of 3
    assert "3 answered of 4 sent" in page.text
    assert 'id="bias-sentence"' in page.text


def test_the_incident_page_shows_the_survey_to_agents(web, agent):
    team = make_team("Desk", members=[agent])
    invitation = surveyed(team=team, score=2)
    page = web(agent).get(f"/incidents/{invitation.ticket_number}/")
    assert 'id="survey-results"' in page.text and "Rated <strong>2</strong>" in page.text


def test_lists_answer_in_a_constant_number_of_queries(client, survey_lead, agent):
    team = make_team("Desk", members=[agent])
    surveyed(team=team, score=1)
    client.force_login(survey_lead)
    assert_constant_queries(
        "surveys",
        "invitation_list",
        lambda: client.get("/surveys/invitations/"),
        lambda: [surveyed(team=team, score=2) for _ in range(3)],
    )
    assert_constant_queries(
        "surveys",
        "definition_list",
        lambda: client.get("/surveys/definitions/"),
        lambda: make_survey("Another"),
    )
    client.force_login(agent)
    assert_constant_queries(
        "surveys",
        "follow_up_list",
        lambda: client.get("/surveys/follow-ups/"),
        lambda: [surveyed(team=team, score=1) for _ in range(3)],
    )
    person = requester("many")
    surveyed(caller=person)
    client.force_login(person)
    assert_constant_queries(
        "surveys",
        "my_surveys",
        lambda: client.get("/surveys/mine/"),
        lambda: [surveyed(caller=person) for _ in range(2)],
    )
