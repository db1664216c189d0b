"""Periodic request work for the task queue (Huey): every 5 minutes the approval steps past
their due time get their stated default action (kaizen.requests.services.approvals)."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, lock_task

from kaizen.core.context import correlation
from kaizen.requests.services import approvals


@db_periodic_task(crontab(minute="*/5"))
@lock_task("request-approvals-due")
def apply_due_approvals() -> dict[str, int]:
    """Safe beside another worker's run: each step is claimed under its request's row lock and
    checked again (approvals.do_apply_due_action)."""
    with correlation():
        return approvals.do_apply_due_approvals()
