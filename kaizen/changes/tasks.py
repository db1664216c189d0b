"""Periodic change work for the task queue (Huey): every hour, the changes in Review are
looked at again for incidents opened on their services or CIs since the last look (an
incident that follows a change by a day is proposed the day it is opened, not only when the
change reached Review)."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, lock_task

from kaizen.changes.models import Change, State
from kaizen.changes.services import do_propose_caused_incidents
from kaizen.core.context import correlation


@db_periodic_task(crontab(minute="7"))
@lock_task("change-caused-incidents")
def propose_caused_incidents() -> dict[str, int]:
    """Safe to run twice: an incident is proposed once per change."""
    proposed = 0
    with correlation():
        for change in Change.objects.filter(state=State.REVIEW).order_by("pk").iterator():
            proposed += len(do_propose_caused_incidents(change))
    return {"proposed": proposed}
