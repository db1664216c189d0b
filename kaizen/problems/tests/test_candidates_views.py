"""The candidate pages, per role: anonymous visitors sign in, requesters are refused, agents
read, problem managers and administrators decide."""

import pytest
from django.urls import reverse

from kaizen.incidents.tests.helpers import make_incident
from kaizen.problems.models import CandidateStatus, LinkedIncident
from kaizen.problems.tests.candidate_helpers import (
    assert_constant_queries,
    make_candidate,
    make_problem_manager,
)

pytestmark = pytest.mark.django_db
LIST = reverse("problems:candidate_list")


@pytest.fixture
def problem_manager(db):
    return make_problem_manager()


@pytest.fixture
def candidate(requester):
    incidents = [make_incident(requester, short_description=f"Mail #{i}") for i in range(3)]
    return make_candidate([i.number for i in incidents], subject_key="1")


def detail(candidate) -> str:
    return reverse("problems:candidate_detail", args=[candidate.pk])


def accept(candidate) -> str:
    return reverse("problems:candidate_accept", args=[candidate.pk])


def dismiss(candidate) -> str:
    return reverse("problems:candidate_dismiss", args=[candidate.pk])


def test_it_sends_anonymous_visitors_to_sign_in(client, candidate):
    for url in (LIST, detail(candidate)):
        response = client.get(url)
        assert response.status_code == 302 and "login" in response["Location"]
    assert client.post(dismiss(candidate), {"reason": "x"}).status_code == 302
    assert type(candidate).objects.get().status == CandidateStatus.OPEN


def test_it_forbids_requesters(web, requester, candidate):
    client = web(requester)
    assert client.get(LIST).status_code == 403
    assert client.get(detail(candidate)).status_code == 403
    assert client.post(accept(candidate)).status_code == 403


def test_agents_read_the_list_and_the_evidence_without_the_forms(web, agent, candidate):
    client = web(agent)
    response = client.get(LIST)
    assert response.status_code == 200
    assert list(response.context["object_list"]) == [candidate]
    assert response.context["status_tabs"] == [
        ("open", "Open", 1),
        ("accepted", "Accepted", 0),
        ("dismissed", "Dismissed", 0),
    ]
    page = client.get(detail(candidate))
    content = page.content.decode()
    assert page.status_code == 200
    assert "30 Nov 2026" in content  # the test in words, its dates as people write them
    assert "1 in 10,000" in content  # the chance in words
    assert [row.number for row in page.context["incidents"]] == sorted(
        candidate.incident_numbers, reverse=True
    )
    assert page.context["chart_data"]["values"] == [None, 3]  # a gap, not a zero
    assert page.context["chart_data"]["period_days"] == 7
    assert "accept_form" not in page.context and 'id="accept"' not in content
    assert client.post(accept(candidate)).status_code == 403
    assert client.post(dismiss(candidate), {"reason": "No"}).status_code == 403


def test_it_filters_by_kind_and_status(web, agent):
    rate = make_candidate(subject_key="a")
    text = make_candidate(kind="similar_text", subject_key="text:b")
    done = make_candidate(subject_key="c", status=CandidateStatus.DISMISSED)
    client = web(agent)
    rows = client.get(LIST + "?kind=similar_text").context["object_list"]
    assert list(rows) == [text]
    rows = client.get(LIST + "?status=dismissed").context["object_list"]
    assert list(rows) == [done]
    rows = client.get(LIST + "?status=open&kind=service_rate").context["object_list"]
    assert list(rows) == [rate]
    assert client.get(LIST + "?kind=nonsense").status_code == 200  # shown as a filter error


@pytest.mark.parametrize("who", ["problem_manager", "admin_user"])
def test_managers_and_admins_create_the_problem(web, request, who, candidate):
    user = request.getfixturevalue(who)
    response = web(user).post(accept(candidate), {"statement": "Mail relay drops"})
    assert response.status_code == 302
    candidate.refresh_from_db()
    assert candidate.status == CandidateStatus.ACCEPTED
    assert candidate.problem.statement == "Mail relay drops"
    assert set(
        LinkedIncident.objects.filter(problem=candidate.problem).values_list(
            "incident_number", flat=True
        )
    ) == set(candidate.incident_numbers)


def test_the_manager_sees_the_forms_and_dismisses_with_a_reason(web, problem_manager, candidate):
    client = web(problem_manager)
    page = client.get(detail(candidate))
    assert page.context["accept_form"]["statement"].value() == candidate.subject_label
    refused = client.post(dismiss(candidate), {"reason": ""})
    assert refused.status_code == 400
    assert "reason" in refused.context["dismiss_form"].errors
    done = client.post(dismiss(candidate), {"reason": "Known outage, planned"})
    assert done.status_code == 302 and done["Location"] == detail(candidate)
    candidate.refresh_from_db()
    assert candidate.status == CandidateStatus.DISMISSED
    assert candidate.dismissal_reason == "Known outage, planned"
    again = client.post(dismiss(candidate), {"reason": "Twice"}, follow=True)
    assert "dismissed already" in again.content.decode()


def test_it_refuses_get_on_the_decisions_and_404s_a_missing_one(web, problem_manager, candidate):
    client = web(problem_manager)
    assert client.get(accept(candidate)).status_code == 405
    assert client.get(reverse("problems:candidate_detail", args=[99999])).status_code == 404


def test_the_pages_read_a_constant_number_of_queries(web, agent, requester):
    client = web(agent)
    first = make_candidate([make_incident(requester).number])
    assert_constant_queries(
        "candidate_list",
        lambda: client.get(LIST),
        lambda: [make_candidate(subject_key=f"s{i}") for i in range(3)],
    )
    assert_constant_queries(
        "candidate_detail",
        lambda: client.get(detail(first)),
        lambda: first.__class__.objects.filter(pk=first.pk).update(
            incident_numbers=first.incident_numbers
            + [make_incident(requester).number for _ in range(3)]
        ),
    )
