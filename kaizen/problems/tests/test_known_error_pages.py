"""The known-error pages per role, the portal's self-help articles, and the panel on the
incident page (problems linked, known errors suggested, Apply)."""

import datetime as dt

import pytest

from kaizen.incidents.models import IncidentComment
from kaizen.incidents.tests.helpers import move
from kaizen.problems.models import KnownErrorStatus, LinkedIncident
from kaizen.problems.services import known_errors
from kaizen.problems.services.links import do_link_incidents
from kaizen.problems.tests.known_error_fixtures import HOUR, T0, incident, make_known_error
from kaizen.testing import assert_constant_queries

pytestmark = pytest.mark.django_db

PAGES = ("/problems/known-errors/", "/problems/known-errors/KE0000001/")


def test_strangers_sign_in_and_requesters_read_only_articles(client, requester, known_error):
    for page in (*PAGES, "/problems/self-help/"):
        response = client.get(page)
        assert response.status_code == 302 and "/login" in response["Location"]
    client.force_login(requester)
    for page in PAGES:
        assert client.get(page).status_code == 403
    response = client.post(f"{PAGES[1]}apply/", {"incident": "INC1", "back": "known_error"})
    assert response.status_code == 403
    # Published to agents only: not an article.
    assert client.get("/problems/self-help/KE0000001/").status_code == 404
    known_errors.do_publish_known_error(
        known_error, actor=None, to_portal=True, portal_title="VPN keeps disconnecting"
    )
    listing = client.get("/problems/self-help/?search=disconnecting")
    assert listing.status_code == 200
    assert b"VPN keeps disconnecting" in listing.content
    article = client.get("/problems/self-help/KE0000001/")
    assert article.status_code == 200
    assert b"Legacy" in article.content  # the workaround
    assert b"Root cause" not in article.content
    assert b"PRB0000001" not in article.content


def test_agents_read_and_apply_but_do_not_record_or_publish(client, agent, known_error, problem):
    client.force_login(agent)
    listing = client.get("/problems/known-errors/?search=vpn drops")
    assert listing.status_code == 200 and b"KE0000001" in listing.content
    assert b"KE0000001" not in client.get("/problems/known-errors/?search=printer").content
    page = client.get(PAGES[1])
    assert page.status_code == 200 and b"Apply to an incident" in page.content
    assert b"Publish to agents" not in page.content
    assert client.get(f"/problems/known-errors/new/?problem={problem.number}").status_code == 403
    assert client.get(f"{PAGES[1]}edit/").status_code == 403
    assert client.post(f"{PAGES[1]}retire/", {"version": 2}).status_code == 403
    assert client.post(f"{PAGES[1]}publish/", {"version": 2}).status_code == 403
    worked = incident()
    response = client.post(
        f"{PAGES[1]}apply/",
        {"incident": worked.number, "copy_workaround": "on", "back": "known_error"},
    )
    assert response.status_code == 302 and response["Location"] == PAGES[1]
    assert LinkedIncident.objects.get(incident_number=worked.number).workaround_applied
    response = client.post(
        f"{PAGES[1]}apply/", {"incident": "INC404", "back": "known_error"}, follow=True
    )
    assert b"there is no incident INC404" in response.content


@pytest.mark.parametrize("who", ["problem_manager", "admin_user"])
def test_managers_record_edit_publish_and_retire(client, request, who, problem):
    client.force_login(request.getfixturevalue(who))
    form = client.get(f"/problems/known-errors/new/?problem={problem.number}")
    assert form.status_code == 200
    assert b"Reconnect with the" in form.content  # the problem's workaround, filled in
    response = client.post(
        "/problems/known-errors/new/",
        {
            "problem": problem.number,
            "title": "VPN tunnel times out",
            "symptom": "The tunnel drops after ten minutes.",
            "workaround": "Use the Legacy profile.",
            "services": [s.pk for s in problem.services.all()],
        },
    )
    assert response.status_code == 302
    page = response["Location"]
    kept = {"symptom": "x", "workaround": "Use the Legacy profile."}
    response = client.post(f"{page}edit/", {"title": "", **kept, "version": 1})
    assert response.status_code == 200 and "title" in response.context["form"].errors
    response = client.post(f"{page}edit/", {"title": "VPN tunnel drops", **kept, "version": 1})
    assert response.status_code == 302
    stale = client.post(f"{page}edit/", {"title": "Stale", **kept, "version": 1})
    assert stale.status_code == 409
    client.post(f"{page}publish/", {"to_portal": "on", "portal_title": "VPN", "version": 2})
    known_error = problem.known_errors.get()
    assert known_error.status == KnownErrorStatus.PUBLISHED and known_error.published_to_portal
    client.post(f"{page}retire/", {"version": known_error.version})
    known_error.refresh_from_db()
    assert known_error.status == KnownErrorStatus.RETIRED and not known_error.published_to_portal


def test_the_page_shows_use_and_resolution_times_with_and_without(client, agent, known_error):
    """Two incidents resolved with the workaround (1 h and 3 h: median 2 h), one linked to the
    problem without it (10 h), one applied but not resolved."""
    problem = known_error.problem
    opened = T0 + 2 * HOUR
    quick, slow, other, open_one = (incident(at=opened) for _ in range(4))
    for worked in (quick, slow, open_one):
        known_errors.do_apply_known_error(known_error, worked.number, actor=agent, at=opened)
    do_link_incidents(problem, [other.number], actor=agent, at=opened)
    for worked, hours in ((quick, 1), (slow, 3), (other, 10)):
        move(worked, "in_progress", "resolved", at=opened + dt.timedelta(hours=hours))
    client.force_login(agent)
    page = client.get(f"/problems/known-errors/{known_error.number}/")
    assert page.context["use"].with_workaround.median == dt.timedelta(hours=2)
    assert page.context["use"].with_workaround.n == 2
    assert page.context["use"].without_workaround.median == dt.timedelta(hours=10)
    assert page.context["use"].without_workaround.n == 1
    assert len(page.context["use"].applications) == 3
    text = page.content.decode()
    assert "2 h" in text and "10 h" in text and "not resolved" in text


def test_the_incident_page_shows_problems_and_suggestions_and_applies(
    client, agent, known_error, vpn
):
    worked = incident(short_description="VPN timeout at home", service=vpn)
    client.force_login(agent)
    page = client.get(f"/incidents/{worked.number}/")
    text = page.content.decode()
    assert 'id="problems-panel"' in text
    assert "Not linked to a problem." in text
    assert "KE0000001" in text and "same service; words:" in text
    response = client.post(
        f"/problems/known-errors/{known_error.number}/apply/",
        {"incident": worked.number, "copy_workaround": "on", "back": "incident"},
    )
    assert response.status_code == 302 and response["Location"] == f"/incidents/{worked.number}/"
    assert IncidentComment.objects.get(incident=worked).is_work_note
    page = client.get(f"/incidents/{worked.number}/").content.decode()
    assert "workaround used" in page
    assert "No published known error matches" in page  # the applied one is not suggested again


def test_requesters_see_no_panel_and_the_portal_points_to_self_help(client, requester, known_error):
    mine = incident(caller=requester, short_description="VPN timeout")
    client.force_login(requester)
    assert b"problems-panel" not in client.get(f"/incidents/{mine.number}/").content
    assert b'id="self-help-pointer"' in client.get("/incidents/report/").content


def test_the_incident_form_carries_the_suggestion_script(client, agent, known_error):
    client.force_login(agent)
    page = client.get("/incidents/new/").content.decode()
    assert 'data-suggest-url="/api/v1/known-errors/suggest/"' in page
    assert "problems/known_error_suggest" in page


def test_pages_cost_a_constant_number_of_queries(client, agent, known_error, vpn):
    client.force_login(agent)
    worked = incident(short_description="VPN timeout", service=vpn)
    counter = iter(range(100))

    def more():
        for _ in range(3):
            n = next(counter)
            made = make_known_error(
                f"VPN timeout variant {n}", "VPN timeout again.", services=[vpn]
            )
            known_errors.do_apply_known_error(made, incident().number, actor=agent)
        do_link_incidents(made.problem, [worked.number], actor=agent)
        known_errors.do_apply_known_error(known_error, incident().number, actor=agent)

    assert_constant_queries(
        "problems", "known_error_list", lambda: client.get("/problems/known-errors/"), more
    )
    assert_constant_queries("problems", "known_error_detail", lambda: client.get(PAGES[1]), more)
    # The suggestion index is rebuilt (three queries) when the published set changed: each
    # measured request comes after one that rebuilt it. The incident is linked to a problem
    # before the first measure (its history names problems then, in one query).
    more()
    client.get(f"/incidents/{worked.number}/")
    assert_constant_queries(
        "problems",
        "incident_page_with_known_errors",
        lambda: client.get(f"/incidents/{worked.number}/"),
        lambda: (more(), client.get(f"/incidents/{worked.number}/")),
    )
    known_errors.do_publish_known_error(known_error, actor=None, to_portal=True)

    def more_articles():
        for _ in range(3):
            made = make_known_error(f"Article {next(counter)}", "Symptom.")
            known_errors.do_publish_known_error(made, actor=None, to_portal=True)

    assert_constant_queries(
        "problems", "article_list", lambda: client.get("/problems/self-help/"), more_articles
    )


def test_the_problem_page_include_lists_known_errors_and_offers_recording(
    rf, agent, problem_manager, known_error, problem
):
    from django.template.loader import render_to_string

    request = rf.get("/")
    request.user = problem_manager
    html = render_to_string("problems/_known_errors.html", {"problem": problem}, request)
    assert "KE0000001" in html and "Published to agents" in html
    assert f"/problems/known-errors/new/?problem={problem.number}" in html
    request.user = agent
    html = render_to_string("problems/_known_errors.html", {"problem": problem}, request)
    assert "KE0000001" in html and "Record known error" not in html
