"""Periodic incident work for the task queue (Huey): resolved incidents are closed
automatically every 15 minutes, KAIZEN_AUTO_CLOSE_DAYS after their resolution."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, lock_task

from kaizen.core.context import correlation
from kaizen.incidents import services


@db_periodic_task(crontab(minute="*/15"))
@lock_task("incident-auto-close")
def auto_close_resolved_incidents() -> dict[str, int]:
    """One run's closes share a correlation id. Safe beside another worker's run too: the
    service claims its rows (kaizen.incidents.services.auto_close)."""
    with correlation():
        return {"closed": services.do_auto_close_resolved()}
