"""Reads for the KPI pages and the API: definitions, stored measurements, status, measuring now.

Every page reads stored `Measurement` rows for its figures (one query per page, not per KPI);
only a breakdown nobody collected is measured on the spot.
"""

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from django.utils import timezone

from kaizen.kpis.models import (
    ALL_TIME_START,
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


def periods_back(kind: str, count: int, today: dt.date | None = None) -> list[dt.date]:
    """The starts of the last `count` periods of `kind`, oldest first, ending with today's."""
    if kind == PeriodKind.ALL:
        return [ALL_TIME_START]
    start = period_floor(today or timezone.localdate(), kind)
    starts = [start]
    for _ in range(count - 1):
        starts.append(period_step_back(starts[-1], kind))
    return starts[::-1]


@dataclass
class ScorecardRow:
    definition: KPIDefinition
    latest: Measurement | None = None
    status: Status = Status.NONE
    # One value per period of the sparkline window, None where nothing was measured.
    sparkline: list[float | None] = field(default_factory=list)

    @property
    def key(self) -> str:
        return self.definition.key


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


def scorecard(period_kind: str, *, today: dt.date | None = None) -> list[ProcessGroup]:
    """Every active KPI grouped by process: its latest stored value of `period_kind`, status
    and the last periods for a sparkline. One query for custom KPIs, one for measurements."""
    definitions = all_definitions()
    window = periods_back(period_kind, SPARKLINE_PERIODS, today)
    stored = Measurement.objects.filter(
        period_kind=period_kind,
        dimension="",
        kpi_key__in=[d.key for d in definitions if d.measurable],
        period_start__gte=window[0],
    ).order_by("kpi_key", "period_start")
    by_key: dict[str, dict[dt.date, Measurement]] = defaultdict(dict)
    for measurement in stored:
        by_key[measurement.kpi_key][measurement.period_start] = measurement
    groups: dict[str, list[ScorecardRow]] = defaultdict(list)
    for definition in definitions:
        series = by_key.get(definition.key, {})
        latest = series[max(series)] if series else None
        row = ScorecardRow(
            definition=definition,
            latest=latest,
            status=kpi_status(definition, latest.value if latest else None),
            sparkline=[series[s].value if s in series else None for s in window],
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
