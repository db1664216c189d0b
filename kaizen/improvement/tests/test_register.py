"""/improvement/: the register of initiatives, its filters, sort, paging and gate column."""

import pytest

from kaizen.improvement.models import Status
from kaizen.improvement.tests.helpers import add_kpi, make_goal, make_initiative
from kaizen.testing import assert_constant_queries, make_service, make_user

pytestmark = pytest.mark.django_db

URL = "/improvement/"


def references(response) -> list[str]:
    return [initiative.reference for initiative, _ in response.context["rows"]]


def test_it_sends_anonymous_visitors_to_sign_in(client):
    response = client.get(URL)
    assert response.status_code == 302 and response["Location"].startswith("/login/")


def test_it_forbids_requesters(web, requester):
    assert web(requester).get(URL).status_code == 403


def test_it_refuses_other_methods(web, agent):
    assert web(agent).post(URL).status_code == 405


def test_it_is_in_the_agents_navigation_but_not_the_requesters(web, agent, requester):
    page = web(agent).get("/catalog/").content.decode()
    for path in ("", "board/", "goals/", "opportunities/"):
        assert f'href="/improvement/{path}"' in page, path
    assert 'href="/improvement/"' not in web(requester).get("/catalog/").content.decode()


def test_it_lists_initiatives_with_their_step_cycle_and_what_blocks_the_gate(
    web, agent, process_owner
):
    initiative = make_initiative(owner=process_owner, title="Faster password resets", priority=2)
    response = web(agent).get(URL)
    assert response.status_code == 200
    page = response.content.decode()
    for text in (
        initiative.reference,
        "Faster password resets",
        "Paul Owner",
        "Incident management",
        "P2",
        "Active",
        "1 · What we should measure",
        # step 1 lacks a goal and a KPI: the first missing item and how many more
        "Link the initiative to at least one goal it serves",
        "+1 more",
    ):
        assert text in page, text


def test_it_says_when_an_initiative_is_ready_to_advance(web, agent, process_owner):
    goal = make_goal()
    initiative = make_initiative(owner=process_owner, goals=[goal])
    add_kpi(initiative, target=12)
    page = web(agent).get(URL).content.decode()
    assert "Ready to advance" in page


def test_it_offers_a_new_initiative_to_process_leaders_only(web, agent, process_owner):
    assert 'id="new-initiative"' in web(process_owner).get(URL).content.decode()
    assert 'id="new-initiative"' not in web(agent).get(URL).content.decode()


def test_it_filters_by_status_step_owner_process_priority_service_goal_and_text(
    web, agent, process_owner, csi_manager
):
    email = make_service("Email", slug="email")
    goal = make_goal("Happier callers")
    first = make_initiative(
        owner=process_owner, title="Shorter queues", priority=1, services=[email], goals=[goal]
    )
    second = make_initiative(
        owner=csi_manager,
        title="Fewer reassignments",
        process="change",
        problem_statement="Tickets bounce between teams.",
    )
    second.status = Status.STOPPED
    second.save()
    client = web(agent)
    cases = {
        "status=open": [first.reference],
        "status=closed": [second.reference],
        "status=stopped": [second.reference],
        "current_step=1": [second.reference, first.reference],
        "current_step=2": [],
        f"owner={csi_manager.pk}": [second.reference],
        "process=change": [second.reference],
        "priority=1": [first.reference],
        "service=email": [first.reference],
        f"goal={goal.pk}": [first.reference],
        "q=bounce teams": [second.reference],
        "q=queues": [first.reference],
    }
    for query, expected in cases.items():
        assert references(client.get(f"{URL}?{query}")) == expected, query


def test_it_sorts_by_a_whitelisted_column_only(web, agent, process_owner):
    late = make_initiative(owner=process_owner, title="Alpha", due_on=None)
    early = make_initiative(owner=process_owner, title="Beta")
    client = web(agent)
    assert references(client.get(URL)) == [early.reference, late.reference]
    assert references(client.get(URL, {"sort": "title"})) == [late.reference, early.reference]
    assert references(client.get(URL, {"sort": "-title"})) == [early.reference, late.reference]
    assert references(client.get(URL, {"sort": "problem_statement"})) == [
        early.reference,
        late.reference,
    ]


def test_it_pages_the_register(web, agent, process_owner):
    for number in range(27):
        make_initiative(owner=process_owner, title=f"Initiative {number}")
    client = web(agent)
    assert len(references(client.get(URL))) == 25
    assert len(references(client.get(URL, {"page": 2}))) == 2


def test_it_reads_the_page_in_a_constant_number_of_queries(web, agent, process_owner):
    goal = make_goal()
    client = web(agent)

    def add_rows():
        for number in range(3):
            owner = make_user()
            initiative = make_initiative(
                owner=owner, title=f"More {number}", goals=[goal], services=[make_service()]
            )
            add_kpi(initiative)

    add_rows()
    assert_constant_queries("improvement", "register", lambda: client.get(URL), add_rows)
