"""Creating and editing services and their offerings through the web forms."""

import pytest

from kaizen.catalog import services
from kaizen.catalog.models import Service, ServiceOffering
from kaizen.catalog.tests.helpers import last_event
from kaizen.journal.events import EventType
from kaizen.testing import make_offering, make_service

pytestmark = pytest.mark.django_db

CREATE = "/catalog/services/new/"


def service_data(**overrides):
    data = {
        "name": "VPN",
        "slug": "vpn",
        "service_type": "business",
        "category": "Network",
        "summary": "Remote access",
        "features": "Split tunnelling\nMFA",
        "criticality": "high",
        "is_public": "on",
    }
    return {**data, **overrides}


def test_it_renders_the_empty_form_for_catalogue_managers(web, catalog_manager):
    response = web(catalog_manager).get(CREATE)
    assert response.status_code == 200
    page = response.content.decode()
    assert "<h1>New service</h1>" in page and "Create service" in page
    assert 'name="summary"' in page


@pytest.mark.parametrize("persona", ["agent", "owner", "change_manager", "requester"])
def test_it_refuses_to_create_for_anyone_else(request, web, persona):
    client = web(request.getfixturevalue(persona))
    assert client.get(CREATE).status_code == 403
    assert client.post(CREATE, service_data()).status_code == 403
    assert not Service.objects.exists()


def test_it_creates_a_pipeline_service_and_journals_it(web, catalog_manager):
    response = web(catalog_manager).post(CREATE, service_data())
    service = Service.objects.get(slug="vpn")
    assert response.status_code == 302 and response["Location"] == "/catalog/services/vpn/"
    assert service.lifecycle == "pipeline" and service.criticality == "high"
    event = last_event(service)
    assert event.event_type == EventType.SERVICE_CREATED and event.actor == catalog_manager


def test_it_shows_field_errors_and_keeps_what_was_typed(web, catalog_manager, mail):
    data = service_data(slug="mail", summary="", category="Network and remote work")
    response = web(catalog_manager).post(CREATE, data)
    assert response.status_code == 200
    page = response.content.decode()
    assert 'id="id_slug_errors"' in page and "Service with this Slug already exists" in page
    assert 'id="id_summary_errors"' in page and "This field is required" in page
    assert 'value="Network and remote work"' in page
    assert "Split tunnelling\nMFA</textarea>" in page
    assert Service.objects.count() == 1


def test_it_lets_the_owner_edit_their_service_but_not_its_owner(web, owner, catalog_manager, mail):
    client = web(owner)
    page = client.get(f"/catalog/services/{mail.slug}/edit/").content.decode()
    assert "<h1>Edit Mail</h1>" in page
    data = service_data(
        name="Mail", slug="mail", summary="Email for all", owner=catalog_manager.pk, version=1
    )
    response = client.post(f"/catalog/services/{mail.slug}/edit/", data)
    assert response.status_code == 302
    mail.refresh_from_db()
    assert mail.summary == "Email for all"
    assert mail.owner == owner
    assert last_event(mail).changes["summary"] == {
        "old": "Mailboxes and calendars",
        "new": "Email for all",
    }


def test_it_lets_a_catalogue_manager_hand_a_service_to_a_new_owner(web, catalog_manager, mail):
    data = service_data(name="Mail", slug="mail", owner=catalog_manager.pk, version=1)
    assert web(catalog_manager).post("/catalog/services/mail/edit/", data).status_code == 302
    mail.refresh_from_db()
    assert mail.owner == catalog_manager


@pytest.mark.parametrize("persona", ["owner", "agent", "requester"])
def test_it_refuses_edits_by_anyone_but_the_owner_and_managers(request, web, persona, mail):
    payroll = make_service("Payroll", slug="payroll")  # owned by someone else than Olga
    client = web(request.getfixturevalue(persona))
    assert client.get("/catalog/services/payroll/edit/").status_code == 403
    assert client.post("/catalog/services/payroll/edit/", service_data()).status_code == 403
    payroll.refresh_from_db()
    assert payroll.name == "Payroll"


def test_it_answers_404_for_editing_a_service_the_requester_cannot_see(
    web, requester, pipeline_service
):
    assert web(requester).get(f"/catalog/services/{pipeline_service.slug}/edit/").status_code == 404


def test_it_adds_and_edits_an_offering(web, owner, mail):
    client = web(owner)
    page = client.get("/catalog/services/mail/offerings/new/").content.decode()
    assert "Add an offering to Mail" in page
    data = {
        "name": "Shared mailbox",
        "offering_type": "action",
        "is_requestable": "on",
        "is_active": "on",
    }
    assert client.post("/catalog/services/mail/offerings/new/", data).status_code == 302
    offering = ServiceOffering.objects.get(service=mail)
    edit = f"/catalog/services/mail/offerings/{offering.pk}/edit/"
    assert "Edit offering Shared mailbox" in client.get(edit).content.decode()
    changed = {**data, "availability_hours": "24x7", "version": 1}
    assert client.post(edit, changed).status_code == 302
    offering.refresh_from_db()
    assert offering.availability_hours == "24x7"
    assert last_event(offering).event_type == EventType.OFFERING_UPDATED


def test_it_shows_a_duplicate_offering_name_on_the_name_field(web, owner, mail):
    make_offering(mail, "Shared mailbox")
    data = {"name": "Shared mailbox", "offering_type": "goods", "description": "Keep me"}
    response = web(owner).post("/catalog/services/mail/offerings/new/", data)
    assert response.status_code == 200
    page = response.content.decode()
    assert 'id="id_name_errors"' in page and "already has an offering named" in page
    assert "Keep me</textarea>" in page


def test_it_refuses_offerings_to_non_editors_and_hides_other_services_offerings(
    web, agent, owner, mail
):
    other = make_offering(make_service("Payroll"), "Payslip")
    assert web(agent).get("/catalog/services/mail/offerings/new/").status_code == 403
    assert web(owner).get(f"/catalog/services/mail/offerings/{other.pk}/edit/").status_code == 404


def test_it_shows_who_changed_the_service_meanwhile_and_keeps_the_input(web, owner, mail):
    services.do_update_service(mail, actor=owner, expected_version=1, summary="Email for all")
    data = service_data(name="Mail", slug="mail", owner=owner.pk, category="Messaging", version=1)
    response = web(owner).post("/catalog/services/mail/edit/", data)
    assert response.status_code == 409
    page = response.content.decode()
    assert "Mail was changed by Olga Owner at " in page
    assert "(version 2, you had version 1). Your change was not saved" in page
    assert 'value="Messaging"' in page  # the input is kept
    assert 'name="version" value="2"' in page  # saving again is a deliberate choice
    mail.refresh_from_db()
    assert (mail.summary, mail.category) == ("Email for all", "Collaboration")
