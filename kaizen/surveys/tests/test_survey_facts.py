"""Survey facts in the analytics store: one row per invitation, kept up to date by the
incremental sync (drawn, sent, answered, follow-up opened), equal to a rebuild; the
satisfaction KPIs measured on them against hand-computed values."""

import datetime as dt

import pytest

from kaizen.analytics.sync import rebuild, sync
from kaizen.analytics.tests.helpers import rows
from kaizen.kpis import engine
from kaizen.kpis.library import get_kpi
from kaizen.surveys.models import Invitation
from kaizen.surveys.services.answers import do_answer_survey
from kaizen.surveys.services.sending import do_send_surveys
from kaizen.surveys.tests.helpers import T0, make_survey, plan, resolved_incident
from kaizen.testing import make_service, make_team

pytestmark = pytest.mark.django_db
H = dt.timedelta(hours=1)


def facts() -> dict[str, dict]:
    return {row["ticket_number"]: row for row in rows("survey_facts", "invitation_id")}


def answer(invitation: Invitation, score: int, at: dt.datetime) -> None:
    headline = invitation.survey_version.questions.get(is_headline=True)
    do_answer_survey(invitation, {str(headline.pk): score}, actor=None, at=at)


@pytest.fixture
def surveyed(settings):
    """Four incidents on Mail resolved on 2 March 2026, surveyed; 3 answered (5, 4, 1)."""
    settings.TIME_ZONE = "UTC"
    mail = make_service("Mail")
    team = make_team("Desk")
    make_survey()
    incidents = [resolved_incident(service=mail, assignment_group=team, at=T0) for _ in range(4)]
    plan(now=T0 + H)
    do_send_surveys(now=T0 + H)
    invitations = list(Invitation.objects.order_by("pk"))
    for invitation, score in zip(invitations, (5, 4, 1), strict=False):
        answer(invitation, score, T0 + 2 * H)
    return incidents


def test_each_invitation_is_a_row_and_the_sync_equals_a_rebuild(surveyed):
    sync()
    synced = facts()
    first = synced[surveyed[0].number]
    assert first["survey"] == "After resolution" and first["survey_version"] == 1
    assert first["scale"] == "rating" and first["service"] == "Mail" and first["team"] == "Desk"
    assert first["answered"] and first["fielded"] and first["score"] == 5
    assert first["satisfied"] and not first["dissatisfied"] and first["weight"] == 1.0
    assert first["answered_at"] == dt.datetime(2026, 3, 2, 11)
    unhappy = synced[surveyed[2].number]
    assert unhappy["dissatisfied"] and unhappy["follow_up"]
    silent = synced[surveyed[3].number]
    assert silent["fielded"] and not silent["answered"] and silent["score"] is None
    assert silent["satisfied"] is None
    rebuild()
    assert facts() == synced


def test_the_satisfaction_kpis_are_measured(surveyed):
    sync()
    mean = engine.compute(get_kpi("satisfaction.csat_mean"), period="month").rows
    assert [(r["period"], r["value"], r["n"]) for r in mean] == [
        ("2026-03-01", pytest.approx(10 / 3), 3)  # (5 + 4 + 1) / 3
    ]
    rate = engine.compute(get_kpi("satisfaction.survey_response_pct"), period="month").rows
    assert [(r["value"], r["n"]) for r in rate] == [(75.0, 4)]  # 3 of 4 sent
    unhappy = engine.compute(get_kpi("satisfaction.dissatisfied_pct"), period="month").rows
    assert [(r["value"], r["n"]) for r in unhappy] == [(pytest.approx(100 / 3), 3)]
