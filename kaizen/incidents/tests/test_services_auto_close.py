"""Closing resolved incidents automatically KAIZEN_AUTO_CLOSE_DAYS after their resolution."""

import datetime as dt
import threading

import pytest
from django.db import connection, transaction
from huey.contrib.djhuey import HUEY

from kaizen.incidents import services, tasks
from kaizen.incidents.models import Incident, State
from kaizen.incidents.services import auto_close
from kaizen.incidents.tests.helpers import last_event, make_incident, move
from kaizen.journal.events import EventType

pytestmark = pytest.mark.django_db

T0 = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)
RESOLVED = T0 + dt.timedelta(hours=1)
DUE = RESOLVED + dt.timedelta(days=3)  # the tests' setting: three days
MINUTE = dt.timedelta(minutes=1)


@pytest.fixture(autouse=True)
def three_days(settings):
    settings.KAIZEN_AUTO_CLOSE_DAYS = 3


def test_it_waits_as_long_as_the_reopen_window_by_default():
    from kaizen import settings as defaults

    assert defaults.KAIZEN_AUTO_CLOSE_DAYS == defaults.KAIZEN_REOPEN_WINDOW_DAYS == 7


def test_it_leaves_imported_history_as_the_other_tool_recorded_it():
    imported = resolved()
    Incident.objects.filter(pk=imported.pk).update(imported_from="servicenow")
    assert services.do_auto_close_resolved(now=DUE + dt.timedelta(days=30)) == 0
    assert refreshed(imported).state == State.RESOLVED
    assert auto_close.auto_close_at(refreshed(imported)) is None


def resolved(at=RESOLVED, **fields):
    return move(make_incident(at=T0, **fields), "resolved", at=at)


def refreshed(incident):
    incident.refresh_from_db()
    return incident


def test_it_closes_an_incident_resolved_three_days_ago_to_the_minute():
    on_time, a_minute_late = resolved(), resolved(at=RESOLVED + MINUTE)
    assert services.do_auto_close_resolved(now=DUE) == 1
    closed = refreshed(on_time)
    assert (closed.state, closed.closed_at) == (State.CLOSED, DUE)
    assert refreshed(a_minute_late).state == State.RESOLVED
    assert services.do_auto_close_resolved(now=DUE + MINUTE) == 1
    assert refreshed(a_minute_late).state == State.CLOSED


def test_it_leaves_incidents_still_within_their_window_and_open_ones():
    recent = resolved()
    open_one = make_incident(at=T0)
    assert services.do_auto_close_resolved(now=DUE - MINUTE) == 0
    assert refreshed(recent).state == State.RESOLVED
    assert services.do_auto_close_resolved(now=DUE + dt.timedelta(days=30)) == 1
    assert refreshed(open_one).state == State.NEW


def test_it_journals_an_ordinary_state_change_by_the_system_with_the_reason():
    incident = resolved()
    version = incident.version
    services.do_auto_close_resolved(now=DUE)
    event = last_event(incident)
    assert event.event_type == EventType.INCIDENT_STATE_CHANGED
    assert (event.actor, event.actor_repr, event.occurred_at) == (None, "system", DUE)
    assert event.changes["state"] == {"old": "resolved", "new": "closed"}
    assert event.changes["closed_at"] == {"old": None, "new": DUE.isoformat()}
    assert event.data == {"reason": "closed automatically 3 days after resolution"}
    assert refreshed(incident).version == version + 1


def test_it_refreshes_the_clocks_and_tells_the_caller_as_a_manual_close_does(hooks, requester):
    incident = resolved(caller=requester)
    hooks["clocks"].clear()
    hooks["notifications"].clear()
    services.do_auto_close_resolved(now=DUE)
    assert hooks["clocks"] == [incident.pk]
    [notice] = hooks["notifications"]
    assert (notice["template"], notice["recipients"]) == ("incident_updated", ["rita"])
    assert notice["context"]["actor"] is None


def test_it_does_not_close_a_reopened_incident_and_restarts_the_window_on_resolving_again():
    incident = resolved()
    move(incident, "in_progress", at=RESOLVED + dt.timedelta(days=1))
    assert services.do_auto_close_resolved(now=DUE) == 0
    assert refreshed(incident).state == State.IN_PROGRESS
    again = RESOLVED + dt.timedelta(days=2)
    move(incident, "resolved", at=again)
    assert services.do_auto_close_resolved(now=DUE) == 0
    assert services.do_auto_close_resolved(now=again + dt.timedelta(days=3)) == 1


def test_it_closes_nothing_twice():
    incident = resolved()
    assert services.do_auto_close_resolved(now=DUE) == 1
    events = last_event(incident).pk
    assert services.do_auto_close_resolved(now=DUE) == 0
    assert services.do_auto_close_resolved(now=DUE + dt.timedelta(days=1)) == 0
    assert last_event(incident).pk == events


def test_it_is_off_at_zero_days(settings):
    settings.KAIZEN_AUTO_CLOSE_DAYS = 0
    incident = resolved()
    assert services.do_auto_close_resolved(now=DUE + dt.timedelta(days=365)) == 0
    assert refreshed(incident).state == State.RESOLVED
    assert services.auto_close_at(incident) is None


def test_it_follows_the_setting_and_says_so(settings):
    settings.KAIZEN_AUTO_CLOSE_DAYS = 1
    incident = resolved()
    assert services.auto_close_at(incident) == RESOLVED + dt.timedelta(days=1)
    assert services.do_auto_close_resolved(now=RESOLVED + dt.timedelta(days=1)) == 1
    assert last_event(incident).data == {"reason": "closed automatically 1 day after resolution"}


def test_it_closes_in_batches_and_goes_past_one_it_cannot_close(caplog):
    incidents = [resolved() for _ in range(5)]
    # An incident whose resolution lost its notes cannot be closed (a rule of the lifecycle).
    type(incidents[1]).objects.filter(pk=incidents[1].pk).update(resolution_notes="")
    assert services.do_auto_close_resolved(now=DUE, batch_size=2) == 4
    states = [refreshed(incident).state for incident in incidents]
    assert states == [State.CLOSED, State.RESOLVED, State.CLOSED, State.CLOSED, State.CLOSED]
    assert "1 resolved incident(s) cannot be closed" in caplog.text
    assert f"{incidents[1].number} (describe the resolution for the caller)" in caplog.text


def test_it_skips_an_incident_changed_since_the_batch_was_chosen(agent):
    changed, untouched = resolved(), resolved()
    cutoff = DUE - dt.timedelta(days=3)
    due = auto_close.due_for_closing(cutoff)
    assert [pk for pk, _ in due] == [changed.pk, untouched.pk]
    services.do_update_incident(
        changed, actor=agent, expected_version=None, description="Caller says: fixed, thanks"
    )
    assert auto_close.close_batch(due, cutoff=cutoff, now=DUE, days=3) == 1
    assert refreshed(changed).state == State.RESOLVED
    assert refreshed(untouched).state == State.CLOSED
    assert services.do_auto_close_resolved(now=DUE) == 1  # the next run takes it
    assert refreshed(changed).state == State.CLOSED


def test_it_leaves_an_incident_reopened_since_the_batch_was_chosen():
    incident = resolved()
    cutoff = DUE - dt.timedelta(days=3)
    due = auto_close.due_for_closing(cutoff)
    move(incident, "in_progress", at=DUE - MINUTE)
    assert auto_close.close_batch(due, cutoff=cutoff, now=DUE, days=3) == 0
    assert refreshed(incident).state == State.IN_PROGRESS


@pytest.mark.django_db(transaction=True)
def test_it_leaves_a_row_another_worker_holds_to_that_worker():
    if connection.vendor != "postgresql":
        pytest.skip("SKIP LOCKED is PostgreSQL's; SQLite has one writer at a time")
    held, free = resolved(), resolved()
    locked, release = threading.Event(), threading.Event()

    def other_worker():
        try:
            with transaction.atomic():
                Incident.objects.select_for_update().get(pk=held.pk)
                locked.set()
                release.wait(10)
        finally:
            connection.close()

    thread = threading.Thread(target=other_worker)
    thread.start()
    assert locked.wait(10)
    try:
        assert services.do_auto_close_resolved(now=DUE) == 1  # no waiting on the held row
    finally:
        release.set()
        thread.join()
    assert (refreshed(held).state, refreshed(free).state) == (State.RESOLVED, State.CLOSED)


def test_it_runs_from_a_task_every_fifteen_minutes(monkeypatch):
    calls = []
    monkeypatch.setattr(
        services, "do_auto_close_resolved", lambda **kwargs: calls.append(kwargs) or 7
    )
    assert tasks.auto_close_resolved_incidents.call_local() == {"closed": 7}
    assert calls == [{}]
    task = tasks.auto_close_resolved_incidents.task_class
    minutes = [
        minute
        for minute in range(60)
        if task in {type(due) for due in HUEY.read_periodic(T0.replace(minute=minute))}
    ]
    assert minutes == [0, 15, 30, 45]
