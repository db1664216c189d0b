"""/service-levels/agreements/<number>/report/: the report page, its PDF, who may read it, and
the read-only links (made once, listed, revoked; the shared page needs no sign-in)."""

import datetime as dt
import html
import io
import re

import pytest
from pypdf import PdfReader

from kaizen.availability.models import OutageKind
from kaizen.availability.services import do_record_outage
from kaizen.catalog.services import do_update_service
from kaizen.servicelevels.figures import Period
from kaizen.servicelevels.models import ReportLink
from kaizen.servicelevels.report_views import period_asked
from kaizen.testing import make_user

PAGE = "/service-levels/agreements/SLA00001/report/"
NOVEMBER = "?from=2026-11-01&to=2026-11-30"


@pytest.fixture(autouse=True)
def site_in_utc(settings):
    settings.TIME_ZONE = "UTC"


@pytest.fixture
def outages(mail):
    for start, end in (
        ("2026-11-03 10:00", "2026-11-03 12:30"),
        ("2026-10-06 10:00", "2026-10-06 11:00"),
    ):
        do_record_outage(
            actor=None,
            service=mail,
            kind=OutageKind.UNPLANNED,
            started_at=dt.datetime.fromisoformat(start).replace(tzinfo=dt.UTC),
            ended_at=dt.datetime.fromisoformat(end).replace(tzinfo=dt.UTC),
            title="Mail down",
            confirmed=True,
        )


def text_of(response) -> str:
    page = html.unescape(response.content.decode())
    return " ".join(re.sub(r"<[^>]+>", " ", page).split())


def test_it_shows_every_section_in_words(web, slm, mail_sla, outages):
    response = web(slm).get(PAGE + NOVEMBER)
    assert response.status_code == 200
    text = text_of(response)
    assert "Service level report November 2026" in text
    assert "1 Nov 2026 – 30 Nov 2026" in text
    # 168 agreed hours, 2 h 30 min down: 98.51 % against 99.5 %.
    assert "7 d" in text and "2 h 30 min" in text and "98.51 %" in text and "99.5 %" in text
    assert "1 target missed" in text and "Mail availability" in text
    assert "Outages behind Mail's figure: 1" in text and "3 Nov 2026, 10:00" in text
    assert (
        "Resolution of priority 1 within 8 business hours (P1 resolution), for 95 % of tickets"
        in text
    )
    assert "No tickets" in text
    assert "No incident on the covered services was opened or resolved in the period." in text
    assert "No change on the covered services was carried out in the period." in text
    assert "No problem on the covered services was open at the end of the period." in text
    assert "Oct 2026" in text and "Aug 2026" in text  # the trend
    assert not re.search(r"\d{4}-\d{2}-\d{2}T", text)  # no ISO instants
    assert "not_met" not in text and "no_tickets" not in text  # no raw keys
    pdf = f"/service-levels/agreements/SLA00001/report.pdf{NOVEMBER}"
    assert pdf in response.content.decode().replace("&amp;", "&")


def test_it_shows_the_last_full_month_by_default_and_says_what_was_wrong(web, slm, mail_sla):
    today = dt.date(2026, 12, 7)
    assert period_asked({}, today) == (Period(dt.date(2026, 11, 1), dt.date(2026, 11, 30)), "")
    period, problem = period_asked({"from": "2026-11-30", "to": "2026-11-01"}, today)
    assert period.first_day == dt.date(2026, 11, 1) and "ends before it starts" in problem
    _, problem = period_asked({"from": "2025-01-01", "to": "2026-11-30"}, today)
    assert "a year at most" in problem
    response = web(slm).get(PAGE + "?from=nonsense&to=2026-11-30")
    assert response.status_code == 200
    assert "Give the period as two days" in text_of(response)


def test_who_may_read_it(web, client, slm, agent, requester, mail_sla, mail):
    assert web(agent).get(PAGE).status_code == 403
    assert web(requester).get(PAGE).status_code == 403
    assert web(slm).get("/service-levels/agreements/SLA09999/report/").status_code == 404
    client.logout()
    assert client.get(PAGE).status_code == 302  # to sign in
    owner = make_user("olga")
    do_update_service(mail, actor=None, expected_version=None, owner=owner)
    assert web(owner).get(PAGE).status_code == 200


def test_it_sends_the_report_as_a_pdf(web, slm, mail_sla, outages):
    response = web(slm).get("/service-levels/agreements/SLA00001/report.pdf" + NOVEMBER)
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert (
        response["Content-Disposition"] == 'attachment; filename="SLA00001-20261101-20261130.pdf"'
    )
    reader = PdfReader(io.BytesIO(response.content))
    text = " ".join(" ".join(page.extract_text() for page in reader.pages).split())
    assert "Mail for Finance" in text and "98.51 %" in text and "1 target missed" in text


def make_link(browser) -> str:
    response = browser.post(
        "/service-levels/agreements/SLA00001/report/share/",
        {"from": "2026-11-01", "to": "2026-11-30", "days": "7"},
    )
    assert response.status_code == 302
    page = browser.get(response["Location"])
    address = re.search(r'value="(http[^"]+)"', page.content.decode()).group(1)
    assert "/shared/service-level-report/" in address
    again = browser.get(response["Location"])
    assert address not in again.content.decode()  # shown once
    return address.split("testserver", 1)[1]


def test_a_link_opens_its_period_without_signing_in_until_revoked(
    web, client, slm, mail_sla, outages
):
    manager = web(slm)
    address = make_link(manager)
    link = ReportLink.objects.get()
    assert (link.period_start, link.period_end) == (dt.date(2026, 11, 1), dt.date(2026, 11, 30))
    assert link.token_hash not in address and len(link.token_hash) == 64
    client.logout()
    shared = client.get(address)
    assert shared.status_code == 200
    assert shared["X-Robots-Tag"].startswith("noindex")
    page = html.unescape(shared.content.decode())
    assert "98.51 %" in page and "<form" not in page
    assert re.findall(r'\shref="([^"]*)"', page) == [f"{address}report.pdf"]
    assert client.get(f"{address}report.pdf").content.startswith(b"%PDF")
    manager = web(slm)
    listing = manager.get(PAGE + NOVEMBER)
    assert 'data-state="live"' in listing.content.decode()
    response = manager.post(f"/service-levels/agreements/SLA00001/report/links/{link.pk}/revoke/")
    assert response.status_code == 302
    client.logout()
    gone = client.get(address)
    assert gone.status_code == 404 and "not valid or has expired" in gone.content.decode()
    assert client.get("/shared/service-level-report/unknown-token/").status_code == 404


def test_an_expired_link_answers_like_an_unknown_one(client, slm, mail_sla):
    from kaizen.servicelevels.report_links import do_create_report_link

    _, token = do_create_report_link(
        mail_sla,
        actor=slm,
        period_start=dt.date(2026, 11, 1),
        period_end=dt.date(2026, 11, 30),
        days=1,
        now=dt.datetime(2026, 1, 1, tzinfo=dt.UTC),
    )
    response = client.get(f"/shared/service-level-report/{token}/")
    assert response.status_code == 404 and "not valid or has expired" in response.content.decode()


def test_only_service_level_managers_share(web, mail_sla, mail):
    owner = make_user("olga")
    do_update_service(mail, actor=None, expected_version=None, owner=owner)
    reader = web(owner)
    assert 'id="share-form"' not in reader.get(PAGE).content.decode()
    response = reader.post(
        "/service-levels/agreements/SLA00001/report/share/",
        {"from": "2026-11-01", "to": "2026-11-30"},
    )
    assert response.status_code == 403
    assert not ReportLink.objects.exists()


def test_the_page_reads_as_many_queries_for_a_year_as_for_a_month(web, slm, mail_sla, outages):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    browser = web(slm)
    browser.get(PAGE + NOVEMBER)  # sessions, content types: cached from here on
    with CaptureQueriesContext(connection) as month:
        assert browser.get(PAGE + NOVEMBER).status_code == 200
    with CaptureQueriesContext(connection) as year:
        assert browser.get(PAGE + "?from=2025-12-01&to=2026-11-30").status_code == 200
    assert len(year.captured_queries) == len(month.captured_queries)
