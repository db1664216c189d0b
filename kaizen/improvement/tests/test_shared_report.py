"""Step 6's read-only link: sharing and unsharing the report, and the shared page and PDF
that need no sign-in."""

import datetime as dt
import html
import re

import pytest
from django.utils import timezone

from kaizen.improvement import services
from kaizen.improvement.models import Baseline, Initiative
from kaizen.improvement.tests.test_report import KPI_NAME, analysed_initiative

pytestmark = pytest.mark.django_db


@pytest.fixture
def analysed(process_owner):
    return analysed_initiative(process_owner)


def share_url(initiative) -> str:
    return f"/improvement/{initiative.pk}/share/"


def unshare_url(initiative) -> str:
    return f"/improvement/{initiative.pk}/unshare/"


def step_6(initiative) -> str:
    return f"/improvement/{initiative.pk}/step/6/"


def shown_link(page: str) -> str | None:
    """The link the page shows once, after it was made."""
    found = re.search(r'value="([^"]+)" id="share-url"', page)
    return html.unescape(found.group(1)) if found else None


def make_link(client, initiative, **choice) -> str:
    """Make a link through the page, as a person does: the path it shows once."""
    response = client.post(share_url(initiative), choice)
    assert response.status_code == 302
    link = shown_link(client.get(response["Location"]).content.decode())
    assert link is not None
    return link.removeprefix("http://testserver")


def shared(initiative) -> str:
    """A fresh link made by the service (the page's own making is tested above)."""
    return f"/improvement/shared/{services.do_share_report(initiative, actor=initiative.owner)}/"


def messages_of(response) -> list[str]:
    return [str(message) for message in response.wsgi_request._messages]


def test_it_shares_for_the_owner_and_shows_the_full_link_once_on_step_6(
    client, web, process_owner, analysed
):
    owner = web(process_owner)
    response = owner.post(share_url(analysed))
    assert response.status_code == 302
    assert response["Location"] == step_6(analysed)
    page = owner.get(step_6(analysed)).content.decode()
    link = shown_link(page)
    assert link and link.startswith("http://testserver/improvement/shared/")
    analysed.refresh_from_db()
    assert 'id="share-status"' in page and "A read-only link exists" in page
    # Shown once: the page read again says that a link exists and until when, not the link.
    again = owner.get(step_6(analysed)).content.decode()
    assert shown_link(again) is None and link not in again
    assert "A read-only link exists" in again and 'id="unshare"' in again
    client.logout()
    assert client.get(link).status_code == 200


def test_the_person_making_the_link_chooses_how_long_it_works(web, process_owner, analysed):
    owner = web(process_owner)
    before = timezone.now()
    make_link(owner, analysed, days="3")
    analysed.refresh_from_db()
    assert before + dt.timedelta(days=3) <= analysed.share_expires_at
    assert analysed.share_expires_at <= timezone.now() + dt.timedelta(days=3)
    last_day = timezone.localdate() + dt.timedelta(days=9)
    make_link(owner, analysed, expires_on=last_day.isoformat())
    analysed.refresh_from_db()
    assert timezone.localtime(analysed.share_expires_at).date() == last_day + dt.timedelta(days=1)


def test_it_refuses_a_link_past_the_maximum_and_says_why(settings, web, process_owner, analysed):
    settings.KAIZEN_SHARE_LINK_MAX_DAYS = 30
    response = web(process_owner).post(share_url(analysed), {"days": "31"})
    assert response.status_code == 302
    assert any("from 1 to 30 days" in message for message in messages_of(response))
    analysed.refresh_from_db()
    assert analysed.share_token_hash is None


def test_only_those_who_may_revoke_it_see_that_a_link_exists(web, agent, process_owner, analysed):
    shared(analysed)
    for address in (step_6(analysed), f"/improvement/{analysed.pk}/report/"):
        page = web(agent).get(address).content.decode()
        assert "share-link" not in page and "shared-link" not in page, address
        assert "link exists" not in page and "Shared read-only" not in page, address
        assert 'id="unshare"' not in page and 'id="share"' not in page, address
        owner_page = web(process_owner).get(address).content.decode()
        assert 'id="unshare"' in owner_page, address


def test_it_lets_the_csi_manager_share_any_initiative(web, csi_manager, analysed):
    assert web(csi_manager).post(share_url(analysed)).status_code == 302
    analysed.refresh_from_db()
    assert analysed.share_token_hash


@pytest.mark.parametrize("who", ["agent", "requester"])
def test_it_forbids_sharing_to_others(request, web, analysed, who):
    user = request.getfixturevalue(who)
    assert web(user).post(share_url(analysed)).status_code == 403
    assert web(user).post(unshare_url(analysed)).status_code == 403
    analysed.refresh_from_db()
    assert analysed.share_token_hash is None


def test_it_shares_and_unshares_by_post_only(web, process_owner, analysed):
    assert web(process_owner).get(share_url(analysed)).status_code == 405
    assert web(process_owner).get(unshare_url(analysed)).status_code == 405


def test_it_answers_404_for_sharing_a_missing_initiative(web, process_owner):
    assert web(process_owner).post("/improvement/999999/share/").status_code == 404


def test_it_shows_the_shared_report_signed_out_and_read_only(client, web, process_owner, analysed):
    address = make_link(web(process_owner), analysed)
    client.logout()
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


def test_the_shared_report_lets_in_only_its_own_inline_stylesheets(client, analysed):
    """The page is one file (the PDF is made from it): its <style> blocks carry the response's
    Content-Security-Policy nonce, and its charts draw without any inline style."""
    address = shared(analysed)
    client.logout()
    response = client.get(address)
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
    other = client.get(address)["Content-Security-Policy"]
    assert f"'nonce-{nonce}'" not in other  # a new one for each response


def test_it_serves_the_shared_pdf_signed_out(client, analysed):
    address = shared(analysed)
    client.logout()
    response = client.get(f"{address}report.pdf")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    assert response["X-Robots-Tag"].startswith("noindex")
    assert response["Referrer-Policy"] == "no-referrer"


def test_it_answers_404_once_unshared(client, web, process_owner, analysed):
    owner = web(process_owner)
    address = make_link(owner, analysed)
    response = owner.post(unshare_url(analysed))
    assert response.status_code == 302
    assert response["Location"] == f"/improvement/{analysed.pk}/step/6/"
    client.logout()
    assert_not_valid(client.get(address))
    assert_not_valid(client.get(f"{address}report.pdf"))


def assert_not_valid(response) -> None:
    """The one answer of an unknown, revoked or expired link: nothing of the report."""
    assert response.status_code == 404
    page = response.content.decode()
    assert "This link is not valid or has expired" in page
    assert "CSI" not in page and "@" not in page
    assert response["X-Robots-Tag"].startswith("noindex")


def test_an_expired_link_answers_like_an_unknown_one(client, web, process_owner, analysed):
    address = make_link(web(process_owner), analysed)
    client.logout()
    assert client.get(address).status_code == 200
    Initiative.objects.filter(pk=analysed.pk).update(
        share_expires_at=timezone.now() - dt.timedelta(seconds=1)
    )
    expired, unknown = client.get(address), client.get("/improvement/shared/not-a-token/")
    assert_not_valid(expired)
    assert expired.content == unknown.content
    assert_not_valid(client.get(f"{address}report.pdf"))
    page = web(process_owner).get(step_6(analysed)).content.decode()
    assert "The read-only link expired" in page and 'id="unshare"' not in page


def test_it_gives_a_new_link_when_shared_again(client, web, process_owner, analysed):
    owner = web(process_owner)
    first = make_link(owner, analysed)
    second = make_link(owner, analysed)
    client.logout()
    assert first != second
    assert client.get(first).status_code == 404
    assert client.get(second).status_code == 200


def test_it_answers_404_for_an_unknown_token(client, analysed):
    assert_not_valid(client.get("/improvement/shared/not-a-token/"))
    assert_not_valid(client.get("/improvement/shared/not-a-token/report.pdf"))
