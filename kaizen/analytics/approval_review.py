"""Approval steps that approve (nearly) everything while adding delay: candidates to remove.

An approval step earns its delay when it sometimes says no. A step of a request type that, over
the last `days` days, decided at least `min_decided` requests, approved at least
`min_approved_pct` percent of them and kept the requesters waiting a median of at least
`min_median_hours` (wall clock: the requester waits nights and weekends too) is listed, the
slowest first, with what removing it would give back: its median wait and the total hours
requesters waited on it.

Read from the approval step facts (`request_approval_facts`, kaizen/analytics/families/
requests.py); steps decided by their due date's default action count as decided (a step that
nobody answers and that approves by default is the clearest candidate) and are counted apart.
The list is an analysis, not a KPI: a high approval rate is not bad in itself, only with the
delay it adds. docs/kpis.md and docs/requests.md describe it; `kaizen approval_review` prints
it.
"""

import datetime as dt
from dataclasses import dataclass

from django.utils import timezone

from kaizen.analytics.store import connect

DEFAULT_DAYS = 180
DEFAULT_MIN_DECIDED = 20
DEFAULT_MIN_APPROVED_PCT = 98.0
DEFAULT_MIN_MEDIAN_HOURS = 8.0

CANDIDATES_SQL = """
SELECT request_type, step, count(*) AS decided,
       100.0 * count(*) FILTER (WHERE approved) / count(*) AS approved_pct,
       count(*) FILTER (WHERE decided_by_default) AS by_default,
       median(wait_hours) AS median_hours,
       sum(wait_hours) AS total_hours
FROM request_approval_facts
WHERE approved IS NOT NULL AND decided_at >= ?
GROUP BY request_type, step
HAVING count(*) >= ?
   AND 100.0 * count(*) FILTER (WHERE approved) / count(*) >= ?
   AND median(wait_hours) >= ?
ORDER BY median_hours DESC, request_type, step
"""


@dataclass(frozen=True)
class RubberStamp:
    request_type: str
    step: str
    decided: int
    approved_pct: float
    by_default: int  # decided by the due date's default action
    median_hours: float  # the median wait the step adds (wall clock)
    total_hours: float  # the hours requesters waited on it, together


def rubber_stamp_steps(
    *,
    days: int = DEFAULT_DAYS,
    min_decided: int = DEFAULT_MIN_DECIDED,
    min_approved_pct: float = DEFAULT_MIN_APPROVED_PCT,
    min_median_hours: float = DEFAULT_MIN_MEDIAN_HOURS,
    now: dt.datetime | None = None,
) -> list[RubberStamp]:
    """The approval steps worth removing, slowest first (see the module's docstring)."""
    since = timezone.localtime(now or timezone.now()) - dt.timedelta(days=days)
    with connect(read_only=True) as reader:
        rows = reader.execute(
            CANDIDATES_SQL,
            [since.replace(tzinfo=None), min_decided, min_approved_pct, min_median_hours],
        ).fetchall()
    return [
        RubberStamp(
            request_type=request_type,
            step=step,
            decided=int(decided),
            approved_pct=round(float(approved_pct), 1),
            by_default=int(by_default),
            median_hours=round(float(median_hours), 1),
            total_hours=round(float(total_hours), 1),
        )
        for request_type, step, decided, approved_pct, by_default, median_hours, total_hours in rows
    ]
