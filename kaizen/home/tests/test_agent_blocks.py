"""An agent's home: my open incidents by SLA, my teams' breaching soon and unassigned, and
the incidents whose caller updated them since I last acted."""

import datetime as dt

import pytest

from kaizen.home.tests.helpers import (
    block,
    caller,
    comment,
    figures,
    listed_count,
    open_incident,
    set_sla,
)
from kaizen.incidents.tests.helpers import move
from kaizen.testing import PASSWORD, make_team, make_user

pytestmark = pytest.mark.django_db

H = dt.timedelta(hours=1)


@pytest.fixture
def desk(agent):
    """Alan's team, with Bob; Net is a team Alan is not in."""
    bob = make_user("bob", first_name="Bob", last_name="Builder")
    desk = make_team("Desk", slug="desk", members=[agent, bob])
    net = make_team("Net", slug="net", members=[bob])
    return {"desk": desk, "net": net, "bob": bob}


@pytest.fixture
def work(agent, desk):
    """Alan's incidents in each SLA standing, his team's, another team's; callers commenting
    before or after Alan."""
    mine = {"assignment_group": desk["desk"], "assignee": agent}
    callers = {name: caller(name) for name in ("c1", "c2", "c3", "c4")}
    a1 = open_incident(callers["c1"], short_description="Breached one", **mine)
    a2 = open_incident(callers["c2"], short_description="Warning one", **mine)
    a3 = open_incident(callers["c3"], short_description="Due soon", **mine)
    a4 = open_incident(callers["c4"], actor=callers["c4"], short_description="Later", **mine)
    a5 = open_incident(short_description="No clock", **mine)
    a6 = open_incident(short_description="Resolved breached", **mine)
    move(a6, "in_progress", "resolved")
    b1 = open_incident(
        assignment_group=desk["desk"], assignee=desk["bob"], short_description="Bob's"
    )
    u1 = open_incident(assignment_group=desk["desk"], short_description="Unassigned desk")
    n1 = open_incident(assignment_group=desk["net"], short_description="Unassigned net")
    # a1: the caller commented, Alan never acted -> updated by the caller.
    comment(a1, callers["c1"])
    # a2: the caller commented, then Alan answered -> not.
    comment(a2, callers["c2"])
    comment(a2, agent, "Looking into it")
    # a3: Alan answered first, the caller came back -> updated by the caller.
    comment(a3, agent, "Please restart")
    comment(a3, callers["c3"], "Did, still broken")
    # a4: the caller only opened it (from the portal) -> not.
    set_sla(a1, "breached", -1 * H)
    set_sla(a2, "warning", 6 * H)
    set_sla(a3, "ok", 1 * H)
    set_sla(a4, "ok", 10 * H)
    set_sla(a5, "", None)
    set_sla(a6, "breached", -2 * H)
    set_sla(b1, "ok", 2 * H)
    set_sla(u1, "ok", dt.timedelta(minutes=30))
    set_sla(n1, "ok", dt.timedelta(minutes=20))
    return {"a1": a1, "a2": a2, "a3": a3, "a4": a4, "a5": a5, "b1": b1, "u1": u1, "n1": n1}


def _numbers(block):
    return [row.text.split()[0] for row in block.rows]


def test_it_counts_my_open_incidents_by_sla_nearest_due_first(client, agent, work):
    client.login(username="alan", password=PASSWORD)
    mine = block(client.get("/"), "agent-mine")
    assert figures(mine) == {"Breached": 1, "Breaching soon": 2, "On track": 2}
    w = work
    assert _numbers(mine) == [i.number for i in (w["a1"], w["a3"], w["a2"], w["a4"], w["a5"])]
    assert mine.urgency == 2  # something breached: the first block on the page
    for figure in mine.figures:
        assert listed_count(client, figure.url) == figure.value, figure.label


def test_it_counts_my_teams_breaching_soon_and_unassigned(client, agent, work):
    client.login(username="alan", password=PASSWORD)
    response = client.get("/")
    breaching = block(response, "agent-team-breaching")
    assert figures(breaching) == {"Breaching soon": 4}
    w = work
    assert _numbers(breaching) == [i.number for i in (w["u1"], w["a3"], w["b1"], w["a2"])]
    unassigned = block(response, "agent-team-unassigned")
    assert figures(unassigned) == {"Nobody assigned": 1}
    assert _numbers(unassigned) == [w["u1"].number]
    for shown in (breaching, unassigned):
        figure = shown.figures[0]
        assert listed_count(client, figure.url) == figure.value


def test_it_lists_incidents_the_caller_updated_since_i_last_acted(client, agent, work):
    client.login(username="alan", password=PASSWORD)
    updated = block(client.get("/"), "agent-caller-updated")
    assert figures(updated) == {"Since you last acted": 2}
    assert _numbers(updated) == [work["a1"].number, work["a3"].number]
    assert listed_count(client, updated.figures[0].url) == 2
    # Alan answers a3: it leaves the block.
    comment(work["a3"], agent, "Replacing the cable")
    updated = block(client.get("/"), "agent-caller-updated")
    assert _numbers(updated) == [work["a1"].number]


def test_it_orders_blocks_most_urgent_first(client, agent, work):
    client.login(username="alan", password=PASSWORD)
    keys = [b.key for b in client.get("/").context["blocks"]]
    assert keys == [
        "agent-mine",  # breached: urgent
        "agent-team-breaching",
        "agent-caller-updated",
        "agent-team-unassigned",
    ]


def test_it_says_plainly_when_an_agent_has_nothing(client, agent):
    client.login(username="alan", password=PASSWORD)
    response = client.get("/")
    page = response.content.decode()
    for key in ("agent-mine", "agent-team-breaching", "agent-caller-updated"):
        assert block(response, key).empty
    assert "No open incident is assigned to you." in page
    assert "Nothing breaching soon in your teams." in page
    assert "No caller has updated your incidents since you last acted on them." in page
    assert "Every open incident of your teams has someone on it." in page
