"""/api/v1/services/: the catalogue over the API."""

import pytest
from rest_framework.test import APIClient

from kaizen.catalog.models import Service
from kaizen.catalog.tests.helpers import assert_constant_queries, last_event
from kaizen.journal.events import EventType
from kaizen.people.services import do_create_api_token
from kaizen.testing import PASSWORD, make_offering, make_service, make_team

pytestmark = pytest.mark.django_db

URL = "/api/v1/services/"


def slugs(response) -> list[str]:
    assert response.status_code == 200
    return [row["slug"] for row in response.json()["results"]]


def test_it_answers_401_without_credentials(mail):
    for response in (
        APIClient().get(URL),
        APIClient().get(f"{URL}mail/"),
        APIClient().post(URL, {}),
    ):
        assert response.status_code == 401
        assert response["WWW-Authenticate"] == "Bearer"


def test_it_accepts_a_real_bearer_token(requester, mail):
    _, secret = do_create_api_token(requester, "laptop", actor=requester)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")
    assert slugs(client.get(URL)) == ["mail"]
    client.credentials(HTTP_AUTHORIZATION="Bearer not-a-token")
    assert client.get(URL).status_code == 401


def test_it_shows_requesters_only_live_public_services(
    api, requester, mail, pipeline_service, private_service
):
    client = api(requester)
    assert slugs(client.get(URL)) == ["mail"]
    for hidden in (pipeline_service, private_service):
        assert client.get(f"{URL}{hidden.slug}/").status_code == 404


def test_it_shows_agents_everything_with_owner_team_and_offering_count(
    api, agent, owner, pipeline_service
):
    team = make_team("Messaging", slug="messaging")
    mail = make_service("Mail", slug="mail", owner=owner, support_team=team)
    make_offering(mail, "Shared mailbox")
    make_offering(mail, "Archive", is_active=False)
    client = api(agent)
    assert slugs(client.get(URL)) == ["data-lake", "mail"]
    row = client.get(f"{URL}mail/").json()
    assert row["owner"] == owner.pk and row["owner_name"] == "Olga Owner"
    assert row["support_team"] == "messaging"
    assert row["offering_count"] == 2
    assert row["lifecycle"] == "live"


def test_it_filters_and_orders_with_the_whitelisted_fields(api, agent, mail, pipeline_service):
    make_service("Payroll", slug="payroll", category="HR", criticality="critical")
    client = api(agent)
    assert slugs(client.get(URL, {"lifecycle": "pipeline"})) == ["data-lake"]
    assert slugs(client.get(URL, {"q": "mailboxes"})) == ["mail"]
    assert slugs(client.get(URL, {"category": "hr"})) == ["payroll"]
    assert slugs(client.get(URL, {"ordering": "-name"})) == ["payroll", "mail", "data-lake"]
    # Not whitelisted: ignored rather than ordering by the owner's password hash.
    assert slugs(client.get(URL, {"ordering": "owner__password"})) == [
        "data-lake",
        "mail",
        "payroll",
    ]
    response = client.get(URL, {"lifecycle": "dormant"})
    assert response.status_code == 400 and "lifecycle" in response.json()


@pytest.mark.parametrize("persona", ["catalog_manager", "admin_user"])
def test_it_lets_catalogue_managers_create_a_service(request, api, persona, owner):
    creator = request.getfixturevalue(persona)
    make_team("Network", slug="network")
    data = {
        "name": "VPN",
        "slug": "vpn",
        "summary": "Remote access",
        "owner": owner.pk,
        "support_team": "network",
    }
    response = api(creator).post(URL, data)
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["lifecycle"] == "pipeline" and body["offering_count"] == 0
    assert body["owner_name"] == "Olga Owner" and body["support_team"] == "network"
    service = Service.objects.get(slug="vpn")
    event = last_event(service)
    assert event.event_type == EventType.SERVICE_CREATED and event.actor == creator


@pytest.mark.parametrize("persona", ["requester", "agent", "owner", "change_manager"])
def test_it_refuses_to_create_for_anyone_else(request, api, persona):
    response = api(request.getfixturevalue(persona)).post(URL, {"name": "VPN", "slug": "vpn"})
    assert response.status_code == 403
    assert not Service.objects.exists()


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"name": "VPN", "slug": "mail", "summary": "x"}, "slug"),
        ({"name": "VPN", "slug": "vpn"}, "summary"),
        ({"name": "VPN", "slug": "vpn", "summary": "x", "criticality": "extreme"}, "criticality"),
        ({"name": "VPN", "slug": "vpn", "summary": "x", "support_team": "nobody"}, "support_team"),
        ({"name": "VPN", "slug": "vpn", "summary": "x", "owner": 999999}, "owner"),
    ],
)
def test_it_answers_400_naming_the_field(api, catalog_manager, mail, data, field):
    response = api(catalog_manager).post(URL, data)
    assert response.status_code == 400
    assert list(response.json()) == [field]


def test_it_lets_the_owner_update_their_service(api, owner, mail):
    response = api(owner).patch(f"{URL}mail/", {"summary": "Email for everyone", "version": 1})
    assert response.status_code == 200, response.json()
    assert response.json()["summary"] == "Email for everyone"
    assert last_event(mail).changes == {
        "summary": {"old": "Mailboxes and calendars", "new": "Email for everyone"}
    }


def test_it_refuses_the_owner_handing_the_service_to_someone_else(
    api, owner, catalog_manager, mail
):
    client = api(owner)
    assert (
        client.patch(f"{URL}mail/", {"owner": catalog_manager.pk, "version": 1}).status_code == 403
    )
    # Sending the unchanged owner along with other fields is fine.
    unchanged = {"owner": owner.pk, "category": "Email", "version": 1}
    assert client.patch(f"{URL}mail/", unchanged).status_code == 200
    mail.refresh_from_db()
    assert mail.owner == owner and mail.category == "Email"


def test_it_lets_a_catalogue_manager_replace_a_service_with_put(api, catalog_manager, mail):
    data = {
        "name": "Email",
        "slug": "mail",
        "summary": "Mail",
        "owner": catalog_manager.pk,
        "version": 1,
    }
    response = api(catalog_manager).put(f"{URL}mail/", data)
    assert response.status_code == 200, response.json()
    mail.refresh_from_db()
    assert (mail.name, mail.owner) == ("Email", catalog_manager)


@pytest.mark.parametrize("persona", ["owner", "agent", "requester"])
def test_it_refuses_updates_by_anyone_but_the_owner_and_managers(request, api, persona, mail):
    payroll = make_service("Payroll", slug="payroll")  # owned by someone else than Olga
    response = api(request.getfixturevalue(persona)).patch(f"{URL}payroll/", {"summary": "x"})
    assert response.status_code == 403
    payroll.refresh_from_db()
    assert payroll.summary == "Payroll for everyone"


def test_it_has_no_delete(api, catalog_manager, mail):
    assert api(catalog_manager).delete(f"{URL}mail/").status_code == 405
    assert Service.objects.filter(slug="mail").exists()


def test_it_moves_the_lifecycle(api, owner, mail):
    response = api(owner).post(
        f"{URL}mail/lifecycle/", {"lifecycle": "retired", "reason": "replaced"}
    )
    assert response.status_code == 200, response.json()
    assert response.json()["lifecycle"] == "retired"
    event = last_event(mail)
    assert event.changes == {"lifecycle": {"old": "live", "new": "retired"}}
    assert event.data == {"reason": "replaced"}


@pytest.mark.parametrize(
    ("slug", "data"),
    [
        ("mail", {"lifecycle": "pipeline"}),  # live services never go back
        ("data-lake", {"lifecycle": "live"}),  # no owner yet
        ("mail", {"lifecycle": "sunset"}),
        ("mail", {}),
    ],
)
def test_it_answers_400_on_the_lifecycle_field(
    api, catalog_manager, mail, pipeline_service, slug, data
):
    response = api(catalog_manager).post(f"{URL}{slug}/lifecycle/", data)
    assert response.status_code == 400
    assert list(response.json()) == ["lifecycle"]


def test_it_guards_the_lifecycle_like_edits(api, agent, requester, mail, pipeline_service):
    assert api(agent).post(f"{URL}mail/lifecycle/", {"lifecycle": "retired"}).status_code == 403
    client = api(requester)
    assert client.post(f"{URL}mail/lifecycle/", {"lifecycle": "retired"}).status_code == 403
    assert client.post(f"{URL}data-lake/lifecycle/", {"lifecycle": "retired"}).status_code == 404
    mail.refresh_from_db()
    assert mail.lifecycle == "live"


def test_it_lists_services_in_a_constant_number_of_queries(owner, mail):
    client = APIClient()
    client.login(username=owner.username, password=PASSWORD)
    make_offering(mail, "Shared mailbox")

    def add_rows():
        team = make_team("Infrastructure")
        for number in range(10):
            make_offering(make_service(f"More {number}", support_team=team), "Access")

    assert_constant_queries("api_service_list", lambda: client.get(URL), add_rows)
