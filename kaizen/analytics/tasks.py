"""Periodic analytics work for the task queue (Huey): the store follows the journal every minute."""

from typing import Any

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, lock_task

from kaizen.analytics.problem_review import announce_risk_reviews
from kaizen.analytics.store import StoreBusy
from kaizen.analytics.sync import sync
from kaizen.core.context import correlation
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


@db_periodic_task(crontab(minute="20", hour="6"))
@lock_task("problem-risk-reviews")
def announce_problem_risk_reviews() -> dict[str, int]:
    """Every morning: the accepted problem risks whose review day has come, with what their
    incidents cost since (kaizen/analytics/problem_review.py). Safe to run twice: a review
    is announced once, by its journal event."""
    with correlation():
        return announce_risk_reviews()
