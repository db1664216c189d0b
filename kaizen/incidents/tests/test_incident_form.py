"""Opening an incident for a caller, and editing it, as an agent."""

import pytest

from kaizen.incidents import services
from kaizen.incidents.models import Incident
from kaizen.incidents.tests.helpers import last_event, move
from kaizen.testing import make_offering, make_service

pytestmark = pytest.mark.django_db

NEW = "/incidents/new/"


def form_data(**overrides):
    data = {
        "caller": "",
        "channel": "phone",
        "short_description": "Printer jams",
        "description": "Floor 3, every page.",
        "impact": "2",
        "urgency": "1",
    }
    data.update(overrides)
    return data


def test_it_refuses_the_form_to_requesters(web, requester):
    assert web(requester).get(NEW).status_code == 403
    assert web(requester).post(NEW, form_data(caller=requester.pk)).status_code == 403


def test_it_opens_an_incident_for_a_caller_assigned_to_a_team(
    web, agent, requester, service_desk, email
):
    page = web(agent).get(NEW).content.decode()
    assert "New incident" in page and 'name="assignment_group"' in page
    data = form_data(caller=requester.pk, service=email.pk, assignment_group=service_desk.pk)
    response = web(agent).post(NEW, data)
    incident = Incident.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/incidents/{incident.number}/"
    assert (incident.caller, incident.opened_by, incident.priority, incident.state) == (
        requester,
        agent,
        2,
        "assigned",
    )


def test_it_names_the_field_and_keeps_the_input(web, agent, requester, email):
    other = make_offering(make_service("VPN"), "Token")
    data = form_data(
        caller=requester.pk, service=email.pk, offering=other.pk, description="Keep me"
    )
    response = web(agent).post(NEW, data)
    assert response.status_code == 200
    page = response.content.decode()
    assert 'id="id_offering_errors"' in page and "Token is not an offering of Email" in page
    assert "Keep me</textarea>" in page and 'value="Printer jams"' in page
    assert not Incident.objects.exists()


def test_it_edits_and_journals_the_change(web, agent, incident):
    edit = f"/incidents/{incident.number}/edit/"
    page = web(agent).get(edit).content.decode()
    assert 'name="version" value="1"' in page and 'name="assignment_group"' not in page
    data = form_data(
        caller=incident.caller_id, short_description="Outlook cannot connect", version=1
    )
    response = web(agent).post(edit, data)
    assert response.status_code == 302
    incident.refresh_from_db()
    assert (incident.impact, incident.urgency, incident.priority, incident.version) == (2, 1, 2, 2)
    assert last_event(incident).changes["urgency"] == {"old": 2, "new": 1}


def test_it_answers_a_stale_edit_with_who_changed_it_and_keeps_the_input(
    web, agent, incident_manager, incident
):
    services.do_update_incident(incident, actor=incident_manager, expected_version=1, impact=1)
    data = form_data(
        caller=incident.caller_id, short_description="Typed while they saved", version=1
    )
    response = web(agent).post(f"/incidents/{incident.number}/edit/", data)
    assert response.status_code == 409
    page = response.content.decode()
    assert "was changed by Ines Incident" in page and "save again to apply it" in page
    assert 'value="Typed while they saved"' in page
    assert 'name="version" value="2"' in page
    assert Incident.objects.get(pk=incident.pk).short_description == "Outlook cannot connect"
    # Saving again is deliberate, and now applies.
    data["version"] = 2
    assert web(agent).post(f"/incidents/{incident.number}/edit/", data).status_code == 302


def test_it_refuses_to_edit_a_closed_incident(web, agent, incident):
    closed = move(incident, "resolved", "closed")
    data = form_data(caller=incident.caller_id, version=closed.version)
    response = web(agent).post(f"/incidents/{incident.number}/edit/", data)
    assert response.status_code == 200 and "closed: that is final" in response.content.decode()
