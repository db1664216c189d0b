"""Huey tasks that send the outbox. `kaizen run_huey` (or `kaizen serve`) runs them."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from kaizen.core.heartbeats import NOTIFICATION_RETRY, heartbeat
from kaizen.notifications.delivery import deliver_notifications


@db_task()
def send_notifications(ids: list[int]) -> None:
    """Enqueued after the commit that wrote these outbox rows."""
    deliver_notifications(ids)


@db_periodic_task(crontab(minute="*"))
@heartbeat(NOTIFICATION_RETRY)
def retry_notifications() -> None:
    """Every minute: rows whose send failed and is due again, rows whose task never ran (the
    queue was down at commit) and rows whose worker died mid-send."""
    deliver_notifications()
