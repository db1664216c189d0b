"""How availability's events read in an outage's and a target's history: in words, recorded
by the services themselves."""

import datetime as dt
from decimal import Decimal

import pytest

from kaizen.availability import services
from kaizen.availability.models import OutageKind, OutageOrigin
from kaizen.journal.events import EventType
from kaizen.journal.presenting import present
from kaizen.journal.selectors import timeline_for
from kaizen.journal.tests.test_event_texts import lines_of
from kaizen.sla.tests.helpers import office_calendar
from kaizen.testing import make_service, make_user

pytestmark = pytest.mark.django_db
T0 = dt.datetime(2026, 3, 10, 10, 0, tzinfo=dt.UTC)


def lines_for(subject, event_type) -> list[list[str]]:
    chosen = [event for event in timeline_for(subject) if event.event_type == event_type]
    return [lines_of(event) for event in present(chosen)]


def test_outage_and_target_events_read_in_words(settings):
    settings.TIME_ZONE = "UTC"
    mail, manager = make_service("Mail"), make_user("slm", first_name="Sam", last_name="Lee")
    recorded = services.do_record_outage(
        actor=manager,
        service=mail,
        kind=OutageKind.DEGRADED,
        share_affected=30,
        started_at=T0,
        ended_at=T0 + dt.timedelta(hours=1),
        title="Mail slow",
        at=T0 + dt.timedelta(hours=2),
    )
    (created,) = lines_for(recorded, EventType.OUTAGE_RECORDED)
    assert "Kind: Degraded service" in created and "Share affected: 30" in created
    assert "Started at: 10 Mar 2026, 10:00" in created and "Status: Confirmed" in created
    proposal = services.do_propose_outage(
        origin=OutageOrigin.MONITORING,
        origin_key="monitoring:zabbix:1",
        service=mail,
        started_at=T0,
        ended_at=None,
        title="Mail down",
        at=T0,
    ).outage
    (proposed,) = lines_for(proposal, EventType.OUTAGE_PROPOSED)
    assert "Origin: Reported by monitoring" in proposed and "Status: Proposed" in proposed
    assert not [line for line in proposed if line.startswith("Origin key")]
    services.do_end_outage(proposal, actor=None, ended_at=T0 + dt.timedelta(minutes=30))
    assert lines_for(proposal, EventType.OUTAGE_ENDED) == [
        ["Ended at: (none) → 10 Mar 2026, 10:30"]
    ]
    services.do_update_outage(proposal, actor=manager, expected_version=None, title="Mail out")
    assert lines_for(proposal, EventType.OUTAGE_UPDATED) == [["Title: Mail down → Mail out"]]
    services.do_confirm_outage(proposal, actor=manager, expected_version=None)
    (confirmed,) = lines_for(proposal, EventType.OUTAGE_CONFIRMED)
    assert confirmed[0] == "Status: Proposed → Confirmed"
    assert "Confirmed by: (none) → Sam Lee" in confirmed
    other = services.do_propose_outage(
        origin=OutageOrigin.FAILED_CHANGE,
        origin_key="change:CHG1",
        service=mail,
        started_at=T0,
        ended_at=T0 + dt.timedelta(hours=1),
        title="Upgrade",
        at=T0 + dt.timedelta(hours=2),
    ).outage
    services.do_dismiss_outage(
        other, actor=manager, reason="No user noticed", expected_version=None
    )
    assert lines_for(other, EventType.OUTAGE_DISMISSED) == [
        ["Status: Proposed → Dismissed", "Dismissed reason: (none) → No user noticed"]
    ]
    target = services.do_set_availability_target(
        mail,
        actor=manager,
        valid_from=dt.date(2026, 3, 1),
        target_percent=Decimal("99.5"),
        calendar=office_calendar(),
    )
    (set_,) = lines_for(target, EventType.AVAILABILITY_TARGET_SET)
    assert set_ == [
        "Service: (none) → Mail",
        "Valid from: (none) → 1 Mar 2026",
        "Target percent: (none) → 99.5",
        "Calendar: (none) → Office office",
    ]
