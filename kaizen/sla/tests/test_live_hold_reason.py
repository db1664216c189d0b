"""An incident's on-hold reason changing while it stays on hold: the live clocks follow the
reason, and the recompute from the journal gives the same clocks.

Hand-computed on an office calendar with a lunch break (Monday to Friday 09:00-12:00 and
13:00-17:00, Europe/London; 2 March 2026 is a Monday) with the priority-3 definitions
(response 1 h, resolution 8 h) pausing for the caller only: waiting for the vendor counts.
"""

import datetime as dt

import pytest

from kaizen.incidents import services as incident_services
from kaizen.incidents.models import Incident
from kaizen.incidents.tests.helpers import make_incident, move
from kaizen.sla.models import SLAClock
from kaizen.sla.recompute import recompute_batch
from kaizen.sla.services import do_create_calendar
from kaizen.sla.targets import active_targets
from kaizen.sla.tests.helpers import H, M, freeze_sla_time, london, priority_definitions
from kaizen.sla.tests.test_recompute import snapshot

pytestmark = pytest.mark.django_db


@pytest.fixture
def definitions():
    calendar = do_create_calendar(
        actor=None,
        name="Office with lunch",
        slug="office-lunch",
        time_zone="Europe/London",
        periods=[
            (day, start, end)
            for day in range(5)
            for start, end in ((dt.time(9), dt.time(12)), (dt.time(13), dt.time(17)))
        ],
    )
    return priority_definitions(calendar, pause_reasons=["awaiting_caller"])


def stored(incident) -> dict[str, SLAClock]:
    return {clock.kind: clock for clock in SLAClock.objects.filter(incident=incident)}


def change_reason(incident, reason: str, when: str, actor=None) -> Incident:
    return incident_services.do_change_incident_on_hold_reason(
        incident, reason, actor=actor, expected_version=incident.version, at=london(when)
    )


def assert_recompute_gives_the_live_clocks(incident, now: str) -> None:
    live = snapshot([incident.pk])
    SLAClock.objects.filter(incident=incident).update(elapsed_us=-1, state="running", due_at=None)
    recompute_batch([incident.pk], active_targets(), london(now))
    assert snapshot([incident.pk]) == live


def test_vendor_then_caller_then_resume(definitions, agent, monkeypatch):
    freeze_sla_time(monkeypatch, "2026-03-03 13:30")
    incident = make_incident(impact=2, urgency=2, at=london("2026-03-02 15:00"))
    incident = move(
        incident,
        "on_hold",
        on_hold_reason="awaiting_vendor",
        actor=agent,
        at=london("2026-03-02 15:30"),
    )
    incident = change_reason(incident, "awaiting_caller", "2026-03-03 11:30", actor=agent)

    # Tuesday 13:30, waiting for the caller: counted Mon 15:00-17:00 and Tue 09:00-11:30.
    clocks = stored(incident)
    assert (clocks["resolution"].state, clocks["resolution"].elapsed_us) == (
        "paused",
        4 * H + 30 * M,
    )
    assert clocks["resolution"].due_at is None
    # The response ran out at Mon 16:00 while waiting for the vendor; the reason change did
    # not answer the caller, so it is breached, not met, and not stopped.
    response = clocks["response"]
    assert (response.state, response.elapsed_us, response.stopped_at) == (
        "breached",
        4 * H + 30 * M,
        None,
    )
    assert response.due_at == response.breach_at == london("2026-03-02 16:00")
    incident.refresh_from_db()
    assert (incident.state, incident.first_responded_at) == ("on_hold", None)
    assert (incident.sla_state, incident.sla_due_at) == ("breached", None)
    assert_recompute_gives_the_live_clocks(incident, "2026-03-03 13:30")

    # The caller answers; the agent resumes at 14:00: 3 h 30 left (Tue 14:00-17:00, Wed
    # 09:00-09:30). The resume is the first response.
    freeze_sla_time(monkeypatch, "2026-03-03 16:00")
    incident = move(incident, "in_progress", actor=agent, at=london("2026-03-03 14:00"))
    clocks = stored(incident)
    resolution = clocks["resolution"]
    assert (resolution.state, resolution.elapsed_us) == ("running", 6 * H + 30 * M)
    assert resolution.due_at == london("2026-03-04 09:30")
    assert (clocks["response"].state, clocks["response"].stopped_at) == (
        "breached",
        london("2026-03-03 14:00"),
    )
    incident.refresh_from_db()
    assert incident.first_responded_at == london("2026-03-03 14:00")
    assert incident.sla_due_at == london("2026-03-04 09:30")
    assert_recompute_gives_the_live_clocks(incident, "2026-03-03 16:00")


def test_caller_then_vendor_then_resume(definitions, agent, monkeypatch):
    freeze_sla_time(monkeypatch, "2026-03-03 16:00")
    incident = make_incident(impact=2, urgency=2, at=london("2026-03-02 15:00"))
    incident = move(
        incident,
        "on_hold",
        on_hold_reason="awaiting_caller",
        actor=agent,
        at=london("2026-03-02 15:30"),
    )
    incident = change_reason(incident, "awaiting_vendor", "2026-03-03 11:30", actor=agent)
    incident = move(incident, "in_progress", actor=agent, at=london("2026-03-03 14:00"))

    clocks = stored(incident)
    resolution = clocks["resolution"]
    # Mon 15:00-15:30; paused to Tue 11:30; 11:30-12:00, 13:00-14:00 (vendor), 14:00-16:00.
    assert (resolution.state, resolution.elapsed_us) == ("running", 4 * H)
    # 4 h left: Tue 16:00-17:00, Wed 09:00-12:00; the breach comes after lunch.
    assert resolution.due_at == london("2026-03-04 12:00")
    assert resolution.breach_at == london("2026-03-04 13:00")
    response = clocks["response"]
    assert (response.state, response.elapsed_us) == ("breached", 2 * H)
    assert response.due_at == london("2026-03-03 12:00")
    assert response.breach_at == london("2026-03-03 13:00")
    assert_recompute_gives_the_live_clocks(incident, "2026-03-03 16:00")


def test_a_reason_change_on_a_breached_clock(definitions, agent, monkeypatch):
    freeze_sla_time(monkeypatch, "2026-03-04 10:00")
    incident = make_incident(impact=2, urgency=2, at=london("2026-03-02 09:00"))
    incident = move(incident, "in_progress", actor=agent, at=london("2026-03-02 09:15"))
    incident = move(
        incident,
        "on_hold",
        on_hold_reason="awaiting_vendor",
        actor=agent,
        at=london("2026-03-02 10:00"),
    )
    incident = change_reason(incident, "awaiting_caller", "2026-03-03 11:00", actor=agent)

    # Mon 09:00-12:00 and 13:00-17:00 (7 h), Tue 09:00-10:00 used up the 8 h, 10:00-11:00
    # counted one more; paused since, so on Wednesday it is still 9 h, breached.
    resolution = stored(incident)["resolution"]
    assert (resolution.state, resolution.elapsed_us) == ("breached", 9 * H)
    assert resolution.due_at == resolution.breach_at == london("2026-03-03 10:00")
    assert resolution.running_since is None
    incident.refresh_from_db()
    assert (incident.sla_state, incident.sla_due_at) == ("breached", None)
    assert_recompute_gives_the_live_clocks(incident, "2026-03-04 10:00")
