"""Periodic analytics work for the task queue (Huey): the store follows the journal every minute."""

from typing import Any

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, lock_task

from kaizen.analytics.store import StoreBusy
from kaizen.analytics.sync import sync
from kaizen.core.heartbeats import ANALYTICS_SYNC, heartbeat


@db_periodic_task(crontab(minute="*"))
@lock_task("analytics-sync")
@heartbeat(ANALYTICS_SYNC)
def sync_analytics_store() -> dict[str, Any]:
    """KPIs lag the journal by about a minute. lock_task keeps two workers' schedulers from
    syncing at once; the store's writer lock also covers a `kaizen analytics` command running
    meanwhile, in which case this minute's sync is skipped rather than queued behind it."""
    try:
        return sync(wait=False).as_dict()
    except StoreBusy:
        return {"skipped": "another sync or rebuild is writing the store"}
