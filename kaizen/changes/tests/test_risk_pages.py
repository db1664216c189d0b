"""The risk part in the browser's pages and the API, per role: requesters see nothing of it,
agents answer the questionnaire, change managers publish its next version."""

import datetime as dt

import pytest

from kaizen.changes.models import Risk, RiskQuestionnaire
from kaizen.changes.services import risk
from kaizen.changes.tests.factories import T0, authorised_normal_change, raise_change
from kaizen.changes.tests.risk_helpers import past_change
from kaizen.journal.events import EventType
from kaizen.journal.models import JournalEvent
from kaizen.testing import make_service

pytestmark = pytest.mark.django_db
HOUR = dt.timedelta(hours=1)


def default_answers(*labels: str) -> dict[int, int]:
    current = risk.current_questionnaire()
    return {
        question.pk: question.options.get(label=label).pk
        for question, label in zip(current.questions.all(), labels, strict=True)
    }


# Scores 4 + 5 + 0 + 3 + 4 = 16 on the default questionnaire: very high (from 13).
WORST = ("No", "No", "No", "Never", "Everyone, or customers")
BEST = (
    "Yes, the same change on a copy of production",
    "Yes, and the back-out was tested",
    "No",
    "Often",
    "One team",
)


@pytest.fixture
def change(agent, requester):
    return raise_change(agent, requester=requester)


# --- the change page's panel -----------------------------------------------------------------


def test_the_change_page_shows_the_stated_risk_its_reasons_and_the_evidence(web, agent):
    service = make_service()
    for code in ["failed"] * 4 + ["successful"] * 6:
        past_change(agent, services=[service], closure_code=code)
    change = raise_change(agent, services_=[service], change_type="emergency")
    page = web(agent).get(change.get_absolute_url())
    assert page.status_code == 200
    html = page.content.decode()
    assert 'id="risk"' in html
    assert "<strong>Rule 1: an emergency change; it raises the risk to high.</strong>" in html
    # 4 of 10 failed; no other closed change: base rate (4.5) / (11); posterior mean
    # (2 * 4.5/11 + 4) / 12 = 0.4015.
    assert "40 % (90 % interval" in html and "from 10 similar changes" in html
    assert 'name="question_' in html  # the answer form, for an agent on a draft change


def test_the_page_says_where_the_evidence_disagrees(web, agent):
    service = make_service()
    for _ in range(30):
        past_change(agent, services=[service], closure_code="failed")
    change = raise_change(agent, services_=[service])
    html = web(agent).get(change.get_absolute_url()).content.decode()
    assert 'id="risk-disagreement"' in html
    assert "The evidence disagrees with the stated risk: stated low" in html


def test_a_requester_sees_nothing_of_the_risk_on_the_change_they_raised(web, change, requester):
    page = web(requester).get(change.get_absolute_url())
    assert page.status_code == 200
    assert 'id="risk"' not in page.content.decode()
    assert web(requester).get(f"/changes/{change.number}/risk/").status_code == 403
    assert web(requester).get("/changes/risk/questionnaire/").status_code == 403


def test_an_agent_answers_through_the_page_and_the_answers_are_journaled(web, agent, change):
    answers = {f"question_{q}": o for q, o in default_answers(*WORST).items()}
    response = web(agent).post(
        f"/changes/{change.number}/risk/", {"version": change.version, **answers}
    )
    assert response.status_code == 302
    assert response["Location"] == f"/changes/{change.number}/#risk"
    change.refresh_from_db()
    assert change.risk == Risk.VERY_HIGH
    event = JournalEvent.objects.for_subject(change).order_by("-id").first()
    assert (event.event_type, event.actor, event.data["score"]) == (
        EventType.CHANGE_RISK_ANSWERED,
        agent,
        16,
    )


def test_a_missing_answer_is_shown_on_its_question(web, agent, change):
    answers = {f"question_{q}": o for q, o in default_answers(*BEST).items()}
    first = next(iter(answers))
    del answers[first]
    response = web(agent).post(
        f"/changes/{change.number}/risk/", {"version": change.version, **answers}
    )
    assert response.status_code == 400
    assert f'id="id_{first}_errors"' in response.content.decode()
    assert "choose an answer" in response.content.decode()


def test_an_authorised_change_shows_its_answers_without_a_form(web, agent):
    change = authorised_normal_change(agent)
    html = web(agent).get(change.get_absolute_url()).content.decode()
    assert 'id="risk-answer-form"' not in html
    assert "is authorised: its risk is the one it was authorised with" in html


# --- the questionnaire's pages ---------------------------------------------------------------


def test_an_agent_reads_the_questionnaire_but_does_not_edit_it(web, agent):
    page = web(agent).get("/changes/risk/questionnaire/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "Has this change been tested in a staging environment?" in html
    assert "When an emergency change: at least" in html
    assert "Publish a new version" not in html
    assert web(agent).get("/changes/risk/questionnaire/edit/").status_code == 403


def test_a_change_manager_publishes_a_new_version_from_the_page(web, change_manager):
    client = web(change_manager)
    page = client.get("/changes/risk/questionnaire/edit/")
    assert page.status_code == 200
    form = {
        "questions": "Tested?\n- Yes = 0\n- No = 5\n\nOutage?\n- No = 0\n- Yes = 3\n",
        "moderate_from": 3,
        "high_from": 5,
        "very_high_from": 8,
        "note": "Shorter",
        "rules-TOTAL_FORMS": 2,
        "rules-INITIAL_FORMS": 0,
        "rules-0-kind": "ci_type",
        "rules-0-ci_type": "database",
        "rules-0-at_least": 3,
        "rules-1-kind": "",
        "rules-1-at_least": 2,
    }
    response = client.post("/changes/risk/questionnaire/edit/", form)
    assert response.status_code == 302, response.content.decode()[:2000]
    current = risk.current_questionnaire()
    assert current.version_number == 2
    assert [q.text for q in current.questions.all()] == ["Tested?", "Outage?"]
    assert [(r.kind, r.ci_type, r.at_least) for r in current.rules.all()] == [
        ("ci_type", "database", 3)
    ]
    assert current.published_by == change_manager


def test_a_badly_written_answer_line_is_named(web, change_manager):
    form = {
        "questions": "Tested?\n- Yes = 0\n- No, never\n",
        "moderate_from": 3,
        "high_from": 5,
        "very_high_from": 8,
        "rules-TOTAL_FORMS": 0,
        "rules-INITIAL_FORMS": 0,
    }
    response = web(change_manager).post("/changes/risk/questionnaire/edit/", form)
    assert response.status_code == 400
    assert "line 3: write an answer as “- label = weight”" in response.content.decode()
    assert RiskQuestionnaire.objects.count() == 1


# --- the API ---------------------------------------------------------------------------------


def test_the_api_gives_agents_the_questionnaire_and_refuses_requesters(api, agent, requester):
    body = api(agent).get("/api/v1/risk-questionnaire/").json()
    assert body["version_number"] == 1
    assert body["questions"][0]["options"][0] == {
        "id": body["questions"][0]["options"][0]["id"],
        "label": "Yes, the same change on a copy of production",
        "weight": 0,
    }
    assert body["rules"][0]["condition"] == "an emergency change"
    assert api(requester).get("/api/v1/risk-questionnaire/").status_code == 403
    assert api().get("/api/v1/risk-questionnaire/").status_code in (401, 403)


def test_only_change_managers_publish_through_the_api(api, agent, change_manager):
    version = {
        "questions": [
            {
                "text": "Tested?",
                "options": [{"label": "Yes", "weight": 0}, {"label": "No", "weight": 4}],
            }
        ],
        "rules": [{"kind": "emergency", "at_least": 3}],
        "moderate_from": 2,
        "high_from": 4,
        "very_high_from": 6,
    }
    assert api(agent).post("/api/v1/risk-questionnaire/", version, format="json").status_code == 403
    response = api(change_manager).post("/api/v1/risk-questionnaire/", version, format="json")
    assert response.status_code == 201, response.content
    assert response.json()["version_number"] == 2
    bad = {**version, "rules": [{"kind": "ci_type", "at_least": 3}]}
    response = api(change_manager).post("/api/v1/risk-questionnaire/", bad, format="json")
    assert response.status_code == 400
    assert response.json() == {"rules": ["rule 1: name the configuration item class"]}
    missing = {**version, "questions": [{"text": "Tested?"}]}
    response = api(change_manager).post("/api/v1/risk-questionnaire/", missing, format="json")
    assert response.json() == {"questions": {"0": {"options": ["This field is required."]}}}


def test_an_agent_answers_through_the_api_and_reads_the_reasons(api, agent, change):
    answers = [{"question": q, "option": o} for q, o in default_answers(*BEST).items()]
    url = f"/api/v1/changes/{change.number}/risk/"
    response = api(agent).put(url, {"answers": answers, "version": change.version}, format="json")
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["risk"], body["score"], body["questionnaire_version"]) == (Risk.LOW, 0, 1)
    assert body["reasons"][0]["deciding"] is True
    assert body["answers"][1]["answer"] == "Yes, and the back-out was tested"
    stale = api(agent).put(url, {"answers": answers, "version": change.version}, format="json")
    assert stale.status_code == 409
    incomplete = api(agent).put(url, {"answers": answers[:1]}, format="json")
    assert incomplete.status_code == 400
    assert f"question_{answers[1]['question']}" in incomplete.json()


def test_requesters_get_nothing_of_a_change_risk_through_the_api(api, requester, change):
    for url in (
        f"/api/v1/changes/{change.number}/risk/",
        f"/api/v1/changes/{change.number}/risk/evidence/",
    ):
        assert api(requester).get(url).status_code == 403
    answers = [{"question": q, "option": o} for q, o in default_answers(*BEST).items()]
    response = api(requester).put(
        f"/api/v1/changes/{change.number}/risk/", {"answers": answers}, format="json"
    )
    assert response.status_code == 403


def test_the_api_gives_the_evidence_with_its_interval_and_sample(api, agent):
    service = make_service()
    for code in ["backed_out"] + ["successful"] * 9:
        past_change(agent, services=[service], closure_code=code, ended=T0 - 10 * 24 * HOUR)
    change = raise_change(agent, services_=[service])
    body = api(agent).get(f"/api/v1/changes/{change.number}/risk/evidence/").json()
    assert (body["tier"], body["sample_size"], body["failed"], body["went_wrong"]) == (
        "service",
        10,
        1,
        1,
    )
    # Base rate (1.5) / 11; prior Beta(2 * 1.5/11, 2 * 9.5/11); mean (3/11 + 1) / 12.
    assert body["probability"] == pytest.approx((3 / 11 + 1) / 12)
    low, high = body["interval"]
    assert low < body["probability"] < high
    assert body["similar"][0]["outcome"] in {"Successful", "Backed out"}
    assert body["disagreement"] is None


# --- no N+1 ----------------------------------------------------------------------------------


def test_the_risk_page_reads_a_constant_number_of_queries(web, agent):
    from kaizen.testing import assert_constant_queries

    service = make_service()
    change = raise_change(agent, services_=[service])
    risk.do_answer_risk_questionnaire(
        change, answers=default_answers(*BEST), actor=agent, expected_version=None
    )
    client = web(agent)

    def more_similar_changes():
        for code in ("failed", "successful", "backed_out"):
            past_change(agent, services=[service], closure_code=code)

    more_similar_changes()
    assert_constant_queries(
        "changes",
        "risk_change_page",
        lambda: client.get(f"/changes/{change.number}/risk/"),
        more_similar_changes,
    )


def test_the_questionnaire_page_reads_a_constant_number_of_queries(web, agent, change_manager):
    from kaizen.testing import assert_constant_queries

    client = web(agent)
    assert_constant_queries(
        "changes",
        "risk_questionnaire_page",
        lambda: client.get("/changes/risk/questionnaire/"),
        lambda: risk.do_publish_risk_questionnaire(
            actor=change_manager,
            questions=[
                {
                    "text": f"Q{n}?",
                    "options": [{"label": "a", "weight": 0}, {"label": "b", "weight": 2}],
                }
                for n in range(4)
            ],
            rules=[{"kind": "emergency", "at_least": 3}, {"kind": "high_impact", "at_least": 3}],
            moderate_from=2,
            high_from=4,
            very_high_from=6,
        ),
    )
