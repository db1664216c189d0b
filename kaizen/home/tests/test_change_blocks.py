"""The change manager's home (changes waiting for authorisation, planned in the coming week,
being implemented, unauthorised lately; change KPIs) and a CAB member's votes waiting; each
figure equals the list its link opens."""

import datetime as dt

import pytest
from django.utils import timezone

from kaizen.changes import services
from kaizen.changes.tests.cab_helpers import make_cab_member
from kaizen.changes.tests.factories import complete_fields
from kaizen.home.tests.helpers import block, figures, listed_count
from kaizen.testing import PASSWORD, make_service

pytestmark = pytest.mark.django_db


def raised(actor, **fields):
    return services.do_raise_change(
        actor=actor, services=[make_service()], **complete_fields(**fields)
    )


def move(change, state, actor, **kwargs):
    return services.do_move_change(change, state, actor=actor, expected_version=None, **kwargs)


@pytest.fixture
def board(db):
    """Two CAB members, there before the changes ask for votes."""
    return [make_cab_member(name) for name in ("ann", "bob")]


@pytest.fixture
def pipeline(agent, change_manager, board):
    now = timezone.now()
    # High risk (high impact): the policy asks two CAB members.
    waiting = raised(
        agent,
        impact=1,
        planned_start=now + dt.timedelta(days=3),
        planned_end=now + dt.timedelta(days=3, hours=1),
    )
    move(waiting, "assess", agent)
    move(waiting, "authorise", agent)
    soon = raised(
        agent,
        planned_start=now + dt.timedelta(days=2),
        planned_end=now + dt.timedelta(days=2, hours=1),
    )
    later = raised(
        agent,
        planned_start=now + dt.timedelta(days=9),
        planned_end=now + dt.timedelta(days=9, hours=1),
    )
    for change in (soon, later):
        move(change, "assess", agent)
        move(change, "authorise", agent)
        services.do_decide_authorisation(change, authorised=True, actor=change_manager)
        move(change, "scheduled", agent)
    early = raised(
        agent, planned_start=now - dt.timedelta(hours=2), planned_end=now + dt.timedelta(hours=1)
    )
    move(early, "assess", agent)
    move(early, "authorise", agent)
    services.do_decide_authorisation(change := early, authorised=True, actor=change_manager)
    move(change, "scheduled", agent)
    # The work started an hour before the authorisation was recorded: unauthorised.
    move(change, "implement", agent, actual=change.authorised_at - dt.timedelta(hours=1))
    return {"waiting": waiting, "soon": soon, "later": later, "early": early}


def test_the_change_managers_pipeline(client, change_manager, pipeline):
    client.login(username=change_manager.username, password=PASSWORD)
    response = client.get("/")
    shown = block(response, "change-pipeline")
    assert figures(shown) == {
        "Waiting for authorisation": 1,
        "Planned in the next 7 days": 1,  # not the one in 9 days
        "Being implemented": 1,
        "Unauthorised, last 90 days": 1,
    }
    for figure in shown.figures:
        assert listed_count(client, figure.url) >= figure.value
    assert listed_count(client, shown.figures[0].url) == 1
    assert listed_count(client, shown.figures[3].url) == 1
    assert block(response, "process-kpis-change").title == "Change KPIs off target"


def test_a_cab_member_sees_the_votes_waiting_for_them(client, agent, pipeline, board):
    member = board[0]
    client.login(username="ann", password=PASSWORD)
    shown = block(client.get("/"), "change-votes")
    waiting = pipeline["waiting"]
    rows = {row.text: row for row in shown.rows}
    # Only the change still waiting: the others were authorised outside the vote.
    assert list(rows) == [f"{waiting.number} {waiting.title}"]
    assert figures(shown) == {"Waiting": 1}
    assert rows[f"{waiting.number} {waiting.title}"].when_label == "due"
    assert member.is_agent


def test_an_agent_without_a_change_role_gets_no_change_blocks(client, agent, pipeline):
    client.login(username=agent.username, password=PASSWORD)
    keys = {b.key for b in client.get("/").context["blocks"]}
    assert not keys & {"change-votes", "change-pipeline", "process-kpis-change"}
