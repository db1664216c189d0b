"""/api/v1/ for surveys, per role: leads configure; agents read their tickets'; requesters
answer their own; the link token answers without signing in; bad input is a 400 naming the
field."""

import pytest

from kaizen.people.models import User
from kaizen.surveys import links
from kaizen.surveys.models import SurveyDefinition
from kaizen.surveys.tests.test_views import surveyed
from kaizen.testing import assert_constant_queries, make_team

pytestmark = pytest.mark.django_db


def test_leads_create_surveys_triggers_and_versions(api, survey_lead, agent):
    created = api(survey_lead).post("/api/v1/surveys/", {"name": "API survey"}, format="json")
    assert created.status_code == 201, created.content
    slug = created.json()["slug"]
    assert len(created.json()["current_version"]["questions"]) == 3
    trigger = api(survey_lead).post(
        "/api/v1/survey-triggers/",
        {"survey": slug, "kind": "incident", "inclusion_rate": 0.5, "priorities": [1]},
        format="json",
    )
    assert trigger.status_code == 201, trigger.content
    bad = api(survey_lead).post(
        "/api/v1/survey-triggers/",
        {"survey": slug, "kind": "incident", "inclusion_rate": 2},
        format="json",
    )
    assert bad.status_code == 400 and "inclusion_rate" in bad.json()
    version = api(survey_lead).post(
        f"/api/v1/surveys/{slug}/versions/",
        {"questions": [{"kind": "nps", "text": "Recommend us?", "is_headline": True}]},
        format="json",
    )
    assert version.status_code == 201 and version.json()["number"] == 2
    no_headline = api(survey_lead).post(
        f"/api/v1/surveys/{slug}/versions/",
        {"questions": [{"kind": "text", "text": "Anything?"}]},
        format="json",
    )
    assert no_headline.status_code == 400 and "questions" in no_headline.json()
    assert api(agent).post("/api/v1/surveys/", {"name": "x"}, format="json").status_code == 403
    assert api(agent).get("/api/v1/surveys/").status_code == 200


def test_requesters_answer_only_their_own_and_agents_read_their_teams(api, requester, agent):
    team = make_team("Desk", members=[agent])
    own = surveyed(caller=requester, team=team)
    other = surveyed()
    headline = own.survey_version.questions.get(is_headline=True)
    listing = api(requester).get("/api/v1/survey-invitations/").json()
    assert [row["ticket_number"] for row in listing["results"]] == [own.ticket_number]
    answered = api(requester).post(
        f"/api/v1/survey-invitations/{own.pk}/answer/",
        {"answers": {str(headline.pk): 2}},
        format="json",
    )
    assert answered.status_code == 200 and answered.json()["score"] == 2
    assert (
        api(requester)
        .post(f"/api/v1/survey-invitations/{other.pk}/answer/", {"answers": {}}, format="json")
        .status_code
        == 404
    )
    bad = api(requester).post(
        f"/api/v1/survey-invitations/{own.pk}/answer/",
        {"answers": {str(headline.pk): 7}},
        format="json",
    )
    assert bad.status_code == 400 and f"q{headline.pk}" in bad.json()
    agent_rows = api(agent).get("/api/v1/survey-invitations/").json()["results"]
    assert [row["ticket_number"] for row in agent_rows] == [own.ticket_number]
    # An agent cannot answer for the requester.
    assert (
        api(agent)
        .post(f"/api/v1/survey-invitations/{own.pk}/answer/", {"answers": {}}, format="json")
        .status_code
        == 403
    )
    follow_ups = api(agent).get("/api/v1/survey-follow-ups/").json()["results"]
    assert [row["reason"] for row in follow_ups] == ["Rated 2 of 5"]
    assert api(requester).get("/api/v1/survey-follow-ups/").status_code == 403
    closed = api(agent).post(
        f"/api/v1/survey-follow-ups/{follow_ups[0]['id']}/close/",
        {"outcome": "not_reached", "outcome_notes": "No answer on the phone."},
        format="json",
    )
    assert closed.status_code == 200 and closed.json()["state"] == "done"


def test_the_link_token_answers_once_without_signing_in(api):
    invitation = surveyed()
    headline = invitation.survey_version.questions.get(is_headline=True)
    token = links.mail_token(invitation, 2)
    body = {"token": token, "answers": {str(headline.pk): 2}}
    first = api().post("/api/v1/survey-answers/link/", body, format="json")
    assert first.status_code == 200 and first.json()["score"] == 2
    assert first.json()["answer_page"].startswith("/surveys/r/")
    again = api().post("/api/v1/survey-answers/link/", body, format="json")
    assert again.status_code == 410 and "used already" in again.json()["token"][0]
    forged = api().post(
        "/api/v1/survey-answers/link/", {**body, "token": token[:-3] + "abc"}, format="json"
    )
    assert forged.status_code == 410


def test_results_over_the_api_with_their_n(api, survey_lead, requester):
    for score in (5, 1):
        surveyed(score=score)
    slug = SurveyDefinition.objects.get().slug
    figures = api(survey_lead).get(f"/api/v1/surveys/{slug}/results/").json()
    assert figures["csat"]["value_pct"] == 50.0 and figures["csat"]["n"] == 2
    assert figures["response_rate_rr1"]["value_pct"] == 100.0
    assert api(survey_lead).get(f"/api/v1/surveys/{slug}/results/?version=9").status_code == 400
    assert api(requester).get(f"/api/v1/surveys/{slug}/results/").status_code == 403


def test_api_lists_in_a_constant_number_of_queries(api, survey_lead):
    surveyed(score=1)

    def client():
        # A fresh reader each time: the roles a user holds are cached on the instance.
        return api(User.objects.get(pk=survey_lead.pk))

    assert_constant_queries(
        "surveys",
        "api_invitation_list",
        lambda: client().get("/api/v1/survey-invitations/"),
        lambda: [surveyed(score=1) for _ in range(3)],
    )
    assert_constant_queries(
        "surveys",
        "api_follow_up_list",
        lambda: client().get("/api/v1/survey-follow-ups/"),
        lambda: [surveyed(score=2) for _ in range(3)],
    )
    assert_constant_queries(
        "surveys",
        "api_survey_list",
        lambda: client().get("/api/v1/surveys/"),
        lambda: surveyed(),
    )
