"""/catalog/: a table for agents, a card grid of live public services for requesters."""

import pytest

from kaizen.catalog.tests.helpers import assert_constant_queries
from kaizen.testing import make_offering, make_service

pytestmark = pytest.mark.django_db

URL = "/catalog/"


@pytest.fixture
def catalogue(mail, pipeline_service, private_service):
    make_offering(mail, "Shared mailbox")
    make_offering(mail, "Old archive", is_active=False)
    make_service("Payroll", slug="payroll", category="HR", criticality="critical")
    return mail


def test_it_sends_anonymous_visitors_to_sign_in(client):
    response = client.get(URL)
    assert response.status_code == 302
    assert response["Location"].startswith("/login/")


def test_it_shows_agents_the_whole_catalogue_as_a_table(web, agent, catalogue):
    response = web(agent).get(URL)
    assert response.status_code == 200
    assert [t.name for t in response.templates][0] == "catalog/service_list.html"
    page = response.content.decode()
    for name in ("Mail", "Payroll", "Data Lake", "Kubernetes"):
        assert name in page
    assert "text-bg-danger" in page  # the critical badge
    assert "New service" not in page


def test_it_shows_the_new_service_button_to_catalogue_managers(web, catalog_manager, catalogue):
    page = web(catalog_manager).get(URL).content.decode()
    assert 'href="/catalog/services/new/"' in page


def test_it_shows_requesters_only_live_public_services_as_cards(web, requester, catalogue):
    response = web(requester).get(URL)
    assert response.status_code == 200
    assert [t.name for t in response.templates][0] == "catalog/service_browse.html"
    page = response.content.decode()
    assert "Mail" in page and "Payroll" in page
    assert "Data Lake" not in page and "Kubernetes" not in page
    assert "1 offering" in page  # the inactive offering is not counted for requesters
    assert "New service" not in page


def test_it_searches_filters_and_sorts(web, agent, catalogue):
    client = web(agent)
    page = client.get(URL, {"q": "mailboxes"}).content.decode()
    assert "Mail" in page and "Payroll" not in page
    page = client.get(URL, {"category": "hr"}).content.decode()
    assert "Payroll" in page and "Kubernetes" not in page
    names = [s.name for s in client.get(URL, {"sort": "-name"}).context["object_list"]]
    assert names == sorted(names, reverse=True)
    # An unknown sort key falls back to the default instead of ordering by a hidden field.
    names = [s.name for s in client.get(URL, {"sort": "owner__password"}).context["object_list"]]
    assert names == sorted(names)


def test_it_shows_a_field_error_for_a_bad_filter_value(web, agent, catalogue):
    page = web(agent).get(URL, {"lifecycle": "dormant"}).content.decode()
    assert "Select a valid choice" in page


@pytest.mark.parametrize(
    ("persona", "key"), [("agent", "service_list"), ("requester", "service_browse")]
)
def test_it_renders_in_a_constant_number_of_queries(request, web, persona, key, catalogue):
    client = web(request.getfixturevalue(persona))

    def add_rows():
        for number in range(10):
            make_offering(make_service(f"More {number}", support_team=None), "Access")

    assert_constant_queries(key, lambda: client.get(URL), add_rows)
