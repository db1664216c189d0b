"""`kaizen sla recompute` rebuilds exactly the live clocks, from the journal alone."""

import datetime as dt
import json
from io import StringIO

import pytest
from django.core.management import call_command
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kaizen.incidents import services as incident_services
from kaizen.incidents.services.lifecycle import allowed_targets
from kaizen.incidents.tests.helpers import make_incident
from kaizen.journal.events import EventType
from kaizen.journal.models import JournalEvent
from kaizen.sla.clock_rows import DERIVED_FIELDS
from kaizen.sla.models import RecomputeRun, SLAClock
from kaizen.sla.recompute import recompute_batch
from kaizen.sla.services import do_recompute_clocks, do_update_sla_definition
from kaizen.sla.targets import active_targets
from kaizen.sla.tests.helpers import freeze_sla_time, london, office_calendar, priority_definitions

pytestmark = pytest.mark.django_db
NOW = "2026-04-30 12:00"

ACTIONS = {
    "in_progress": {"state": "in_progress"},
    "hold_for_caller": {"state": "on_hold", "on_hold_reason": "awaiting_caller"},
    "hold_for_problem": {"state": "on_hold", "on_hold_reason": "awaiting_problem"},
    # While on hold: the reason changes, the incident stays on hold.
    "now_awaiting_caller": {"hold_reason": "awaiting_caller"},
    "now_awaiting_problem": {"hold_reason": "awaiting_problem"},
    "resolve": {"state": "resolved", "resolution_code": "solved", "resolution_notes": "Fixed."},
    "close": {"state": "closed"},
    "cancel": {"state": "cancelled"},
    "raise_priority": {"impact": 1, "urgency": 1},
    "lower_priority": {"impact": 2, "urgency": 2},
    "public_comment": {"comment": "Looking into it."},
}


@pytest.fixture
def definitions(monkeypatch):
    freeze_sla_time(monkeypatch, NOW)
    return priority_definitions(office_calendar())


def snapshot(incident_ids=None) -> list[tuple]:
    rows = SLAClock.objects.order_by("ticket_id", "sequence")
    if incident_ids is not None:
        rows = rows.filter(ticket_id__in=incident_ids)
    return [
        tuple(getattr(row, name) for name in ("ticket_id", "sequence", *DERIVED_FIELDS))
        for row in rows
    ]


def apply(incident, action: str, at: dt.datetime, agent):
    inputs = dict(ACTIONS[action])
    if "comment" in inputs:
        if incident.state in ("closed", "cancelled"):
            return incident
        incident_services.do_add_incident_comment(incident, inputs["comment"], actor=agent, at=at)
        return incident
    if "hold_reason" in inputs:
        if incident.state != "on_hold" or incident.on_hold_reason == inputs["hold_reason"]:
            return incident
        return incident_services.do_change_incident_on_hold_reason(
            incident, inputs["hold_reason"], actor=agent, expected_version=None, at=at
        )
    if "state" in inputs:
        if inputs["state"] not in allowed_targets(incident, at):
            return incident
        state = inputs.pop("state")
        return incident_services.do_change_incident_state(
            incident, state, actor=agent, expected_version=None, at=at, **inputs
        )
    if incident.state in ("closed", "cancelled"):
        return incident
    return incident_services.do_update_incident(
        incident, actor=agent, expected_version=None, at=at, **inputs
    )


steps = st.lists(
    st.tuples(st.integers(min_value=1, max_value=3 * 24 * 60), st.sampled_from(sorted(ACTIONS))),
    max_size=10,
)


@settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(opened_offset=st.integers(min_value=0, max_value=14 * 24 * 60), plan=steps)
def test_recompute_equals_live_and_elapsed_never_exceeds_wall_time(
    definitions, agent, opened_offset, plan
):
    at = london("2026-03-02 00:00") + dt.timedelta(minutes=opened_offset)
    incident = make_incident(impact=2, urgency=2, at=at)
    for gap, action in plan:
        at += dt.timedelta(minutes=gap)
        incident = apply(incident, action, at, agent)
    live = snapshot([incident.pk])
    SLAClock.objects.filter(incident=incident).update(elapsed_us=-1, state="running", due_at=None)
    recompute_batch([incident.pk], active_targets(), london(NOW))  # what the command runs per batch
    assert snapshot([incident.pk]) == live
    for clock in SLAClock.objects.filter(incident=incident):
        wall = (london(NOW) - clock.started_at) // dt.timedelta(microseconds=1)
        assert 0 <= clock.elapsed_us <= wall


def test_it_remeasures_history_after_a_definition_changes_and_journals_it(definitions, agent):
    incident = make_incident(impact=2, urgency=2, at=london("2026-03-02 09:00"))
    incident_services.do_change_incident_state(
        incident, "in_progress", actor=agent, expected_version=None, at=london("2026-03-02 09:10")
    )
    incident_services.do_change_incident_state(
        incident,
        "resolved",
        actor=agent,
        expected_version=None,
        resolution_code="solved",
        resolution_notes="Fixed.",
        at=london("2026-03-02 15:00"),
    )
    resolution = SLAClock.objects.get(incident=incident, kind="resolution")
    assert resolution.state == "met"  # 6 h of 8 h
    do_update_sla_definition(definitions["p3_resolution"], actor=agent, target_minutes=240)
    assert SLAClock.objects.get(incident=incident, kind="resolution").state == "met"  # not yet
    out = StringIO()
    call_command("sla", "recompute", "--since", "2026-03-01", "--json", stdout=out)
    summary = json.loads(out.getvalue())
    assert summary["tickets"] == 1 and summary["changed_clocks"] == 1
    resolution = SLAClock.objects.get(incident=incident, kind="resolution")
    assert (resolution.state, resolution.target_us) == ("breached", 4 * 3600 * 1_000_000)
    run = RecomputeRun.objects.get()
    event = JournalEvent.objects.filter(event_type=EventType.SLA_RECOMPUTED).get()
    assert event.subject_id == str(run.pk) and event.data["changed_clocks"] == 1


def test_it_is_a_read_when_nothing_changed(definitions):
    make_incident(impact=2, urgency=2, at=london("2026-03-02 09:00"))
    before = snapshot()
    run = do_recompute_clocks(actor=None, now=london(NOW))
    assert (run.tickets, run.clocks, run.changed_clocks) == (1, 2, 0)
    assert snapshot() == before


def test_it_refuses_a_bad_since_date(definitions):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="--since"):
        call_command("sla", "recompute", "--since", "last tuesday")


def test_a_write_between_reading_and_writing_is_planned_again(definitions, agent, monkeypatch):
    # The recompute reads and computes outside its write transaction; an incident journaled in
    # between (here: the first response) must not get the clocks computed before it.
    from kaizen.sla import recompute, refresh

    incident = make_incident(impact=2, urgency=2, at=london("2026-03-02 09:00"))
    SLAClock.objects.filter(incident=incident).update(elapsed_us=-1)  # something to write
    plan = recompute._plan_tickets
    reads = []

    def plan_then_respond(kind, incident_ids, targets, now):
        plans = plan(kind, incident_ids, targets, now)
        if not reads:
            incident_services.do_change_incident_state(
                incident,
                "in_progress",
                actor=agent,
                expected_version=None,
                at=london("2026-03-02 09:20"),
            )
        reads.append(list(incident_ids))
        return plans

    monkeypatch.setattr(recompute, "_plan_tickets", plan_then_respond)
    recompute_batch([incident.pk], active_targets(), london(NOW))
    assert reads == [[incident.pk], [incident.pk]]  # planned again inside the transaction
    assert SLAClock.objects.get(incident=incident, kind="response").state == "met"
    recomputed = snapshot([incident.pk])
    refresh.refresh_ticket_clocks(incident)
    assert snapshot([incident.pk]) == recomputed


def test_workers_fall_back_to_this_process_inside_a_transaction(definitions):
    # Worker processes would not see this test's uncommitted rows (nor an in-memory database).
    from kaizen.core.processes import usable_workers

    assert usable_workers(2) == 1
    make_incident(impact=2, urgency=2, at=london("2026-03-02 09:00"))
    SLAClock.objects.update(elapsed_us=-1)
    out = StringIO()
    call_command("sla", "recompute", "--workers", "2", "--json", stdout=out)
    assert json.loads(out.getvalue())["changed_clocks"] == 2


@pytest.mark.django_db(transaction=True)
def test_worker_processes_rebuild_the_live_clocks(definitions, agent):
    from django.db import connection

    if connection.vendor == "sqlite" and connection.is_in_memory_db():
        pytest.skip("worker processes need a database they can open (PostgreSQL, SQLite file)")
    incidents = [
        make_incident(impact=impact, urgency=2, at=london("2026-03-02 09:00"))
        for impact in (1, 2, 2, 3, 2)
    ]
    incident_services.do_change_incident_state(
        incidents[1],
        "in_progress",
        actor=agent,
        expected_version=None,
        at=london("2026-03-02 09:40"),
    )
    live = snapshot()
    SLAClock.objects.update(elapsed_us=-1, state="running", due_at=None)
    run = do_recompute_clocks(actor=None, now=london(NOW), batch_size=2, workers=2)
    assert (run.tickets, run.changed_clocks) == (5, len(live))
    assert snapshot() == live
