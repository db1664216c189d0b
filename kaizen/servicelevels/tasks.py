"""Periodic service level work for the task queue (Huey): every night the service reviews due
by each SLA's cadence are scheduled (`kaizen service-levels schedule-reviews` runs it once)."""

from django.utils import timezone
from huey import crontab
from huey.contrib.djhuey import db_periodic_task, lock_task

from kaizen.core.context import correlation


@db_periodic_task(crontab(minute="23", hour="1"))
@lock_task("servicelevels-schedule-reviews")
def schedule_reviews() -> list[str]:
    """Safe to run twice: a period is reviewed once, so a re-run schedules nothing."""
    from kaizen.servicelevels.reviews import schedule_due_reviews

    with correlation():
        return [review.number for review in schedule_due_reviews(timezone.localdate())]
