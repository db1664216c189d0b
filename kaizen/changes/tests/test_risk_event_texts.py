"""How the risk part's journal events read in a change's history and the audit trail:
hand-written lines for each, recorded by the services themselves."""

import datetime as dt

import pytest

from kaizen.changes import services
from kaizen.changes.models import RiskQuestionnaire
from kaizen.changes.services import risk
from kaizen.changes.tests.factories import T0, move, raise_change
from kaizen.journal.events import EventType
from kaizen.journal.presenting import present
from kaizen.journal.selectors import timeline_for
from kaizen.journal.tests.test_event_texts import lines_of

pytestmark = pytest.mark.django_db
HOUR = dt.timedelta(hours=1)


def lines_for(subject, event_type):
    chosen = [event for event in timeline_for(subject) if event.event_type == event_type]
    return [lines_of(event) for event in present(chosen, None)]


def test_risk_events_read_in_words(settings, agent):
    settings.TIME_ZONE = "UTC"
    change = raise_change(agent, impact=1)
    questionnaire = RiskQuestionnaire.objects.get()
    answers = {
        question.pk: question.options.order_by("position").first().pk
        for question in questionnaire.questions.all()
    }
    risk.do_answer_risk_questionnaire(
        change, answers=answers, actor=agent, expected_version=None, at=T0 + HOUR
    )
    (answered,) = lines_for(change, EventType.CHANGE_RISK_ANSWERED)
    assert answered[0] == "Questionnaire version: 1"
    assert answered[1].startswith("Score: ")
    assert answered[2].startswith("Answers: ") and "(weight " in answered[2]
    move(change, "assess", agent, T0 + 2 * HOUR)
    move(change, "authorise", agent, T0 + 3 * HOUR)
    services.do_decide_authorisation(change, authorised=True, actor=None, at=T0 + 4 * HOUR)
    (assessed,) = lines_for(change, EventType.CHANGE_RISK_ASSESSED)
    assert assessed[0] == "Stated risk: High"
    assert assessed[1].startswith("Estimated failure probability: ")
    assert "As it stood on: 2 Mar 2026, 13:00" in assessed
    content = risk.questionnaire_content(questionnaire)
    second = risk.do_publish_risk_questionnaire(
        actor=agent,
        questions=content["questions"][:2],
        rules=content["rules"],
        moderate_from=content["moderate_from"],
        high_from=content["high_from"],
        very_high_from=content["very_high_from"],
        note="Two questions are enough",
    )
    (published,) = lines_for(second, EventType.RISK_QUESTIONNAIRE_PUBLISHED)
    first_two = ", ".join(question["text"] for question in content["questions"][:2])
    assert "Version: 2" in published and f"Questions: {first_two}" in published
    assert any(line.startswith("Rules: Emergency change: at least high") for line in published)
    assert "Note: Two questions are enough" in published
