import pytest

from kaizen.journal.events import EventType
from kaizen.people import services
from kaizen.people.models import UserKind
from kaizen.people.tests.helpers import events_for, signed_in

pytestmark = pytest.mark.django_db

PROFILE = {
    "first_name": "Rita",
    "last_name": "Requester",
    "email": "rita@example.com",
    "phone": "+351 555 0100",
    "time_zone": "Europe/Lisbon",
    "job_title": "Accountant",
    "version": 1,
}


def test_it_shows_my_details_teams_and_roles(client, agent, team):
    page = signed_in(client, agent).get("/profile/").content.decode()
    assert 'value="alan@example.com"' in page
    assert "Service Desk" in page
    assert "Incident management" in page


def test_it_saves_my_own_details_through_the_journal(client, requester):
    response = signed_in(client, requester).post("/profile/", PROFILE)
    assert response.status_code == 302 and response["Location"] == "/profile/"
    requester.refresh_from_db()
    assert requester.time_zone == "Europe/Lisbon" and requester.phone == "+351 555 0100"
    event = events_for(requester)[-1]
    assert event.event_type == EventType.USER_UPDATED and event.actor == requester
    assert set(event.changes) == {"phone", "time_zone", "job_title"}


def test_it_ignores_attempts_to_change_privileges(client, requester):
    data = {**PROFILE, "kind": "agent", "is_superuser": "on", "username": "root"}
    signed_in(client, requester).post("/profile/", data)
    requester.refresh_from_db()
    assert requester.kind == UserKind.REQUESTER
    assert not requester.is_superuser and requester.username == "rita"


def test_it_shows_a_field_error_for_a_bad_email_or_time_zone(client, requester):
    data = {**PROFILE, "email": "not-an-email", "time_zone": "Mars/Olympus"}
    page = signed_in(client, requester).post("/profile/", data).content.decode()
    assert 'id="id_email_errors"' in page and 'id="id_time_zone_errors"' in page
    requester.refresh_from_db()
    assert requester.email == "rita@example.com"


def test_it_shows_that_my_details_changed_meanwhile_and_keeps_my_input(client, requester):
    services.do_update_profile(requester, actor=requester, expected_version=1, phone="555")
    response = signed_in(client, requester).post("/profile/", {**PROFILE, "version": 1})
    assert response.status_code == 409
    page = response.content.decode()
    assert "Rita Requester was changed by Rita Requester at " in page
    assert 'value="Accountant"' in page and 'name="version" value="2"' in page
    requester.refresh_from_db()
    assert (requester.phone, requester.job_title) == ("555", "")
