"""Periodic availability work for the task queue (Huey): every five minutes, outages are
proposed from what the journal recorded since the last run (kaizen/availability/proposals.py;
`kaizen availability propose` runs it once)."""

from typing import Any

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, lock_task

from kaizen.core.context import correlation


@db_periodic_task(crontab(minute="*/5"))
@lock_task("availability-proposals")
def propose_outages() -> dict[str, Any]:
    """Safe to run twice: the cursor and the proposals' keys make a re-run propose nothing
    again."""
    from kaizen.availability.proposals import do_propose_outages

    with correlation():
        return do_propose_outages().as_json()
