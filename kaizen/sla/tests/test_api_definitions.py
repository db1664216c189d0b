"""/api/v1/sla-definitions/: response and resolution targets."""

import pytest
from rest_framework.test import APIClient

from kaizen.journal.events import EventType
from kaizen.sla.models import SLADefinition
from kaizen.sla.tests.config_helpers import (
    assert_constant_queries,
    last_event,
    make_calendar,
    make_definition,
)
from kaizen.testing import make_offering, make_service, make_team

pytestmark = pytest.mark.django_db

URL = "/api/v1/sla-definitions/"


def url(definition) -> str:
    return f"{URL}{definition.pk}/"


def definition_body(**overrides) -> dict:
    return {
        "name": "Email response P1-2",
        "kind": "response",
        "calendar": "uk-office-hours",
        "target_minutes": 30,
        "service": "email",
        "priorities": [1, 2],
        "conditions": {"channel": ["phone", "email"], "impact": [1]},
        "pause_reasons": ["awaiting_caller"],
        "warning_thresholds": [50, 75],
        "escalations": [{"at": 75, "action": "notify_group"}],
        **overrides,
    }


# -- who may do what --------------------------------------------------------------------------


def test_it_answers_401_without_credentials(definition):
    for response in (
        APIClient().get(URL),
        APIClient().get(url(definition)),
        APIClient().post(URL, definition_body()),
    ):
        assert response.status_code == 401
        assert response["WWW-Authenticate"] == "Bearer"


def test_it_forbids_the_list_and_hides_definitions_from_requesters(api, requester, definition):
    client = api(requester)
    assert client.get(URL).status_code == 403
    assert client.get(url(definition)).status_code == 404
    assert client.patch(url(definition), {"name": "Mine"}).status_code == 404
    assert client.post(URL, definition_body()).status_code == 403


def test_it_shows_agents_every_setting_and_a_summary(api, agent, definition, email):
    body = api(agent).get(url(definition)).json()
    assert body == {
        "id": definition.pk,
        "name": "Email resolution P1-2",
        "ticket_kind": "incident",
        "kind": "resolution",
        "order": 100,
        "is_active": True,
        "calendar": "uk-office-hours",
        "calendar_name": "UK office hours",
        "target_minutes": 480,
        "service": "email",
        "service_name": "Email",
        "offering": None,
        "offering_name": None,
        "priorities": [1, 2],
        "conditions": {},
        "pause_reasons": ["awaiting_caller", "awaiting_vendor"],
        "warning_thresholds": [50, 75, 90],
        "escalations": [{"at": 90, "action": "notify_group"}],
        "summary": "Resolution within 8 business hours on 'UK office hours' for priority 1-2 "
        "incidents of Email; paused while awaiting caller, awaiting vendor; warnings at "
        "50/75/90 %; at 90 % notify the group",
        "version": 1,
        "updated_at": body["updated_at"],
    }


def test_it_filters_and_orders(api, agent, definition, office):
    always = make_calendar("24x7", time_zone="UTC", holiday_country="", holiday_subdivision="")
    make_definition(office, name="Any response", kind="response", target_minutes=30, priorities=[])
    make_definition(always, name="Old P1", priorities=[1], is_active=False)
    client = api(agent)

    def names(**query):
        response = client.get(URL, query)
        assert response.status_code == 200, response.json()
        return [row["name"] for row in response.json()["results"]]

    assert names() == ["Any response", "Email resolution P1-2", "Old P1"]
    assert names(kind="resolution", is_active="true") == ["Email resolution P1-2"]
    assert names(calendar="24x7") == ["Old P1"]
    assert names(service="email") == ["Email resolution P1-2"]
    assert names(ordering="-name") == ["Old P1", "Email resolution P1-2", "Any response"]
    response = client.get(URL, {"kind": "restoration"})
    assert response.status_code == 400 and "kind" in response.json()


def test_it_lists_in_a_constant_number_of_queries(api, agent, definition):
    client = api(agent)

    def add_rows():
        for number in range(5):
            service = make_service(f"Service {number}")
            offering = make_offering(service, "Access")
            calendar = make_calendar(f"Calendar {number}")
            make_definition(calendar, name=f"D{number}", service=service, offering=offering)

    assert_constant_queries("api_definition_list", lambda: client.get(URL), add_rows)


# -- creating and changing --------------------------------------------------------------------


@pytest.mark.parametrize("persona", ["sla_manager", "sla_owner", "admin_user"])
def test_it_lets_service_level_leaders_create_a_definition(request, api, persona, office, email):
    creator = request.getfixturevalue(persona)
    response = api(creator).post(URL, definition_body())
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["calendar"] == "uk-office-hours" and body["service"] == "email"
    assert body["conditions"] == {"channel": ["phone", "email"], "impact": [1]}
    definition = SLADefinition.objects.get()
    assert definition.escalations == [{"at": 75, "action": "notify_group"}]
    event = last_event(definition)
    assert event.event_type == EventType.SLA_DEFINITION_CREATED and event.actor == creator


def test_it_stores_a_reassignment_with_the_team_slug(api, sla_manager, office, email):
    make_team("Messaging", slug="messaging")
    steps = [
        {"at": 100, "action": "reassign", "team": "messaging"},
        {"at": 75, "action": "notify_group", "team": "messaging"},
    ]
    response = api(sla_manager).post(URL, definition_body(escalations=steps))
    assert response.status_code == 201, response.json()
    assert response.json()["escalations"] == [
        {"at": 100, "action": "reassign", "team": "messaging"},
        {"at": 75, "action": "notify_group"},
    ]


@pytest.mark.parametrize("persona", ["agent", "sla_practitioner", "catalog_manager"])
def test_it_refuses_changes_by_anyone_else(request, api, persona, definition):
    client = api(request.getfixturevalue(persona))
    assert client.post(URL, definition_body()).status_code == 403
    assert client.patch(url(definition), {"target_minutes": 1}).status_code == 403
    assert SLADefinition.objects.get().target_minutes == 480


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"calendar": "nowhere"}, "calendar"),
        ({"service": "nothing"}, "service"),
        ({"offering": 999999}, "offering"),
        ({"kind": "restoration"}, "kind"),
        ({"target_minutes": 0}, "target_minutes"),
        ({"priorities": [6]}, "priorities"),
        ({"pause_reasons": ["awaiting_godot"]}, "pause_reasons"),
        ({"warning_thresholds": [0, 50]}, "warning_thresholds"),
        ({"conditions": {"channel": "phone"}}, "conditions"),
        ({"conditions": {"priority": [1]}}, "conditions"),
        ({"escalations": [{"at": 60, "action": "notify_group"}]}, "escalations"),
        ({"escalations": [{"at": 100, "action": "phone_the_ceo"}]}, "escalations"),
        ({"escalations": [{"at": 100, "action": "reassign"}]}, "escalations"),
        ({"escalations": [{"at": 100, "action": "reassign", "team": "ghosts"}]}, "escalations"),
    ],
)
def test_it_answers_400_naming_the_field(api, sla_manager, office, email, overrides, field):
    response = api(sla_manager).post(URL, definition_body(**overrides))
    assert response.status_code == 400
    assert list(response.json()) == [field]
    assert not SLADefinition.objects.exists()


def test_it_refuses_an_offering_of_another_service(api, sla_manager, office, email):
    payslips = make_offering(make_service("Payroll", slug="payroll"), "Payslips")
    response = api(sla_manager).post(URL, definition_body(offering=payslips.pk))
    assert response.status_code == 400
    assert response.json() == {"offering": ["the offering belongs to another service"]}


def test_it_updates_a_definition_and_asks_to_remeasure(api, sla_manager, definition):
    body = {
        "target_minutes": 240,
        "is_active": False,
        "remeasure": True,
        "remeasure_since": "2026-01-01T00:00:00Z",
        "version": 1,
    }
    response = api(sla_manager).patch(url(definition), body)
    assert response.status_code == 200, response.json()
    assert response.json()["target_minutes"] == 240 and response.json()["is_active"] is False
    event = last_event(definition)
    assert event.event_type == EventType.SLA_DEFINITION_UPDATED and event.actor == sla_manager
    assert event.changes == {
        "target_minutes": {"old": 480, "new": 240},
        "is_active": {"old": True, "new": False},
    }
    assert event.data == {"remeasure_since": "2026-01-01T00:00:00+00:00"}


def test_it_replaces_a_definition_with_put(api, admin_user, definition):
    body = definition_body(calendar="uk-office-hours", service=None, escalations=[], version=1)
    response = api(admin_user).put(url(definition), body)
    assert response.status_code == 200, response.json()
    definition.refresh_from_db()
    assert definition.kind == "response" and definition.service is None
    assert last_event(definition).data == {}


def test_it_has_no_delete(api, admin_user, definition):
    assert api(admin_user).delete(url(definition)).status_code == 405
