"""Uploading files to an incident and downloading them, for those who may see it."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from kaizen.incidents import services
from kaizen.incidents.models import IncidentAttachment

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def screenshot(incident, requester):
    upload = SimpleUploadedFile("screen.png", b"PNGDATA", content_type="image/png")
    return services.do_add_incident_attachment(incident, upload, actor=requester)


def upload_url(incident) -> str:
    return f"/incidents/{incident.number}/attachments/"


@pytest.mark.parametrize("persona", ["requester", "agent"])
def test_it_lets_the_caller_and_agents_upload(request, web, incident, persona):
    client = web(request.getfixturevalue(persona))
    upload = SimpleUploadedFile("log.txt", b"error 42", content_type="text/plain")
    response = client.post(upload_url(incident), {"file": upload})
    assert response.status_code == 302 and response["Location"].endswith("#attachments")
    attachment = IncidentAttachment.objects.get()
    assert attachment.original_name == "log.txt" and attachment.size == 8
    page = client.get(f"/incidents/{incident.number}/").content.decode()
    assert "log.txt" in page and f'href="/incidents/attachments/{attachment.pk}/"' in page


def test_it_names_the_field_when_the_file_is_too_large(web, agent, incident, settings):
    settings.KAIZEN_MAX_ATTACHMENT_MB = 1
    upload = SimpleUploadedFile("video.mp4", b"x" * (2 * 1024 * 1024))
    response = web(agent).post(upload_url(incident), {"file": upload})
    assert response.status_code == 200
    page = response.content.decode()
    assert 'id="id_file_errors"' in page
    assert "video.mp4 is 2.0 MB; attachments may be at most 1 MB" in page
    assert not IncidentAttachment.objects.exists()


def test_it_asks_for_a_file(web, agent, incident):
    response = web(agent).post(upload_url(incident), {})
    assert response.status_code == 200 and 'id="id_file_errors"' in response.content.decode()


@pytest.mark.parametrize("persona", ["requester", "agent"])
def test_it_serves_the_file_as_a_download_to_those_who_see_the_incident(
    request, web, screenshot, persona
):
    response = web(request.getfixturevalue(persona)).get(f"/incidents/attachments/{screenshot.pk}/")
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == b"PNGDATA"
    assert response["Content-Disposition"] == 'attachment; filename="screen.png"'
    assert response["Content-Type"] == "image/png"


def test_it_hides_the_file_from_everyone_else(web, client, other_requester, screenshot):
    assert web(other_requester).get(f"/incidents/attachments/{screenshot.pk}/").status_code == 404
    client.logout()
    response = client.get(f"/incidents/attachments/{screenshot.pk}/")
    assert response.status_code == 302 and response["Location"].startswith("/login/")


def test_it_refuses_uploads_to_someone_elses_incident(web, other_requester, incident):
    upload = SimpleUploadedFile("a.txt", b"a")
    assert web(other_requester).post(upload_url(incident), {"file": upload}).status_code == 404
