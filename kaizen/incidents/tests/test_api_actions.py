"""/api/v1/incidents/{number}/transition/, hold-reason/, assign/, comments/ and attachments/."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from kaizen.incidents import services
from kaizen.incidents.models import Incident, IncidentAttachment
from kaizen.incidents.tests.helpers import last_event, make_incident

pytestmark = pytest.mark.django_db


def url(incident, action: str) -> str:
    return f"/api/v1/incidents/{incident.number}/{action}/"


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def test_it_moves_an_incident(api, agent, incident):
    data = {"state": "on_hold", "on_hold_reason": "awaiting_caller", "version": 1}
    response = api(agent).post(url(incident, "transition"), data)
    assert response.status_code == 200, response.json()
    row = response.json()
    assert (row["state"], row["on_hold_reason"], row["version"]) == (
        "on_hold",
        "awaiting_caller",
        2,
    )
    assert row["allowed_transitions"] == ["in_progress", "resolved", "cancelled"]


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"state": "on_hold"}, "on_hold_reason"),
        ({"state": "resolved", "resolution_code": "solved"}, "resolution_notes"),
        ({"state": "closed"}, "state"),
        ({"state": "assigned"}, "state"),
        ({"state": "asleep"}, "state"),
        ({"state": "on_hold", "on_hold_reason": "awaiting_godot"}, "on_hold_reason"),
        ({"state": "in_progress", "version": None}, "version"),
    ],
)
def test_it_answers_400_naming_the_field_of_a_refused_move(api, agent, incident, data, field):
    payload = {"version": 1, **data}
    if payload["version"] is None:
        del payload["version"]
    response = api(agent).post(url(incident, "transition"), payload)
    assert response.status_code == 400
    assert list(response.json()) == [field], response.json()
    assert Incident.objects.get(pk=incident.pk).state == "new"


def test_it_answers_409_to_a_stale_move(api, agent, incident):
    services.do_change_incident_state(incident, "in_progress", actor=None, expected_version=1)
    response = api(agent).post(url(incident, "transition"), {"state": "cancelled", "version": 1})
    assert response.status_code == 409
    assert "was changed by the system" in response.json()["detail"]


def test_it_changes_the_hold_reason_of_an_incident_on_hold(api, agent, incident):
    client = api(agent)
    data = {"state": "on_hold", "on_hold_reason": "awaiting_vendor", "version": 1}
    assert client.post(url(incident, "transition"), data).status_code == 200
    # A second move to on hold is refused, naming the way to change the reason.
    data = {"state": "on_hold", "on_hold_reason": "awaiting_caller", "version": 2}
    response = client.post(url(incident, "transition"), data)
    assert response.status_code == 400
    assert response.json() == {
        "state": ["the incident is on hold already: change its on-hold reason instead"]
    }
    response = client.post(
        url(incident, "hold-reason"), {"on_hold_reason": "awaiting_caller", "version": 2}
    )
    assert response.status_code == 200, response.json()
    row = response.json()
    assert (row["state"], row["on_hold_reason"], row["version"]) == (
        "on_hold",
        "awaiting_caller",
        3,
    )
    assert row["first_responded_at"] is None
    assert last_event(incident).event_type == "incidents.incident.on_hold_reason_changed"


@pytest.mark.parametrize(
    ("data", "status", "field"),
    [
        ({"on_hold_reason": "awaiting_caller", "version": 1}, 400, "on_hold_reason"),  # not on hold
        ({"on_hold_reason": "awaiting_godot", "version": 1}, 400, "on_hold_reason"),
        ({"version": 1}, 400, "on_hold_reason"),
        ({"on_hold_reason": "awaiting_caller"}, 400, "version"),
    ],
)
def test_it_answers_400_naming_the_field_of_a_refused_reason_change(
    api, agent, incident, data, status, field
):
    response = api(agent).post(url(incident, "hold-reason"), data)
    assert response.status_code == status
    assert list(response.json()) == [field], response.json()
    assert Incident.objects.get(pk=incident.pk).version == 1


def test_it_answers_409_to_a_stale_reason_change(api, agent, incident):
    services.do_change_incident_state(
        incident, "on_hold", actor=None, expected_version=1, on_hold_reason="awaiting_vendor"
    )
    data = {"on_hold_reason": "awaiting_caller", "version": 1}
    response = api(agent).post(url(incident, "hold-reason"), data)
    assert response.status_code == 409
    assert response.json()["current_version"] == 2
    assert Incident.objects.get(pk=incident.pk).on_hold_reason == "awaiting_vendor"


def test_it_assigns_by_team_slug_and_user_id(api, agent, incident, service_desk, network):
    client = api(agent)
    data = {"assignment_group": "service-desk", "assignee": agent.pk, "version": 1}
    response = client.post(url(incident, "assign"), data)
    assert response.status_code == 200, response.json()
    assert (response.json()["assignee_name"], response.json()["state"]) == (
        "Alan Agent",
        "assigned",
    )
    data = {"assignment_group": "network", "assignee": agent.pk, "version": 2}
    response = client.post(url(incident, "assign"), data)
    assert response.status_code == 400 and list(response.json()) == ["assignee"]
    response = client.post(url(incident, "assign"), {**data, "version": 1})
    assert response.status_code == 409


@pytest.mark.parametrize("action", ["transition", "hold-reason", "assign"])
def test_it_keeps_agent_actions_from_callers_and_others(
    api, requester, other_requester, incident, action
):
    data = {"state": "cancelled", "on_hold_reason": "awaiting_caller", "version": 1}
    assert api(requester).post(url(incident, action), data).status_code == 403
    assert api(other_requester).post(url(incident, action), data).status_code == 404
    assert api().post(url(incident, action), data).status_code == 401


def test_it_lists_work_notes_to_agents_only(api, agent, requester, other_requester, incident):
    services.do_add_incident_comment(incident, "Public", actor=agent)
    services.do_add_incident_comment(incident, "Internal", actor=agent, is_work_note=True)
    assert [c["body"] for c in api(agent).get(url(incident, "comments")).json()] == [
        "Public",
        "Internal",
    ]
    rows = api(requester).get(url(incident, "comments")).json()
    assert rows == [
        {
            "id": rows[0]["id"],
            "author": "Alan Agent",
            "body": "Public",
            "is_work_note": False,
            "created_at": rows[0]["created_at"],
        }
    ]
    assert api(other_requester).get(url(incident, "comments")).status_code == 404


def test_it_takes_comments_and_keeps_work_notes_for_agents(api, agent, requester, incident):
    response = api(requester).post(url(incident, "comments"), {"body": "Any news?"})
    assert response.status_code == 201 and response.json()["author"] == "Rita Requester"
    response = api(requester).post(url(incident, "comments"), {"body": "x", "is_work_note": True})
    assert response.status_code == 403
    response = api(agent).post(url(incident, "comments"), {"body": "Logs", "is_work_note": True})
    assert response.status_code == 201 and response.json()["is_work_note"] is True
    response = api(agent).post(url(incident, "comments"), {"body": ""})
    assert response.status_code == 400 and list(response.json()) == ["body"]


def test_it_uploads_lists_and_downloads_attachments(api, requester, agent, incident):
    upload = SimpleUploadedFile("trace.txt", b"stack trace", content_type="text/plain")
    response = api(requester).post(
        url(incident, "attachments"), {"file": upload}, format="multipart"
    )
    assert response.status_code == 201, response.json()
    row = response.json()
    attachment = IncidentAttachment.objects.get()
    assert row["original_name"] == "trace.txt" and row["size"] == 11
    assert row["download_url"] == f"/api/v1/incidents/INC0000001/attachments/{attachment.pk}/"
    listed = api(agent).get(url(incident, "attachments")).json()
    assert [a["original_name"] for a in listed] == ["trace.txt"]
    response = api(agent).get(row["download_url"])
    assert response.status_code == 200 and b"".join(response.streaming_content) == b"stack trace"


def test_it_answers_400_on_file_for_a_file_too_large(api, agent, incident, settings):
    settings.KAIZEN_MAX_ATTACHMENT_MB = 1
    upload = SimpleUploadedFile("big.iso", b"x" * (1024 * 1024 + 10))
    response = api(agent).post(url(incident, "attachments"), {"file": upload}, format="multipart")
    assert response.status_code == 400
    assert response.json() == {"file": ["big.iso is 1.0 MB; attachments may be at most 1 MB"]}
    response = api(agent).post(url(incident, "attachments"), {}, format="multipart")
    assert response.status_code == 400 and list(response.json()) == ["file"]


def test_it_hides_attachments_of_other_peoples_incidents(api, requester, other_requester, incident):
    upload = SimpleUploadedFile("a.txt", b"a")
    attachment = services.do_add_incident_attachment(incident, upload, actor=requester)
    client = api(other_requester)
    assert client.get(url(incident, "attachments")).status_code == 404
    assert (
        client.get(f"/api/v1/incidents/{incident.number}/attachments/{attachment.pk}/").status_code
        == 404
    )
    other = make_incident(other_requester)
    assert (
        client.get(f"/api/v1/incidents/{other.number}/attachments/{attachment.pk}/").status_code
        == 404
    )


def test_it_answers_a_megabyte_comment_with_a_400_naming_the_body(api, agent, incident):
    response = api(agent).post(url(incident, "comments"), {"body": "x" * 1_000_000}, format="json")
    assert response.status_code == 400
    assert response.json() == {"body": ["Ensure this field has no more than 20000 characters."]}
