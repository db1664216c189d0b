"""How the change calendar's journal events read: hand-written lines for each, recorded by the
services themselves."""

import datetime as dt

import pytest

from kaizen.changes.services import calendar as calendar_services
from kaizen.journal.events import EventType
from kaizen.journal.presenting import present
from kaizen.journal.selectors import timeline_for
from kaizen.journal.services import record_event
from kaizen.journal.tests.test_event_texts import lines_of
from kaizen.testing import make_service

pytestmark = pytest.mark.django_db


def lines_for(subject, event_type):
    chosen = [event for event in timeline_for(subject) if event.event_type == event_type]
    return [lines_of(event) for event in present(chosen, None)]


def test_calendar_events_read_in_words(settings, agent, change_manager):
    from kaizen.changes.tests.factories import raise_change

    settings.TIME_ZONE = "UTC"
    token, raw = calendar_services.do_create_calendar_feed(agent, actor=agent)
    calendar_services.do_create_calendar_feed(agent, actor=agent)  # the first one is revoked
    (_, created) = lines_for(agent, EventType.CALENDAR_FEED_CREATED)  # newest first
    assert created == [f"Address starting: {token.prefix}"]
    (revoked,) = lines_for(agent, EventType.CALENDAR_FEED_REVOKED)
    assert revoked == [f"Address starting: {token.prefix}"]
    change = raise_change(agent, services_=[make_service(name="Mail")])
    record_event(
        EventType.CHANGE_CONFLICT_ACKNOWLEDGED,
        change,
        actor=change_manager,
        data={
            "conflict": "CHG0000007 is booked on Mail at the same time",
            "kind": "Same service",
            "reason": "Both are read-only checks",
            "planned_start": "2026-03-09T22:00:00+00:00",
            "planned_end": "2026-03-09T23:00:00+00:00",
        },
    )
    (acknowledged,) = lines_for(change, EventType.CHANGE_CONFLICT_ACKNOWLEDGED)
    assert acknowledged == [
        "Conflict: CHG0000007 is booked on Mail at the same time",
        "Kind: Same service",
        "Why it may go ahead: Both are read-only checks",
        "Planned start: 9 Mar 2026, 22:00",
        "Planned end: 9 Mar 2026, 23:00",
    ]
    window = calendar_services.do_create_window(
        actor=change_manager,
        **{
            "name": "Year-end freeze",
            "kind": "blackout",
            "all_services": True,
            "starts_at": dt.datetime(2026, 12, 20, tzinfo=dt.UTC),
            "ends_at": dt.datetime(2027, 1, 4, tzinfo=dt.UTC),
        },
    )
    (window_created,) = lines_for(window, EventType.CHANGE_WINDOW_CREATED)
    assert "Name: Year-end freeze" in window_created
    calendar_services.do_update_window(window, actor=change_manager, name="Year-end change freeze")
    (updated,) = lines_for(window, EventType.CHANGE_WINDOW_UPDATED)
    assert updated == ["Name: Year-end freeze → Year-end change freeze"]
    calendar_services.do_delete_window(window, actor=change_manager)
    (deleted,) = lines_for(window, EventType.CHANGE_WINDOW_DELETED)
    assert any(line == "Name: Year-end change freeze" for line in deleted)
