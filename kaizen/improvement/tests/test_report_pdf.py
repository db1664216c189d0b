"""/improvement/<pk>/report.pdf: the report as a PDF (WeasyPrint), made offline."""

import io

import pytest
from pypdf import PdfReader

from kaizen.core.pdf import pdf_url_fetcher
from kaizen.improvement.models import Baseline
from kaizen.improvement.tests.helpers import add_kpi, make_goal, make_initiative
from kaizen.improvement.tests.test_report import KPI_NAME, analysed_initiative

pytestmark = pytest.mark.django_db


def url(initiative) -> str:
    return f"/improvement/{initiative.pk}/report.pdf"


@pytest.fixture
def analysed(process_owner):
    return analysed_initiative(process_owner)


def pdf_text(content: bytes) -> tuple[str, int]:
    reader = PdfReader(io.BytesIO(content))
    text = "\n".join(page.extract_text() for page in reader.pages)
    return " ".join(text.split()), len(reader.pages)


def test_it_forbids_requesters(web, requester, analysed):
    assert web(requester).get(url(analysed)).status_code == 403


def test_it_answers_404_for_a_missing_initiative(web, agent):
    assert web(agent).get("/improvement/999999/report.pdf").status_code == 404


def test_it_sends_a_pdf_of_the_report_named_after_its_reference(web, agent, analysed):
    response = web(agent).get(url(analysed))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == (
        f'attachment; filename="{analysed.reference}-report.pdf"'
    )
    assert response.content.startswith(b"%PDF")
    text, pages = pdf_text(response.content)
    baseline = Baseline.objects.get(initiative_kpi__initiative=analysed)
    assert KPI_NAME in text
    assert f"{baseline.value:.1f} h" in text
    assert analysed.reference in text and analysed.title in text
    assert "Decision asked: implement / keep measuring / stop" in text
    assert 2 <= pages <= 4  # a decision maker's few pages for one KPI


def test_it_makes_a_pdf_of_a_report_without_analysis(web, agent, process_owner):
    initiative = make_initiative(owner=process_owner, goals=[make_goal(actor=process_owner)])
    add_kpi(initiative, actor=process_owner)
    response = web(agent).get(url(initiative))
    assert response.status_code == 200 and response.content.startswith(b"%PDF")
    text, _ = pdf_text(response.content)
    assert "No analysis yet" in text


@pytest.mark.parametrize(
    "address", ["http://example.com/logo.png", "file:///etc/passwd", "https://example.com/a.css"]
)
def test_it_lets_weasyprint_fetch_nothing_from_the_network_or_the_disk(address):
    with pytest.raises(ValueError, match="disallowed protocol"):
        pdf_url_fetcher().fetch(address)
