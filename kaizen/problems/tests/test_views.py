"""The problem pages per role: who sees and does what, and what a person reads."""

import pytest

from kaizen.incidents.tests.helpers import make_incident
from kaizen.journal.models import JournalEvent
from kaizen.problems.models import LinkedIncident, Problem, State
from kaizen.problems.services.links import do_link_incidents
from kaizen.problems.tests.factories import ANALYSIS, raise_problem, walk
from kaizen.testing import assert_constant_queries

pytestmark = pytest.mark.django_db


def test_requesters_and_strangers_see_no_problems(client, requester, problem_manager):
    problem = raise_problem(problem_manager)
    response = client.get("/problems/")
    assert response.status_code == 302 and "/login" in response["Location"]
    client.force_login(requester)
    assert client.get("/problems/").status_code == 403
    assert client.get(problem.get_absolute_url()).status_code == 403
    assert client.post("/problems/new/", {"statement": "x"}).status_code == 403
    assert not Problem.objects.exclude(pk=problem.pk).exists()


def test_an_agent_raises_a_problem_from_an_incident_and_it_is_linked(client, agent):
    incident = make_incident(short_description="Printer jams on tray 2")
    client.force_login(agent)
    page = client.get(f"/problems/new/?incident={incident.number}")
    assert page.status_code == 200
    assert "Printer jams on tray 2" in page.content.decode()
    response = client.post(
        f"/problems/new/?incident={incident.number}",
        {"statement": "Printers jam on tray 2", "impact": 2, "urgency": 2},
    )
    problem = Problem.objects.get()
    assert response.status_code == 302 and response["Location"] == problem.get_absolute_url()
    assert list(problem.incident_links.values_list("incident_number", flat=True)) == [
        incident.number
    ]


def test_a_form_error_names_the_field_and_keeps_the_input(client, agent):
    client.force_login(agent)
    response = client.post(
        "/problems/new/", {"statement": "", "impact": 9, "urgency": 2, "description": "kept"}
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "kept" in html and "statement_errors" in html and "impact_errors" in html
    assert not Problem.objects.exists()


def test_the_owner_records_the_analysis_and_moves_the_problem(client, agent, problem_manager):
    problem = raise_problem(problem_manager, owner=agent)
    problem = walk(problem, State.ASSESSED, actor=problem_manager)
    client.force_login(agent)
    response = client.post(
        f"/problems/{problem.number}/analysis/",
        {
            "version": problem.version,
            **ANALYSIS,
            "analysis_method": "five_whys",
            "why_0": "Why are connections rejected?",
            "because_0": "The pool is full",
            "why_1": "Why is it full?",
            "because_1": "It is sized for 2019's load",
            "fix": "",
            "fix_change_number": "",
        },
    )
    assert response.status_code == 302
    problem.refresh_from_db()
    assert problem.analysis == {
        "steps": [
            {"why": "Why are connections rejected?", "because": "The pool is full"},
            {"why": "Why is it full?", "because": "It is sized for 2019's load"},
        ]
    }
    page = client.get(problem.get_absolute_url()).content.decode()
    assert "It is sized for 2019&#x27;s load" in page
    response = client.post(
        f"/problems/{problem.number}/transition/",
        {"state": "known_error", "version": problem.version},
    )
    assert response.status_code == 302
    problem.refresh_from_db()
    assert problem.state == State.KNOWN_ERROR


def test_a_stale_analysis_is_a_conflict_and_keeps_the_input(client, problem_manager):
    problem = raise_problem(problem_manager)
    client.force_login(problem_manager)
    data = {
        "version": problem.version,
        "workaround": "Reboot twice",
        "root_cause": "",
        "cause_category": "",
        "analysis_method": "",
        "fix": "",
        "fix_change_number": "",
    }
    assert client.post(f"/problems/{problem.number}/analysis/", data).status_code == 302
    data["workaround"] = "Mine, typed on an old page"
    response = client.post(f"/problems/{problem.number}/analysis/", data)
    assert response.status_code == 409
    assert "Mine, typed on an old page" in response.content.decode()


def test_an_agent_who_is_not_the_owner_cannot_move_it(client, agent, problem_manager):
    problem = raise_problem(problem_manager)
    client.force_login(agent)
    response = client.post(
        f"/problems/{problem.number}/transition/", {"state": "assessed", "version": 1}
    )
    assert response.status_code == 403
    assert b'id="state"' not in client.get(problem.get_absolute_url()).content


def test_refused_move_names_what_is_missing(client, problem_manager):
    problem = walk(raise_problem(problem_manager), State.ASSESSED, actor=problem_manager)
    client.force_login(problem_manager)
    response = client.post(
        f"/problems/{problem.number}/transition/",
        {"state": "known_error", "version": problem.version},
    )
    assert response.status_code == 400
    assert "record the root cause first" in response.content.decode()


def test_linking_and_unlinking_from_the_page(client, agent, problem_manager):
    problem = raise_problem(problem_manager)
    first, second = make_incident(), make_incident()
    client.force_login(agent)
    response = client.post(
        f"/problems/{problem.number}/link/", {"incidents": f"{first.number}, {second.number}"}
    )
    assert response.status_code == 302
    assert LinkedIncident.objects.filter(problem=problem).count() == 2
    response = client.post(f"/problems/{problem.number}/link/", {"incidents": "INC404"})
    assert response.status_code == 400
    assert "there is no incident INC404" in response.content.decode()
    client.post(f"/problems/{problem.number}/unlink/", {"incident": first.number})
    assert list(problem.incident_links.values_list("incident_number", flat=True)) == [second.number]
    page = client.get(problem.get_absolute_url()).content.decode()
    assert (
        "Incident unlinked" in page
        or JournalEvent.objects.filter(event_type="problems.problem.incident_unlinked").exists()
    )


def test_list_and_detail_pages_do_constant_queries(client, problem_manager):
    client.force_login(problem_manager)

    def add_problem():
        problem = raise_problem(problem_manager)
        problem = walk(problem, State.ASSESSED, State.KNOWN_ERROR, actor=problem_manager)
        do_link_incidents(problem, [make_incident().number], actor=problem_manager)
        return problem

    first = add_problem()
    assert_constant_queries("problems", "list", lambda: client.get("/problems/"), add_problem)
    assert_constant_queries(
        "problems",
        "detail",
        lambda: client.get(first.get_absolute_url()),
        lambda: do_link_incidents(first, [make_incident().number], actor=problem_manager),
    )


def test_a_change_raised_for_the_fix_names_the_problem_both_ways(client, problem_manager):
    from kaizen.changes.tests.factories import raise_change

    problem = raise_problem(problem_manager, statement="Mail bounces at peak")
    client.force_login(problem_manager)
    page = client.get(problem.get_absolute_url()).content.decode()
    assert f"/changes/new/?problem={problem.number}" in page
    form = client.get(f"/changes/new/?problem={problem.number}").content.decode()
    assert f'value="{problem.number}"' in form
    change = raise_change(problem_manager, problem_reference=problem.number)
    page = client.get(problem.get_absolute_url()).content.decode()
    assert f'href="{change.get_absolute_url()}"' in page
    change_page = client.get(change.get_absolute_url()).content.decode()
    assert f'<a href="{problem.get_absolute_url()}">{problem.number}</a> Mail bounces at peak' in (
        change_page
    )
    response = client.post(
        f"/problems/{problem.number}/analysis/",
        {
            "version": problem.version,
            "fix": "Raise the pool",
            "fix_change_number": "CHG404",
            "workaround": "",
            "root_cause": "",
            "cause_category": "",
            "analysis_method": "",
        },
    )
    assert response.status_code == 400
    assert "there is no change CHG404" in response.content.decode()


def test_the_edit_and_analysis_forms_carry_the_version_read(client, problem_manager):
    """Without it a save could not tell that someone else saved in between."""
    problem = raise_problem(problem_manager)
    do_link_incidents(problem, [make_incident().number], actor=problem_manager)
    client.force_login(problem_manager)
    analysis = client.get(problem.get_absolute_url()).content.decode()
    form = analysis[analysis.index('id="analysis-edit"') :]
    assert f'name="version" value="{problem.version}"' in form[: form.index("</form>")]
    edit = client.get(f"/problems/{problem.number}/edit/").content.decode()
    assert f'name="version" value="{problem.version}"' in edit


def test_requesters_find_self_help_and_agents_the_problems_in_the_navigation(requester, agent):
    from kaizen.core.navigation import navigation_for

    requester_labels = [item["label"] for item in navigation_for(requester, "/")]
    agent_labels = [item["label"] for item in navigation_for(agent, "/")]
    assert "Self-help" in requester_labels and "Problems" not in requester_labels
    assert "Problems" in agent_labels and "Self-help" not in agent_labels
