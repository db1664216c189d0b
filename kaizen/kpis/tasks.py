"""Periodic KPI work for the task queue (Huey): measurements are collected every hour, right
after the analytics store has caught up with the journal."""

import datetime as dt

from django.utils import timezone
from huey import crontab
from huey.contrib.djhuey import db_periodic_task, lock_task

from kaizen.core.context import correlation
from kaizen.kpis.models import PeriodKind, period_floor, period_step_back
from kaizen.kpis.services import DEFAULT_BREAKDOWNS, DEFAULT_PERIOD_KINDS, do_collect_measurements

# Older periods are settled; recomputing the last year keeps late corrections (a reopened
# incident, a re-categorisation) in the figures without measuring all history every hour.
RECOMPUTED_MONTHS = 13


def recent_range_start(today: dt.date) -> dt.date:
    """The first day of the month RECOMPUTED_MONTHS - 1 months before this one (weeks are
    widened to whole ones by the collection)."""
    month = period_floor(today, PeriodKind.MONTH)
    for _ in range(RECOMPUTED_MONTHS - 1):
        month = period_step_back(month, PeriodKind.MONTH)
    return month


def collect_recent_measurements(*, actor: object = None) -> dict[str, object]:
    """Sync the analytics store, then measure every KPI for the recent months and weeks, by
    the usual breakdowns. The task and the "collect now" button both run this."""
    from kaizen.analytics import sync

    sync.sync()
    run = do_collect_measurements(
        actor=actor,
        period_kinds=DEFAULT_PERIOD_KINDS,
        breakdowns=DEFAULT_BREAKDOWNS,
        start=recent_range_start(timezone.localdate()),
    )
    return {"run": run.pk, "measurements": run.measurements}


@db_periodic_task(crontab(minute="7"))
@lock_task("kpi-collect")
def collect_kpi_measurements() -> dict[str, object]:
    with correlation():
        return collect_recent_measurements()
