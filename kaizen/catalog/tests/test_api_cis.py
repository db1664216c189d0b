"""/api/v1/cis/: the CMDB over the API, with linked services as slugs."""

import pytest

from kaizen.catalog.models import ConfigurationItem
from kaizen.catalog.tests.helpers import assert_constant_queries, last_event
from kaizen.journal.events import EventType
from kaizen.testing import make_ci, make_service, make_team

pytestmark = pytest.mark.django_db

URL = "/api/v1/cis/"


@pytest.fixture
def mx(mail):
    return make_ci("mx-01", services=[mail], location="DC1")


def test_it_answers_401_without_credentials(api, mx):
    assert api().get(URL).status_code == 401
    assert api().get(f"{URL}{mx.pk}/").status_code == 401


def test_it_hides_the_cmdb_from_requesters(api, requester, mx):
    client = api(requester)
    assert client.get(URL).status_code == 403  # as the CI list page answers
    assert client.get(f"{URL}{mx.pk}/").status_code == 404
    assert client.patch(f"{URL}{mx.pk}/", {"location": "x"}).status_code == 404
    assert client.post(URL, {"name": "db-01", "ci_type": "database"}).status_code == 403


def test_it_shows_agents_cis_with_service_slugs_and_filters(api, agent, mx):
    make_ci("sw-01", ci_type="network")
    client = api(agent)
    rows = client.get(URL).json()["results"]
    assert [(row["name"], row["services"]) for row in rows] == [("mx-01", ["mail"]), ("sw-01", [])]
    assert [row["name"] for row in client.get(URL, {"service": "mail"}).json()["results"]] == [
        "mx-01"
    ]
    assert [row["name"] for row in client.get(URL, {"ordering": "-name"}).json()["results"]] == [
        "sw-01",
        "mx-01",
    ]


@pytest.mark.parametrize("persona", ["change_manager", "catalog_manager"])
def test_it_lets_managers_create_a_ci_linked_to_services(
    request, api, persona, mail, private_service
):
    team = make_team("Storage", slug="storage")
    data = {
        "name": "san-01",
        "ci_type": "storage",
        "support_team": team.slug,
        "services": ["mail", "kubernetes"],
    }
    response = api(request.getfixturevalue(persona)).post(URL, data)
    assert response.status_code == 201, response.json()
    assert response.json()["services"] == ["kubernetes", "mail"]
    ci = ConfigurationItem.objects.get(name="san-01")
    assert set(ci.services.all()) == {mail, private_service}
    assert ci.support_team == team
    assert last_event(ci).event_type == EventType.CI_CREATED


def test_it_updates_fields_and_links_and_journals_them(api, change_manager, mx, mail):
    make_service("Directory", slug="directory")
    client = api(change_manager)
    response = client.patch(f"{URL}{mx.pk}/", {"status": "maintenance", "version": 1})
    assert response.status_code == 200 and response.json()["services"] == ["mail"]
    response = client.patch(f"{URL}{mx.pk}/", {"services": ["directory"], "version": 2})
    assert response.status_code == 200 and response.json()["services"] == ["directory"]
    event = last_event(mx)
    assert event.event_type == EventType.CI_UPDATED and event.actor == change_manager
    assert event.changes["services"]["old"] == [{"id": mail.pk, "repr": "Mail"}]


def test_it_refuses_changes_by_agents_without_a_management_role(api, agent, mx):
    client = api(agent)
    assert client.patch(f"{URL}{mx.pk}/", {"location": "DC2"}).status_code == 403
    assert client.post(URL, {"name": "db-01", "ci_type": "database"}).status_code == 403
    mx.refresh_from_db()
    assert mx.location == "DC1"


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"name": "mx-01", "ci_type": "server"}, "name"),
        ({"name": "db-01", "ci_type": "teapot"}, "ci_type"),
        ({"name": "db-01", "ci_type": "database", "services": ["nope"]}, "services"),
        ({"name": "db-01", "ci_type": "database", "support_team": "nope"}, "support_team"),
    ],
)
def test_it_answers_400_naming_the_field(api, change_manager, mx, data, field):
    response = api(change_manager).post(URL, data)
    assert response.status_code == 400
    assert list(response.json()) == [field]


def test_it_has_no_delete(api, change_manager, mx):
    assert api(change_manager).delete(f"{URL}{mx.pk}/").status_code == 405


def test_it_lists_cis_in_a_constant_number_of_queries(api, agent, mx, mail):
    client = api(agent)

    def add_rows():
        team = make_team("Infrastructure")
        directory = make_service("Directory")
        for number in range(10):
            make_ci(f"srv-{number}", support_team=team, services=[mail, directory])

    assert_constant_queries("api_ci_list", lambda: client.get(URL), add_rows)
