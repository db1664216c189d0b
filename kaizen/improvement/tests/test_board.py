"""/improvement/board/: the open initiatives in seven step columns, the closed ones apart."""

import pytest

from kaizen.improvement.models import Initiative, Status
from kaizen.improvement.tests.helpers import add_kpi, make_goal, make_initiative, walk_to_step
from kaizen.testing import assert_constant_queries, make_user

pytestmark = pytest.mark.django_db

URL = "/improvement/board/"
GOAL_MISSING = "Link the initiative to at least one goal it serves"


def column(response, step: int) -> list[str]:
    cards = response.context["columns"][step - 1]["cards"]
    return [initiative.reference for initiative, _ in cards]


def close(initiative: Initiative, status: str = Status.STOPPED) -> None:
    Initiative.objects.filter(pk=initiative.pk).update(status=status)


def test_it_sends_anonymous_visitors_to_sign_in(client):
    response = client.get(URL)
    assert response.status_code == 302 and response["Location"].startswith("/login/")


def test_it_forbids_requesters(web, requester):
    assert web(requester).get(URL).status_code == 403


def test_it_refuses_other_methods(web, agent):
    assert web(agent).post(URL).status_code == 405


def test_it_puts_each_open_initiative_in_its_steps_column(web, agent, csi_manager):
    first = make_initiative(owner=csi_manager, title="At the start", priority=1)
    third = walk_to_step(
        make_initiative(owner=csi_manager, title="Gathering"), 3, actor=csi_manager
    )
    response = web(agent).get(URL)
    assert response.status_code == 200
    assert column(response, 1) == [first.reference]
    assert column(response, 3) == [third.reference]
    assert [len(c["cards"]) for c in response.context["columns"]] == [1, 0, 1, 0, 0, 0, 0]
    page = response.content.decode()
    for text in ("At the start", "Gathering", "Iris Improver", "P1", "2 open"):
        assert text in page, text


def test_it_marks_the_cards_whose_gate_blocks(web, agent, csi_manager):
    blocked = make_initiative(owner=csi_manager, title="No goal yet")
    ready = make_initiative(owner=csi_manager, title="Ready", goals=[make_goal()])
    add_kpi(ready, target=10)
    response = web(agent).get(URL)
    cards = response.context["columns"][0]["cards"]
    blocking = {initiative.reference: blocking for initiative, blocking in cards}
    assert blocking[ready.reference] is None
    assert blocking[blocked.reference]["first"] == GOAL_MISSING
    page = response.content.decode()
    assert page.count("kz-blocked") == 1 and "1 held at their gate" in page


def test_it_keeps_closed_initiatives_in_a_collapsed_section(web, agent, csi_manager):
    stopped = make_initiative(owner=csi_manager, title="Given up")
    close(stopped)
    response = web(agent).get(URL)
    assert all(not c["cards"] for c in response.context["columns"])
    assert response.context["closed"] == [stopped]
    page = response.content.decode()
    assert 'class="collapse" id="closed-list"' in page and "Given up" in page


def test_it_filters_the_board_by_owner(web, agent, csi_manager, process_owner):
    mine = make_initiative(owner=process_owner, title="Paul's")
    make_initiative(owner=csi_manager, title="Iris's")
    response = web(agent).get(URL, {"owner": process_owner.pk})
    assert column(response, 1) == [mine.reference]


def test_it_reads_the_board_in_a_constant_number_of_queries(web, agent, csi_manager):
    goal = make_goal()
    client = web(agent)

    def add_rows():
        owner = make_user()
        initiative = make_initiative(owner=owner, goals=[goal])
        add_kpi(initiative)
        close(make_initiative(owner=owner, title="Closed one"), Status.COMPLETED)
        walk_to_step(make_initiative(owner=owner, goals=[goal]), 2, actor=csi_manager)

    add_rows()
    assert_constant_queries("improvement", "board", lambda: client.get(URL), add_rows)
