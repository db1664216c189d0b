"""How outages' and availability targets' journal events read in their history: hand-written
lines for each, recorded by the services themselves."""

import datetime as dt
from decimal import Decimal

import pytest

from kaizen.availability.services import (
    do_confirm_outage,
    do_dismiss_outage,
    do_end_outage,
    do_propose_outage,
    do_record_outage,
    do_set_availability_target,
    do_update_outage,
)
from kaizen.journal.events import EventType
from kaizen.journal.presenting import present
from kaizen.journal.selectors import timeline_for
from kaizen.journal.tests.test_event_texts import lines_of

pytestmark = pytest.mark.django_db
START = dt.datetime(2026, 3, 2, 9, tzinfo=dt.UTC)


def lines_for(subject, event_type, reader) -> list[list[str]]:
    chosen = [event for event in timeline_for(subject) if event.event_type == event_type]
    return [lines_of(event) for event in present(chosen, reader)]


def test_outage_events_read_in_words(settings, slm, mail, calendar):
    settings.TIME_ZONE = "UTC"
    recorded = do_record_outage(
        actor=slm,
        service=mail,
        kind="unplanned",
        started_at=START,
        ended_at=START + dt.timedelta(hours=1),
        title="Mail down",
    )
    (created,) = lines_for(recorded, EventType.OUTAGE_RECORDED, slm)
    assert "Title: Mail down" in created and "Status: Confirmed" in created
    assert "Kind: Unplanned outage" in created and "Service: Mail" in created
    do_update_outage(recorded, actor=slm, expected_version=1, title="Mail down for everyone")
    assert lines_for(recorded, EventType.OUTAGE_UPDATED, slm) == [
        ["Title: Mail down → Mail down for everyone"]
    ]

    proposal, _ = do_propose_outage(
        origin="monitoring",
        origin_key="monitoring:zabbix:1",
        service=mail,
        started_at=START,
        ended_at=None,
        title="Mail slow",
    )
    (proposed,) = lines_for(proposal, EventType.OUTAGE_PROPOSED, slm)
    assert "Status: Proposed" in proposed and "Origin: Reported by monitoring" in proposed
    ended = do_end_outage(proposal, actor=None, ended_at=START + dt.timedelta(minutes=30))
    assert lines_for(ended, EventType.OUTAGE_ENDED, slm) == [
        ["Ended at: (none) → 2 Mar 2026, 09:30"]
    ]
    confirmed = do_confirm_outage(ended, actor=slm, expected_version=ended.version)
    (confirm_lines,) = lines_for(confirmed, EventType.OUTAGE_CONFIRMED, slm)
    assert "Status: Proposed → Confirmed" in confirm_lines
    assert "Confirmed by: (none) → Sam Level" in confirm_lines

    other, _ = do_propose_outage(
        origin="monitoring",
        origin_key="monitoring:zabbix:2",
        service=mail,
        started_at=START,
        ended_at=None,
        title="Flap",
    )
    do_dismiss_outage(other, actor=slm, reason="A flapping probe", expected_version=1)
    assert lines_for(other, EventType.OUTAGE_DISMISSED, slm) == [
        ["Status: Proposed → Dismissed", "Dismissed reason: (none) → A flapping probe"]
    ]

    target = do_set_availability_target(
        mail,
        actor=slm,
        valid_from=dt.date(2026, 6, 1),
        target_percent=Decimal("99.9"),
        calendar=calendar,
    )
    (set_lines,) = lines_for(target, EventType.AVAILABILITY_TARGET_SET, slm)
    assert "Target percent: (none) → 99.9" in set_lines or "Target percent: 99.9" in set_lines
