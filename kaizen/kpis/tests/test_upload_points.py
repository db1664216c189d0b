"""/kpis/<key>/upload/: a CSV of external data points, and the upload's report."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from kaizen.kpis.models import ExternalDataPoint, ExternalUpload

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("small_library")]

URL = "/kpis/test.availability/upload/"
CSV = (
    b"occurred_at,value,service\n"
    b"2026-03-01T00:00:00Z,99.95,Email\n"
    b"2026-03-02T00:00:00Z,lots,Email\n"
    b"2026-03-03T00:00:00Z,99.5,VPN\n"
)


def upload(client, content: bytes = CSV):
    return client.post(URL, {"file": SimpleUploadedFile("march.csv", content, "text/csv")})


def test_it_forbids_agents_without_a_leading_role(web, agent):
    assert web(agent).get(URL).status_code == 403
    assert upload(web(agent)).status_code == 403


def test_it_forbids_requesters(web, requester):
    assert web(requester).get(URL).status_code == 403


def test_it_answers_404_for_a_kpi_that_takes_no_data(web, sla_manager):
    assert web(sla_manager).get("/kpis/test.incidents_opened/upload/").status_code == 404


def test_it_keeps_good_rows_and_reports_bad_ones_by_line(web, sla_manager):
    client = web(sla_manager)
    assert client.get(URL).status_code == 200
    response = upload(client)
    report = ExternalUpload.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/kpis/uploads/{report.pk}/"
    page = client.get(response["Location"]).content.decode()
    assert 'id="recorded">2<' in page and 'id="rejected">1<' in page
    assert "&#x27;lots&#x27; is not a number" in page and "<td>3</td>" in page
    assert ExternalDataPoint.objects.count() == 2


def test_it_adds_nothing_when_the_file_comes_again(web, sla_manager):
    client = web(sla_manager)
    upload(client)
    response = upload(client)
    page = client.get(response["Location"]).content.decode()
    assert 'id="recorded">0<' in page and 'id="replayed">2<' in page
    assert ExternalDataPoint.objects.count() == 2


def test_it_asks_for_a_file(web, sla_manager):
    response = web(sla_manager).post(URL, {})
    assert response.status_code == 200 and "file" in response.context["form"].errors
