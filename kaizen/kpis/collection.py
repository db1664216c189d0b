"""What is measured when (the rule is written in docs/kpis.md, "When KPIs are measured").

- Every hour: the recent months (RECOMPUTED_MONTHS), by month and week, overall and by the
  usual breakdowns, so late corrections (a reopened incident, a re-categorisation) reach the
  figures. Older periods are settled and are not measured again every hour.
- The whole history of the data, from its first to its last timestamp: after an import
  (the KPI app reacts to the import's journal event: `imports_to_measure()`, checked every
  minute by the task worker; the imports app knows nothing of KPIs), once on a store that was
  never measured whole, on demand (the scorecard's "Measure all history", `kaizen kpi collect
  --all`), and by `kaizen load_demo`.

Each collection syncs the analytics store first, so its figures read every journal event
recorded up to then.
"""

import datetime as dt

from django.utils import timezone

from kaizen.journal.events import EventType
from kaizen.journal.models import JournalEvent
from kaizen.kpis.models import MeasurementRun, PeriodKind, RunScope, period_floor, period_step_back
from kaizen.kpis.services import DEFAULT_BREAKDOWNS, DEFAULT_PERIOD_KINDS, do_collect_measurements

RECOMPUTED_MONTHS = 13


def recent_range_start(today: dt.date) -> dt.date:
    """The first day of the month RECOMPUTED_MONTHS - 1 months before this one (weeks are
    widened to whole ones by the collection)."""
    month = period_floor(today, PeriodKind.MONTH)
    for _ in range(RECOMPUTED_MONTHS - 1):
        month = period_step_back(month, PeriodKind.MONTH)
    return month


def _sync(wait: bool = True) -> None:
    from kaizen.analytics import sync

    sync.sync(wait=wait)


def collect_recent(*, actor: object = None, wait: bool = True) -> MeasurementRun:
    """Sync the store, then measure every KPI for the recent months and weeks by the usual
    breakdowns (the hourly task; the scorecard's "Measure now")."""
    _sync(wait)
    return do_collect_measurements(
        actor=actor,
        period_kinds=DEFAULT_PERIOD_KINDS,
        breakdowns=DEFAULT_BREAKDOWNS,
        start=recent_range_start(timezone.localdate()),
        scope=RunScope.RECENT,
    )


def collect_history(*, actor: object = None, wait: bool = True) -> MeasurementRun:
    """Sync the store, then measure every KPI over the whole range of the data, by month and
    week, overall and by the usual breakdowns; what was stored before is replaced."""
    _sync(wait)
    return do_collect_measurements(
        actor=actor,
        period_kinds=DEFAULT_PERIOD_KINDS,
        breakdowns=DEFAULT_BREAKDOWNS,
        scope=RunScope.HISTORY,
    )


def imports_to_measure() -> int | None:
    """The journal event of the latest import that created records and that no whole-history
    collection has read yet (its id), or None. A store never measured whole counts as one
    (id 0), so history that was there before this rule is measured once too."""
    latest = (
        JournalEvent.objects.filter(
            event_type=EventType.IMPORT_RUN_FINISHED, data__records_created__gt=0
        )
        .order_by("-id")
        .values_list("id", flat=True)
        .first()
    )
    history = MeasurementRun.objects.filter(scope=RunScope.HISTORY, finished_at__isnull=False)
    if latest is None:
        return None if history.exists() else 0
    measured = history.filter(synced_event_id__gte=latest).exists()
    return None if measured else latest


def measure_imported_history(*, wait: bool = True) -> MeasurementRun | None:
    """Measure the whole history when an import (or a store never measured whole) asks for
    it; None when nothing does. Run every minute by the task worker."""
    if imports_to_measure() is None:
        return None
    return collect_history(wait=wait)
