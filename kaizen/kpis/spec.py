"""What a KPI is, as data: the contract between the KPI library, custom KPIs and the engine.

A library KPI and a custom KPI defined in the UI are the same thing to the engine: a
`KPIDefinition` whose `measure` says which rows to take (its source, by name: see
kaizen.kpis.sources) and how to aggregate them. The engine (kaizen.kpis.engine) turns a
measure over an analytics-store source into SQL; nothing else writes SQL for KPIs.
"""

from collections.abc import Iterator, Mapping, Set
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

# Which way is good for a KPI: the analysis library's Direction, part of the KPI contract (and
# imported from here by the KPI code). A KPI is "higher" or "lower"; Direction.NEUTRAL is for
# the statistics of a series with no good direction, and the KPI models do not offer it.
from kaizen.analysis.direction import Direction

# The periods a KPI is measured by. A week starts on Monday (ISO); "all" is one period over the
# whole range asked for.
PERIODS = ("day", "week", "month", "quarter", "year", "all")

# Point-in-time measures only: a row's age at the instant it is counted (hours since its
# `interval_start`), usable as the aggregated `column` and in filters (e.g. backlog older than
# 30 days) as if it were a fact column.
AGE_HOURS = "age_hours"


class Unit(StrEnum):
    COUNT = "count"
    PERCENT = "percent"
    HOURS = "hours"
    NUMBER = "number"
    SCORE = "score"


class Aggregate(StrEnum):
    COUNT = "count"  # rows matching the filters
    SUM = "sum"  # of `column`
    MEAN = "mean"  # of `column`
    MEDIAN = "median"  # of `column`
    PERCENTILE = "percentile"  # of `column`, at `percentile` (0-100)
    SHARE = "share"  # percent of the rows matching `filters` that also match `numerator`
    RATIO = "ratio"  # count(numerator) / count(denominator), both on top of `filters`


class Source(StrEnum):
    """The names of the sources Kaizen ships, as stored in KPI definitions. A measure may name
    any registered source (kaizen.kpis.sources); these are the ones code refers to."""

    INCIDENTS = "incident_facts"  # one row per incident
    INCIDENT_EVENTS = "incident_event_facts"  # one row per incident journal event
    CHANGES = "change_facts"  # one row per change
    PROBLEMS = "problem_facts"  # one row per problem
    OUTAGES = "outage_facts"  # one row per outage
    REQUESTS = "request_facts"  # one row per service request
    REQUEST_TASKS = "request_task_facts"  # one row per fulfilment task
    EXTERNAL = "external"  # data points pushed through the API or uploaded as CSV
    IMPROVEMENT = "improvement"  # the improvement register's rows (kaizen.improvement)
    AVAILABILITY = "availability"  # outages and targets (kaizen.kpis.availability_rows)
    # Agreements' targets met per service (kaizen.servicelevels.kpi_source, registered from
    # the service levels app: it sits above the KPI app).
    SERVICE_LEVELS = "service_levels"


class _DatabaseSourceNames(Set[str]):
    """The names of the sources measured from the Django database rather than the analytics
    store (registered in kaizen.kpis.sources, looked up when asked): they have no fact table,
    the engine hands them to their own function, and their data quality has no fact columns
    to cover."""

    def __contains__(self, name: object) -> bool:
        from kaizen.kpis.sources import is_database_source

        return isinstance(name, str) and is_database_source(name)

    def __iter__(self) -> Iterator[str]:
        from kaizen.kpis.sources import database_source_names

        return iter(database_source_names())

    def __len__(self) -> int:
        from kaizen.kpis.sources import database_source_names

        return len(database_source_names())


DATABASE_SOURCES: Set[str] = _DatabaseSourceNames()


class Operator(StrEnum):
    EQ = "eq"
    NE = "ne"
    LT = "lt"
    LE = "le"
    GT = "gt"
    GE = "ge"
    IN = "in"
    IS_NULL = "is_null"  # value True: IS NULL, False: IS NOT NULL
    IS_TRUE = "is_true"  # value True: column is true, False: column is false


def column_value(name: str) -> dict[str, str]:
    """A filter value that is another column of the same row (e.g. priority_to < priority_from),
    kept as plain JSON so definitions serialise as they are."""
    return {"column": name}


@dataclass(frozen=True)
class Filter:
    column: str
    operator: Operator
    value: Any = None  # a constant, a list (IN), a bool (IS_NULL, IS_TRUE) or column_value()

    @property
    def other_column(self) -> str | None:
        """The column compared with, when the value is `column_value(name)`."""
        if isinstance(self.value, Mapping) and set(self.value) == {"column"}:
            return str(self.value["column"])
        return None


@dataclass(frozen=True)
class Measure:
    """Which rows (source + filters), which instant dates them into a period, and how they
    aggregate. `period_column` is the fact timestamp that places a row in a day/week/month
    (e.g. `resolved_at` for resolution times, `opened_at` for arrivals); `None` means a
    point-in-time measure evaluated at each period's end (backlog: open at that instant)."""

    source: str  # a registered source's name (kaizen.kpis.sources), e.g. Source.INCIDENTS
    aggregate: Aggregate
    period_column: str | None = "opened_at"
    column: str | None = None
    percentile: float | None = None
    filters: tuple[Filter, ...] = ()
    numerator: tuple[Filter, ...] = ()  # SHARE and RATIO
    denominator: tuple[Filter, ...] = ()  # RATIO
    # Point-in-time measures (period_column None): a row counts at a period's end when it has
    # started before that end and not ended by it (start < period end <= end), the end being the
    # earliest of the `interval_end` columns that is set (a tuple: an incident leaves the backlog
    # when resolved, closed or cancelled, whichever comes first); none set: still in.
    interval_start: str | None = None
    interval_end: str | tuple[str, ...] | None = None

    @property
    def point_in_time(self) -> bool:
        return self.period_column is None

    @property
    def interval_ends(self) -> tuple[str, ...]:
        if self.interval_end is None:
            return ()
        if isinstance(self.interval_end, str):
            return (self.interval_end,)
        return tuple(self.interval_end)

    def fields(self) -> tuple[str, ...]:
        """The fact columns the measure reads that a row needs filled to be measured: the period
        (or interval start) column, the aggregated column and every filtered column. Interval
        ends are left out: an empty end is meaningful (still open)."""
        names: list[str] = [self.period_column or self.interval_start or "", self.column or ""]
        for condition in (*self.filters, *self.numerator, *self.denominator):
            names += [condition.column, condition.other_column or ""]
        return tuple(dict.fromkeys(name for name in names if name and name != AGE_HOURS))


@dataclass(frozen=True)
class Thresholds:
    """Status against target: `target` is what is aimed for; `warning` marks the amber band
    between it and a red status (on the bad side of the target, per the direction)."""

    target: float | None = None
    warning: float | None = None


@dataclass(frozen=True)
class KPIDefinition:
    key: str  # e.g. "incident.resolution_hours_median"
    name: str
    process: str  # kaizen.people.models.Process value: incident, problem, change, ...
    description: str  # what it tells and why it matters
    formula: str  # in words/maths, as shown to users
    unit: Unit
    direction: Direction
    thresholds: Thresholds = field(default_factory=Thresholds)
    required_fields: tuple[str, ...] = ()  # fact columns the KPI needs filled
    measure: Measure | None = None  # None: not measurable yet (its process does not exist)
    not_measurable_reason: str = ""
    custom: bool = False

    @property
    def measurable(self) -> bool:
        return self.measure is not None

    @property
    def point_in_time(self) -> bool:
        """Counted at an instant (a backlog), not over a stretch of time."""
        return self.measure is not None and self.measure.point_in_time


# The dimensions measurements are broken down by (the analytics families' breakdown names), as
# people read them.
DIMENSION_LABELS = {
    "service": "Service",
    "offering": "Offering",
    "priority": "Priority",
    "team": "Team",
    "assignee": "Assignee",
    "category": "Category",
    "subcategory": "Subcategory",
    "ci": "Configuration item",
    "location": "Location",
    "channel": "Channel",
}


def dimension_label(name: str) -> str:
    """A breakdown as people read it: "ci" is "Configuration item"; a grouping of several
    ("category,subcategory", "category.subcategory") reads "Category and subcategory"."""
    parts = [part for part in name.replace(".", ",").split(",") if part.strip()]
    labels = [DIMENSION_LABELS.get(part.strip(), part.strip().replace("_", " ")) for part in parts]
    if not labels:
        return ""
    text = " and ".join([labels[0], *(label.lower() for label in labels[1:])])
    return text[0].upper() + text[1:]
