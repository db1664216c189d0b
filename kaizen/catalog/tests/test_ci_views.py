"""The CMDB pages: agents read, catalogue and change managers maintain, requesters never see."""

import pytest

from kaizen.catalog.models import ConfigurationItem
from kaizen.catalog.tests.helpers import assert_constant_queries, last_event
from kaizen.journal.events import EventType
from kaizen.testing import make_ci, make_team

pytestmark = pytest.mark.django_db


@pytest.fixture
def mx(mail):
    return make_ci("mx-01", location="DC1", services=[mail], description="Primary MX")


def ci_data(**overrides):
    return {"name": "db-01", "ci_type": "database", "status": "in_use", **overrides}


def test_it_lists_cis_for_agents_with_filters(web, agent, mx):
    make_ci("sw-01", ci_type="network")
    client = web(agent)
    response = client.get("/catalog/cis/")
    assert response.status_code == 200
    page = response.content.decode()
    assert "mx-01" in page and "sw-01" in page and "DC1" in page
    assert "New item" not in page
    page = client.get("/catalog/cis/", {"ci_type": "network"}).content.decode()
    assert "sw-01" in page and "mx-01" not in page
    page = client.get("/catalog/cis/", {"service": "mail"}).content.decode()
    assert "mx-01" in page and "sw-01" not in page


@pytest.mark.parametrize("persona", ["catalog_manager", "change_manager", "admin_user"])
def test_it_offers_managers_a_new_item_button(request, web, persona):
    page = web(request.getfixturevalue(persona)).get("/catalog/cis/").content.decode()
    assert 'href="/catalog/cis/new/"' in page


def test_it_keeps_requesters_out_of_the_cmdb(web, requester, mx):
    client = web(requester)
    assert client.get("/catalog/cis/").status_code == 403
    assert client.get(f"/catalog/cis/{mx.pk}/").status_code == 404
    assert client.get(f"/catalog/cis/{mx.pk}/edit/").status_code == 404
    assert client.get("/catalog/cis/new/").status_code == 403


def test_it_shows_a_ci_with_its_services_and_timeline(web, agent, mx):
    response = web(agent).get(f"/catalog/cis/{mx.pk}/")
    assert response.status_code == 200
    page = response.content.decode()
    assert "<h1>mx-01</h1>" in page and "Primary MX" in page
    assert 'href="/catalog/services/mail/"' in page
    assert 'id="timeline"' in page and "Configuration item created" in page
    assert f'href="/catalog/cis/{mx.pk}/edit/"' not in page


def test_it_refuses_edits_by_agents_without_a_management_role(web, agent, mx):
    client = web(agent)
    assert client.get("/catalog/cis/new/").status_code == 403
    assert client.post(f"/catalog/cis/{mx.pk}/edit/", ci_data(name="x")).status_code == 403
    mx.refresh_from_db()
    assert mx.name == "mx-01"


def test_it_lets_a_change_manager_create_and_edit_a_ci(web, change_manager, mail):
    client = web(change_manager)
    assert "New configuration item" in client.get("/catalog/cis/new/").content.decode()
    team = make_team("Database team")
    response = client.post("/catalog/cis/new/", ci_data(services=[mail.pk], support_team=team.pk))
    ci = ConfigurationItem.objects.get(name="db-01")
    assert response.status_code == 302 and response["Location"] == f"/catalog/cis/{ci.pk}/"
    assert list(ci.services.all()) == [mail]
    edit = f"/catalog/cis/{ci.pk}/edit/"
    assert "Edit db-01" in client.get(edit).content.decode()
    assert client.post(edit, ci_data(status="maintenance", version=1)).status_code == 302
    ci.refresh_from_db()
    assert ci.status == "maintenance" and not ci.services.exists()
    event = last_event(ci)
    assert event.event_type == EventType.CI_UPDATED
    assert event.changes["status"] == {"old": "in_use", "new": "maintenance"}
    assert event.changes["services"]["new"] == []


def test_it_shows_field_errors_and_keeps_the_input(web, catalog_manager, mx):
    data = ci_data(name="mx-01", ci_type="teapot", location="Basement")
    response = web(catalog_manager).post("/catalog/cis/new/", data)
    assert response.status_code == 200
    page = response.content.decode()
    assert 'id="id_name_errors"' in page and "already exists" in page
    assert 'id="id_ci_type_errors"' in page and "Select a valid choice" in page
    assert 'value="Basement"' in page
    assert ConfigurationItem.objects.count() == 1


def test_it_lists_cis_in_a_constant_number_of_queries(web, agent, mx):
    client = web(agent)

    def add_rows():
        team = make_team("Infrastructure")
        for number in range(10):
            make_ci(f"srv-{number}", support_team=team, services=[mx.services.first()])

    assert_constant_queries("ci_list", lambda: client.get("/catalog/cis/"), add_rows)
