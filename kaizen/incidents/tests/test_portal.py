"""The requesters' side: report an incident, follow one's own, talk to the service desk."""

import pytest

from kaizen.incidents import services
from kaizen.incidents.models import Incident
from kaizen.incidents.tests.helpers import assert_constant_queries, make_incident, move
from kaizen.testing import make_service

pytestmark = pytest.mark.django_db

REPORT = "/incidents/report/"
MINE = "/incidents/mine/"


def test_it_offers_the_live_public_catalogue_when_reporting(web, requester, email):
    make_service("Data Lake", lifecycle="pipeline")
    make_service("Kubernetes", is_public=False)
    page = web(requester).get(REPORT).content.decode()
    assert "Report an incident" in page and ">Email</option>" in page
    assert "Data Lake" not in page and "Kubernetes" not in page


def test_it_records_a_self_service_incident_for_the_requester(web, requester, email):
    data = {
        "short_description": "Cannot print",
        "description": "Floor 3",
        "service": email.pk,
        "urgency": 1,
    }
    response = web(requester).post(REPORT, data, follow=True)
    incident = Incident.objects.get()
    assert response.redirect_chain[-1][0] == f"/incidents/{incident.number}/"
    assert f"Thank you: {incident.number} is recorded" in response.content.decode()
    assert (incident.caller, incident.opened_by, incident.channel) == (
        requester,
        requester,
        "self_service",
    )
    assert (incident.urgency, incident.impact, incident.priority, incident.service) == (
        1,
        3,
        3,
        email,
    )


def test_it_names_the_missing_field_and_keeps_the_details(web, requester):
    response = web(requester).post(
        REPORT, {"short_description": "", "description": "It beeps", "urgency": 3}
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert 'id="id_short_description_errors"' in page and "It beeps</textarea>" in page
    assert not Incident.objects.exists()


def test_it_refuses_a_service_the_requester_cannot_see(web, requester):
    hidden = make_service("Kubernetes", is_public=False)
    data = {"short_description": "Pods", "service": hidden.pk, "urgency": 3}
    response = web(requester).post(REPORT, data)
    assert response.status_code == 200 and 'id="id_service_errors"' in response.content.decode()


def test_it_lists_only_the_requesters_own_incidents(web, requester, other_requester):
    own = make_incident(requester, short_description="My laptop")
    make_incident(other_requester, short_description="Rob's phone")
    response = web(requester).get(MINE)
    assert [i.number for i in response.context["object_list"]] == [own.number]
    page = response.content.decode()
    assert "My laptop" in page and "Rob's phone" not in page
    resolved = move(make_incident(requester), "resolved")
    listed = web(requester).get(MINE, {"state": "resolved"}).context["object_list"]
    assert [i.number for i in listed] == [resolved.number]


def test_it_shows_the_caller_public_comments_only_and_no_timeline(web, requester, agent, incident):
    services.do_add_incident_comment(incident, "Please restart.", actor=agent)
    services.do_add_incident_comment(incident, "Suspect the MX.", actor=agent, is_work_note=True)
    response = web(requester).get(f"/incidents/{incident.number}/")
    assert [t.name for t in response.templates][0] == "incidents/portal_detail.html"
    page = response.content.decode()
    assert "Please restart." in page and "Suspect the MX." not in page
    assert 'id="timeline"' not in page and "Work note" not in page
    assert 'id="state"' not in page and 'id="assignment"' not in page and "/edit/" not in page
    assert 'id="comment-form"' in page and 'name="is_work_note"' not in page


def test_it_shows_the_resolution_to_the_caller(web, requester, incident):
    move(incident, "resolved", resolution_notes="We reset your profile.")
    page = web(requester).get(f"/incidents/{incident.number}/").content.decode()
    assert "We reset your profile." in page and "Not fixed? Write a comment" in page
    closes = services.auto_close_at(Incident.objects.get(pk=incident.pk))
    assert 'id="auto-close"' in page and f"{closes:%Y-%m-%dT%H:%M}" in page


def test_it_lets_the_caller_comment_but_never_write_a_work_note(web, requester, incident):
    response = web(requester).post(
        f"/incidents/{incident.number}/comments/", {"body": "Still broken.", "is_work_note": "on"}
    )
    assert response.status_code == 302
    comment = incident.comments.get()
    assert (comment.author, comment.is_work_note) == (requester, False)


def test_it_hides_other_peoples_incidents(web, other_requester, incident):
    client = web(other_requester)
    assert client.get(f"/incidents/{incident.number}/").status_code == 404
    assert client.post(f"/incidents/{incident.number}/comments/", {"body": "x"}).status_code == 404


def test_it_lists_my_incidents_in_a_constant_number_of_queries(web, requester, email):
    client = web(requester)
    make_incident(requester, service=email)

    def add_rows():
        for number in range(5):
            make_incident(requester, service=make_service(f"Service {number}"))

    assert_constant_queries("my_incidents", lambda: client.get(MINE), add_rows)
