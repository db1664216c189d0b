import pytest

from kaizen.journal.events import EventType
from kaizen.people.models import Team
from kaizen.people.tests.helpers import api_client, assert_constant_queries, events_for
from kaizen.testing import make_team, make_user

pytestmark = pytest.mark.django_db

MEMBERS = "/api/v1/teams/service-desk/members/"


def test_it_answers_401_without_credentials(team):
    assert api_client().get("/api/v1/teams/").status_code == 401


def test_it_keeps_requesters_out(requester, team):
    client = api_client(requester)
    assert client.get("/api/v1/teams/").status_code == 403
    assert client.get("/api/v1/teams/service-desk/").status_code == 403


def test_it_lists_teams_with_manager_and_members(agent, team, manager):
    response = api_client(agent).get("/api/v1/teams/")
    assert response.status_code == 200
    [desk] = response.json()["results"]
    assert desk["slug"] == "service-desk" and desk["manager"] == manager.pk
    assert desk["members"] == [{"id": agent.pk, "username": "alan", "display_name": "Alan Agent"}]


def test_it_filters_and_finds_teams_by_slug(agent, team):
    make_team("Network", slug="network", is_active=False)
    client = api_client(agent)
    results = client.get("/api/v1/teams/", {"is_active": "true"}).json()["results"]
    assert [t["slug"] for t in results] == ["service-desk"]
    results = client.get("/api/v1/teams/", {"q": "netw"}).json()["results"]
    assert [t["slug"] for t in results] == ["network"]
    assert client.get("/api/v1/teams/network/").json()["name"] == "Network"
    assert client.get("/api/v1/teams/nope/").status_code == 404


def test_it_lets_an_administrator_create_and_update_a_team(admin_user, manager):
    client = api_client(admin_user)
    response = client.post(
        "/api/v1/teams/", {"name": "Network", "slug": "network", "manager": manager.pk}
    )
    assert response.status_code == 201, response.content
    assert response.json()["members"] == []
    response = client.patch("/api/v1/teams/network/", {"email": "net@example.com", "version": 1})
    assert response.status_code == 200
    team = Team.objects.get(slug="network")
    assert team.email == "net@example.com"
    assert [e.event_type for e in events_for(team)] == [
        EventType.TEAM_CREATED,
        EventType.TEAM_UPDATED,
    ]


@pytest.mark.parametrize(
    "data, field",
    [
        ({"name": "Service Desk", "slug": "desk-2"}, "name"),
        ({"name": "Desk 2", "slug": "not a slug"}, "slug"),
        ({"name": "Desk 2", "slug": "desk-2", "manager": 999999}, "manager"),
    ],
)
def test_it_names_the_field_of_a_bad_team(admin_user, team, data, field):
    response = api_client(admin_user).post("/api/v1/teams/", data)
    assert response.status_code == 400
    assert field in response.json()


def test_it_refuses_a_requester_as_manager(admin_user, team, requester):
    response = api_client(admin_user).patch(
        "/api/v1/teams/service-desk/", {"manager": requester.pk, "version": 1}
    )
    assert response.status_code == 400
    assert "manager" in response.json()


@pytest.mark.parametrize("persona", ["agent", "manager", "catalog_manager"])
def test_it_refuses_team_writes_by_non_administrators(request, team, persona):
    client = api_client(request.getfixturevalue(persona))
    assert client.post("/api/v1/teams/", {"name": "X", "slug": "x"}).status_code == 403
    assert client.patch("/api/v1/teams/service-desk/", {"name": "X"}).status_code == 403
    assert Team.objects.get().name == "Service Desk"


def test_it_does_not_delete_teams(admin_user, team):
    assert api_client(admin_user).delete("/api/v1/teams/service-desk/").status_code == 405


@pytest.mark.parametrize("persona", ["admin_user", "manager"])
def test_it_lets_administrators_and_the_manager_change_members(request, team, persona):
    user = request.getfixturevalue(persona)
    client = api_client(user)
    newcomer = make_user("nia")
    response = client.post(MEMBERS, {"user": newcomer.pk})
    assert response.status_code == 200
    assert "nia" in [member["username"] for member in response.json()["members"]]
    assert client.post(MEMBERS, {"user": newcomer.pk}).status_code == 200  # no-op
    assert client.delete(MEMBERS, {"user": newcomer.pk}).status_code == 204
    assert not team.members.filter(pk=newcomer.pk).exists()
    added, removed = events_for(team)[-2:]
    assert added.event_type == EventType.TEAM_MEMBER_ADDED and added.actor == user
    assert removed.event_type == EventType.TEAM_MEMBER_REMOVED


@pytest.mark.parametrize("persona", ["agent", "catalog_manager", "requester"])
def test_it_refuses_member_changes_by_others(request, team, persona):
    client = api_client(request.getfixturevalue(persona))
    newcomer = make_user()
    assert client.post(MEMBERS, {"user": newcomer.pk}).status_code == 403
    assert client.delete(MEMBERS, {"user": team.members.get().pk}).status_code == 403
    assert team.members.count() == 1


def test_it_names_the_user_field_for_a_bad_member(manager, team, requester):
    client = api_client(manager)
    for data in [{"user": requester.pk}, {"user": 999999}, {}]:
        response = client.post(MEMBERS, data)
        assert response.status_code == 400
        assert set(response.json()) == {"user"}
    assert not team.members.filter(pk=requester.pk).exists()


def test_it_answers_404_for_members_of_an_unknown_team(admin_user, agent):
    response = api_client(admin_user).post("/api/v1/teams/nope/members/", {"user": agent.pk})
    assert response.status_code == 404


def test_it_lists_teams_in_a_constant_number_of_queries(agent, team):
    def more_teams():
        for _ in range(5):
            make_team(manager=make_user(), members=[make_user(), make_user()])

    assert_constant_queries(api_client(agent), "/api/v1/teams/", "api_team_list", more_teams)
