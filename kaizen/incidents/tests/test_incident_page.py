"""The agents' incident page and the actions posted from it: state, assignment, comments."""

import pytest

from kaizen.incidents import services
from kaizen.incidents.models import Incident
from kaizen.incidents.tests.helpers import assert_constant_queries, last_event, move

pytestmark = pytest.mark.django_db


def url(incident, action: str = "") -> str:
    return f"/incidents/{incident.number}/{action}"


def test_it_shows_agents_everything_with_work_notes_marked(web, agent, incident, requester):
    services.do_add_incident_comment(incident, "Can you restart Outlook?", actor=agent)
    services.do_add_incident_comment(
        incident, "Looks like the MX again.", actor=agent, is_work_note=True
    )
    response = web(agent).get(url(incident))
    assert response.status_code == 200
    assert [t.name for t in response.templates][0] == "incidents/detail.html"
    page = response.content.decode()
    assert "Outlook cannot connect" in page and "Since this morning." in page
    assert "Looks like the MX again." in page and "Work note" in page
    assert "Visible to caller" in page
    assert 'id="timeline"' in page and "Incident opened" in page
    for target in ("in_progress", "cancelled"):
        assert f'name="state" value="{target}"' in page
    assert 'id="hold-form"' in page and 'id="resolve-form"' in page
    assert 'id="assignment"' in page and 'href="/incidents/INC0000001/edit/"' in page
    assert "2 - Medium" in page and "Rita Requester" in page


def test_it_offers_reopen_and_close_on_a_resolved_incident_and_nothing_when_closed(
    web, agent, incident
):
    resolved = move(incident, "resolved")
    page = web(agent).get(url(resolved)).content.decode()
    assert "Reopen" in page and 'value="closed"' in page and 'id="assignment"' not in page
    move(resolved, "closed")
    page = web(agent).get(url(resolved)).content.decode()
    assert 'id="state"' not in page and "/edit/" not in page and 'id="comment-form"' not in page


def test_it_moves_the_incident(web, agent, incident):
    response = web(agent).post(url(incident, "transition/"), {"state": "in_progress", "version": 1})
    assert response.status_code == 302 and response["Location"] == url(incident)
    incident.refresh_from_db()
    assert incident.state == "in_progress" and last_event(incident).actor == agent


def test_it_resolves_with_code_and_notes(web, agent, incident):
    data = {
        "state": "resolved",
        "resolution_code": "workaround",
        "resolution_notes": "Webmail.",
        "version": 1,
    }
    assert web(agent).post(url(incident, "transition/"), data).status_code == 302
    incident.refresh_from_db()
    assert (incident.state, incident.resolution_code) == ("resolved", "workaround")


def test_it_explains_a_missing_input_and_keeps_what_was_typed(web, agent, incident):
    data = {"state": "resolved", "resolution_notes": "Replaced the cable.", "version": 1}
    response = web(agent).post(url(incident, "transition/"), data)
    assert response.status_code == 200
    page = response.content.decode()
    assert "choose how the incident was resolved" in page
    assert 'class="collapse show mt-3" id="resolve-form"' in page
    assert "Replaced the cable.</textarea>" in page
    assert Incident.objects.get(pk=incident.pk).state == "new"


def test_it_answers_a_stale_move_with_who_changed_it_keeping_the_input(
    web, agent, incident_manager, incident
):
    services.do_update_incident(incident, actor=incident_manager, expected_version=1, urgency=1)
    data = {
        "state": "resolved",
        "resolution_code": "solved",
        "resolution_notes": "Rebooted.",
        "version": 1,
    }
    response = web(agent).post(url(incident, "transition/"), data)
    assert response.status_code == 409
    page = response.content.decode()
    assert "INC0000001 was changed by Ines Incident at" in page
    assert "Rebooted.</textarea>" in page
    assert '<input type="hidden" name="version" value="2">' in page
    assert Incident.objects.get(pk=incident.pk).state == "new"


def test_it_offers_the_reason_change_only_while_on_hold(web, agent, incident):
    page = web(agent).get(url(incident)).content.decode()
    assert 'id="hold-reason-form"' not in page
    move(incident, "on_hold", on_hold_reason="awaiting_vendor")
    page = web(agent).get(url(incident)).content.decode()
    assert "waiting for: <strong>awaiting vendor</strong>" in page
    assert 'action="/incidents/INC0000001/hold-reason/"' in page
    form = page[page.index('id="hold-reason-form"') :]
    form = form[: form.index("</form>")]
    # Every other reason is offered; the current one is not.
    assert '<option value="awaiting_caller">' in form
    assert 'value="awaiting_vendor"' not in form


def test_it_changes_the_hold_reason(web, agent, incident):
    move(incident, "on_hold", on_hold_reason="awaiting_vendor")
    data = {"on_hold_reason": "awaiting_caller", "version": 2}
    response = web(agent).post(url(incident, "hold-reason/"), data, follow=True)
    assert response.redirect_chain == [(url(incident), 302)]
    assert "INC0000001 is on hold: awaiting caller." in response.content.decode()
    incident.refresh_from_db()
    assert (incident.state, incident.on_hold_reason, incident.first_responded_at) == (
        "on_hold",
        "awaiting_caller",
        None,
    )
    assert last_event(incident).actor == agent


def test_it_explains_a_refused_reason_change_and_a_stale_one(web, agent, incident):
    client = web(agent)
    data = {"on_hold_reason": "awaiting_caller", "version": 1}
    response = client.post(url(incident, "hold-reason/"), data)
    assert response.status_code == 200
    assert "only an incident that is on hold has a reason to change" in response.content.decode()
    move(incident, "on_hold", on_hold_reason="awaiting_vendor")
    response = client.post(url(incident, "hold-reason/"), data)
    assert response.status_code == 409
    page = response.content.decode()
    assert "INC0000001 was changed by the system" in page
    assert 'class="collapse show mt-3" id="hold-reason-form"' in page
    assert '<option value="awaiting_caller" selected>' in page
    assert Incident.objects.get(pk=incident.pk).on_hold_reason == "awaiting_vendor"


def test_it_assigns_and_explains_a_refused_assignee(web, agent, incident, service_desk, network):
    client = web(agent)
    data = {"assignment_group": network.pk, "assignee": agent.pk, "version": 1}
    response = client.post(url(incident, "assign/"), data)
    assert response.status_code == 200
    assert "Alan Agent is not a member of Network" in response.content.decode()
    data["assignment_group"] = service_desk.pk
    response = client.post(url(incident, "assign/"), data, follow=True)
    assert "INC0000001 is assigned to Alan Agent." in response.content.decode()
    incident.refresh_from_db()
    assert (incident.state, incident.assignee) == ("assigned", agent)


def test_it_answers_a_stale_assignment_with_409(web, agent, incident, service_desk):
    move(incident, "in_progress")
    data = {"assignment_group": service_desk.pk, "assignee": "", "version": 1}
    response = web(agent).post(url(incident, "assign/"), data)
    assert response.status_code == 409
    assert "was changed by the system" in response.content.decode()


def test_it_adds_comments_and_work_notes(web, agent, incident):
    client = web(agent)
    response = client.post(url(incident, "comments/"), {"body": "Checking.", "is_work_note": "on"})
    assert response.status_code == 302 and response["Location"].endswith("#activity")
    client.post(url(incident, "comments/"), {"body": "Please try again."})
    assert [(c.body, c.is_work_note) for c in incident.comments.all()] == [
        ("Checking.", True),
        ("Please try again.", False),
    ]
    response = client.post(url(incident, "comments/"), {"body": ""})
    assert response.status_code == 200 and 'id="id_body_errors"' in response.content.decode()


@pytest.mark.parametrize("action", ["transition/", "hold-reason/", "assign/", "edit/"])
def test_it_refuses_agent_actions_to_the_caller(web, requester, incident, action):
    assert (
        web(requester).post(url(incident, action), {"state": "cancelled", "version": 1}).status_code
        == 403
    )
    assert Incident.objects.get(pk=incident.pk).version == 1


@pytest.mark.parametrize(
    "action", ["", "transition/", "hold-reason/", "assign/", "edit/", "comments/", "attachments/"]
)
def test_it_answers_404_for_someone_elses_incident(web, other_requester, incident, action):
    client = web(other_requester)
    response = (
        client.post(url(incident, action), {"body": "hi"}) if action else client.get(url(incident))
    )
    assert response.status_code == 404


def test_it_answers_404_for_an_unknown_number(web, agent):
    assert web(agent).get("/incidents/INC9999999/").status_code == 404


def test_it_renders_the_page_in_a_constant_number_of_queries(web, agent, incident, service_desk):
    client = web(agent)
    services.do_assign_incident(
        incident, assignment_group=service_desk, assignee=agent, actor=agent, expected_version=None
    )
    services.do_add_incident_comment(incident, "First", actor=agent)

    def add_rows():
        for number in range(5):
            services.do_add_incident_comment(
                incident, f"Note {number}", actor=agent, is_work_note=True
            )
            services.do_update_incident(
                incident, actor=agent, expected_version=None, urgency=1 + number % 3
            )

    assert_constant_queries("incident_detail", lambda: client.get(url(incident)), add_rows)


def closes_on(incident) -> str:
    from django.utils import dateformat, timezone

    return dateformat.format(timezone.localtime(services.auto_close_at(incident)), "j M Y, H:i")


def test_it_says_when_a_resolved_incident_closes_automatically(web, agent, incident, settings):
    resolved = move(incident, "resolved")
    page = web(agent).get(url(resolved)).content.decode()
    assert 'id="auto-close"' in page
    assert "Closes automatically on <span" in page and closes_on(resolved) in page
    settings.KAIZEN_AUTO_CLOSE_DAYS = 0
    assert 'id="auto-close"' not in web(agent).get(url(resolved)).content.decode()
    settings.KAIZEN_AUTO_CLOSE_DAYS = 3
    move(resolved, "closed")
    assert 'id="auto-close"' not in web(agent).get(url(resolved)).content.decode()
