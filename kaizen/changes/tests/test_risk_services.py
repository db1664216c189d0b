"""The stated risk through the services: questionnaire scoring and thresholds, the ordered
rules (which only raise), answers journaled, versions keeping their wording, the recorded
assessment."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from kaizen.changes import services
from kaizen.changes.models import Risk, RiskAssessment, RiskQuestionnaire
from kaizen.changes.services import risk
from kaizen.changes.tests.factories import T0, approved_template, move, raise_change
from kaizen.changes.tests.risk_helpers import past_change
from kaizen.journal.events import EventType
from kaizen.journal.models import JournalEvent
from kaizen.testing import make_ci, make_service

pytestmark = pytest.mark.django_db
HOUR = dt.timedelta(hours=1)


def publish(actor=None, *, rules=(), moderate_from=3, high_from=6, very_high_from=9):
    """Two questions: weights 0/3 and 0/1/6."""
    return risk.do_publish_risk_questionnaire(
        actor=actor,
        at=T0 - 24 * HOUR,
        questions=[
            {
                "text": "Tested?",
                "options": [{"label": "Yes", "weight": 0}, {"label": "No", "weight": 3}],
            },
            {
                "text": "Back-out?",
                "options": [
                    {"label": "Tested", "weight": 0},
                    {"label": "Untested", "weight": 1},
                    {"label": "None", "weight": 6},
                ],
            },
        ],
        rules=list(rules),
        moderate_from=moderate_from,
        high_from=high_from,
        very_high_from=very_high_from,
    )


def answer(change, questionnaire, labels, actor):
    chosen = {}
    for question, label in zip(questionnaire.questions.all(), labels, strict=True):
        chosen[question.pk] = question.options.get(label=label).pk
    return risk.do_answer_risk_questionnaire(
        change, answers=chosen, actor=actor, expected_version=None, at=T0 + HOUR
    )


def test_the_default_questionnaire_reproduces_the_earlier_rules():
    current = risk.current_questionnaire()
    assert current.version_number == 1
    assert current.questions.count() == 5
    assert [(rule.kind, rule.at_least) for rule in current.rules.all()][:3] == [
        ("emergency", Risk.HIGH),
        ("high_impact", Risk.HIGH),
        ("expected_outage", Risk.MODERATE),
    ]


@pytest.mark.parametrize(
    ("labels", "score", "expected"),
    [
        (("Yes", "Tested"), 0, Risk.LOW),
        (("Yes", "Untested"), 1, Risk.LOW),
        (("No", "Tested"), 3, Risk.MODERATE),  # exactly moderate_from
        (("No", "Untested"), 4, Risk.MODERATE),
        (("Yes", "None"), 6, Risk.HIGH),  # exactly high_from
        (("No", "None"), 9, Risk.VERY_HIGH),  # exactly very_high_from
    ],
)
def test_the_answers_score_and_the_thresholds_map_the_score_to_a_risk(
    agent, labels, score, expected
):
    questionnaire = publish()
    change = answer(raise_change(agent), questionnaire, labels, agent)
    stated = risk.assess_stated_risk(change)
    assert (stated.score, stated.risk, change.risk) == (score, expected, expected)


def test_rules_apply_in_order_and_only_raise(agent):
    questionnaire = publish(
        rules=[
            {"kind": "expected_outage", "at_least": Risk.MODERATE},
            {"kind": "emergency", "at_least": Risk.HIGH},
            {"kind": "expected_outage", "at_least": Risk.LOW},
        ]
    )
    change = raise_change(agent, change_type="emergency", expected_outage=True, outage_minutes=5)
    assert change.risk == Risk.HIGH
    reasons = risk.assess_stated_risk(change).reasons
    assert [reason.text for reason in reasons] == [
        "The risk questionnaire is not answered yet: low until it is.",
        "Rule 1: an outage is expected; it raises the risk to moderate.",
        "Rule 2: an emergency change; it raises the risk to high.",
        "Rule 3: an outage is expected; it asks for at least low, already reached.",
    ]
    assert [reason.deciding for reason in reasons] == [False, False, True, False]
    # Answers scoring very high are not lowered by any rule.
    change = answer(change, questionnaire, ("No", "None"), agent)
    stated = risk.assess_stated_risk(change)
    assert stated.risk == Risk.VERY_HIGH
    assert stated.reasons[0].deciding
    assert stated.summary.startswith("Stated risk very high, decided by: The answers to the risk")


def test_rules_on_ci_class_and_service_criticality(agent):
    publish(
        rules=[
            {"kind": "ci_type", "ci_type": "database", "at_least": Risk.MODERATE},
            {"kind": "service_criticality", "criticality": "high", "at_least": Risk.HIGH},
        ]
    )
    on_server = raise_change(agent, cis=[make_ci(ci_type="server")])
    on_database = raise_change(agent, cis=[make_ci(ci_type="database")])
    # The affected CIs are set after the change is first saved: the next update states it.
    services.do_update_change(on_database, actor=agent, expected_version=None, title="DB")
    assert (on_server.risk, on_database.risk) == (Risk.LOW, Risk.MODERATE)
    critical = raise_change(agent, services_=[make_service(criticality="critical")])
    services.do_update_change(critical, actor=agent, expected_version=None, title="Crit")
    assert critical.risk == Risk.HIGH
    medium = raise_change(agent, services_=[make_service(criticality="medium")])
    services.do_update_change(medium, actor=agent, expected_version=None, title="Medium")
    assert medium.risk == Risk.LOW


def test_a_standard_change_keeps_its_templates_risk_and_is_not_answered(agent, change_manager):
    template = approved_template(agent, change_manager, risk=Risk.MODERATE)
    change = services.do_raise_change(
        actor=agent, at=T0, change_type="standard", template=template, title="Restart"
    )
    stated = risk.assess_stated_risk(change)
    assert stated.risk == Risk.MODERATE
    assert stated.reasons[0].text.startswith("A standard change: the risk approved with")
    with pytest.raises(ValidationError) as error:
        answer(
            change,
            risk.current_questionnaire(),
            ["Yes, the same change on a copy of production", "No", "No", "Often", "One team"],
            agent,
        )
    assert "template" in error.value.message_dict["answers"][0]


def test_answering_is_journaled_on_the_change_with_the_answers_and_score(agent):
    questionnaire = publish()
    change = raise_change(agent)
    version = change.version
    change = answer(change, questionnaire, ("No", "Untested"), agent)
    event = JournalEvent.objects.for_subject(change).order_by("-id").first()
    assert event.event_type == EventType.CHANGE_RISK_ANSWERED
    assert event.actor == agent
    assert event.changes == {"risk": {"old": Risk.LOW, "new": Risk.MODERATE}}
    assert event.data["score"] == 4
    assert event.data["answers"] == ["Tested? No (weight 3)", "Back-out? Untested (weight 1)"]
    assert change.version == version + 1


def test_every_question_must_be_answered_with_one_of_its_options(agent):
    questionnaire = publish()
    first, second = questionnaire.questions.all()
    change = raise_change(agent)
    with pytest.raises(ValidationError) as error:
        risk.do_answer_risk_questionnaire(
            change,
            answers={first.pk: second.options.first().pk},
            actor=agent,
            expected_version=None,
        )
    assert error.value.message_dict == {
        f"question_{first.pk}": [f"{second.options.first().pk!r} is not an answer to “Tested?”"],
        f"question_{second.pk}": ["answer “Back-out?”"],
    }


def test_an_authorised_change_keeps_the_risk_it_was_authorised_with(agent):
    questionnaire = publish()
    change = raise_change(agent)
    move(change, "assess", agent, T0 + HOUR)
    move(change, "authorise", agent, T0 + 2 * HOUR)
    services.do_decide_authorisation(change, authorised=True, actor=None, at=T0 + 3 * HOUR)
    with pytest.raises(ValidationError) as error:
        answer(change, questionnaire, ("No", "None"), agent)
    assert "is authorised" in error.value.message_dict["answers"][0]


def test_answers_keep_the_wording_of_their_version_after_a_new_one(agent, change_manager):
    first = publish()
    change = answer(raise_change(agent), first, ("No", "Tested"), agent)
    # Version 2 words it differently and raises the thresholds.
    publish(change_manager, moderate_from=10, high_from=20, very_high_from=30)
    assert RiskQuestionnaire.objects.count() == 3  # the default, and the two here
    stated = risk.assess_stated_risk(change)
    assert stated.questionnaire == first
    assert stated.risk == Risk.MODERATE  # still scored against its own version's thresholds
    texts = [answer.question.text for answer in change.risk_answers.all()]
    assert texts == ["Tested?", "Back-out?"]


@pytest.mark.parametrize(
    ("change", "error"),
    [
        ({"questions": []}, {"questions": ["ask at least one question"]}),
        (
            {"questions": [{"text": "Tested?", "options": [{"label": "Yes", "weight": 0}]}]},
            {"questions": ["question 1: give at least two answers"]},
        ),
        (
            {
                "questions": [
                    {
                        "text": "T?",
                        "options": [{"label": "a", "weight": 0}, {"label": "b", "weight": -1}],
                    }
                ]
            },
            {"questions": ["question 1, “b”: the weight is a whole number from 0 to 100"]},
        ),
        ({"high_from": 3}, {"high_from": ["must be above the score from which it is moderate"]}),
        (
            {"rules": [{"kind": "ci_type", "at_least": 2}]},
            {"rules": ["rule 1: name the configuration item class"]},
        ),
        (
            {"rules": [{"kind": "moon", "at_least": 2}]},
            {"rules": ["rule 1: 'moon' is not a kind of rule"]},
        ),
    ],
)
def test_publishing_refuses_bad_input_naming_the_field(change_manager, change, error):
    given = {
        "questions": [
            {"text": "T?", "options": [{"label": "a", "weight": 0}, {"label": "b", "weight": 1}]}
        ],
        "rules": [],
        "moderate_from": 3,
        "high_from": 6,
        "very_high_from": 9,
        **change,
    }
    with pytest.raises(ValidationError) as raised:
        risk.do_publish_risk_questionnaire(actor=change_manager, **given)
    assert raised.value.message_dict == error
    assert RiskQuestionnaire.objects.count() == 1


def test_publishing_is_journaled_with_the_whole_version(change_manager):
    questionnaire = publish(change_manager, rules=[{"kind": "emergency", "at_least": 3}])
    event = JournalEvent.objects.for_subject(questionnaire).get()
    assert event.event_type == EventType.RISK_QUESTIONNAIRE_PUBLISHED
    assert event.data["version_number"] == 2
    assert event.data["questions"][1]["options"][2] == {"label": "None", "weight": 6}
    assert event.data["rules"] == [
        {"kind": "emergency", "ci_type": "", "criticality": "", "at_least": 3}
    ]


def test_the_assessment_keeps_the_estimate_as_it_stood_at_authorisation(agent):
    service = make_service()
    # One went wrong before the authorisation, one after: only the first counts.
    past_change(agent, services=[service], closure_code="failed", ended=T0 - 48 * HOUR)
    past_change(agent, services=[service], closure_code="failed", ended=T0 + 48 * HOUR)
    change = raise_change(agent, services_=[service])
    move(change, "assess", agent, T0 + HOUR)
    move(change, "authorise", agent, T0 + 2 * HOUR)
    # The authorisation records the assessment, as things stood then.
    services.do_decide_authorisation(change, authorised=True, actor=None, at=T0 + 3 * HOUR)
    change.refresh_from_db()
    assessment = RiskAssessment.objects.get(change=change)
    assert (assessment.sample_size, assessment.bad_outcomes) == (1, 1)
    assert assessment.assessed_at == T0 + 3 * HOUR
    assert assessment.stated_risk == change.risk
    # Base rate 1 of 1 (as of then): (1.5) / 2 = 0.75, prior Beta(1.5, 0.5), posterior
    # Beta(2.5, 0.5): mean 2.5 / 3.
    assert assessment.probability == pytest.approx(2.5 / 3)
    event = JournalEvent.objects.for_subject(change).order_by("-id").first()
    assert event.event_type == EventType.CHANGE_RISK_ASSESSED
    # The two past ones (authorised too, written without an assessment) are recorded later,
    # each as it stood at its own authorisation; then nothing is left.
    assert risk.do_record_missing_risk_assessments() == 2
    assert risk.do_record_missing_risk_assessments() == 0


def test_the_demo_answers_some_open_changes_once_and_records_assessments(agent):
    from kaizen.demo.changes_risk import load

    changes = [raise_change(agent) for _ in range(6)]
    first = load(T0 + HOUR)
    assert first["changes with risk answers"] == len([c for c in changes if c.pk % 3 != 0])
    assert load(T0 + 2 * HOUR) == {"changes with risk answers": 0, "risk assessments": 0}


def test_authorising_a_change_records_its_assessment_then(agent):
    change = raise_change(agent)
    move(change, "assess", agent, T0 + HOUR)
    move(change, "authorise", agent, T0 + 2 * HOUR)
    services.do_decide_authorisation(change, authorised=True, actor=None, at=T0 + 3 * HOUR)
    assert RiskAssessment.objects.get(change=change).assessed_at == T0 + 3 * HOUR
