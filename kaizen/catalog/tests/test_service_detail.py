"""A service's page, and the actions posted from it: lifecycle and dependencies."""

import pytest

from kaizen.catalog import services
from kaizen.catalog.models import ServiceDependency
from kaizen.catalog.tests.helpers import assert_constant_queries, last_event
from kaizen.journal.events import EventType
from kaizen.testing import make_ci, make_offering, make_service

pytestmark = pytest.mark.django_db


def url(service, action: str = "") -> str:
    return f"/catalog/services/{service.slug}/{action}"


@pytest.fixture
def directory(db):
    return make_service("Directory", slug="directory")


def test_it_shows_requesters_the_service_without_internals(web, requester, mail):
    make_offering(mail, "Shared mailbox", availability_hours="24x7")
    make_offering(mail, "Old archive", is_active=False)
    response = web(requester).get(url(mail))
    assert response.status_code == 200
    page = response.content.decode()
    assert "<h1>Mail</h1>" in page
    assert "Shared mailbox" in page and "24x7" in page
    assert "Old archive" not in page
    assert "Shared mailboxes</li>" in page and "Calendars</li>" in page  # features as a list
    assert "Olga Owner" in page
    for internal in ('id="timeline"', 'id="dependencies"', 'id="lifecycle"', "Edit"):
        assert internal not in page


@pytest.mark.parametrize("hidden", ["pipeline_service", "private_service"])
def test_it_answers_404_to_requesters_for_services_they_may_not_see(
    request, web, requester, hidden
):
    service = request.getfixturevalue(hidden)
    assert web(requester).get(url(service)).status_code == 404


def test_it_shows_agents_dependencies_cis_and_the_timeline(web, agent, mail, directory):
    services.do_add_service_dependency(mail, directory, actor=None, note="logins")
    make_ci("mx-01", services=[mail])
    make_offering(mail, "Old archive", is_active=False)
    page = web(agent).get(url(mail)).content.decode()
    assert 'id="dependencies"' in page and "logins" in page
    assert "mx-01" in page
    assert "Old archive" in page and "Inactive" in page
    assert 'id="timeline"' in page and "Service created" in page
    # Alan neither owns Mail nor manages the catalogue.
    for control in ('id="lifecycle"', 'id="dependency-form"', "Add offering", "/edit/"):
        assert control not in page
    page = web(agent).get(url(directory)).content.decode()
    assert "Used by" in page and ">Mail</a>" in page


@pytest.mark.parametrize("persona", ["owner", "catalog_manager"])
def test_it_gives_editors_the_edit_controls(request, web, persona, pipeline_service, mail):
    page = web(request.getfixturevalue(persona)).get(url(mail)).content.decode()
    assert f'href="{url(mail, "edit/")}"' in page
    assert "Add offering" in page
    assert 'id="dependency-form"' in page
    assert 'name="lifecycle" value="retired"' in page
    assert 'name="lifecycle" value="live"' not in page


def test_it_moves_the_lifecycle_with_a_reason(web, catalog_manager, owner):
    service = make_service("VPN", slug="vpn", lifecycle="pipeline", owner=owner)
    response = web(catalog_manager).post(
        url(service, "lifecycle/"), {"lifecycle": "live", "reason": "approved"}, follow=True
    )
    assert response.status_code == 200
    assert "VPN is now live." in response.content.decode()
    service.refresh_from_db()
    assert service.lifecycle == "live"
    assert last_event(service).data == {"reason": "approved"}


def test_it_explains_a_refused_lifecycle_move(web, catalog_manager, pipeline_service):
    response = web(catalog_manager).post(
        url(pipeline_service, "lifecycle/"), {"lifecycle": "live"}, follow=True
    )
    assert "needs an owner before it goes live" in response.content.decode()
    pipeline_service.refresh_from_db()
    assert pipeline_service.lifecycle == "pipeline"


@pytest.mark.parametrize(
    ("persona", "status"),
    [("owner", 302), ("catalog_manager", 302), ("agent", 403), ("requester", 403)],
)
def test_it_lets_only_editors_change_the_lifecycle(request, web, persona, status, mail):
    response = web(request.getfixturevalue(persona)).post(
        url(mail, "lifecycle/"), {"lifecycle": "retired"}
    )
    assert response.status_code == status
    mail.refresh_from_db()
    assert mail.lifecycle == ("retired" if status == 302 else "live")


def test_it_answers_404_to_requesters_posting_to_a_hidden_service(web, requester, pipeline_service):
    response = web(requester).post(url(pipeline_service, "lifecycle/"), {"lifecycle": "retired"})
    assert response.status_code == 404


def test_it_adds_and_removes_a_dependency(web, owner, mail, directory):
    client = web(owner)
    response = client.post(
        url(mail, "dependencies/"), {"depends_on": directory.pk, "kind": "uses", "note": "logins"}
    )
    assert response.status_code == 302
    dependency = ServiceDependency.objects.get(service=mail)
    assert dependency.depends_on == directory
    response = client.post(url(mail, f"dependencies/{dependency.pk}/remove/"))
    assert response.status_code == 302
    assert not ServiceDependency.objects.exists()
    assert last_event(mail).event_type == EventType.SERVICE_DEPENDENCY_REMOVED


def test_it_refuses_a_dependency_cycle_with_a_message(web, catalog_manager, mail, directory):
    services.do_add_service_dependency(directory, mail, actor=None)
    response = web(catalog_manager).post(
        url(mail, "dependencies/"), {"depends_on": directory.pk, "kind": "uses"}, follow=True
    )
    assert "that would make a cycle" in response.content.decode()
    assert ServiceDependency.objects.count() == 1


def test_it_lets_only_editors_change_dependencies(web, agent, mail, directory):
    dependency = services.do_add_service_dependency(mail, directory, actor=None)
    client = web(agent)
    assert client.post(url(mail, "dependencies/"), {"depends_on": directory.pk}).status_code == 403
    remove = url(mail, f"dependencies/{dependency.pk}/remove/")
    assert client.post(remove).status_code == 403
    assert client.get(remove).status_code == 405
    assert ServiceDependency.objects.count() == 1


def test_it_renders_in_a_constant_number_of_queries(web, catalog_manager, mail, directory):
    client = web(catalog_manager)
    services.do_add_service_dependency(mail, directory, actor=None)
    make_offering(mail, "Shared mailbox")
    make_ci(services=[mail])

    def add_rows():
        for number in range(5):
            other = make_service(f"More {number}")
            services.do_add_service_dependency(mail, other, actor=None)
            services.do_add_service_dependency(other, directory, actor=None)
            make_offering(mail, f"Offering {number}")
            make_ci(services=[mail])
            services.do_update_service(mail, actor=catalog_manager, summary=f"Mail v{number}")

    assert_constant_queries("service_detail", lambda: client.get(url(mail)), add_rows)
