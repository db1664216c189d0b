"""The change pages per role: the list, raising, the change page and its actions, the
standard change catalogue."""

import datetime as dt

import pytest
from django.utils import timezone

from kaizen.changes import services
from kaizen.changes.models import Change, State
from kaizen.changes.tests.factories import T0, approved_template, raise_change
from kaizen.testing import assert_constant_queries, make_service, make_team

pytestmark = pytest.mark.django_db


def test_requesters_see_only_the_changes_they_raised(client, agent, requester, other_requester):
    mine = raise_change(agent, requester=requester, title="Move my team's share")
    other = raise_change(agent, title="Firewall rule")
    client.force_login(requester)
    page = client.get("/changes/").content.decode()
    assert mine.number in page and other.number not in page
    assert "Raise a change" not in page
    detail = client.get(mine.get_absolute_url()).content.decode()
    assert "Move my team" in detail and "Implementation" not in detail  # no plans, no forms
    assert client.get(other.get_absolute_url()).status_code == 404
    assert client.get("/changes/new/").status_code == 403
    client.force_login(other_requester)
    assert client.get(mine.get_absolute_url()).status_code == 404


def test_an_agent_raises_a_change_with_field_errors_first(client, agent):
    make_service(slug="mail", name="Mail")
    client.force_login(agent)
    bad = client.post(
        "/changes/new/",
        {
            "change_type": "normal",
            "title": "Patch mail",
            "impact": 3,
            "urgency": 3,
            "planned_start": "2026-03-02T10:00",
            "planned_end": "2026-03-02T09:00",
        },
    )
    assert bad.status_code == 400
    assert "the planned end must come after the planned start" in bad.content.decode()
    assert not Change.objects.exists()
    good = client.post(
        "/changes/new/",
        {
            "change_type": "emergency",
            "title": "Patch mail",
            "impact": 3,
            "urgency": 1,
            "planned_start": "2026-03-02T10:00",
            "planned_end": "2026-03-02T11:00",
            "services": [make_service(slug="vpn").pk],
        },
    )
    change = Change.objects.get()
    assert good.status_code == 302 and good["Location"] == change.get_absolute_url()
    assert change.change_type == "emergency" and change.requester == agent
    assert change.owner is None and [s.slug for s in change.services.all()] == ["vpn"]


def test_the_change_page_offers_the_moves_of_its_type_and_refuses_bad_ones(client, agent):
    change = raise_change(agent)
    client.force_login(agent)
    page = client.get(change.get_absolute_url()).content.decode()
    assert "Submit for assessment" in page and "Request authorisation" not in page
    moved = client.post(
        f"/changes/{change.number}/transition/", {"state": "assess", "version": change.version}
    )
    assert moved.status_code == 302
    change.refresh_from_db()
    assert change.state == State.ASSESS
    refused = client.post(f"/changes/{change.number}/transition/", {"state": "closed"})
    assert refused.status_code == 400
    assert "cannot move to closed" in refused.content.decode()
    stale = client.post(
        f"/changes/{change.number}/transition/", {"state": "authorise", "version": 1}
    )
    assert stale.status_code == 409 and "while you were working on it" in stale.content.decode()


def test_cancel_asks_why(client, agent):
    change = raise_change(agent)
    client.force_login(agent)
    refused = client.post(f"/changes/{change.number}/transition/", {"state": "cancelled"})
    assert (
        refused.status_code == 400 and "say why the change is cancelled" in refused.content.decode()
    )
    done = client.post(
        f"/changes/{change.number}/transition/",
        {"state": "cancelled", "closure_notes": "Vendor withdrew it"},
    )
    assert done.status_code == 302
    page = client.get(change.get_absolute_url()).content.decode()
    assert "Why cancelled" in page and "Vendor withdrew it" in page and "Edit" not in page


def test_edit_keeps_the_input_on_a_version_conflict(client, agent):
    change = raise_change(agent)
    services.do_update_change(change, actor=agent, expected_version=1, title="Someone else's")
    client.force_login(agent)
    page = client.get(f"/changes/{change.number}/edit/")
    # The page carries the version it shows (without it, a save could not tell).
    assert 'name="version" value="2"' in page.content.decode()
    form = page.context["form"]
    data = {k: v for k, v in form.initial.items() if v is not None and k != "services"}
    data.update(
        title="Mine", version=1, planned_start="2026-03-09T09:00", planned_end="2026-03-09T11:00"
    )
    response = client.post(f"/changes/{change.number}/edit/", data)
    assert response.status_code == 409
    assert 'value="Mine"' in response.content.decode()
    change.refresh_from_db()
    assert change.title == "Someone else's"


def test_a_standard_change_is_raised_from_the_catalogue(client, agent, change_manager):
    template = approved_template(agent, change_manager)
    client.force_login(agent)
    catalogue = client.get("/changes/templates/").content.decode()
    assert template.name in catalogue and "Raise" in catalogue
    response = client.post(
        "/changes/new/standard/",
        {
            "template": template.pk,
            "title": "Restart web on Friday",
            "planned_start": "2026-03-06T22:00",
            "planned_end": "2026-03-06T23:00",
        },
    )
    change = Change.objects.get()
    assert response.status_code == 302 and change.template == template
    assert change.implementation_plan == template.implementation_plan


def test_only_change_managers_decide_on_templates(client, agent, change_manager):
    template = services.do_propose_template(
        actor=agent, name="Reboot", implementation_plan="a", backout_plan="b"
    )
    client.force_login(agent)
    assert "Decide" not in client.get(template.get_absolute_url()).content.decode()
    assert client.post(template.get_absolute_url(), {"decision": "approve"}).status_code == 403
    client.force_login(change_manager)
    refused = client.post(template.get_absolute_url(), {"decision": "reject"})
    assert (
        refused.status_code == 400
        and "say why the template is rejected" in refused.content.decode()
    )
    approved = client.post(template.get_absolute_url(), {"decision": "approve"})
    assert approved.status_code == 302
    template.refresh_from_db()
    assert template.status == "approved"


def test_review_and_caused_incidents_from_the_page(client, agent, requester):
    from kaizen.incidents.tests.helpers import make_incident

    service = make_service(slug="mail")
    change = raise_change(agent, services_=[service])
    for state, hours in (("assess", 1), ("authorise", 2)):
        services.do_move_change(
            change, state, actor=agent, expected_version=None, at=T0 + dt.timedelta(hours=hours)
        )
    services.do_decide_authorisation(
        change, authorised=True, actor=None, at=T0 + dt.timedelta(hours=3)
    )
    for state, hours in (("scheduled", 4), ("implement", 5)):
        services.do_move_change(
            change, state, actor=agent, expected_version=None, at=T0 + dt.timedelta(hours=hours)
        )
    incident = make_incident(requester, service=service)  # opened now: after the start
    client.force_login(agent)
    assert (
        client.post(f"/changes/{change.number}/transition/", {"state": "review"}).status_code == 302
    )
    page = client.get(change.get_absolute_url()).content.decode()
    assert incident.number in page and "Proposed" in page
    link = change.caused_incidents.get()
    dismissed = client.post(
        f"/changes/{change.number}/caused/{link.pk}/",
        {"decision": "dismiss", "reason": "Own laptop"},
    )
    assert dismissed.status_code == 302
    link.refresh_from_db()
    assert link.status == "dismissed" and link.decided_by == agent
    reviewed = client.post(
        f"/changes/{change.number}/review/", {"objectives_met": "yes", "lessons_learned": ""}
    )
    assert reviewed.status_code == 302
    change.refresh_from_db()
    assert change.objectives_met is True and change.reviewed_at is not None


def test_the_list_reads_a_constant_number_of_queries(client, agent):
    team = make_team("Network", members=[agent])
    client.force_login(agent)

    def add_rows():
        raise_change(agent, assignment_group=team, implementer=agent, at=timezone.now())

    add_rows()
    assert_constant_queries("changes", "change_list", lambda: client.get("/changes/"), add_rows)
