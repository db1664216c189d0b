"""Reads for the KPI pages and the API: definitions, stored measurements, status, measuring now.

Every page reads stored `Measurement` rows for its figures (one query per page, not per KPI);
only a breakdown nobody collected is measured on the spot.
"""

import datetime as dt
import operator
from collections import defaultdict
from dataclasses import dataclass, field
from enum import StrEnum
from functools import reduce
from typing import Any

from django.db.models import Max, Q

from kaizen.kpis import series
from kaizen.kpis.models import (
    CUSTOM_PREFIX,
    CustomKPI,
    Measurement,
    PeriodKind,
    period_floor,
    period_step_back,
)
from kaizen.kpis.spec import Direction, KPIDefinition
from kaizen.people.models import Process

SPARKLINE_PERIODS = 12


def all_definitions(*, include_inactive: bool = False) -> list[KPIDefinition]:
    """The shipped library and the custom KPIs, library first, each key once."""
    from kaizen.kpis import library

    shipped = [definition for definition in library.library() if not definition.custom]
    custom = CustomKPI.objects.all() if include_inactive else CustomKPI.objects.filter(active=True)
    return [*shipped, *(kpi.to_definition() for kpi in custom)]


def find_definition(key: str) -> KPIDefinition | None:
    """A KPI by key (inactive custom KPIs included: their history stays readable)."""
    if key.startswith(CUSTOM_PREFIX):
        kpi = CustomKPI.objects.filter(key=key).first()
        return kpi.to_definition() if kpi else None
    from kaizen.kpis import library

    try:
        return library.get_kpi(key)
    except (KeyError, LookupError):
        return None


class Status(StrEnum):
    GREEN = "green"
    AMBER = "amber"
    RED = "red"
    NONE = "none"  # no value, or no target to judge it by
    SO_FAR = "so_far"  # an unfinished period: its figure is not judged against a full target


def kpi_status(definition: KPIDefinition, value: float | None) -> Status:
    """Green on the good side of the target (per the direction); amber between the target and
    the warning threshold; red beyond it, or anywhere off target when there is no warning."""
    thresholds = definition.thresholds
    return status_against(value, thresholds.target, thresholds.warning, definition.direction)


def status_against(
    value: float | None, target: float | None, warning: float | None, direction: str
) -> Status:
    """`kpi_status` for thresholds and a direction held apart from a definition (an improvement
    initiative's own target, and the direction its stored analysis recorded). `direction` is a
    Direction or its stored value: only "higher" is judged upwards."""
    if value is None or target is None:
        return Status.NONE
    higher = direction == Direction.HIGHER_IS_BETTER

    def at_least_as_good(limit: float) -> bool:
        return value >= limit if higher else value <= limit

    if at_least_as_good(target):
        return Status.GREEN
    if warning is not None and at_least_as_good(warning):
        return Status.AMBER
    return Status.RED


def window_start(last: dt.date, kind: str, count: int = SPARKLINE_PERIODS) -> dt.date:
    """The start of the first of `count` periods ending with the one starting on `last`."""
    if kind == PeriodKind.ALL:
        return last
    first = period_floor(last, kind)
    for _ in range(count - 1):
        first = period_step_back(first, kind)
    return first


@dataclass
class ScorecardRow:
    definition: KPIDefinition
    # The latest finished period with a value (its status is judged), and the period after
    # it when that one was measured before it ended ("so far": shown, never judged).
    latest: series.Period | None = None
    current: series.Period | None = None
    status: Status = Status.NONE
    # The sparkline: the last SPARKLINE_PERIODS periods up to the latest with data (the data's
    # own end, not today's: an imported history of 2010-2014 ends in 2014), None in the holes.
    periods: list[series.Period] = field(default_factory=list)

    @property
    def key(self) -> str:
        return self.definition.key

    def sparkline(self) -> dict[str, Any]:
        return series_chart(self.periods)


def series_chart(periods: list[series.Period]) -> dict[str, Any]:
    """What a chart of these periods needs: readable labels, values with None in the holes
    (Chart.js draws a gap there), and the unfinished period's note for its tooltip."""
    return {
        "labels": [period.label for period in periods],
        "values": [period.value for period in periods],
        "notes": [period.so_far for period in periods],
    }


@dataclass
class ProcessGroup:
    process: str
    label: str
    rows: list[ScorecardRow]

    @property
    def not_measurable(self) -> list[ScorecardRow]:
        return [row for row in self.rows if not row.definition.measurable]

    @property
    def measurable(self) -> list[ScorecardRow]:
        return [row for row in self.rows if row.definition.measurable]


def latest_and_current(
    periods: list[series.Period],
) -> tuple[series.Period | None, series.Period | None]:
    """The latest finished period with a value, and the last period when it has a value but
    was measured before it ended."""
    with_data = [period for period in periods if not period.empty]
    current = with_data[-1] if with_data and with_data[-1].partial else None
    finished = [period for period in with_data if not period.partial]
    return (finished[-1] if finished else None), current


def scorecard(period_kind: str) -> list[ProcessGroup]:
    """Every active KPI grouped by process: its latest finished period with a value and that
    period's status, the unfinished one after it "so far", and the periods before for a
    sparkline. Queries: the custom KPIs, each KPI's last period with a value, the windows'
    measurements (one each, whatever the number of KPIs)."""
    definitions = all_definitions()
    measured = Measurement.objects.filter(
        period_kind=period_kind,
        dimension="",
        kpi_key__in=[d.key for d in definitions if d.measurable],
    )
    last_with_data = dict(
        measured.filter(value__isnull=False)
        .values("kpi_key")
        .annotate(last=Max("period_start"))
        .values_list("kpi_key", "last")
    )
    by_key: dict[str, list[Measurement]] = defaultdict(list)
    if last_with_data:
        windows = [
            Q(
                kpi_key=key,
                period_start__gte=window_start(last, period_kind),
                period_start__lte=last,
            )
            for key, last in last_with_data.items()
        ]
        for measurement in measured.filter(reduce(operator.or_, windows)):
            by_key[measurement.kpi_key].append(measurement)
    groups: dict[str, list[ScorecardRow]] = defaultdict(list)
    for definition in definitions:
        row = ScorecardRow(definition=definition)
        last = last_with_data.get(definition.key)
        if last is not None:
            row.periods = series.periods(
                by_key[definition.key],
                period_kind,
                window_start(last, period_kind),
                last,
                point_in_time=definition.point_in_time,
            )
            row.latest, row.current = latest_and_current(row.periods)
            row.status = (
                kpi_status(definition, row.latest.value)
                if row.latest
                else Status.SO_FAR
                if row.current
                else Status.NONE
            )
        groups[definition.process].append(row)
    labels = dict(Process.choices)
    order = list(labels)
    return [
        ProcessGroup(process=process, label=labels.get(process, process.title()), rows=rows)
        for process, rows in sorted(
            groups.items(),
            key=lambda item: order.index(item[0]) if item[0] in order else len(order),
        )
    ]


def stored_series(key: str, period_kind: str, dimension: str = "") -> list[Measurement]:
    """Every stored measurement of a KPI for one period kind and breakdown, oldest first."""
    return list(
        Measurement.objects.filter(kpi_key=key, period_kind=period_kind, dimension=dimension)
        .select_related("run")
        .order_by("period_start", "dimension_value")
    )


def stored_breakdown(
    key: str, period_kind: str, dimension: str, period_start: dt.date
) -> list[Measurement]:
    """A KPI's stored values by `dimension` for one period."""
    return list(
        Measurement.objects.filter(
            kpi_key=key, period_kind=period_kind, dimension=dimension, period_start=period_start
        )
        .select_related("run")
        .order_by("dimension_value")
    )


def measure_now(
    definition: KPIDefinition,
    *,
    period: str,
    by: tuple[str, ...] = (),
    start: dt.date | None = None,
    end: dt.date | None = None,
) -> list[dict[str, Any]]:
    """The KPI measured at once by the engine, in its row shape (external KPIs' rows also
    carry `point_ids` and `upload_ids`: the engine hands them to kaizen.kpis.external)."""
    if definition.measure is None:
        return []
    from kaizen.kpis import engine

    result = engine.compute(definition, period=period, by=by, start=start, end=end)
    return list(result.rows)


def synced_event_id() -> int | None:
    """The last journal event the analytics store has synced (provenance of engine figures)."""
    from kaizen.analytics.store import connect
    from kaizen.analytics.sync import CURSOR, read_state

    with connect(read_only=True) as connection:
        cursor = read_state(connection).get(CURSOR)
    try:
        return int(cursor) if cursor else None
    except ValueError:
        return None
