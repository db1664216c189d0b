"""Clocks follow the incident's life, from its journal, through the incident services."""

import pytest

from kaizen.incidents import services as incident_services
from kaizen.incidents.tests.helpers import make_incident
from kaizen.sla.models import SLAClock
from kaizen.sla.refresh import explain_ticket_clocks
from kaizen.sla.tests.helpers import (
    H,
    M,
    freeze_sla_time,
    london,
    office_calendar,
    priority_definitions,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def definitions(monkeypatch):
    # Clocks of these March incidents are measured as on the Tuesday after, at noon.
    freeze_sla_time(monkeypatch, "2026-03-03 12:00")
    return priority_definitions(office_calendar())


def clocks(incident):
    return {
        (clock.kind, clock.definition.name): clock
        for clock in SLAClock.objects.filter(incident=incident).select_related("definition")
    }


def test_it_starts_response_and_resolution_clocks_when_an_incident_opens(definitions):
    incident = make_incident(impact=2, urgency=2, at=london("2026-03-02 09:00"))
    assert incident.priority == 3
    found = clocks(incident)
    assert set(found) == {("response", "p3_response"), ("resolution", "p3_resolution")}
    resolution = found[("resolution", "p3_resolution")]
    assert resolution.running_since == london("2026-03-02 09:00")
    assert resolution.due_at == london("2026-03-02 17:00")
    assert resolution.breach_at == london("2026-03-03 09:00")
    incident.refresh_from_db()
    assert incident.sla_due_at == london("2026-03-02 10:00")  # the response is due first


def test_it_stops_the_response_clock_at_the_first_response_and_pauses_on_hold(definitions):
    incident = make_incident(impact=2, urgency=2, at=london("2026-03-02 09:00"))
    incident = incident_services.do_change_incident_state(
        incident, "in_progress", actor=None, expected_version=None, at=london("2026-03-02 09:20")
    )
    incident = incident_services.do_change_incident_state(
        incident,
        "on_hold",
        actor=None,
        expected_version=None,
        on_hold_reason="awaiting_caller",
        at=london("2026-03-02 10:00"),
    )
    found = clocks(incident)
    response = found[("response", "p3_response")]
    assert (response.state, response.elapsed_us) == ("met", 20 * M)
    resolution = found[("resolution", "p3_resolution")]
    assert resolution.state == "paused"
    assert resolution.running_since is None and resolution.due_at is None
    assert resolution.next_action_at is None


def test_it_remeasures_retroactively_when_the_priority_is_raised(definitions, monkeypatch):
    freeze_sla_time(monkeypatch, "2026-03-02 11:30")
    incident = make_incident(impact=2, urgency=2, at=london("2026-03-02 09:00"))
    incident = incident_services.do_update_incident(
        incident,
        actor=None,
        expected_version=None,
        impact=1,
        urgency=1,
        at=london("2026-03-02 11:00"),
    )
    assert incident.priority == 1
    states = {(c.kind, c.definition.name): c.state for c in clocks(incident).values()}
    assert states == {
        ("response", "p3_response"): "cancelled",
        ("resolution", "p3_resolution"): "cancelled",
        ("response", "p1_response"): "breached",  # 15 min target, 2 h passed already
        ("resolution", "p1_resolution"): "running",
    }
    p1 = clocks(incident)[("resolution", "p1_resolution")]
    assert p1.due_at == london("2026-03-02 13:00")  # 4 h from opening, not from the change


def test_it_resumes_the_resolution_clock_on_reopen(definitions):
    incident = make_incident(impact=2, urgency=2, at=london("2026-03-02 09:00"))
    for state, when in [("in_progress", "09:05"), ("resolved", "11:00")]:
        incident = move_at(incident, state, f"2026-03-02 {when}")
    resolution = clocks(incident)[("resolution", "p3_resolution")]
    assert (resolution.state, resolution.elapsed_us) == ("met", 2 * H)
    incident = move_at(incident, "in_progress", "2026-03-03 09:00")
    incident = move_at(incident, "resolved", "2026-03-03 10:00")
    resolution = clocks(incident)[("resolution", "p3_resolution")]
    assert (resolution.state, resolution.elapsed_us) == ("met", 3 * H)
    assert incident.reopen_count == 1


def test_it_explains_the_intervals_on_the_incident_page(definitions):
    incident = make_incident(impact=2, urgency=2, at=london("2026-03-06 16:00"))
    move_at(incident, "in_progress", "2026-03-09 09:30")
    explained = explain_ticket_clocks(incident, now=london("2026-03-09 10:00"))
    resolution = [c for c in explained if c.kind == "resolution"][0]
    kinds = [(i.kind, i.start, i.end) for i in resolution.intervals]
    assert kinds[:3] == [
        ("counted", london("2026-03-06 16:00"), london("2026-03-06 17:00")),
        ("outside_hours", london("2026-03-06 17:00"), london("2026-03-09 09:00")),
        ("counted", london("2026-03-09 09:00"), london("2026-03-09 09:30")),
    ]


def test_it_cancels_clocks_of_a_cancelled_incident(definitions):
    incident = make_incident(impact=2, urgency=2, at=london("2026-03-02 09:00"))
    move_at(incident, "cancelled", "2026-03-02 09:30")
    assert {c.state for c in clocks(incident).values()} == {"cancelled"}
    incident.refresh_from_db()
    assert (incident.sla_state, incident.sla_due_at) == ("", None)


def move_at(incident, state, when):
    inputs = {
        "on_hold": {"on_hold_reason": "awaiting_caller"},
        "resolved": {"resolution_code": "solved", "resolution_notes": "Fixed."},
    }.get(state, {})
    return incident_services.do_change_incident_state(
        incident, state, actor=None, expected_version=None, at=london(when), **inputs
    )
