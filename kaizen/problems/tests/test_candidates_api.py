"""/api/v1/problem-candidates/, per role: anonymous and requesters get nothing, agents read,
problem managers and administrators accept or dismiss."""

import pytest

from kaizen.incidents.tests.helpers import make_incident
from kaizen.problems.models import Candidate, CandidateStatus, LinkedIncident
from kaizen.problems.tests.candidate_helpers import (
    assert_constant_queries,
    make_candidate,
    make_problem_manager,
)

pytestmark = pytest.mark.django_db
URL = "/api/v1/problem-candidates/"


@pytest.fixture
def problem_manager(db):
    return make_problem_manager()


@pytest.fixture
def candidate(requester):
    incidents = [make_incident(requester) for _ in range(2)]
    return make_candidate([i.number for i in incidents], subject_key="1")


def test_anonymous_and_requesters_are_refused(api, requester, candidate):
    assert api().get(URL).status_code in (401, 403)
    assert api().post(f"{URL}{candidate.pk}/dismiss/", {"reason": "x"}).status_code in (401, 403)
    assert api(requester).get(URL).status_code == 403
    assert api(requester).get(f"{URL}{candidate.pk}/").status_code == 403


def test_agents_list_filter_and_read_but_do_not_decide(api, agent, candidate):
    other = make_candidate(kind="similar_text", subject_key="text:x")
    client = api(agent)
    listed = client.get(URL).json()
    assert [row["id"] for row in listed["results"]] == [candidate.pk, other.pk]
    assert client.get(URL + "?kind=similar_text").json()["results"][0]["id"] == other.pk
    assert client.get(URL + "?status=dismissed").json()["results"] == []
    bad = client.get(URL + "?status=gone")
    assert bad.status_code == 400 and "status" in bad.json()
    one = client.get(f"{URL}{candidate.pk}/").json()
    assert one["kind_label"] == "Incident rate on a service"
    assert one["incident_numbers"] == candidate.incident_numbers
    assert one["problem"] is None and one["evidence"]["control_limit"] == 4.0
    assert client.post(f"{URL}{candidate.pk}/accept/", {}).status_code == 403
    assert client.post(f"{URL}{candidate.pk}/dismiss/", {"reason": "x"}).status_code == 403


@pytest.mark.parametrize("who", ["problem_manager", "admin_user"])
def test_managers_and_admins_accept(api, request, who, candidate):
    client = api(request.getfixturevalue(who))
    response = client.post(f"{URL}{candidate.pk}/accept/", {"statement": "Relay drops"})
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["candidate"]["status"] == "accepted"
    assert body["candidate"]["problem"] == body["problem"]
    linked = LinkedIncident.objects.filter(problem__number=body["problem"])
    assert sorted(linked.values_list("incident_number", flat=True)) == candidate.incident_numbers
    again = client.post(f"{URL}{candidate.pk}/accept/", {})
    assert again.status_code == 409 and "accepted already" in again.json()["detail"]


def test_dismiss_names_the_missing_reason(api, problem_manager, candidate):
    client = api(problem_manager)
    refused = client.post(f"{URL}{candidate.pk}/dismiss/", {"reason": ""}, format="json")
    assert refused.status_code == 400 and "reason" in refused.json()
    done = client.post(f"{URL}{candidate.pk}/dismiss/", {"reason": "Planned"}, format="json")
    assert done.status_code == 200
    assert done.json()["status"] == "dismissed" and done.json()["dismissed_incident_count"] == 2
    assert Candidate.objects.get().status == CandidateStatus.DISMISSED
    too_long = client.post(f"{URL}{candidate.pk}/accept/", {"statement": "x" * 201})
    assert too_long.status_code == 400 and "statement" in too_long.json()


def test_the_list_reads_a_constant_number_of_queries(api, agent, problem_manager):
    client = api(agent)
    make_candidate(subject_key="a")
    assert_constant_queries(
        "api_candidate_list",
        lambda: client.get(URL),
        lambda: [make_candidate(subject_key=f"b{i}", decided_by=problem_manager) for i in range(3)],
    )
