"""Bulk assign and bulk state change: one change and event per incident, failures reported."""

import pytest

from kaizen.incidents import services
from kaizen.incidents.models import Incident
from kaizen.incidents.tests.helpers import events_of, make_incident, move

pytestmark = pytest.mark.django_db


def test_it_assigns_each_incident_with_its_own_event(service_desk, agent):
    incidents = [make_incident() for _ in range(3)]
    result = services.do_bulk_assign_incidents(
        incidents, assignment_group=service_desk, assignee=agent, actor=agent
    )
    assert [incident.number for incident in result.done] == [i.number for i in incidents]
    assert result.failed == []
    for incident in incidents:
        events = events_of(incident)
        assert [e.event_type for e in events][-1] == "incidents.incident.assigned"
        assert Incident.objects.get(pk=incident.pk).assignee == agent


def test_it_reports_the_ones_it_could_not_change_and_changes_the_others(service_desk, agent):
    fine = make_incident()
    resolved = move(make_incident(), "resolved")
    moved_on = make_incident()
    services.do_update_incident(moved_on, actor=None, expected_version=1, urgency=1)
    result = services.do_bulk_assign_incidents(
        [fine, resolved, moved_on],
        assignment_group=service_desk,
        assignee=None,
        actor=agent,
        versions={fine.pk: 1, resolved.pk: resolved.version, moved_on.pk: 1},
    )
    assert result.done == [fine]
    failures = {incident.number: message for incident, message in result.failed}
    assert "only open incidents are assigned" in failures[resolved.number]
    assert "was changed by the system" in failures[moved_on.number]
    assert Incident.objects.get(pk=moved_on.pk).assignment_group is None


def test_it_moves_each_incident_with_the_inputs_the_state_needs(agent):
    incidents = [make_incident(), make_incident(), move(make_incident(), "cancelled")]
    result = services.do_bulk_change_incident_state(
        incidents,
        "resolved",
        actor=agent,
        resolution_code="duplicate",
        resolution_notes="Same outage as INC0000001.",
    )
    assert len(result.done) == 2
    assert [(i.number, m) for i, m in result.failed] == [
        (incidents[2].number, "state: an incident that is cancelled cannot move to resolved")
    ]
    for incident in result.done:
        assert incident.state == "resolved" and incident.resolution_code == "duplicate"
        assert events_of(incident)[-1].changes["state"] == {"old": "new", "new": "resolved"}


def test_it_reports_a_missing_input_for_each_incident(agent):
    incidents = [make_incident(), make_incident()]
    result = services.do_bulk_change_incident_state(incidents, "on_hold", actor=agent)
    assert result.done == []
    assert {message for _, message in result.failed} == {
        "on hold reason: say what the incident is waiting for"
    }
