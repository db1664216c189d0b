"""Periodic change work for the task queue (Huey):

- every 5 minutes the approval rounds past their due time get their policy's default action,
  and the rounds of changes that left Authorise are withdrawn;
- every night the recurring CAB meetings of the next weeks are planned;
- every hour the changes in Review are looked at again for incidents opened on their services
  or CIs since the last look (an incident that follows a change by a day is proposed the day
  it is opened, not only when the change reached Review).
"""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, lock_task

from kaizen.changes.models import Change, State
from kaizen.changes.services import approvals, do_propose_caused_incidents, meetings
from kaizen.core.context import correlation


@db_periodic_task(crontab(minute="*/5"))
@lock_task("change-approvals-due")
def apply_due_approval_actions() -> dict[str, int]:
    """Safe beside another worker's run: each round is claimed with a row lock and checked
    again (kaizen.changes.services.approvals.do_apply_due_action)."""
    with correlation():
        return approvals.do_apply_due_actions()


@db_periodic_task(crontab(minute="15", hour="2"))
@lock_task("cab-meetings-plan")
def plan_cab_meetings() -> dict[str, int]:
    with correlation():
        return {"planned": meetings.do_plan_scheduled_meetings()}


@db_periodic_task(crontab(minute="7"))
@lock_task("change-caused-incidents")
def propose_caused_incidents() -> dict[str, int]:
    """Safe to run twice: an incident is proposed once per change."""
    proposed = 0
    with correlation():
        for change in Change.objects.filter(state=State.REVIEW).order_by("pk").iterator():
            proposed += len(do_propose_caused_incidents(change))
    return {"proposed": proposed}
