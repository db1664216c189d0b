"""The known-error API per role: the database for agents (read, search, apply, suggest),
problem managers (record, edit with a version, publish, retire), and the portal's articles
for anyone signed in."""

import pytest

from kaizen.incidents.models import IncidentComment
from kaizen.problems.models import KnownErrorStatus, LinkedIncident
from kaizen.problems.services import known_errors
from kaizen.problems.tests.known_error_fixtures import incident, make_known_error
from kaizen.testing import assert_constant_queries

pytestmark = pytest.mark.django_db

BASE = "/api/v1/known-errors/"
ARTICLES = "/api/v1/known-error-articles/"


def test_strangers_are_refused(api, known_error):
    for url in (BASE, f"{BASE}KE0000001/", f"{BASE}suggest/", ARTICLES):
        assert api().get(url).status_code in (401, 403)


def test_requesters_read_only_the_portal_articles(api, requester, known_error):
    client = api(requester)
    assert client.get(BASE).status_code == 403
    assert client.get(f"{BASE}suggest/?text=vpn").status_code == 403
    assert client.post(f"{BASE}KE0000001/apply/", {"incident": "INC1"}).status_code == 403
    assert client.get(ARTICLES).json()["results"] == []
    make_known_error("Printer jams", "Paper jams.")  # published to agents only
    known_errors.do_publish_known_error(
        known_error, actor=None, to_portal=True, portal_title="VPN keeps disconnecting"
    )
    (article,) = client.get(f"{ARTICLES}?search=disconnecting").json()["results"]
    assert article["number"] == "KE0000001" and article["title"] == "VPN keeps disconnecting"
    assert "root_cause" not in article and "problem" not in article
    assert client.get(f"{ARTICLES}?search=printer").json()["results"] == []
    assert client.get(f"{ARTICLES}KE0000002/").status_code == 404


def test_agents_read_search_suggest_and_apply(api, agent, known_error, vpn):
    client = api(agent)
    make_known_error("Printer jams", "Paper jams in tray 2.")
    found = client.get(f"{BASE}?search=vpn drops").json()["results"]
    assert [row["number"] for row in found] == ["KE0000001"]
    assert found[0]["problem"] == "PRB0000001" and found[0]["services"] == ["vpn"]
    suggested = client.get(f"{BASE}suggest/", {"text": "VPN timeout", "service": vpn.pk}).json()
    assert [row["number"] for row in suggested] == ["KE0000001"]
    assert suggested[0]["reasons"][0] == "same service"
    assert client.get(f"{BASE}suggest/", {"service": "vpn"}).json() == {
        "service": ["A valid integer is required."]
    }
    worked = incident()
    response = client.post(f"{BASE}KE0000001/apply/", {"incident": worked.number})
    assert response.status_code == 201
    assert response.json() == {
        "known_error": "KE0000001",
        "problem": "PRB0000001",
        "incident": worked.number,
        "workaround_applied": True,
    }
    assert IncidentComment.objects.get(incident=worked).is_work_note
    missing = client.post(f"{BASE}KE0000001/apply/", {"incident": "INC404"})
    assert missing.status_code == 400 and "incident" in missing.json()
    assert client.post(BASE, {"problem": "PRB0000001"}).status_code == 403
    assert client.post(f"{BASE}KE0000001/retire/", {}).status_code == 403
    assert client.patch(f"{BASE}KE0000001/", {"title": "x", "version": 2}).status_code == 403


@pytest.mark.parametrize("who", ["problem_manager", "admin_user"])
def test_managers_record_edit_publish_and_retire(api, request, who, problem, agent):
    client = api(request.getfixturevalue(who))
    created = client.post(BASE, {"problem": problem.number, "title": "VPN times out"})
    assert created.status_code == 201, created.json()
    body = created.json()
    assert body["status"] == "draft" and body["symptom"] == problem.description
    url = f"{BASE}{body['number']}/"
    assert client.patch(url, {"title": "No version"}).json() == {
        "version": ["send the version you read, so nobody's change is overwritten"]
    }
    assert client.patch(url, {"title": "VPN drops", "version": 1}).json()["version"] == 2
    stale = client.patch(url, {"title": "Stale", "version": 1})
    assert stale.status_code == 409 and stale.json()["current_version"] == 2
    draft_apply = api(agent).post(f"{url}apply/", {"incident": incident().number})
    assert draft_apply.status_code == 409
    published = client.post(f"{url}publish/", {"to_portal": True, "portal_title": "VPN"}).json()
    assert published["status"] == "published" and published["published_to_portal"]
    retired = client.post(f"{url}retire/", {}).json()
    assert retired["status"] == KnownErrorStatus.RETIRED and not retired["published_to_portal"]
    assert client.post(f"{url}retire/", {}).status_code == 409
    assert not LinkedIncident.objects.exists()


def test_bad_input_names_the_field(api, problem_manager, problem):
    client = api(problem_manager)
    assert "problem" in client.post(BASE, {"problem": "PRB404"}).json()
    response = client.post(BASE, {"problem": problem.number, "portal_title": "x"})
    assert response.json() == {"portal_title": ["set it when publishing"]}


def test_lists_cost_a_constant_number_of_queries(api, agent, requester, known_error):
    counter = iter(range(100))

    def more():
        for _ in range(3):
            made = make_known_error(f"Error {next(counter)}", "Symptom.")
            known_errors.do_publish_known_error(made, actor=None, to_portal=True)

    assert_constant_queries("problems", "api_known_errors", lambda: api(agent).get(BASE), more)
    assert_constant_queries(
        "problems", "api_known_error_articles", lambda: api(requester).get(ARTICLES), more
    )
