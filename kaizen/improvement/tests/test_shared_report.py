"""Step 6's read-only link: sharing and unsharing the report, and the shared page and PDF
that need no sign-in."""

import html
import re

import pytest

from kaizen.improvement.models import Baseline
from kaizen.improvement.tests.test_report import KPI_NAME, analysed_initiative

pytestmark = pytest.mark.django_db


@pytest.fixture
def analysed(process_owner):
    return analysed_initiative(process_owner)


def share_url(initiative) -> str:
    return f"/improvement/{initiative.pk}/share/"


def unshare_url(initiative) -> str:
    return f"/improvement/{initiative.pk}/unshare/"


def shared(initiative) -> str:
    initiative.refresh_from_db()
    return f"/improvement/shared/{initiative.share_token}/"


def messages_of(response) -> list[str]:
    return [str(message) for message in response.wsgi_request._messages]


def test_it_shares_for_the_owner_with_the_full_link_and_back_to_step_6(
    web, process_owner, analysed
):
    response = web(process_owner).post(share_url(analysed))
    assert response.status_code == 302
    assert response["Location"] == f"/improvement/{analysed.pk}/step/6/"
    link = f"http://testserver{shared(analysed)}"
    assert any(link in message for message in messages_of(response))


def test_it_lets_the_csi_manager_share_any_initiative(web, csi_manager, analysed):
    assert web(csi_manager).post(share_url(analysed)).status_code == 302
    analysed.refresh_from_db()
    assert analysed.share_token


@pytest.mark.parametrize("who", ["agent", "requester"])
def test_it_forbids_sharing_to_others(request, web, analysed, who):
    user = request.getfixturevalue(who)
    assert web(user).post(share_url(analysed)).status_code == 403
    assert web(user).post(unshare_url(analysed)).status_code == 403
    analysed.refresh_from_db()
    assert analysed.share_token is None


def test_it_shares_and_unshares_by_post_only(web, process_owner, analysed):
    assert web(process_owner).get(share_url(analysed)).status_code == 405
    assert web(process_owner).get(unshare_url(analysed)).status_code == 405


def test_it_answers_404_for_sharing_a_missing_initiative(web, process_owner):
    assert web(process_owner).post("/improvement/999999/share/").status_code == 404


def test_it_shows_the_shared_report_signed_out_and_read_only(client, web, process_owner, analysed):
    web(process_owner).post(share_url(analysed))
    client.logout()
    address = shared(analysed)
    response = client.get(address)
    assert response.status_code == 200
    assert response["X-Robots-Tag"].startswith("noindex")
    assert response["Referrer-Policy"] == "no-referrer"
    page = html.unescape(response.content.decode())
    baseline = Baseline.objects.get(initiative_kpi__initiative=analysed)
    assert KPI_NAME in page and f"{baseline.value:.1f} h" in page
    assert page.count("<svg") == 4
    # Read-only and nothing of the inside: no forms, no links but its own PDF, no e-mails,
    # no journal.
    assert "<form" not in page and "csrfmiddlewaretoken" not in page
    assert re.findall(r'\shref="([^"]*)"', page) == [f"{address}report.pdf"]
    assert "@" not in re.sub(r"<style.*?</style>", "", page, flags=re.S)
    assert process_owner.email not in page
    assert "timeline" not in page


def test_the_shared_report_lets_in_only_its_own_inline_stylesheets(
    client, web, process_owner, analysed
):
    """The page is one file (the PDF is made from it): its <style> blocks carry the response's
    Content-Security-Policy nonce, and its charts draw without any inline style."""
    web(process_owner).post(share_url(analysed))
    client.logout()
    response = client.get(shared(analysed))
    policy = response["Content-Security-Policy"]
    nonce = re.search(r"style-src 'self' 'nonce-([^']+)'", policy).group(1)
    page = response.content.decode()
    assert (
        page.count("<style")
        == page.count(f'<style nonce="{nonce}"')
        + page.count(f'<style media="print" nonce="{nonce}"')
        == 3
    )
    assert page.count("<svg") == 4 and " style=" not in page
    assert "script-src 'self';" in policy + ";" and "unsafe" not in policy
    other = client.get(shared(analysed))["Content-Security-Policy"]
    assert f"'nonce-{nonce}'" not in other  # a new one for each response


def test_it_serves_the_shared_pdf_signed_out(client, web, process_owner, analysed):
    web(process_owner).post(share_url(analysed))
    client.logout()
    response = client.get(f"{shared(analysed)}report.pdf")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    assert response["X-Robots-Tag"].startswith("noindex")
    assert response["Referrer-Policy"] == "no-referrer"


def test_it_answers_404_once_unshared(client, web, process_owner, analysed):
    owner = web(process_owner)
    owner.post(share_url(analysed))
    address = shared(analysed)
    response = owner.post(unshare_url(analysed))
    assert response.status_code == 302
    assert response["Location"] == f"/improvement/{analysed.pk}/step/6/"
    client.logout()
    assert client.get(address).status_code == 404
    assert client.get(f"{address}report.pdf").status_code == 404


def test_it_gives_a_new_link_when_shared_again(client, web, process_owner, analysed):
    owner = web(process_owner)
    owner.post(share_url(analysed))
    first = shared(analysed)
    owner.post(unshare_url(analysed))
    owner.post(share_url(analysed))
    second = shared(analysed)
    client.logout()
    assert first != second
    assert client.get(first).status_code == 404
    assert client.get(second).status_code == 200


def test_it_answers_404_for_an_unknown_token(client, analysed):
    assert client.get("/improvement/shared/not-a-token/").status_code == 404
    assert client.get("/improvement/shared/not-a-token/report.pdf").status_code == 404
