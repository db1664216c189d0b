import pytest

from kaizen.journal.events import EventType
from kaizen.people import services
from kaizen.people.models import ProcessRole, User, UserKind
from kaizen.people.tests.helpers import assert_constant_queries, events_for, signed_in
from kaizen.testing import PASSWORD, make_team, make_user

pytestmark = pytest.mark.django_db


def test_it_keeps_requesters_out_of_the_directory(client, requester):
    assert signed_in(client, requester).get("/people/").status_code == 403


def test_it_lists_people_with_teams_and_roles(client, agent, team, requester):
    page = signed_in(client, agent).get("/people/").content.decode()
    assert "Rita Requester" in page and "Alan Agent" in page
    assert "Service Desk" in page
    assert "Practitioner · Incident management" in page
    assert "New person" not in page


@pytest.mark.parametrize(
    "query, shown, hidden",
    [
        ({"kind": "requester"}, ["Rita"], ["Alan", "Chen"]),
        ({"team": "service-desk"}, ["Alan"], ["Rita", "Chen"]),
        ({"q": "chen change"}, ["Chen"], ["Alan", "Rita"]),
        ({"process": "change"}, ["Chen"], ["Alan", "Rita"]),
        ({"process": "change", "role": "manager"}, ["Chen"], ["Alan"]),
        # Chen manages change and practises incident; that is not "manager of incident".
        ({"process": "incident", "role": "manager"}, [], ["Alan", "Chen"]),
        ({"role": "practitioner"}, ["Alan", "Chen"], ["Rita"]),
    ],
)
def test_it_filters_the_directory(
    client, agent, requester, change_manager, team, query, shown, hidden
):
    services.do_grant_process_role(change_manager, "incident", "practitioner", actor=None)
    signed_in(client, agent)
    names = {person.first_name for person in client.get("/people/", query).context["object_list"]}
    assert set(shown) <= names
    assert not set(hidden) & names


def test_it_sorts_the_directory(client, agent, requester):
    signed_in(client, agent)
    for sort, expected in [("name", ["Agent", "Requester"]), ("-name", ["Requester", "Agent"])]:
        people = client.get("/people/", {"sort": sort}).context["object_list"]
        assert [person.last_name for person in people] == expected


def test_it_lists_people_in_a_constant_number_of_queries(client, agent, team):
    def more_people():
        for number in range(5):
            person = make_user(last_name=f"Extra {number}")
            services.do_add_team_member(make_team(), person, actor=None)
            services.do_add_team_member(team, person, actor=None)
            services.do_grant_process_role(person, "change", "cab_member", actor=None)

    assert_constant_queries(signed_in(client, agent), "/people/", "user_list", more_people)


def test_it_shows_a_person_with_teams_roles_and_timeline(client, agent, team, manager):
    page = signed_in(client, manager).get(f"/people/{agent.pk}/").content.decode()
    assert "Alan Agent" in page and "Service Desk" in page
    assert "Incident management" in page
    assert "Process role granted" in page  # the timeline
    assert "Revoke" not in page and "Edit" not in page


def test_it_shows_requesters_only_themselves_without_history(client, requester, agent):
    signed_in(client, requester)
    response = client.get(f"/people/{requester.pk}/")
    assert response.status_code == 200
    assert 'id="timeline"' not in response.content.decode()
    assert client.get(f"/people/{agent.pk}/").status_code == 404


def test_it_lets_an_administrator_add_a_person(client, admin_user):
    signed_in(client, admin_user)
    assert client.get("/people/new/").status_code == 200
    response = client.post(
        "/people/new/",
        {
            "username": "nina",
            "first_name": "Nina",
            "kind": "agent",
            "time_zone": "Europe/Lisbon",
            "is_active": "on",
            "password": "a-long-new-password-3",
        },
    )
    nina = User.objects.get(username="nina")
    assert response.status_code == 302 and response["Location"] == f"/people/{nina.pk}/"
    assert nina.check_password("a-long-new-password-3") and nina.time_zone == "Europe/Lisbon"
    assert events_for(nina)[0].actor == admin_user


def test_it_shows_field_errors_on_the_person_form(client, admin_user, agent):
    signed_in(client, admin_user)
    page = client.post(
        "/people/new/", {"username": "alan", "kind": "agent", "password": "123"}
    ).content.decode()
    assert 'id="id_username_errors"' in page
    page = client.post(
        "/people/new/", {"username": "nina", "kind": "agent", "password": "123"}
    ).content.decode()
    assert 'id="id_password_errors"' in page and "too short" in page
    assert not User.objects.filter(username="nina").exists()


def test_it_lets_an_administrator_edit_a_person(client, admin_user, requester):
    signed_in(client, admin_user)
    form = client.get(f"/people/{requester.pk}/edit/").context["form"]
    data = {name: value for name, value in form.initial.items() if value not in (None, False)}
    data.update(kind="agent", job_title="Analyst")
    response = client.post(f"/people/{requester.pk}/edit/", data)
    assert response.status_code == 302
    requester.refresh_from_db()
    assert requester.kind == UserKind.AGENT and requester.check_password(PASSWORD)
    assert set(events_for(requester)[-1].changes) == {"kind", "job_title"}


@pytest.mark.parametrize("persona", ["agent", "manager", "catalog_manager"])
def test_it_refuses_people_changes_by_non_administrators(client, request, requester, persona):
    held = services.do_grant_process_role(requester, "request", "practitioner", actor=None)
    signed_in(client, request.getfixturevalue(persona))
    assert client.get("/people/new/").status_code == 403
    assert client.post("/people/new/", {"username": "x", "kind": "agent"}).status_code == 403
    assert client.get(f"/people/{requester.pk}/edit/").status_code == 403
    grant = f"/people/{requester.pk}/roles/"
    assert client.post(grant, {"process": "catalog", "role": "practitioner"}).status_code == 403
    assert client.post(f"{grant}{held.pk}/revoke/").status_code == 403
    assert list(requester.process_roles.all()) == [held]
    assert not User.objects.filter(username="x").exists()


def test_it_hides_other_people_from_requesters_even_for_changes(client, requester, agent):
    signed_in(client, requester)
    assert client.get(f"/people/{agent.pk}/edit/").status_code == 404
    role = agent.process_roles.get()
    assert client.post(f"/people/{agent.pk}/roles/{role.pk}/revoke/").status_code == 404


def test_it_lets_an_administrator_grant_and_revoke_roles(client, admin_user, agent):
    signed_in(client, admin_user)
    assert "Grant" in client.get(f"/people/{agent.pk}/").content.decode()
    response = client.post(
        f"/people/{agent.pk}/roles/", {"process": "change", "role": "cab_member"}
    )
    assert response.status_code == 302
    grant = agent.process_roles.get(process="change")
    client.post(f"/people/{agent.pk}/roles/{grant.pk}/revoke/")
    assert not ProcessRole.objects.filter(pk=grant.pk).exists()
    granted, revoked = events_for(agent)[-2:]
    assert (granted.event_type, revoked.event_type) == (
        EventType.PROCESS_ROLE_GRANTED,
        EventType.PROCESS_ROLE_REVOKED,
    )


def test_it_explains_that_cab_membership_is_for_change_only(client, admin_user, agent):
    signed_in(client, admin_user)
    response = client.post(
        f"/people/{agent.pk}/roles/", {"process": "incident", "role": "cab_member"}, follow=True
    )
    assert "CAB member is a role of change enablement only" in response.content.decode()
    assert not agent.process_roles.filter(role="cab_member").exists()


def test_the_edit_form_names_why_the_last_administrator_stays_one(client, admin_user):
    signed_in(client, admin_user)
    form = client.get(f"/people/{admin_user.pk}/edit/").context["form"]
    data = {name: value for name, value in form.initial.items() if value not in (None, False)}
    data.pop("is_superuser")  # the box unticked
    response = client.post(f"/people/{admin_user.pk}/edit/", data)
    assert response.status_code == 200
    assert response.context["form"].errors == {
        "is_superuser": ["Ada Admin is the last active administrator: make someone else one first."]
    }
    admin_user.refresh_from_db()
    assert admin_user.is_superuser
