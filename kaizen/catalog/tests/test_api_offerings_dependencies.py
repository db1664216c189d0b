"""/api/v1/offerings/ and /api/v1/dependencies/: changed by whoever may edit the service."""

import pytest

from kaizen.catalog import services
from kaizen.catalog.models import ServiceDependency, ServiceOffering
from kaizen.catalog.tests.helpers import assert_constant_queries, last_event
from kaizen.journal.events import EventType
from kaizen.testing import make_offering, make_service

pytestmark = pytest.mark.django_db

OFFERINGS = "/api/v1/offerings/"
DEPENDENCIES = "/api/v1/dependencies/"


@pytest.fixture
def shared_mailbox(mail):
    return make_offering(mail, "Shared mailbox", offering_type="action")


@pytest.fixture
def directory(db):
    return make_service("Directory", slug="directory")


def names(response) -> list[str]:
    assert response.status_code == 200
    return [row["name"] for row in response.json()["results"]]


@pytest.mark.parametrize("url", [OFFERINGS, DEPENDENCIES])
def test_it_answers_401_without_credentials(api, url):
    assert api().get(url).status_code == 401


def test_it_shows_requesters_active_offerings_of_visible_services(
    api, requester, shared_mailbox, pipeline_service, mail
):
    make_offering(mail, "Archive", is_active=False)
    hidden = make_offering(pipeline_service, "Early access")
    client = api(requester)
    assert names(client.get(OFFERINGS)) == ["Shared mailbox"]
    assert client.get(f"{OFFERINGS}{hidden.pk}/").status_code == 404


def test_it_filters_offerings_by_service_slug(api, agent, shared_mailbox, directory):
    make_offering(directory, "Account")
    client = api(agent)
    assert names(client.get(OFFERINGS, {"service": "directory"})) == ["Account"]
    row = client.get(f"{OFFERINGS}{shared_mailbox.pk}/").json()
    assert (row["service"], row["service_name"], row["offering_type"]) == ("mail", "Mail", "action")


def test_it_lets_the_service_owner_add_and_change_offerings(api, owner, mail):
    client = api(owner)
    response = client.post(
        OFFERINGS, {"service": "mail", "name": "Calendar", "offering_type": "access"}
    )
    assert response.status_code == 201, response.json()
    offering = ServiceOffering.objects.get(pk=response.json()["id"])
    assert last_event(offering).event_type == EventType.OFFERING_CREATED
    response = client.patch(f"{OFFERINGS}{offering.pk}/", {"is_requestable": False, "version": 1})
    assert response.status_code == 200 and response.json()["is_requestable"] is False
    assert last_event(offering).changes == {"is_requestable": {"old": True, "new": False}}


def test_it_refuses_offering_changes_by_others(api, agent, requester, shared_mailbox, directory):
    data = {"service": "mail", "name": "Calendar", "offering_type": "access"}
    assert api(agent).post(OFFERINGS, data).status_code == 403
    assert api(agent).patch(f"{OFFERINGS}{shared_mailbox.pk}/", {"name": "x"}).status_code == 403
    assert api(requester).post(OFFERINGS, data).status_code == 403
    assert not ServiceOffering.objects.filter(name="Calendar").exists()


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"service": "mail", "name": "Shared mailbox", "offering_type": "access"}, "name"),
        ({"service": "mail", "name": "Calendar", "offering_type": "magic"}, "offering_type"),
        ({"service": "nope", "name": "Calendar", "offering_type": "access"}, "service"),
    ],
)
def test_it_answers_400_naming_the_offering_field(api, owner, shared_mailbox, data, field):
    response = api(owner).post(OFFERINGS, data)
    assert response.status_code == 400
    assert list(response.json()) == [field]


def test_it_does_not_move_an_offering_to_another_service(
    api, catalog_manager, shared_mailbox, directory
):
    response = api(catalog_manager).patch(
        f"{OFFERINGS}{shared_mailbox.pk}/", {"service": "directory"}
    )
    assert response.status_code == 400 and list(response.json()) == ["service"]


def test_it_hides_pipeline_services_from_requesters_when_naming_a_service(
    api, requester, pipeline_service
):
    data = {"service": pipeline_service.slug, "name": "x", "offering_type": "access"}
    response = api(requester).post(OFFERINGS, data)
    assert response.status_code == 400 and list(response.json()) == ["service"]


def test_it_lists_dependencies_for_agents_only(api, agent, requester, mail, directory):
    dependency = services.do_add_service_dependency(mail, directory, actor=None, note="logins")
    services.do_add_service_dependency(
        directory, make_service("Network", slug="network"), actor=None
    )
    client = api(agent)
    rows = client.get(DEPENDENCIES, {"service": "mail"}).json()["results"]
    assert rows == [
        {
            "id": dependency.pk,
            "service": "mail",
            "depends_on": "directory",
            "kind": "uses",
            "note": "logins",
        }
    ]
    assert len(client.get(DEPENDENCIES, {"depends_on": "directory"}).json()["results"]) == 1
    assert api(requester).get(DEPENDENCIES).json()["results"] == []
    assert api(requester).get(f"{DEPENDENCIES}{dependency.pk}/").status_code == 404


def test_it_lets_the_owner_add_and_remove_a_dependency(api, owner, mail, directory):
    client = api(owner)
    response = client.post(
        DEPENDENCIES, {"service": "mail", "depends_on": "directory", "kind": "uses"}
    )
    assert response.status_code == 201, response.json()
    assert last_event(mail).event_type == EventType.SERVICE_DEPENDENCY_ADDED
    assert client.delete(f"{DEPENDENCIES}{response.json()['id']}/").status_code == 204
    assert not ServiceDependency.objects.exists()
    assert last_event(mail).event_type == EventType.SERVICE_DEPENDENCY_REMOVED


@pytest.mark.parametrize(
    ("service", "depends_on", "message"),
    [("mail", "mail", "itself"), ("mail", "directory", "already"), ("directory", "mail", "cycle")],
)
def test_it_answers_400_on_depends_on_for_self_duplicate_and_cycle(
    api, catalog_manager, mail, directory, service, depends_on, message
):
    services.do_add_service_dependency(mail, directory, actor=None)
    response = api(catalog_manager).post(
        DEPENDENCIES, {"service": service, "depends_on": depends_on}
    )
    assert response.status_code == 400
    assert list(response.json()) == ["depends_on"]
    assert message in response.json()["depends_on"][0]


def test_it_refuses_dependency_changes_by_others(api, agent, mail, directory):
    dependency = services.do_add_service_dependency(mail, directory, actor=None)
    client = api(agent)
    assert (
        client.post(DEPENDENCIES, {"service": "directory", "depends_on": "mail"}).status_code == 403
    )
    assert client.delete(f"{DEPENDENCIES}{dependency.pk}/").status_code == 403
    assert client.patch(f"{DEPENDENCIES}{dependency.pk}/", {"note": "x"}).status_code == 405
    assert ServiceDependency.objects.count() == 1


def test_it_lists_offerings_in_a_constant_number_of_queries(api, agent, shared_mailbox):
    def add_rows():
        for number in range(10):
            make_offering(make_service(f"More {number}"), "Access")

    client = api(agent)
    assert_constant_queries("api_offering_list", lambda: client.get(OFFERINGS), add_rows)


def test_it_lists_dependencies_in_a_constant_number_of_queries(api, agent, mail, directory):
    services.do_add_service_dependency(mail, directory, actor=None)

    def add_rows():
        for number in range(10):
            services.do_add_service_dependency(make_service(f"More {number}"), mail, actor=None)

    client = api(agent)
    assert_constant_queries("api_dependency_list", lambda: client.get(DEPENDENCIES), add_rows)
