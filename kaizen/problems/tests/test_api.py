"""Problems over /api/v1/: per role and action, the errors that name the field, the version
check, links."""

import pytest

from kaizen.incidents.tests.helpers import make_incident
from kaizen.problems.models import LinkedIncident, Problem, State
from kaizen.problems.tests.factories import ANALYSIS, raise_problem, walk
from kaizen.testing import assert_constant_queries, make_service

pytestmark = pytest.mark.django_db
URL = "/api/v1/problems/"


def test_only_agents_reach_problems(api, requester, problem_manager):
    problem = raise_problem(problem_manager)
    client = api()
    assert client.get(URL).status_code == 401
    client = api(requester)
    assert client.get(URL).status_code == 403
    assert client.get(f"{URL}{problem.number}/").status_code == 403
    assert client.post(URL, {"statement": "x"}, format="json").status_code == 403


def test_an_agent_raises_and_links_and_the_errors_name_the_field(api, agent):
    service = make_service(name="Mail", slug="mail")
    client = api(agent)
    response = client.post(URL, {"statement": "", "impact": 7}, format="json")
    assert response.status_code == 400
    assert set(response.json()) >= {"statement", "impact"}
    response = client.post(
        URL,
        {"statement": "Mail bounces at peak", "services": ["mail"], "impact": 1, "urgency": 1},
        format="json",
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["number"], body["state"], body["priority"]) == ("PRB0000001", "new", 1)
    assert body["services"] == [service.slug]
    incident = make_incident()
    linked = client.post(
        f"{URL}PRB0000001/incidents/", {"incidents": [incident.number]}, format="json"
    )
    assert linked.status_code == 201
    assert [row["incident_number"] for row in linked.json()] == [incident.number]
    missing = client.post(f"{URL}PRB0000001/incidents/", {"incidents": ["INC404"]}, format="json")
    assert missing.status_code == 400 and "INC404" in missing.json()["incidents"][0]
    assert client.get(f"{URL}PRB0000001/").json()["incident_count"] == 1
    assert client.delete(f"{URL}PRB0000001/incidents/{incident.number}/").status_code == 204
    assert not LinkedIncident.objects.exists()


def test_patch_needs_the_version_and_refuses_state(api, problem_manager):
    problem = raise_problem(problem_manager)
    client = api(problem_manager)
    url = f"{URL}{problem.number}/"
    response = client.patch(url, {"workaround": "Reboot", "state": "closed"}, format="json")
    assert response.status_code == 400
    assert set(response.json()) == {"state", "version"}
    assert (
        client.patch(url, {"workaround": "Reboot", "version": 1}, format="json").status_code == 200
    )
    stale = client.patch(url, {"workaround": "Other", "version": 1}, format="json")
    assert stale.status_code == 409
    assert Problem.objects.get().workaround == "Reboot"
    bad = client.patch(
        url,
        {"analysis_method": "five_whys", "analysis": {"steps": "nope"}, "version": 2},
        format="json",
    )
    assert bad.status_code == 400 and "analysis" in bad.json()


def test_transitions_per_role(api, agent, problem_manager):
    problem = raise_problem(problem_manager)
    url = f"{URL}{problem.number}/transition/"
    client = api(agent)
    assert client.post(url, {"state": "assessed"}, format="json").status_code == 403
    client = api(problem_manager)
    response = client.post(url, {"state": "known_error"}, format="json")
    assert response.status_code == 400 and "state" in response.json()
    response = client.post(url, {"state": "assessed", "version": 1}, format="json")
    assert response.status_code == 200 and response.json()["state"] == "assessed"
    assert "known_error" in response.json()["allowed_transitions"]
    response = client.post(url, {"state": "known_error"}, format="json")
    assert response.status_code == 400
    assert set(response.json()) == {"root_cause", "cause_category", "workaround"}
    walk(Problem.objects.get(), State.KNOWN_ERROR, actor=problem_manager)
    response = client.post(
        url,
        {"state": "closed", "closure_code": "risk_accepted", "risk_review_on": "2099-01-01"},
        format="json",
    )
    assert response.status_code == 200
    assert response.json()["risk_review_on"] == "2099-01-01"


def test_comments_and_work_notes(api, agent, problem_manager):
    problem = raise_problem(problem_manager)
    client = api(agent)
    url = f"{URL}{problem.number}/comments/"
    response = client.post(
        url, {"body": "Seen again on node B", "is_work_note": True}, format="json"
    )
    assert response.status_code == 201
    assert [c["body"] for c in client.get(url).json()] == ["Seen again on node B"]


def test_the_list_costs_constant_queries(api, problem_manager):
    client = api(problem_manager)

    def add():
        problem = walk(
            raise_problem(problem_manager, services=[make_service()]),
            State.ASSESSED,
            actor=problem_manager,
        )
        from kaizen.problems.services.records import do_update_problem

        do_update_problem(problem, actor=problem_manager, expected_version=None, **ANALYSIS)

    add()
    assert_constant_queries("problems", "api-list", lambda: client.get(URL), add)
