"""Periodic SLA work for the task queue (Huey): the scan runs every minute."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, lock_task

from kaizen.core.context import correlation
from kaizen.core.heartbeats import SLA_SCAN, heartbeat
from kaizen.sla.scan import scan_due_clocks


@db_periodic_task(crontab(minute="*"))
@lock_task("sla-scan")
@heartbeat(SLA_SCAN)
def scan_sla_clocks() -> dict[str, int]:
    """Warnings and breaches fire within a minute of their time."""
    with correlation():
        return scan_due_clocks().__dict__
