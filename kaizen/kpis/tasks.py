"""Periodic KPI work for the task queue (Huey), as kaizen.kpis.collection says: the recent
months every hour, the whole history after an import (checked every minute)."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task, lock_task

from kaizen.analytics.store import StoreBusy
from kaizen.core.context import correlation
from kaizen.kpis.collection import collect_history, collect_recent, measure_imported_history


@db_periodic_task(crontab(minute="7"))
@lock_task("kpi-collect")
def collect_kpi_measurements() -> dict[str, object]:
    with correlation():
        run = collect_recent()
    return {"run": run.pk, "measurements": run.measurements}


@db_periodic_task(crontab(minute="*"))
@lock_task("kpi-collect")
def measure_imports() -> dict[str, object]:
    """An import that created records (its journal event) and no whole-history collection
    since: measure the whole history. Two small queries when there is nothing to do; a minute
    the store is busy (a rebuild) is skipped, the next one tries again."""
    try:
        with correlation():
            run = measure_imported_history(wait=False)
    except StoreBusy:
        return {"skipped": "another sync or rebuild is writing the store"}
    return {"run": run.pk, "measurements": run.measurements} if run else {}


@db_task()
@lock_task("kpi-collect")
def collect_history_task(actor_id: int | None = None) -> dict[str, object]:
    """The scorecard's "Measure all history": the whole range can take a while, so the request
    hands it to the worker."""
    from kaizen.people.models import User

    actor = User.objects.filter(pk=actor_id).first() if actor_id else None
    with correlation():
        run = collect_history(actor=actor)
    return {"run": run.pk, "measurements": run.measurements}
