import pytest
from rest_framework.test import APIClient

from kaizen.incidents import services
from kaizen.incidents.tests.helpers import make_incident, move
from kaizen.sla.tests.helpers import freeze_sla_time, london, office_calendar, priority_definitions
from kaizen.testing import PASSWORD, assert_query_count

pytestmark = pytest.mark.django_db


@pytest.fixture
def incident(monkeypatch):
    freeze_sla_time(monkeypatch, "2026-03-09 10:00")
    priority_definitions(office_calendar())
    return make_incident(impact=2, urgency=2, at=london("2026-03-06 16:00"))


def client_for(user) -> APIClient:
    client = APIClient()
    client.login(username=user.username, password=PASSWORD)
    return client


def test_it_lists_stored_clocks_for_agents(agent, incident):
    response = client_for(agent).get("/api/v1/sla-clocks/", {"incident": incident.number})
    assert response.status_code == 200
    rows = {row["kind"]: row for row in response.json()["results"]}
    assert rows["resolution"]["state"] == "running"
    assert rows["resolution"]["elapsed_seconds"] == 2 * 3600  # Fri 16-17, Mon 09-10
    assert rows["response"]["state"] == "breached"


def test_it_explains_an_incidents_clocks_interval_by_interval(agent, incident):
    response = client_for(agent).get(f"/api/v1/incidents/{incident.number}/sla-clocks/")
    assert response.status_code == 200
    resolution = [c for c in response.json() if c["kind"] == "resolution"][0]
    assert [i["kind"] for i in resolution["intervals"]] == ["counted", "outside_hours", "counted"]
    assert resolution["elapsed_seconds"] == 2 * 3600


def test_it_names_what_the_incident_was_on_hold_for_in_each_interval(agent, incident):
    # Priority-3 definitions pause for the caller and the vendor, not for a problem.
    at = london("2026-03-09 09:00")
    incident = move(incident, "on_hold", on_hold_reason="awaiting_problem", at=at)
    services.do_change_incident_on_hold_reason(
        incident,
        "awaiting_caller",
        actor=None,
        expected_version=None,
        at=london("2026-03-09 09:30"),
    )
    response = client_for(agent).get(f"/api/v1/incidents/{incident.number}/sla-clocks/")
    resolution = [c for c in response.json() if c["kind"] == "resolution"][0]
    assert [
        (i["start"][11:16], i["kind"], i["on_hold_reason"]) for i in resolution["intervals"]
    ] == [
        ("16:00", "counted", ""),
        ("17:00", "outside_hours", ""),
        ("09:00", "counted", "awaiting_problem"),
        ("09:30", "paused", "awaiting_caller"),
    ]
    assert resolution["elapsed_seconds"] == 1.5 * 3600  # Fri 16-17, Mon 09:00-09:30


def test_it_keeps_clocks_from_requesters_and_strangers(requester, incident):
    client = client_for(requester)
    assert client.get("/api/v1/sla-clocks/").status_code == 403
    assert client.get(f"/api/v1/incidents/{incident.number}/sla-clocks/").status_code == 403
    assert APIClient().get("/api/v1/sla-clocks/").status_code == 401


def test_it_answers_404_for_an_unknown_incident(agent, incident):
    assert client_for(agent).get("/api/v1/incidents/INC9999999/sla-clocks/").status_code == 404


def test_it_lists_clocks_in_a_constant_number_of_queries(agent, incident):
    client = client_for(agent)
    with assert_query_count("incidents", "api_clock_list") as few:
        assert client.get("/api/v1/sla-clocks/").status_code == 200
    for _ in range(5):
        make_incident(impact=2, urgency=2, at=london("2026-03-06 16:00"))
    with assert_query_count("incidents", "api_clock_list") as many:
        assert client.get("/api/v1/sla-clocks/").status_code == 200
    assert len(few.captured_queries) == len(many.captured_queries)
