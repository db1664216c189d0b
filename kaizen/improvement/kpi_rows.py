"""The improvement register's KPIs, measured from its rows in the Django database.

The KPI engine (kaizen.kpis.engine) hands every KPI whose source is `improvement` to
`improvement_rows()` (registered as that source's rows by kaizen.improvement.kpi_source),
which answers in the engine's row shape: `{"period": "2026-03-01" (the
period's first day) or "all", <breakdown dimension>: value..., "value": float | None, "n":
int}`, a complete series of periods from the first to the last (the range asked for, else the
register's earliest to latest date), for every breakdown value with data in some period; a
period with nothing to measure has value None and n 0. So the register's KPIs are collected
into measurements, shown on the scorecard and KPI pages, and checked for data quality like
any other.

The KPIs (their definitions are in kaizen.improvement.kpi_source):

- `improvement.initiatives_open`: initiatives registered before a period's end and not closed
  by it (the end is `closed_at`; a closed initiative without one, which the services never
  write, is taken as closed at its last update). Each row also carries `steps`: {"1": n, ...,
  "7": n}, how many of them were at each step at that instant, from the journal's step
  changes. A breakdown by step would not fit the engine's model: its dimensions are the
  analytics store's (kaizen.analytics.schema.BREAKDOWN_COLUMNS), which every KPI of every
  source accepts, and "step" means nothing to an incident. So the count per step rides along
  in each row instead, for the pages and `kaizen kpi show --json`; stored measurements keep
  the total (a Measurement holds one value).
- `improvement.completed_on_time_pct`: corrective actions done, placed by `done_on`; the share
  done by their due date.
- `improvement.targets_met_pct`: initiatives closed as completed or not met, placed by the
  local day of `closed_at`; the share completed (target met). Stopped ones are left out.
- `improvement.benefits_realised_pct`: every KPI of every evaluation, placed by the local day
  of `evaluated_at`: the share of the targeted gap closed, 100 x (baseline - value) /
  (baseline - target), capped to [0, 100] (the same formula for both directions: the target
  says which way is good). A KPI whose baseline already met its target, or without a
  baseline, value or target, has no gap to close and is left out. n is the KPIs counted.

Breakdowns: the register knows two of the engine's dimensions, `service` (an initiative's
services; one with several counts under each, one with none under None) and `priority` (the
initiative's, 1-4). Any other dimension has no values here: no rows, not an error, so the
hourly collection by service, priority, team and category stores what applies and moves on.
"""

import datetime as dt
import itertools
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Max, Min
from django.utils import timezone

from kaizen.improvement.models import (
    OPEN_STATUSES,
    Action,
    ActionStatus,
    Evaluation,
    Initiative,
    Status,
    Step,
)
from kaizen.kpis.engine import NotMeasurable
from kaizen.kpis.library import UnknownKPI, get_kpi
from kaizen.kpis.models import ALL_TIME_START, PeriodKind, period_after, period_floor
from kaizen.kpis.spec import Direction, KPIDefinition

INITIATIVES_OPEN = "improvement.initiatives_open"
ACTIONS_ON_TIME = "improvement.completed_on_time_pct"
TARGETS_MET = "improvement.targets_met_pct"
BENEFITS_REALISED = "improvement.benefits_realised_pct"

EVALUATED_CLOSED = (Status.COMPLETED, Status.NOT_MET)
DIMENSIONS = ("service", "priority")
STEPS = [str(step.value) for step in Step]


def local_day(moment: dt.datetime) -> dt.date:
    """The day of an instant in the reporting time zone (as the analytics store's facts)."""
    return timezone.localtime(moment).date()


def day_start(day: dt.date) -> dt.datetime:
    """The first instant of a local day: a period's end, as an aware datetime."""
    return timezone.make_aware(dt.datetime.combine(day, dt.time()))


# -- the register, read once per call ---------------------------------------------------------


@dataclass
class Register:
    """The initiatives' breakdown values: what each row of any KPI is grouped by."""

    services: dict[int, list[str | None]] = field(default_factory=dict)
    priorities: dict[int, int] = field(default_factory=dict)

    @classmethod
    def load(cls, by: Sequence[str], initiative_ids: Iterable[int] | None = None) -> "Register":
        register = cls()
        if not by:
            return register
        initiatives = Initiative.objects.all()
        if initiative_ids is not None:
            initiatives = initiatives.filter(pk__in=list(initiative_ids))
        if "priority" in by:
            register.priorities = dict(initiatives.values_list("pk", "priority"))
        if "service" in by:
            names: dict[int, list[str | None]] = defaultdict(list)
            through = Initiative.services.through.objects.filter(
                initiative__in=initiatives
            ).values_list("initiative_id", "service__name")
            for initiative_id, name in through.order_by("service__name"):
                names[initiative_id].append(name)
            register.services = {
                pk: names.get(pk) or [None] for pk in initiatives.values_list("pk", flat=True)
            }
        return register

    def keys(self, initiative_id: int, by: Sequence[str]) -> list[tuple[Any, ...]]:
        """Every breakdown key an initiative's row counts under (one per service)."""
        values: list[list[Any]] = []
        for name in by:
            if name == "service":
                values.append(self.services.get(initiative_id, [None]))
            else:
                values.append([self.priorities.get(initiative_id)])
        return list(itertools.product(*values))


def register_bounds() -> tuple[dt.date | None, dt.date | None]:
    """The earliest day in the register (initiatives registered and closed, actions done,
    evaluations) and today, shared by all its KPIs so they have the same periods in a
    scorecard; (None, None) for an empty register. The register is live, not synced like the
    analytics store, so its series runs to today: an initiative open since March is still open
    this month."""
    days: list[dt.date] = []
    initiatives = Initiative.objects.aggregate(Min("created_at"), Max("closed_at"))
    days += [local_day(v) for v in initiatives.values() if v is not None]
    actions = Action.objects.aggregate(Min("done_on"), Max("done_on"))
    days += [v for v in actions.values() if v is not None]
    evaluations = Evaluation.objects.aggregate(Min("evaluated_at"), Max("evaluated_at"))
    days += [local_day(v) for v in evaluations.values() if v is not None]
    if not days:
        return None, None
    return min(days), max(*days, timezone.localdate())


def period_starts(period: str, start: dt.date | None, end: dt.date | None) -> list[dt.date]:
    """The first day of every period of the series (one, `ALL_TIME_START`, for "all"); none
    when there is nothing to measure: no range given and an empty register."""
    low, high = start, end - dt.timedelta(days=1) if end else None
    if low is None or high is None:
        first, last = register_bounds()
        low, high = low or first, high or last
    if period == PeriodKind.ALL:
        return [ALL_TIME_START] if high is not None else []
    if low is None or high is None or high < low:
        return []
    starts, current = [], period_floor(low, period)
    while current <= high:
        starts.append(current)
        current = period_after(current, period)
    return starts


# -- rows in the engine's shape ---------------------------------------------------------------


def _sorted_keys(keys: Iterable[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
    """Breakdown keys in the engine's order: by value, None last."""
    return sorted(keys, key=lambda key: [(value is None, str(value)) for value in key])


def _series(
    by: Sequence[str],
    labels: list[str],
    cells: dict[tuple[str, tuple[Any, ...]], tuple[float | None, int, dict[str, Any]]],
) -> list[dict[str, Any]]:
    """Every period for every breakdown key with data somewhere; empty cells None / 0."""
    keys = _sorted_keys({key for (_, key), (_, n, _) in cells.items() if n}) if by else [()]
    rows = []
    for label in labels:
        for key in keys:
            value, n, extra = cells.get((label, key), (None, 0, {}))
            rows.append(
                {
                    "period": label,
                    **dict(zip(by, key, strict=True)),
                    "value": value if n else None,
                    "n": n,
                    **extra,
                }
            )
    return rows


def _labels(period: str, starts: list[dt.date]) -> list[str]:
    return ["all"] if period == PeriodKind.ALL else [start.isoformat() for start in starts]


def _placed_rows(
    items: Iterable[tuple[dt.date, int, float]],
    aggregate: Callable[[list[float]], float],
    *,
    period: str,
    by: Sequence[str],
    start: dt.date | None,
    end: dt.date | None,
) -> list[dict[str, Any]]:
    """Rows from (day, initiative id, value) items: each in the period of its day, within
    [start, end), aggregated per period and breakdown key."""
    starts = period_starts(period, start, end)
    if not starts:
        return []
    kept = [
        (day, initiative_id, value)
        for day, initiative_id, value in items
        if not (start and day < start) and not (end and day >= end)
    ]
    register = Register.load(by, {initiative_id for _, initiative_id, _ in kept})
    labels = _labels(period, starts)
    grouped: dict[tuple[str, tuple[Any, ...]], list[float]] = defaultdict(list)
    for day, initiative_id, value in kept:
        label = "all" if period == PeriodKind.ALL else period_floor(day, period).isoformat()
        for key in register.keys(initiative_id, by):
            grouped[(label, key)].append(value)
    cells = {
        cell: (aggregate(values), len(values), {}) for cell, values in grouped.items() if values
    }
    return _series(by, labels, cells)


def _share(values: list[float]) -> float:
    return 100.0 * sum(values) / len(values)


def _mean(values: list[float]) -> float:
    return sum(values) / len(values)


def actions_on_time_items() -> list[tuple[dt.date, int, float]]:
    """(done_on, initiative, 1 on time / 0 late) of every action done."""
    actions = Action.objects.filter(status=ActionStatus.DONE, done_on__isnull=False)
    return [
        (done_on, initiative_id, 1.0 if done_on <= due_on else 0.0)
        for done_on, due_on, initiative_id in actions.values_list(
            "done_on", "due_on", "initiative_id"
        )
    ]


def targets_met_items() -> list[tuple[dt.date, int, float]]:
    """(closing day, initiative, 1 target met / 0 not) of every initiative closed after its
    evaluation."""
    closed = Initiative.objects.filter(status__in=EVALUATED_CLOSED, closed_at__isnull=False)
    return [
        (local_day(closed_at), pk, 1.0 if status == Status.COMPLETED else 0.0)
        for pk, closed_at, status in closed.values_list("pk", "closed_at", "status")
    ]


def _number(value: Any) -> float | None:
    if isinstance(value, dict):  # a baseline recorded with its interval: {"value": ...}
        value = value.get("value")
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)


def _direction(kpi_key: str) -> Direction | None:
    try:
        return get_kpi(kpi_key).direction
    except (UnknownKPI, LookupError):
        return None


def gap_closed_pct(
    baseline: float | None,
    value: float | None,
    target: float | None,
    direction: Direction | None = None,
) -> float | None:
    """The share of the gap from baseline to target that the evaluated value closed, capped
    to [0, 100] %; None when there was no gap to close (or a figure is missing)."""
    if baseline is None or value is None or target is None or baseline == target:
        return None
    if direction == Direction.LOWER_IS_BETTER and baseline <= target:
        return None  # already at or below the target: nothing to close
    if direction == Direction.HIGHER_IS_BETTER and baseline >= target:
        return None
    share = 100.0 * (baseline - value) / (baseline - target)
    return min(max(share, 0.0), 100.0)


def benefits_items() -> list[tuple[dt.date, int, float]]:
    """(evaluation day, initiative, share of the gap closed) of every evaluated KPI."""
    items = []
    directions: dict[str, Direction | None] = {}
    evaluations = Evaluation.objects.values_list("evaluated_at", "initiative_id", "results")
    for evaluated_at, initiative_id, results in evaluations:
        for result in results if isinstance(results, list) else []:
            if not isinstance(result, dict):
                continue
            key = str(result.get("kpi_key") or "")
            if key not in directions:
                directions[key] = _direction(key) if key else None
            share = gap_closed_pct(
                _number(result.get("baseline")),
                _number(result.get("value")),
                _number(result.get("target")),
                directions[key],
            )
            if share is not None:
                items.append((local_day(evaluated_at), initiative_id, share))
    return items


# -- open initiatives, at each period's end ---------------------------------------------------


@dataclass(frozen=True)
class Span:
    pk: int
    opened: dt.datetime
    closed: dt.datetime | None
    step: int

    def open_at(self, moment: dt.datetime) -> bool:
        return self.opened < moment and (self.closed is None or self.closed >= moment)


def initiative_spans() -> list[Span]:
    spans = []
    rows = Initiative.objects.values_list(
        "pk", "created_at", "closed_at", "status", "updated_at", "current_step"
    )
    for pk, created_at, closed_at, status, updated_at, step in rows:
        if closed_at is None and status not in OPEN_STATUSES:
            closed_at = updated_at
        spans.append(Span(pk, created_at, closed_at, step))
    return spans


class StepHistory:
    """The step each initiative was at at any instant, from the journal's changes of
    `current_step` (whatever event recorded them: moving on, returning, a decision)."""

    def __init__(self, initiative_ids: Iterable[int]) -> None:
        from django.contrib.contenttypes.models import ContentType

        from kaizen.journal.models import JournalEvent

        ids = [str(pk) for pk in initiative_ids]
        self.changes: dict[int, list[tuple[dt.datetime, int | None, int | None]]] = defaultdict(
            list
        )
        if not ids:
            return
        events = (
            JournalEvent.objects.filter(
                subject_type=ContentType.objects.get_for_model(Initiative),
                subject_id__in=ids,
                changes__has_key="current_step",
            )
            .order_by("occurred_at", "id")
            .values_list("subject_id", "occurred_at", "changes")
        )
        for subject_id, occurred_at, changes in events:
            change = changes.get("current_step") or {}
            self.changes[int(subject_id)].append(
                (occurred_at, _step(change.get("old")), _step(change.get("new")))
            )

    def step_at(self, span: Span, moment: dt.datetime) -> int:
        changes = self.changes.get(span.pk, [])
        before = [new for occurred_at, _, new in changes if occurred_at < moment]
        if before and before[-1] is not None:
            return before[-1]
        later = [old for occurred_at, old, _ in changes if occurred_at >= moment]
        if later and later[0] is not None:
            return later[0]
        return span.step


def no_steps() -> dict[str, int]:
    return dict.fromkeys(STEPS, 0)


def _step(value: Any) -> int | None:
    try:
        step = int(value)
    except (TypeError, ValueError):
        return None
    return step if 1 <= step <= len(STEPS) else None


def open_initiative_rows(
    *, period: str, by: Sequence[str], start: dt.date | None, end: dt.date | None
) -> list[dict[str, Any]]:
    starts = period_starts(period, start, end)
    if not starts:
        return []
    spans = initiative_spans()
    register = Register.load(by)
    history = StepHistory(span.pk for span in spans)
    if period == PeriodKind.ALL:  # what was open at the range's end, else now
        moments = {"all": day_start(end) if end else timezone.now()}
    else:
        moments = {s.isoformat(): day_start(period_after(s, period)) for s in starts}
    cells: dict[tuple[str, tuple[Any, ...]], tuple[float | None, int, dict[str, Any]]] = {}
    for label, moment in moments.items():
        counted: dict[tuple[Any, ...], dict[str, int]] = defaultdict(no_steps)
        for span in spans:
            if not span.open_at(moment):
                continue
            step = str(history.step_at(span, moment))
            for key in register.keys(span.pk, by):
                counted[key][step] += 1
        for key, steps in counted.items():
            n = sum(steps.values())
            cells[(label, key)] = (float(n), n, {"steps": steps})
    rows = _series(by, list(moments), cells)
    for row in rows:
        row.setdefault("steps", no_steps())
    return rows


# -- the engine's entry points ----------------------------------------------------------------

PLACED: dict[str, tuple[Callable[[], list[tuple[dt.date, int, float]]], Callable[..., float]]] = {
    ACTIONS_ON_TIME: (actions_on_time_items, _share),
    TARGETS_MET: (targets_met_items, _share),
    BENEFITS_REALISED: (benefits_items, _mean),
}
KEYS = (INITIATIVES_OPEN, *PLACED)


def _check(definition: KPIDefinition) -> None:
    if definition.key not in KEYS:
        raise NotMeasurable(
            f"{definition.key}: the improvement register measures only {', '.join(KEYS)}"
        )


def improvement_rows(
    definition: KPIDefinition,
    *,
    period: str,
    by: Sequence[str] = (),
    start: dt.date | None = None,
    end: dt.date | None = None,
) -> list[dict[str, Any]]:
    """One register KPI by `period` and breakdown, `start` inclusive and `end` exclusive (see
    the module's docstring for what each counts)."""
    _check(definition)
    if any(name not in DIMENSIONS for name in by):
        return []  # the register has no such dimension: nothing to break down
    if definition.key == INITIATIVES_OPEN:
        return open_initiative_rows(period=period, by=by, start=start, end=end)
    items, aggregate = PLACED[definition.key]
    return _placed_rows(items(), aggregate, period=period, by=by, start=start, end=end)


def rows_in_scope(
    definition: KPIDefinition, *, start: dt.date | None = None, end: dt.date | None = None
) -> int:
    """How many register rows the KPI reads over [start, end), each once: initiatives open at
    some moment of the range, actions done, initiatives closed, KPIs evaluated (data quality's
    `rows_in_scope`)."""
    _check(definition)
    if definition.key != INITIATIVES_OPEN:
        items, _ = PLACED[definition.key]
        return sum(
            1 for day, _, _ in items() if not (start and day < start) and not (end and day >= end)
        )
    low = day_start(start) if start else None
    high = day_start(end) if end else None
    return sum(
        1
        for span in initiative_spans()
        if (high is None or span.opened < high)
        and (low is None or span.closed is None or span.closed >= low)
    )


# What each KPI's latest row is, and what the register lacks when it has none (step 3's
# collection status of an initiative's KPI).
LATEST_ROWS = {
    INITIATIVES_OPEN: ("initiative registered or closed", "no initiative"),
    ACTIONS_ON_TIME: ("corrective action done", "no corrective action done"),
    TARGETS_MET: ("initiative closed after its evaluation", "no initiative evaluated and closed"),
    BENEFITS_REALISED: ("evaluation", "no evaluation"),
}


def latest_row_at(definition: KPIDefinition) -> dt.datetime | None:
    """When the latest register row the KPI counts was written, for step 3's "last data": the
    latest initiative registered or closed (open initiatives), action done (on its `done_on`
    day), evaluated initiative closed, evaluation; None when the register has no such row."""
    _check(definition)
    if definition.key == INITIATIVES_OPEN:
        found = Initiative.objects.aggregate(created=Max("created_at"), closed=Max("closed_at"))
        moments = [moment for moment in found.values() if moment is not None]
        return max(moments) if moments else None
    if definition.key == ACTIONS_ON_TIME:
        done = Action.objects.filter(status=ActionStatus.DONE, done_on__isnull=False)
        day = done.aggregate(latest=Max("done_on"))["latest"]
        return day_start(day) if day else None
    if definition.key == TARGETS_MET:
        closed = Initiative.objects.filter(status__in=EVALUATED_CLOSED, closed_at__isnull=False)
        return closed.aggregate(latest=Max("closed_at"))["latest"]
    return Evaluation.objects.aggregate(latest=Max("evaluated_at"))["latest"]
