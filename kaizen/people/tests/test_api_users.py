import pytest

from kaizen.journal.events import EventType
from kaizen.people import services
from kaizen.people.models import User, UserKind
from kaizen.people.tests.helpers import api_client, assert_constant_queries, events_for
from kaizen.testing import make_team, make_user

pytestmark = pytest.mark.django_db

NEW_PERSON = {"username": "nina", "first_name": "Nina", "kind": "agent", "email": "n@example.com"}


def usernames(response) -> list[str]:
    assert response.status_code == 200, response.content
    return [user["username"] for user in response.json()["results"]]


def test_it_answers_401_without_credentials():
    response = api_client().get("/api/v1/users/")
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Bearer"


def test_it_lists_everyone_for_agents_with_teams_and_roles(agent, requester, team):
    response = api_client(agent).get("/api/v1/users/")
    assert usernames(response) == ["alan", "mo", "rita"]
    alan = response.json()["results"][0]
    assert alan["display_name"] == "Alan Agent"
    assert alan["teams"] == ["service-desk"]
    assert [(r["process"], r["role"]) for r in alan["process_roles"]] == [
        ("incident", "practitioner")
    ]
    assert "password" not in alan


def test_it_lists_only_themselves_for_requesters(requester, agent):
    client = api_client(requester)
    assert usernames(client.get("/api/v1/users/")) == ["rita"]
    assert client.get(f"/api/v1/users/{agent.pk}/").status_code == 404
    assert client.get(f"/api/v1/users/{requester.pk}/").status_code == 200


@pytest.mark.parametrize(
    "query, expected",
    [
        ({"kind": "requester"}, ["rita"]),
        ({"team": "service-desk"}, ["alan"]),
        ({"process": "change", "role": "manager"}, ["chen"]),
        ({"q": "rita"}, ["rita"]),
        ({"is_active": "false"}, []),
        ({"ordering": "-username"}, ["rita", "mo", "chen", "alan"]),
    ],
)
def test_it_filters_people(agent, requester, change_manager, team, query, expected):
    assert usernames(api_client(agent).get("/api/v1/users/", query)) == expected


def test_it_names_the_field_of_a_bad_filter(agent):
    response = api_client(agent).get("/api/v1/users/", {"kind": "robot", "team": "nope"})
    assert response.status_code == 400
    assert set(response.json()) == {"kind", "team"}


def test_it_shows_me_to_myself(requester):
    response = api_client(requester).get("/api/v1/users/me/")
    assert response.status_code == 200
    assert response.json()["username"] == "rita" and response.json()["kind"] == "requester"


def test_it_lets_me_edit_my_profile_but_not_my_privileges(requester):
    response = api_client(requester).patch(
        "/api/v1/users/me/", {"phone": "555", "kind": "agent", "is_superuser": True, "version": 1}
    )
    assert response.status_code == 200
    assert response.json()["phone"] == "555" and response.json()["kind"] == "requester"
    requester.refresh_from_db()
    assert requester.kind == UserKind.REQUESTER and not requester.is_superuser
    assert events_for(requester)[-1].changes == {"phone": {"old": "", "new": "555"}}


def test_it_names_the_field_of_a_bad_profile_edit(requester):
    response = api_client(requester).patch("/api/v1/users/me/", {"time_zone": "Mars/Olympus"})
    assert response.status_code == 400
    assert set(response.json()) == {"time_zone"}


def test_it_lets_an_administrator_create_a_person(admin_user):
    data = {**NEW_PERSON, "password": "a-long-new-password-3"}
    response = api_client(admin_user).post("/api/v1/users/", data)
    assert response.status_code == 201, response.content
    assert "password" not in response.json()
    nina = User.objects.get(username="nina")
    assert nina.check_password("a-long-new-password-3")
    [event] = events_for(nina)
    assert event.event_type == EventType.USER_CREATED and event.actor == admin_user
    assert "a-long-new-password-3" not in str(event.changes)


@pytest.mark.parametrize(
    "data, field",
    [
        ({**NEW_PERSON, "password": "123"}, "password"),
        ({**NEW_PERSON, "username": "alan"}, "username"),
        ({**NEW_PERSON, "time_zone": "Nowhere"}, "time_zone"),
        ({**NEW_PERSON, "kind": "robot"}, "kind"),
    ],
)
def test_it_names_the_field_of_a_bad_person(admin_user, agent, data, field):
    response = api_client(admin_user).post("/api/v1/users/", data)
    assert response.status_code == 400
    assert field in response.json()
    assert not User.objects.filter(username="nina").exists()


def test_it_lets_an_administrator_update_a_person(admin_user, requester):
    response = api_client(admin_user).patch(
        f"/api/v1/users/{requester.pk}/", {"kind": "agent", "department": "IT", "version": 1}
    )
    assert response.status_code == 200
    requester.refresh_from_db()
    assert requester.kind == UserKind.AGENT
    assert set(events_for(requester)[-1].changes) == {"kind", "department"}


@pytest.mark.parametrize("persona", ["agent", "catalog_manager", "requester"])
def test_it_refuses_people_changes_by_non_administrators(request, persona):
    user = request.getfixturevalue(persona)
    client = api_client(user)
    assert client.post("/api/v1/users/", NEW_PERSON).status_code == 403
    response = client.patch(f"/api/v1/users/{user.pk}/", {"is_superuser": True})
    assert response.status_code == 403
    user.refresh_from_db()
    assert not user.is_superuser


def test_it_answers_404_before_403_for_someone_invisible(requester, agent):
    response = api_client(requester).patch(f"/api/v1/users/{agent.pk}/", {"first_name": "X"})
    assert response.status_code == 404


def test_it_does_not_delete_people(admin_user, agent):
    assert api_client(admin_user).delete(f"/api/v1/users/{agent.pk}/").status_code == 405


def test_it_lists_people_in_a_constant_number_of_queries(agent, team):
    def more_people():
        for _ in range(5):
            person = make_user()
            services.do_add_team_member(make_team(), person, actor=None)
            services.do_grant_process_role(person, "change", "cab_member", actor=None)

    assert_constant_queries(api_client(agent), "/api/v1/users/", "api_user_list", more_people)


def test_it_refuses_to_deactivate_the_last_administrator_naming_the_field(admin_user):
    response = api_client(admin_user).patch(
        f"/api/v1/users/{admin_user.pk}/", {"is_active": False, "version": 1}
    )
    assert response.status_code == 400
    assert response.json() == {
        "is_active": ["Ada Admin is the last active administrator: make someone else one first."]
    }
