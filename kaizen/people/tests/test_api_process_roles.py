import pytest

from kaizen.journal.events import EventType
from kaizen.people import services
from kaizen.people.models import ProcessRole
from kaizen.people.tests.helpers import api_client, assert_constant_queries, events_for
from kaizen.testing import make_user

pytestmark = pytest.mark.django_db

URL = "/api/v1/process-roles/"


def grants(response) -> list[tuple[str, str, str]]:
    assert response.status_code == 200, response.content
    return [
        (ProcessRole.objects.get(pk=r["id"]).user.username, r["process"], r["role"])
        for r in response.json()["results"]
    ]


def test_it_answers_401_without_credentials():
    assert api_client().get(URL).status_code == 401


def test_it_keeps_requesters_out(requester):
    assert api_client(requester).get(URL).status_code == 403


def test_it_lists_and_filters_roles_for_agents(agent, change_manager):
    client = api_client(agent)
    assert grants(client.get(URL)) == [
        ("chen", "change", "manager"),
        ("alan", "incident", "practitioner"),
    ]
    assert grants(client.get(URL, {"process": "change"})) == [("chen", "change", "manager")]
    assert grants(client.get(URL, {"user": agent.pk})) == [("alan", "incident", "practitioner")]
    assert client.get(URL, {"role": "boss"}).status_code == 400


def test_it_lets_an_administrator_grant_and_revoke(admin_user, agent):
    client = api_client(admin_user)
    response = client.post(URL, {"user": agent.pk, "process": "change", "role": "cab_member"})
    assert response.status_code == 201, response.content
    grant_id = response.json()["id"]
    again = client.post(URL, {"user": agent.pk, "process": "change", "role": "cab_member"})
    assert again.status_code == 201 and again.json()["id"] == grant_id
    assert client.delete(f"{URL}{grant_id}/").status_code == 204
    assert not ProcessRole.objects.filter(pk=grant_id).exists()
    granted, revoked = events_for(agent)[-2:]
    assert granted.event_type == EventType.PROCESS_ROLE_GRANTED and granted.actor == admin_user
    assert revoked.event_type == EventType.PROCESS_ROLE_REVOKED


@pytest.mark.parametrize(
    "data, field",
    [
        ({"process": "incident", "role": "cab_member"}, "role"),
        ({"process": "payroll", "role": "owner"}, "process"),
        ({"process": "change"}, "role"),
    ],
)
def test_it_names_the_field_of_a_bad_grant(admin_user, agent, data, field):
    response = api_client(admin_user).post(URL, {"user": agent.pk, **data})
    assert response.status_code == 400
    assert field in response.json()
    assert agent.process_roles.count() == 1


def test_it_refuses_leadership_for_a_requester(admin_user, requester):
    response = api_client(admin_user).post(
        URL, {"user": requester.pk, "process": "change", "role": "owner"}
    )
    assert response.status_code == 400
    assert "user" in response.json()


@pytest.mark.parametrize("persona", ["agent", "change_manager"])
def test_it_refuses_grants_and_revocations_by_non_administrators(request, persona):
    user = request.getfixturevalue(persona)
    client = api_client(user)
    response = client.post(URL, {"user": user.pk, "process": "change", "role": "owner"})
    assert response.status_code == 403
    grant = user.process_roles.get()
    assert client.delete(f"{URL}{grant.pk}/").status_code == 403
    assert client.patch(f"{URL}{grant.pk}/", {"role": "owner"}).status_code == 405
    assert list(user.process_roles.all()) == [grant]


def test_it_lists_roles_in_a_constant_number_of_queries(agent):
    def more_roles():
        for _ in range(5):
            services.do_grant_process_role(make_user(), "change", "cab_member", actor=None)

    assert_constant_queries(api_client(agent), URL, "api_process_role_list", more_roles)
