"""/api/v1/changes/ and the standard change catalogue over the API, per role."""

import datetime as dt

import pytest

from kaizen.changes import services
from kaizen.changes.models import Change, ChangeTemplate, TemplateStatus
from kaizen.changes.tests.factories import T0, approved_template, complete_fields, raise_change
from kaizen.incidents.tests.helpers import make_incident
from kaizen.journal.events import EventType
from kaizen.journal.models import JournalEvent
from kaizen.testing import make_ci, make_service

pytestmark = pytest.mark.django_db
URL = "/api/v1/changes/"


def _json(fields):
    return {
        key: value.isoformat() if isinstance(value, dt.datetime) else value
        for key, value in fields.items()
    }


def test_anonymous_gets_401_and_requesters_see_only_what_they_raised(
    api, agent, requester, other_requester
):
    mine = raise_change(agent, requester=requester)
    raise_change(agent)
    assert api().get(URL).status_code == 401
    rows = api(requester).get(URL).json()["results"]
    assert [row["number"] for row in rows] == [mine.number]
    assert "implementation_plan" not in rows[0]
    assert api(other_requester).get(f"{URL}{mine.number}/").status_code == 404
    assert api(requester).post(URL, {"title": "x"}, format="json").status_code == 403


def test_an_agent_raises_edits_and_moves_a_change(api, agent):
    make_service(slug="mail")
    ci = make_ci(name="mx1")
    client = api(agent)
    data = _json(complete_fields())
    data.update(services=["mail"], configuration_items=[ci.pk], impact=1, urgency=1)
    created = client.post(URL, data, format="json")
    assert created.status_code == 201, created.json()
    row = created.json()
    assert row["number"] == "CHG0000001" and row["state"] == "draft"
    assert row["priority"] == 1 and row["risk"] == 3 and row["services"] == ["mail"]
    assert row["allowed_transitions"] == ["assess", "cancelled"]
    detail = f"{URL}{row['number']}/"
    no_version = client.patch(detail, {"title": "New"}, format="json")
    assert no_version.status_code == 400 and "version" in no_version.json()
    state = client.patch(detail, {"state": "closed", "version": 1}, format="json")
    assert state.status_code == 400 and "transition/" in state.json()["state"][0]
    patched = client.patch(detail, {"title": "New", "version": 1}, format="json")
    assert patched.status_code == 200 and patched.json()["version"] == 2
    stale = client.patch(detail, {"title": "Newer", "version": 1}, format="json")
    assert stale.status_code == 409 and stale.json()["current_version"] == 2
    moved = client.post(f"{detail}transition/", {"state": "assess", "version": 2}, format="json")
    assert moved.status_code == 200 and moved.json()["state"] == "assess"
    refused = client.post(f"{detail}transition/", {"state": "closed"}, format="json")
    assert refused.status_code == 400
    assert "assess cannot move to closed" in refused.json()["state"][0]
    rejected = client.post(f"{detail}transition/", {"state": "rejected"}, format="json")
    assert rejected.status_code == 400


def test_an_emergency_change_with_bad_inputs_names_each_field(api, agent):
    response = api(agent).post(
        URL,
        {
            "title": "",
            "change_type": "emergency",
            "planned_start": "2026-03-02T10:00:00Z",
            "planned_end": "2026-03-02T09:00:00Z",
            "impact": 7,
        },
        format="json",
    )
    assert response.status_code == 400
    assert {"title", "impact"} <= set(response.json())
    response = api(agent).post(
        URL,
        {
            "title": "Restart",
            "planned_start": "2026-03-02T10:00:00Z",
            "planned_end": "2026-03-02T09:00:00Z",
        },
        format="json",
    )
    assert response.status_code == 400 and "planned_end" in response.json()


def test_review_caused_incidents_and_comments_over_the_api(api, agent, requester):
    service = make_service(slug="mail")
    change = raise_change(agent, services_=[service], requester=requester)
    for state, at in (("assess", 1), ("authorise", 2)):
        services.do_move_change(
            change, state, actor=agent, expected_version=None, at=T0 + dt.timedelta(hours=at)
        )
    services.do_decide_authorisation(
        change, authorised=True, actor=None, at=T0 + dt.timedelta(hours=3)
    )
    for state, at in (("scheduled", 4), ("implement", 5), ("review", 6)):
        services.do_move_change(
            change, state, actor=agent, expected_version=None, at=T0 + dt.timedelta(hours=at)
        )
    client = api(agent)
    detail = f"{URL}{change.number}/"
    reviewed = client.post(
        f"{detail}review/",
        {"objectives_met": False, "lessons_learned": "Test first"},
        format="json",
    )
    assert reviewed.status_code == 200 and reviewed.json()["objectives_met"] is False
    incident = make_incident(requester, service=service)
    linked = client.post(
        f"{detail}caused/",
        {"incident_number": incident.number, "reason": "Broke mail"},
        format="json",
    )
    assert linked.status_code == 201 and linked.json()["status"] == "confirmed"
    unknown = client.post(f"{detail}caused/", {"incident_number": "INC9999999"}, format="json")
    assert (
        unknown.status_code == 400
        and "there is no incident INC9999999" in unknown.json()["incident"][0]
    )
    link_id = linked.json()["id"]
    dismissed = client.post(f"{detail}caused/{link_id}/", {"status": "dismissed"}, format="json")
    assert dismissed.status_code == 400 and "reason" in dismissed.json()
    closed = client.post(
        f"{detail}transition/", {"state": "closed", "closure_code": "failed"}, format="json"
    )
    assert closed.status_code == 200 and closed.json()["closure_code"] == "failed"
    note = api(requester).post(
        f"{detail}comments/", {"body": "Thanks", "is_work_note": True}, format="json"
    )
    assert note.status_code == 403
    comment = api(requester).post(f"{detail}comments/", {"body": "Thanks"}, format="json")
    assert comment.status_code == 400  # closed: final


def test_templates_are_proposed_by_agents_and_decided_by_change_managers(
    api, agent, change_manager, requester
):
    data = {
        "name": "Reboot a switch",
        "implementation_plan": "Reboot",
        "backout_plan": "None",
        "risk": 1,
    }
    assert api(requester).post("/api/v1/change-templates/", data, format="json").status_code == 403
    proposed = api(agent).post("/api/v1/change-templates/", data, format="json")
    assert proposed.status_code == 201 and proposed.json()["status"] == "proposed"
    decide = f"/api/v1/change-templates/{proposed.json()['id']}/decide/"
    assert api(agent).post(decide, {"decision": "approve"}, format="json").status_code == 403
    approved = api(change_manager).post(decide, {"decision": "approve"}, format="json")
    assert approved.status_code == 200 and approved.json()["status"] == "approved"
    raised = api(agent).post(
        URL,
        {
            "title": "Reboot sw2",
            "change_type": "standard",
            "template": proposed.json()["id"],
            "planned_start": "2026-03-02T22:00:00Z",
            "planned_end": "2026-03-02T23:00:00Z",
        },
        format="json",
    )
    assert raised.status_code == 201, raised.json()
    assert raised.json()["implementation_plan"] == "Reboot"
    assert raised.json()["allowed_transitions"] == ["scheduled", "cancelled"]


def test_approving_a_new_version_retires_the_old_and_changes_keep_theirs(agent, change_manager):
    first = approved_template(agent, change_manager)
    change = services.do_raise_change(
        actor=agent, change_type="standard", template=first, title="Restart web"
    )
    second = services.do_propose_template(
        actor=agent,
        revises=first,
        name=first.name,
        implementation_plan="Drain, restart, check the health endpoint, re-enable.",
        backout_plan=first.backout_plan,
    )
    assert second.key == first.key and second.version_number == 2
    services.do_decide_template(second, approve=True, actor=change_manager)
    first.refresh_from_db()
    assert first.status == TemplateStatus.RETIRED and first.retired_at is not None
    assert Change.objects.get(pk=change.pk).template_id == first.pk
    with pytest.raises(Exception, match="retired, not approved"):
        services.do_raise_change(actor=agent, change_type="standard", template=first, title="x")
    events = JournalEvent.objects.for_subject(first).values_list("event_type", flat=True)
    assert EventType.CHANGE_TEMPLATE_RETIRED in events
    assert ChangeTemplate.objects.filter(key=first.key, status="approved").count() == 1


def test_nobody_decides_on_their_own_template(change_manager):
    template = services.do_propose_template(
        actor=change_manager, name="Mine", implementation_plan="a", backout_plan="b"
    )
    with pytest.raises(Exception, match="another change manager"):
        services.do_decide_template(template, approve=True, actor=change_manager)


def test_categories_are_managed_by_change_managers(api, agent, change_manager):
    assert api(agent).post("/api/v1/change-categories/", {"name": "Network"}).status_code == 403
    created = api(change_manager).post("/api/v1/change-categories/", {"name": "Network"})
    assert created.status_code == 201
    duplicate = api(change_manager).post("/api/v1/change-categories/", {"name": "network"})
    assert duplicate.status_code == 400 and "already" in duplicate.json()["name"][0]
    assert [
        row["name"] for row in api(agent).get("/api/v1/change-categories/").json()["results"]
    ] == ["Network"]


def test_work_seen_on_a_ci_is_matched_to_its_change_or_recorded_as_unauthorised(
    api, agent, change_manager
):
    from kaizen.changes.tests.factories import authorised_normal_change, move

    switch, router = make_ci(name="sw1"), make_ci(name="rt1")
    change = authorised_normal_change(agent, cis=[switch])
    move(change, "scheduled", agent, T0 + dt.timedelta(days=2))
    start = change.planned_start
    url = f"{URL}detected-work/"
    seen = {
        "configuration_item": switch.pk,
        "seen_at": (start + dt.timedelta(minutes=30)).isoformat(),
        "description": "Firmware version changed from 9.1 to 9.3",
        "source": "discovery",
    }
    assert api(agent).post(url, seen, format="json").status_code == 403
    matched = api(change_manager).post(url, seen, format="json")
    assert matched.status_code == 200 and matched.json()["number"] == change.number
    assert (
        JournalEvent.objects.for_subject(change)
        .filter(event_type=EventType.CHANGE_WORK_DETECTED)
        .exists()
    )
    # The same CI two days later, and another CI at the same time: no change covers them.
    for ci, when in ((switch, start + dt.timedelta(days=2)), (router, start)):
        unmatched = api(change_manager).post(
            url,
            {**seen, "configuration_item": ci.pk, "seen_at": when.isoformat()},
            format="json",
        )
        assert unmatched.status_code == 201
        row = unmatched.json()
        assert row["unauthorised"] is True and row["state"] == "review"
        assert row["unauthorised_reason"] == f"work recorded on {ci.name} with no change"
        assert row["configuration_items"] == [ci.pk]
    bad = api(change_manager).post(url, {**seen, "description": " "}, format="json")
    assert bad.status_code == 400 and "description" in bad.json()
    # The same report sent again is recorded once: the change it is on, nothing new.
    flagged = Change.objects.filter(unauthorised=True).count()
    for payload in (seen, {**seen, "configuration_item": router.pk, "seen_at": start.isoformat()}):
        again = api(change_manager).post(url, payload, format="json")
        assert again.status_code == 200
    assert Change.objects.filter(unauthorised=True).count() == flagged
    assert (
        JournalEvent.objects.for_subject(change)
        .filter(event_type=EventType.CHANGE_WORK_DETECTED)
        .count()
        == 1
    )
