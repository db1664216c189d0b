"""Periodic tasks leave the time they started; the administrator's home reads them back."""

import datetime as dt

import pytest
from django.utils import timezone

from kaizen.core.heartbeats import heartbeat, last_heartbeats, record_heartbeat
from kaizen.sla.scan import ScanReport

pytestmark = pytest.mark.django_db


def test_it_keeps_one_row_per_task_with_its_latest_start():
    earlier = timezone.now() - dt.timedelta(minutes=5)
    record_heartbeat("scan", at=earlier)
    record_heartbeat("scan", at=earlier + dt.timedelta(minutes=1))
    record_heartbeat("sync", at=earlier)
    assert last_heartbeats() == {"scan": earlier + dt.timedelta(minutes=1), "sync": earlier}


def test_a_decorated_task_records_its_heartbeat_each_time_it_starts():
    @heartbeat("job")
    def job(value: int) -> int:
        return value * 2

    before = timezone.now()
    assert job(21) == 42
    assert last_heartbeats()["job"] >= before


def test_the_periodic_tasks_record_theirs(monkeypatch):
    from kaizen.sla import tasks

    monkeypatch.setattr(tasks, "scan_due_clocks", ScanReport)
    tasks.scan_sla_clocks.call_local()
    assert "sla-scan" in last_heartbeats()
