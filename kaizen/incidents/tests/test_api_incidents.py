"""/api/v1/incidents/: list, read, report/open and edit incidents, with optimistic locking."""

import datetime as dt

import pytest
from django.utils import timezone

from kaizen.incidents import services
from kaizen.incidents.models import Incident
from kaizen.incidents.tests.helpers import (
    assert_constant_queries,
    last_event,
    make_incident,
    move,
)
from kaizen.testing import make_ci, make_offering, make_service, make_team, make_user

pytestmark = pytest.mark.django_db

URL = "/api/v1/incidents/"


def detail(incident) -> str:
    return f"{URL}{incident.number}/"


def numbers(response) -> list[str]:
    assert response.status_code == 200, response.json()
    return [row["number"] for row in response.json()["results"]]


def test_it_answers_401_without_credentials(api, incident):
    assert api().get(URL).status_code == 401
    assert api().get(detail(incident)).status_code == 401


def test_it_shows_requesters_their_own_incidents_only(api, requester, other_requester, incident):
    make_incident(other_requester)
    client = api(requester)
    assert numbers(client.get(URL)) == [incident.number]
    row = client.get(detail(incident)).json()
    assert row["number"] == "INC0000001" and row["state"] == "new" and row["service"] == "email"
    assert "caller" not in row and "reassignment_count" not in row
    assert api(other_requester).get(detail(incident)).status_code == 404


def test_it_shows_agents_every_field(api, agent, incident):
    row = api(agent).get(detail(incident)).json()
    assert row["caller_name"] == "Rita Requester" and row["priority"] == 3
    assert row["version"] == 1 and row["sla_due_at"] is None and row["sla_state"] == ""
    assert row["allowed_transitions"] == ["in_progress", "on_hold", "resolved", "cancelled"]
    assert row["url"] == "/incidents/INC0000001/"


def test_it_lets_a_requester_report_as_themselves_through_the_portal_channel(
    api, requester, other_requester, email
):
    data = {
        "short_description": "VPN drops",
        "service": "email",
        "urgency": 2,
        "caller": other_requester.pk,
    }
    response = api(requester).post(URL, data)
    assert response.status_code == 201, response.json()
    incident = Incident.objects.get(number=response.json()["number"])
    assert (incident.caller, incident.channel, incident.urgency) == (requester, "self_service", 2)


def test_it_lets_agents_open_incidents_for_callers(
    api, agent, requester, email, mailbox, service_desk
):
    ci = make_ci("mx-01", services=[email])
    data = {
        "caller": requester.pk,
        "channel": "email",
        "service": "email",
        "offering": mailbox.pk,
        "configuration_item": ci.pk,
        "impact": 1,
        "urgency": 1,
        "short_description": "Mail down for everyone",
        "major_incident": True,
        "assignment_group": "service-desk",
        "assignee": agent.pk,
    }
    response = api(agent).post(URL, data)
    assert response.status_code == 201, response.json()
    row = response.json()
    assert (row["priority"], row["state"], row["assignee_name"], row["version"]) == (
        1,
        "assigned",
        "Alan Agent",
        1,
    )
    assert last_event(Incident.objects.get()).actor == agent


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"short_description": ""}, "short_description"),
        ({"service": "nope"}, "service"),
        ({"impact": 4}, "impact"),
        ({"offering": "other"}, "offering"),
        ({"assignee": "outsider"}, "assignee"),
        ({"caller": None}, "caller"),
    ],
)
def test_it_answers_400_naming_the_field(api, agent, requester, email, service_desk, data, field):
    values = {"caller": requester.pk, "short_description": "Broken", "service": "email"}
    if data.get("offering") == "other":
        data = {"offering": make_offering(make_service("VPN")).pk}
    if data.get("assignee") == "outsider":
        data = {"assignment_group": "service-desk", "assignee": make_user("olaf").pk}
    response = api(agent).post(URL, {**values, **data})
    assert response.status_code == 400
    assert list(response.json()) == [field], response.json()
    assert not Incident.objects.exists()


def test_it_updates_with_the_version_read(api, agent, incident):
    response = api(agent).patch(detail(incident), {"urgency": 1, "version": 1})
    assert response.status_code == 200, response.json()
    assert (response.json()["priority"], response.json()["version"]) == (2, 2)
    assert last_event(incident).changes == {
        "urgency": {"old": 2, "new": 1},
        "priority": {"old": 3, "new": 2},
    }


def test_it_needs_the_version_and_sends_state_and_assignment_elsewhere(api, agent, incident):
    client = api(agent)
    response = client.patch(detail(incident), {"urgency": 1})
    assert response.status_code == 400 and list(response.json()) == ["version"]
    response = client.patch(detail(incident), {"state": "closed", "assignee": None, "version": 1})
    assert response.status_code == 400
    assert response.json() == {
        "state": ["change it with POST /api/v1/incidents/INC0000001/transition/"],
        "assignee": ["change it with POST /api/v1/incidents/INC0000001/assign/"],
    }
    assert Incident.objects.get(pk=incident.pk).version == 1


def test_it_sends_the_hold_reason_to_transition_or_to_hold_reason_when_on_hold(
    api, agent, incident
):
    client = api(agent)
    response = client.patch(detail(incident), {"on_hold_reason": "awaiting_caller", "version": 1})
    assert response.json() == {
        "on_hold_reason": ["change it with POST /api/v1/incidents/INC0000001/transition/"]
    }
    move(incident, "on_hold")
    response = client.patch(detail(incident), {"on_hold_reason": "awaiting_vendor", "version": 2})
    assert response.json() == {
        "on_hold_reason": ["change it with POST /api/v1/incidents/INC0000001/hold-reason/"]
    }


def test_it_answers_409_naming_who_changed_it(api, agent, incident_manager, incident):
    services.do_update_incident(incident, actor=incident_manager, expected_version=1, urgency=3)
    response = api(agent).patch(detail(incident), {"impact": 1, "version": 1})
    assert response.status_code == 409
    body = response.json()
    assert body["current_version"] == 2
    assert body["detail"].startswith("INC0000001 was changed by Ines Incident at ")
    assert Incident.objects.get(pk=incident.pk).impact == 2


def test_it_refuses_edits_by_the_caller_and_has_no_put_or_delete(api, requester, agent, incident):
    assert api(requester).patch(detail(incident), {"urgency": 1, "version": 1}).status_code == 403
    assert api(agent).put(detail(incident), {"urgency": 1, "version": 1}).status_code == 405
    assert api(agent).delete(detail(incident)).status_code == 405


def test_it_never_takes_the_sla_fields_from_clients(api, agent, incident):
    response = api(agent).patch(
        detail(incident), {"sla_state": "ok", "sla_due_at": "2030-01-01T00:00:00Z", "version": 1}
    )
    assert response.status_code == 200
    saved = Incident.objects.get(pk=incident.pk)
    assert (saved.sla_state, saved.sla_due_at) == ("", None)


def test_it_filters_like_the_queues_and_more(api, agent, requester, service_desk, email):
    network = make_team("Network", slug="network")
    a = make_incident(
        requester, assignment_group=service_desk, impact=1, urgency=1, channel="email"
    )
    b = make_incident(requester, assignment_group=network, service=email)
    client = api(agent)
    assert numbers(client.get(URL, {"assignment_group": "network"})) == [b.number]
    assert numbers(client.get(URL, {"priority": 1})) == [a.number]
    assert numbers(client.get(URL, {"channel": "email"})) == [a.number]
    assert numbers(client.get(URL, {"service": "email"})) == [b.number]
    assert set(numbers(client.get(URL, {"state": "open", "caller": requester.pk}))) == {
        a.number,
        b.number,
    }
    assert client.get(URL, {"state": "frozen"}).status_code == 400


def test_it_orders_by_sla_due_with_no_clock_last(api, agent):
    now = timezone.now()
    late, soon, none = make_incident(), make_incident(), make_incident()
    Incident.objects.filter(pk=late.pk).update(sla_due_at=now + dt.timedelta(days=1))
    Incident.objects.filter(pk=soon.pk).update(sla_due_at=now + dt.timedelta(hours=1))
    client = api(agent)
    assert numbers(client.get(URL, {"ordering": "sla_due_at"})) == [
        soon.number,
        late.number,
        none.number,
    ]
    assert numbers(client.get(URL, {"ordering": "-sla_due_at"})) == [
        late.number,
        soon.number,
        none.number,
    ]


def test_it_lists_incidents_in_a_constant_number_of_queries(
    api, agent, service_desk, email, mailbox
):
    client = api(agent)
    hardware = services.do_create_category("Hardware", actor=None)

    def add_rows():
        for number in range(6):
            make_incident(
                make_user(),
                service=email,
                offering=mailbox,
                category=hardware,
                assignment_group=service_desk,
                assignee=agent if number % 2 else None,
                configuration_item=make_ci(services=[email]),
            )

    add_rows()
    assert_constant_queries("api_incident_list", lambda: client.get(URL), add_rows)
