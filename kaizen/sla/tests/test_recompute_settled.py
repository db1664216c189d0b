"""A recompute leaves settled tickets as they are: not open, not journaled since the last full
recompute with the same configuration. Everything else is recomputed, and the clocks are the
ones a full recompute gives."""

import json
from io import StringIO

import pytest
from django.core.management import call_command

from kaizen.incidents import services as incident_services
from kaizen.incidents.tests.helpers import make_incident, move
from kaizen.sla.engine import STANDARD_RULES
from kaizen.sla.models import SLAClock
from kaizen.sla.services import do_recompute_clocks, do_update_calendar, do_update_sla_definition
from kaizen.sla.targets import configuration_fingerprint, rules_content
from kaizen.sla.tests.helpers import freeze_sla_time, london, office_calendar, priority_definitions
from kaizen.sla.tests.test_recompute import snapshot

pytestmark = pytest.mark.django_db
NOW = "2026-04-30 12:00"


@pytest.fixture
def definitions(monkeypatch):
    freeze_sla_time(monkeypatch, NOW)
    return priority_definitions(office_calendar())


@pytest.fixture
def history(definitions, agent):
    """An open incident, a resolved one, a closed one and a cancelled one."""
    at = london("2026-03-02 09:00")
    open_one = make_incident(impact=2, urgency=2, at=at)
    resolved = move(make_incident(impact=2, urgency=2, at=at), "in_progress", "resolved", at=at)
    closed = move(
        make_incident(impact=2, urgency=2, at=at), "in_progress", "resolved", "closed", at=at
    )
    cancelled = move(make_incident(impact=2, urgency=2, at=at), "cancelled", at=at)
    return {"open": open_one, "resolved": resolved, "closed": closed, "cancelled": cancelled}


def test_it_recomputes_every_ticket_the_first_time(history):
    run = do_recompute_clocks(actor=None, now=london(NOW))
    assert (run.tickets, run.settled_tickets, run.full) == (4, 0, True)


def test_it_leaves_settled_tickets_as_they_are_the_next_time(history):
    do_recompute_clocks(actor=None, now=london(NOW))
    before = snapshot()
    run = do_recompute_clocks(actor=None, now=london(NOW))
    # Open ones always run with time; resolved, closed and cancelled ones are settled.
    assert (run.tickets, run.settled_tickets, run.full) == (1, 3, False)
    assert snapshot() == before


def test_it_recomputes_a_settled_ticket_journaled_since(history, agent):
    do_recompute_clocks(actor=None, now=london(NOW))
    incident_services.do_add_incident_comment(
        history["resolved"], "Thanks, all good.", actor=agent, at=london("2026-03-03 10:00")
    )
    run = do_recompute_clocks(actor=None, now=london(NOW))
    assert (run.tickets, run.settled_tickets) == (2, 2)


def test_it_recomputes_a_reopened_ticket(history, agent):
    do_recompute_clocks(actor=None, now=london(NOW))
    move(history["resolved"], "in_progress", actor=agent, at=london("2026-03-03 10:00"))
    run = do_recompute_clocks(actor=None, now=london(NOW))
    assert (run.tickets, run.settled_tickets) == (2, 2)


def test_a_definition_change_makes_the_next_run_recompute_everything(history, definitions, agent):
    do_recompute_clocks(actor=None, now=london(NOW))
    SLAClock.objects.filter(ticket_id=history["closed"].pk).update(elapsed_us=-1)
    do_update_sla_definition(definitions["p3_resolution"], actor=agent, target_minutes=240)
    run = do_recompute_clocks(actor=None, now=london(NOW))
    assert (run.tickets, run.settled_tickets, run.full) == (4, 0, True)
    assert not SLAClock.objects.filter(elapsed_us=-1).exists()


def test_a_calendar_closure_changes_the_configuration(definitions, agent):
    import datetime as dt

    before = configuration_fingerprint()
    calendar = definitions["p3_resolution"].calendar
    do_update_calendar(calendar, actor=agent, closures=[(dt.date(2026, 3, 3), "Office move")])
    assert configuration_fingerprint() != before


def test_the_configuration_names_state_sets_in_a_fixed_order():
    """The fingerprint is stored and compared by a later run in another process, whose string
    hashing (so set order) differs: sets are written sorted."""
    content = rules_content(STANDARD_RULES)
    assert content["open_states"] == ["assigned", "in_progress", "new", "on_hold"]
    assert content["stopped_states"] == ["closed", "resolved"]
    assert content["on_hold_state"] == "on_hold"


def test_full_recomputes_settled_tickets_too(history):
    do_recompute_clocks(actor=None, now=london(NOW))
    SLAClock.objects.filter(ticket_id=history["closed"].pk).update(elapsed_us=-1)
    run = do_recompute_clocks(actor=None, now=london(NOW))
    assert SLAClock.objects.filter(elapsed_us=-1).exists()  # settled: left as it was
    out = StringIO()
    call_command("sla", "recompute", "--full", "--json", "--workers", "1", stdout=out)
    summary = json.loads(out.getvalue())
    assert (summary["tickets"], summary["settled_tickets"]) == (4, 0)
    assert not SLAClock.objects.filter(elapsed_us=-1).exists()
    assert run.settled_tickets == 3


def test_a_run_with_since_is_no_base_for_leaving_tickets(history):
    do_recompute_clocks(actor=None, since=london("2026-01-01 00:00"), now=london(NOW))
    run = do_recompute_clocks(actor=None, now=london(NOW))
    assert (run.tickets, run.settled_tickets, run.full) == (4, 0, True)
