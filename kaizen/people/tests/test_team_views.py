import pytest

from kaizen.journal.events import EventType
from kaizen.people.models import Team
from kaizen.people.tests.helpers import assert_constant_queries, events_for, signed_in
from kaizen.testing import make_service, make_team, make_user

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("url", ["/teams/", "/teams/new/", "/teams/service-desk/edit/"])
def test_it_keeps_requesters_out_of_team_pages(client, requester, team, url):
    assert signed_in(client, requester).get(url).status_code in (403, 404)


def test_it_hides_a_team_from_requesters(client, requester, team):
    assert signed_in(client, requester).get("/teams/service-desk/").status_code == 404


def test_it_lists_teams_with_manager_and_member_count(client, agent, team):
    make_team("Network", slug="network", members=[make_user(), make_user(), agent])
    page = signed_in(client, agent).get("/teams/").content.decode()
    assert "Service Desk" in page and "Mo Manager" in page
    assert '<span class="badge rounded-pill text-bg-light border">3</span>' in page
    assert "New team" not in page


def test_it_offers_administrators_a_new_team_button(client, admin_user):
    assert "New team" in signed_in(client, admin_user).get("/teams/").content.decode()


def test_it_filters_searches_and_sorts_teams(client, agent, team):
    make_team("Network", slug="network", description="Routers and firewalls", is_active=False)
    signed_in(client, agent)
    assert "Network" not in client.get("/teams/", {"is_active": "true"}).content.decode()
    page = client.get("/teams/", {"q": "firewall"}).content.decode()
    assert "Network" in page and "Service Desk" not in page
    page = client.get("/teams/", {"sort": "-name"}).content.decode()
    assert page.index("Service Desk") < page.index("Network")
    page = client.get("/teams/", {"manager": team.manager_id}).content.decode()
    assert "Service Desk" in page and "Routers" not in page


def test_it_lists_teams_in_a_constant_number_of_queries(client, agent, team):
    def more_teams():
        for _ in range(5):
            make_team(manager=make_user(), members=[make_user(), make_user(), agent])

    assert_constant_queries(signed_in(client, agent), "/teams/", "team_list", more_teams)


def test_it_shows_a_team_with_members_services_and_timeline(client, agent, team):
    make_service("Email", support_team=team)
    page = signed_in(client, agent).get("/teams/service-desk/").content.decode()
    assert "Alan Agent" in page and "Mo Manager" in page
    assert "Email" in page
    assert "Team created" in page  # the timeline
    assert "Remove" not in page  # Alan is a member, not the manager


@pytest.mark.parametrize("persona", ["admin_user", "manager"])
def test_it_lets_administrators_and_the_manager_change_members(client, request, team, persona):
    user = request.getfixturevalue(persona)
    signed_in(client, user)
    assert "Add a member" in client.get("/teams/service-desk/").content.decode()
    newcomer = make_user("nia", first_name="Nia")
    response = client.post("/teams/service-desk/members/", {"user": newcomer.pk})
    assert response.status_code == 302 and response["Location"] == "/teams/service-desk/"
    assert team.members.filter(pk=newcomer.pk).exists()
    client.post(f"/teams/service-desk/members/{newcomer.pk}/remove/")
    assert not team.members.filter(pk=newcomer.pk).exists()
    added, removed = events_for(team)[-2:]
    assert (added.event_type, removed.event_type) == (
        EventType.TEAM_MEMBER_ADDED,
        EventType.TEAM_MEMBER_REMOVED,
    )
    assert added.actor == user


@pytest.mark.parametrize(
    "persona, status", [("agent", 403), ("catalog_manager", 403), ("requester", 404)]
)
def test_it_refuses_member_changes_by_others(client, request, team, persona, status):
    signed_in(client, request.getfixturevalue(persona))
    newcomer = make_user()
    assert client.post("/teams/service-desk/members/", {"user": newcomer.pk}).status_code == status
    agent_id = team.members.get().pk
    remove = f"/teams/service-desk/members/{agent_id}/remove/"
    assert client.post(remove).status_code == status
    assert list(team.members.all()) == [request.getfixturevalue("agent")]


def test_it_does_not_offer_requesters_as_members(client, manager, team, requester):
    signed_in(client, manager)
    response = client.post("/teams/service-desk/members/", {"user": requester.pk}, follow=True)
    assert "Select a valid choice" in response.content.decode()
    assert not team.members.filter(pk=requester.pk).exists()


def test_it_only_changes_members_with_a_post(client, manager, team):
    signed_in(client, manager)
    assert client.get("/teams/service-desk/members/").status_code == 405


def test_it_lets_an_administrator_create_a_team(client, admin_user, manager):
    signed_in(client, admin_user)
    assert client.get("/teams/new/").status_code == 200
    response = client.post(
        "/teams/new/",
        {"name": "Network", "slug": "network", "manager": manager.pk, "is_active": "on"},
    )
    assert response.status_code == 302 and response["Location"] == "/teams/network/"
    team = Team.objects.get(slug="network")
    assert team.manager == manager
    [event] = events_for(team)
    assert event.event_type == EventType.TEAM_CREATED and event.actor == admin_user


def test_it_shows_field_errors_on_the_team_form(client, admin_user, team):
    signed_in(client, admin_user)
    response = client.post("/teams/new/", {"name": "Service Desk", "slug": "not a slug"})
    page = response.content.decode()
    assert response.status_code == 200
    assert 'id="id_name_errors"' in page and 'id="id_slug_errors"' in page


def test_it_lets_an_administrator_edit_a_team(client, admin_user, team):
    signed_in(client, admin_user)
    response = client.post(
        "/teams/service-desk/edit/",
        {"name": "Service Desk", "slug": "service-desk", "email": "desk@example.com", "version": 1},
    )
    assert response.status_code == 302
    team.refresh_from_db()
    assert team.email == "desk@example.com" and team.manager is None and not team.is_active
    event = events_for(team)[-1]
    assert event.event_type == EventType.TEAM_UPDATED
    assert set(event.changes) == {"email", "manager", "is_active"}


@pytest.mark.parametrize("persona", ["agent", "manager", "catalog_manager"])
def test_it_refuses_team_edits_by_non_administrators(client, request, team, persona):
    signed_in(client, request.getfixturevalue(persona))
    assert client.get("/teams/new/").status_code == 403
    assert client.get("/teams/service-desk/edit/").status_code == 403
    assert client.post("/teams/service-desk/edit/", {"name": "X", "slug": "x"}).status_code == 403
    assert Team.objects.get().name == "Service Desk"


def test_it_answers_404_for_an_unknown_team(client, admin_user):
    signed_in(client, admin_user)
    assert client.get("/teams/nope/").status_code == 404
    assert client.get("/teams/nope/edit/").status_code == 404
