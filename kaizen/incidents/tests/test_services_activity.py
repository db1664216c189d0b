"""Comments, work notes and attachments."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile

from kaizen.incidents import services
from kaizen.incidents.models import IncidentAttachment, IncidentComment
from kaizen.incidents.tests.helpers import last_event, make_incident, move

pytestmark = pytest.mark.django_db

T0 = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def test_it_adds_a_comment_and_counts_an_agents_as_first_response(incident, agent):
    comment = services.do_add_incident_comment(incident, "  On it.  ", actor=agent, at=T0)
    assert (comment.body, comment.is_work_note, comment.created_at) == ("On it.", False, T0)
    event = last_event(incident)
    assert event.event_type == "incidents.incident.commented"
    assert event.changes == {"first_responded_at": {"old": None, "new": T0.isoformat()}}
    assert event.data == {"comment": comment.pk, "excerpt": "On it."}
    incident.refresh_from_db()
    assert incident.first_responded_at == T0 and incident.version == 1


@pytest.mark.parametrize("who", ["requester", "work_note", "system"])
def test_it_does_not_count_other_comments_as_a_response(incident, requester, agent, who):
    actor = {"requester": requester, "work_note": agent, "system": None}[who]
    services.do_add_incident_comment(
        incident, "Any news?", actor=actor, is_work_note=who == "work_note"
    )
    incident.refresh_from_db()
    assert incident.first_responded_at is None
    assert last_event(incident).changes == {}


def test_it_does_not_count_an_agent_commenting_on_their_own_incident(agent):
    incident = make_incident(agent)
    services.do_add_incident_comment(incident, "Still broken.", actor=agent)
    incident.refresh_from_db()
    assert incident.first_responded_at is None


def test_it_journals_work_notes_as_such(incident, agent):
    note = services.do_add_incident_comment(
        incident, "Checked the logs.", actor=agent, is_work_note=True
    )
    event = last_event(incident)
    assert event.event_type == "incidents.incident.work_note_added"
    assert event.data == {"comment": note.pk, "excerpt": "Checked the logs."}


def test_it_refuses_empty_comments_and_comments_on_final_incidents(incident, agent):
    with pytest.raises(ValidationError) as caught:
        services.do_add_incident_comment(incident, "   ", actor=agent)
    assert "body" in caught.value.error_dict
    closed = move(incident, "resolved", "closed")
    with pytest.raises(ValidationError) as caught:
        services.do_add_incident_comment(closed, "Thanks", actor=agent)
    assert "body" in caught.value.error_dict
    assert not IncidentComment.objects.exists()


def test_it_stores_an_attachment_under_the_incident_number(incident, requester):
    upload = SimpleUploadedFile("error screen.png", b"\x89PNG...", content_type="image/png")
    attachment = services.do_add_incident_attachment(incident, upload, actor=requester, at=T0)
    assert attachment.file.name.startswith("incidents/INC0000001/error_screen")
    assert (attachment.original_name, attachment.size, attachment.content_type) == (
        "error screen.png",
        7,
        "image/png",
    )
    assert default_storage.open(attachment.file.name).read() == b"\x89PNG..."
    event = last_event(incident)
    assert event.event_type == "incidents.incident.attachment_added"
    assert event.data == {"attachment": attachment.pk, "name": "error screen.png", "size": 7}
    assert event.changes == {}


def test_it_refuses_a_file_over_the_size_limit_naming_the_field(incident, settings):
    settings.KAIZEN_MAX_ATTACHMENT_MB = 1
    upload = SimpleUploadedFile("dump.bin", b"x" * (1024 * 1024 + 1))
    with pytest.raises(ValidationError) as caught:
        services.do_add_incident_attachment(incident, upload, actor=None)
    assert caught.value.message_dict == {
        "file": ["dump.bin is 1.0 MB; attachments may be at most 1 MB"]
    }
    assert not IncidentAttachment.objects.exists()


def test_it_accepts_a_file_of_exactly_the_limit(incident, settings):
    settings.KAIZEN_MAX_ATTACHMENT_MB = 1
    upload = SimpleUploadedFile("dump.bin", b"x" * (1024 * 1024))
    assert services.do_add_incident_attachment(incident, upload, actor=None).size == 1024 * 1024


def test_it_refuses_empty_files_and_files_on_final_incidents(incident):
    with pytest.raises(ValidationError, match="is empty"):
        services.do_add_incident_attachment(incident, SimpleUploadedFile("a.txt", b""), actor=None)
    cancelled = move(incident, "cancelled")
    with pytest.raises(ValidationError) as caught:
        services.do_add_incident_attachment(
            cancelled, SimpleUploadedFile("a.txt", b"a"), actor=None
        )
    assert "file" in caught.value.error_dict
    assert not IncidentAttachment.objects.exists()


def test_it_refuses_a_comment_longer_than_the_limit_naming_its_length(incident, agent):
    at_limit = "a" * IncidentComment.MAX_LENGTH
    services.do_add_incident_comment(incident, at_limit, actor=agent, is_work_note=True)
    with pytest.raises(ValidationError) as caught:
        services.do_add_incident_comment(incident, at_limit + "b", actor=agent)
    assert caught.value.message_dict == {
        "body": [
            "at most 20,000 characters (this one has 20,001): attach a long text as a file instead"
        ]
    }
    assert IncidentComment.objects.count() == 1
