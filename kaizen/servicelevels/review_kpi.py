"""Service reviews held on time, as a KPI measured from the reviews in the Django database.

`register_kpi_source()` (from the app's AppConfig.ready()) adds the `service_reviews` database
source to kaizen.kpis.sources and the KPI `service_level.reviews_on_time_pct` to the library
(kaizen.kpis.library.register_kpis): the KPI app imports nothing of this app.

A review counts in the period of its due date once it is held, or once its due date has passed
without it being held (a review overdue and not held is not on time); a review not yet due and
not held does not count yet, and a cancelled review never does. It is on time when held on or
before its due date. Rows are in the engine's shape, `{"period": "2026-04-01" (the period's
first day) or "all", "value": 100 x on time / counted, or None, "n": reviews counted}`, a
complete series from the first due date counted (or the range asked for) to today. Reviews have
none of the engine's breakdown dimensions (team, priority, category...): a breakdown gives no
rows, not an error.
"""

import datetime as dt
from collections.abc import Sequence
from typing import Any

from django.db.models import Q, QuerySet
from django.utils import timezone

from kaizen.kpis.library import HIGHER, measured, register_kpis
from kaizen.kpis.models import MeasurementSource, PeriodKind, period_after, period_floor
from kaizen.kpis.sources import DatabaseSource, register_source
from kaizen.kpis.spec import Aggregate, KPIDefinition, Measure, Unit
from kaizen.servicelevels.models import ReviewStatus, ServiceReview

SOURCE = "service_reviews"
REVIEWS_ON_TIME = "service_level.reviews_on_time_pct"


def counted_reviews(
    today: dt.date, start: dt.date | None = None, end: dt.date | None = None
) -> QuerySet[ServiceReview]:
    """The reviews the KPI counts, due in [start, end): held, or past due; never cancelled."""
    reviews = ServiceReview.objects.exclude(status=ReviewStatus.CANCELLED).filter(
        Q(status=ReviewStatus.HELD) | Q(due_on__lt=today)
    )
    if start is not None:
        reviews = reviews.filter(due_on__gte=start)
    if end is not None:
        reviews = reviews.filter(due_on__lt=end)
    return reviews


def _on_time(status: str, held_on: dt.date | None, due_on: dt.date) -> bool:
    return status == ReviewStatus.HELD and held_on is not None and held_on <= due_on


def review_rows(
    definition: KPIDefinition,
    *,
    period: str,
    by: Sequence[str],
    start: dt.date | None,
    end: dt.date | None,
) -> list[dict[str, Any]]:
    if by:
        return []
    today = timezone.localdate()
    reviews = list(counted_reviews(today, start, end).values_list("status", "held_on", "due_on"))
    low = start or min((due for _, _, due in reviews), default=None)
    # The day after the series: the range's end, else past today and every due date counted.
    high = end or max([today, *(due for _, _, due in reviews)]) + dt.timedelta(days=1)
    if low is None or high <= low:
        return []
    if period == PeriodKind.ALL:
        starts = [low]
    else:
        starts, current = [], period_floor(low, period)
        while current < high:
            starts.append(current)
            current = period_after(current, period)
    counts = {first: [0, 0] for first in starts}  # counted, on time
    for status, held_on, due_on in reviews:
        first = starts[0] if period == PeriodKind.ALL else period_floor(due_on, period)
        counts[first][0] += 1
        counts[first][1] += _on_time(status, held_on, due_on)
    return [
        {
            "period": "all" if period == PeriodKind.ALL else first.isoformat(),
            "value": 100 * on_time / counted if counted else None,
            "n": counted,
        }
        for first, (counted, on_time) in counts.items()
    ]


def rows_in_scope(definition: KPIDefinition, *, start: dt.date | None, end: dt.date | None) -> int:
    """The reviews the KPI counts over the range."""
    return counted_reviews(timezone.localdate(), start, end).count()


REVIEWS_SOURCE = DatabaseSource(
    name=SOURCE,
    rows=review_rows,
    rows_in_scope=rows_in_scope,
    measured_as=MeasurementSource.ENGINE,
    noun="service reviews",
)
REVIEW_KPIS: tuple[KPIDefinition, ...] = (
    measured(
        REVIEWS_ON_TIME,
        "Service reviews held on time",
        "The share of the service reviews due with customers (by each SLA's review cadence) "
        "that were held by their due date. A review past due and not held counts as not on "
        "time; a cancelled one is left out.",
        "100 x reviews held with held_on <= due_on / reviews due (held, or past due and not "
        "held; cancelled ones left out), by due_on",
        Unit.PERCENT,
        HIGHER,
        # What the rows are in words: the source's own function computes them.
        Measure(source=SOURCE, aggregate=Aggregate.SHARE, period_column="due_on"),
        process="service_level",
        required_fields=("service_review.due_on", "service_review.held_on"),
        target=100,
        warning=80,
    ),
)


def register_kpi_source() -> None:
    register_source(REVIEWS_SOURCE)
    register_kpis(REVIEW_KPIS)
