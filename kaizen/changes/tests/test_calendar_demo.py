"""The demo calendar (kaizen/demo/changes_calendar.py): what it adds; nothing on a rerun."""

import datetime as dt

import pytest

from kaizen.changes.models import ChangeWindow, ConflictAcknowledgement
from kaizen.changes.tests.factories import T0, authorised_normal_change, move
from kaizen.demo.changes_calendar import load
from kaizen.testing import make_service

pytestmark = pytest.mark.django_db


def test_it_adds_a_freeze_weekly_windows_and_one_acknowledged_conflict_once(agent, change_manager):
    network = make_service("Corporate Network", slug="network")
    # Tuesday 10 March 2026, 12:00-14:00 UTC: outside the network's Thursday and Saturday windows.
    change = authorised_normal_change(
        agent,
        services_=[network],
        planned_start=dt.datetime(2026, 3, 10, 12, tzinfo=dt.UTC),
        planned_end=dt.datetime(2026, 3, 10, 14, tzinfo=dt.UTC),
    )
    move(change, "scheduled", agent, T0 + dt.timedelta(days=2))
    now = dt.datetime(2026, 3, 9, 8, tzinfo=dt.UTC)
    assert load(now) == {"change windows": 3, "acknowledged conflicts": 1}
    assert set(ChangeWindow.objects.values_list("name", flat=True)) == {
        "Year-end freeze 2026",
        "Network Thursday night maintenance",
        "Network Saturday morning maintenance",
    }
    ack = ConflictAcknowledgement.objects.get()
    assert (ack.change, ack.conflict_key, ack.acknowledged_by) == (
        change,
        "outside_maintenance:network",
        change_manager,
    )
    assert load(now) == {"change windows": 0, "acknowledged conflicts": 0}
