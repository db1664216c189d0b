"""Periodic survey work for the task queue (Huey): every five minutes, invitations are drawn
from what the journal recorded since the last run (planner.py), then the due ones are sent,
reminded and expired (services/sending.py). `kaizen surveys run` does the same once."""

from typing import Any

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, lock_task

from kaizen.core.context import correlation


@db_periodic_task(crontab(minute="*/5"))
@lock_task("surveys-run")
def run_surveys() -> dict[str, Any]:
    """Safe to run twice: the cursor, the invitations' uniqueness and the claimed sending
    make a re-run draw and send nothing again."""
    from kaizen.surveys.planner import do_plan_invitations
    from kaizen.surveys.services.sending import do_send_surveys

    with correlation():
        return {"planned": do_plan_invitations().as_json(), "sent": do_send_surveys().as_json()}
