"""The KPI engine: a `Measure` becomes one parameterised DuckDB query over the analytics store.

Every name that reaches SQL (tables, columns, breakdown dimensions, periods) is checked against
the schema or a fixed list first and quoted; every value is a bound parameter, cast to its
column's type. `scorecard()` computes many KPIs of one source in a single query: each "period
axis" (a timestamp column such as `opened_at`, or a point-in-time interval) is one grouped
sub-select carrying all of its KPIs' aggregates side by side (`FILTER (WHERE ...)` per KPI),
and the sub-selects are stacked with `UNION ALL BY NAME` and regrouped on (period, breakdown).
KPIs of the Django database's sources (kaizen.kpis.sources: `external` data points, the
improvement register's rows) are handed on instead to the function their source registered,
which answers in the same row shape.

Results, per row: `{"period": "2016-03-01" (the period's first day) or "all", <breakdown
dimension>: value..., "value": float | None, "n": int}`. The periods form a complete series
from the first to the last (the range asked for, else the source's earliest to latest
timestamp), for every breakdown value with data in some period: a period with nothing to
measure has value None and n 0. Point-in-time counts (the backlog) are running sums of
arrivals and departures; other point-in-time measures join each period's end to the rows
whose interval spans it. See docs/kpis.md.
"""

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import duckdb

from kaizen.analytics.families import breakdown_columns
from kaizen.analytics.store import connect
from kaizen.kpis.sources import (
    DatabaseSource,
    StoreSource,
    get_source,
    source_columns,
    store_source,
)
from kaizen.kpis.spec import (
    AGE_HOURS,
    PERIODS,
    Aggregate,
    Filter,
    KPIDefinition,
    Measure,
    Operator,
    Unit,
)

# DuckDB's step from one period start to the next; date_trunc('week') is the ISO Monday.
PERIOD_STEPS = {
    "day": "INTERVAL 1 DAY",
    "week": "INTERVAL 7 DAY",
    "month": "INTERVAL 1 MONTH",
    "quarter": "INTERVAL 3 MONTH",
    "year": "INTERVAL 1 YEAR",
}
TIMESTAMP_TYPES = {"TIMESTAMP", "DATE"}
NUMERIC_TYPES = {"DOUBLE", "INTEGER", "SMALLINT", "BIGINT"}
COMPARISONS = {
    Operator.EQ: "=",
    Operator.NE: "<>",
    Operator.LT: "<",
    Operator.LE: "<=",
    Operator.GT: ">",
    Operator.GE: ">=",
}
COLUMN_AGGREGATES = {Aggregate.SUM, Aggregate.MEAN, Aggregate.MEDIAN, Aggregate.PERCENTILE}
# The rows measured, and the table that carries their dimensions when they do not (an event
# family's record family: kaizen.kpis.sources.StoreSource.dimensions_table).
ROW_ALIAS, DIMENSION_ALIAS = "r", "d"


class EngineError(ValueError):
    """A definition or a request the engine cannot compute; the message names what is wrong."""


class NotMeasurable(EngineError):
    pass


@dataclass(frozen=True)
class KPIResult:
    kpi: str
    unit: Unit
    period: str
    by: tuple[str, ...]
    start: dt.date | None
    end: dt.date | None
    rows: list[dict[str, Any]] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        """The shape `kaizen kpi show --json` prints."""
        return {"kpi": self.kpi, "unit": str(self.unit), "rows": self.rows}


# -- checking -----------------------------------------------------------------------------------


def measure_errors(measure: Measure) -> list[str]:
    """Everything wrong with a measure of an analytics-store source (empty: it can be run).
    The engine refuses to build SQL for a measure with errors; the custom KPI form can show
    them. A database source (external, improvement) has no fact columns to check: its module
    measures it."""
    source = get_source(measure.source)
    if source is None:
        return [f"source: {measure.source!r} is not a registered source"]
    if isinstance(source, DatabaseSource):
        return []
    columns = source_columns(measure.source)
    errors: list[str] = []

    def check_timestamp(role: str, name: str | None) -> None:
        if not name:
            errors.append(f"{role}: a timestamp column is required")
        elif columns.get(name) not in TIMESTAMP_TYPES:
            errors.append(f"{role}: {name!r} is not a timestamp column of {measure.source}")

    if measure.point_in_time:
        check_timestamp("interval_start", measure.interval_start)
        for name in measure.interval_ends:
            check_timestamp("interval_end", name)
        columns = {**columns, AGE_HOURS: "DOUBLE"}
    else:
        check_timestamp("period_column", measure.period_column)
    if measure.aggregate in COLUMN_AGGREGATES:
        if columns.get(measure.column or "") not in NUMERIC_TYPES:
            errors.append(f"column: {measure.column!r} is not a numeric column of {measure.source}")
    elif measure.column:
        errors.append(f"column: {measure.aggregate} takes no column")
    if measure.aggregate == Aggregate.PERCENTILE and not (
        measure.percentile is not None and 0 <= measure.percentile <= 100
    ):
        errors.append("percentile: a number from 0 to 100 is required")
    if measure.aggregate in (Aggregate.SHARE, Aggregate.RATIO) and not measure.numerator:
        errors.append(f"numerator: {measure.aggregate} needs the numerator's filters")
    if measure.aggregate == Aggregate.RATIO and not measure.denominator:
        errors.append("denominator: ratio needs the denominator's filters")
    for role in ("filters", "numerator", "denominator"):
        for condition in getattr(measure, role):
            errors += [f"{role}: {message}" for message in _filter_errors(condition, columns)]
    return errors


def _filter_errors(condition: Filter, columns: dict[str, str]) -> list[str]:
    if condition.column not in columns:
        return [f"{condition.column!r} is not a column"]
    try:
        operator = Operator(condition.operator)
    except ValueError:
        return [f"{condition.operator!r} is not an operator"]
    other = condition.other_column
    if other is not None:
        if other not in columns:
            return [f"{other!r} is not a column"]
        if operator not in COMPARISONS:
            return [f"{operator} cannot compare two columns"]
    elif operator == Operator.IN:
        if not isinstance(condition.value, list | tuple) or any(
            isinstance(item, list | tuple | dict) for item in condition.value
        ):
            return [f"{condition.column} in: the value is a list of values"]
    elif operator in COMPARISONS and isinstance(condition.value, list | tuple | dict):
        return [f"{condition.column} {operator}: the value is a single value"]
    elif operator in (Operator.IS_NULL, Operator.IS_TRUE) and not isinstance(condition.value, bool):
        return [f"{condition.column} {operator}: the value is true or false"]
    elif operator == Operator.IS_TRUE and columns[condition.column] != "BOOLEAN":
        return [f"{condition.column} is not a true/false column"]
    return []


def _check_request(period: str, by: Sequence[str]) -> None:
    if period not in PERIODS:
        raise EngineError(f"period: {period!r} is not one of {', '.join(PERIODS)}")
    dimensions = breakdown_columns()
    for name in by:
        if name not in dimensions:
            raise EngineError(
                f"by: {name!r} is not a dimension; choose from {', '.join(dimensions)}"
            )
    if len(set(by)) != len(by):
        raise EngineError("by: each dimension once")


def _measure_of(definition: KPIDefinition) -> Measure:
    if definition.measure is None:
        raise NotMeasurable(
            f"{definition.key} is not measurable: {definition.not_measurable_reason}"
        )
    errors = measure_errors(definition.measure)
    if errors:
        raise EngineError(f"{definition.key}: {'; '.join(errors)}")
    return definition.measure


# -- SQL ----------------------------------------------------------------------------------------


class Parameters:
    """Named parameters ($p0, $p1, ...) collected while the SQL text is written; an equal value
    of the same type is bound once, so equal filters of two KPIs read the same."""

    def __init__(self) -> None:
        self.values: dict[str, Any] = {}
        self._names: dict[tuple[Any, ...], str] = {}

    def add(self, value: Any, sql_type: str) -> str:
        identity = (type(value).__name__, value, sql_type)
        name = self._names.get(identity)
        if name is None:
            name = self._names[identity] = f"p{len(self.values)}"
            self.values[name] = value
        return f"CAST(${name} AS {sql_type})"


def quoted(alias: str, column: str) -> str:
    return f'{alias}."{column}"'


def period_key_sql(period: str, moment: str) -> str:
    """The key of the period containing `moment`: the start date for days and weeks, a month
    number (year x 12 + month - 1) for months, quarters and years, because DuckDB computes
    year()/month() several times faster than date_trunc('month') over millions of rows."""
    if period == "day":
        return f"CAST({moment} AS DATE)"
    if period == "week":
        return f"CAST(date_trunc('week', {moment}) AS DATE)"
    if period == "month":
        return f"(year({moment}) * 12 + month({moment}) - 1)"
    if period == "quarter":
        return f"(year({moment}) * 12 + (month({moment}) - 1) // 3 * 3)"
    if period == "year":
        return f"(year({moment}) * 12)"
    return "0"  # all


def period_date_sql(period: str, key: str) -> str:
    """The period's first day from its key (NULL for "all")."""
    if period in ("day", "week"):
        return key
    if period == "all":
        return "CAST(NULL AS DATE)"
    return f"make_date(CAST({key} // 12 AS INTEGER), CAST({key} % 12 + 1 AS INTEGER), 1)"


class Axis:
    """The rows of one source placed into periods one way: by a timestamp column, or (point
    in time) by being inside their interval at each period's end. KPIs on the same axis share
    one grouped sub-select."""

    def __init__(self, measure: Measure, number: int) -> None:
        self.number = number  # names its quantile columns apart from other axes'
        self.period_column = measure.period_column
        self.interval_start = measure.interval_start
        self.interval_ends = measure.interval_ends
        self.members: list[tuple[Measure, str, str]] = []  # (measure, value alias, n alias)
        # Quantiles of one column over the same rows are computed together, in one sort:
        # (column SQL, FILTER clause) -> [fractions], each KPI reading its element.
        self.quantiles: dict[tuple[str, str], list[float]] = {}

    def column_sql(self, column: str) -> str:
        if column == AGE_HOURS:  # hours from the interval start to the period's end
            start = quoted(ROW_ALIAS, self.interval_start or "")
            return f"(date_diff('microsecond', {start}, periods.period_end) / 3600e6)"
        return quoted(ROW_ALIAS, column)

    def interval_end_sql(self) -> str | None:
        """When the row's interval ends: the earliest end column set (least() skips NULLs);
        NULL while none is."""
        ends = [quoted(ROW_ALIAS, name) for name in self.interval_ends]
        if not ends:
            return None
        return ends[0] if len(ends) == 1 else f"least({', '.join(ends)})"

    @property
    def counts_only(self) -> bool:
        """Every KPI on the axis counts rows, none by age: a backlog can then be a running sum
        of arrivals minus departures per period, with no join."""
        return all(
            measure.aggregate == Aggregate.COUNT
            and all(condition.column != AGE_HOURS for condition in measure.filters)
            for measure, _, _ in self.members
        )

    def quantile_sql(self, column: str, where: str, fraction: float) -> str:
        fractions = self.quantiles.setdefault((column, where), [])
        if fraction not in fractions:
            fractions.append(fraction)
        number = list(self.quantiles).index((column, where))
        return f"q{self.number}_{number}[{fractions.index(fraction) + 1}]"

    def quantile_columns(self) -> list[str]:
        # Continuous quantiles (linear interpolation between the closest ranks), the same as
        # numpy's default and PostgreSQL's percentile_cont.
        return [
            f"quantile_cont({column}, {fractions!r}){where} AS q{self.number}_{number}"
            for number, ((column, where), fractions) in enumerate(self.quantiles.items())
        ]


def rows_where(*conditions: str | None) -> str:
    """An aggregate's FILTER clause over the conditions given (None: no condition)."""
    present = [condition for condition in conditions if condition]
    return f" FILTER (WHERE {' AND '.join(present)})" if present else ""


class QueryBuilder:
    """One query for the definitions of one source (see the module docstring)."""

    def __init__(
        self,
        definitions: Sequence[KPIDefinition],
        *,
        period: str,
        by: Sequence[str],
        start: dt.date | None,
        end: dt.date | None,
    ) -> None:
        self.definitions = definitions
        self.period = period
        self.by = tuple(by)
        self.start, self.end = start, end
        self.parameters = Parameters()
        source = store_source(_measure_of(definitions[0]).source)
        if source is None:
            raise EngineError(f"{definitions[0].key}: its source has no table in the store")
        self.source: StoreSource = source
        missing = [name for name in self.by if name not in source.dimensions]
        if missing:
            raise EngineError(f"by: {source.name} has no dimension {', '.join(missing)}")
        self.axes: dict[tuple[Any, ...], Axis] = {}
        # definition index -> (value column, n column) in the result
        self.outputs: list[tuple[str, str]] = []
        for index, definition in enumerate(definitions):
            measure = _measure_of(definition)
            axis_key = (measure.period_column, measure.interval_start, measure.interval_ends)
            if axis_key not in self.axes:
                self.axes[axis_key] = Axis(measure, number=len(self.axes))
            value, n = f"v{index}", f"n{index}"
            self.axes[axis_key].members.append((measure, value, n))
            self.outputs.append((value, n))

    # each KPI's aggregate, side by side with the others of its axis

    def _condition(self, conditions: Iterable[Filter], axis: Axis) -> str | None:
        """The filters as one SQL condition; None when there are none."""
        parts = [self._filter_sql(condition, axis) for condition in conditions]
        return " AND ".join(parts) if parts else None

    def _filter_sql(self, condition: Filter, axis: Axis) -> str:
        column = axis.column_sql(condition.column)
        sql_type = "DOUBLE" if condition.column == AGE_HOURS else self._type(condition.column)
        operator = Operator(condition.operator)
        if condition.other_column is not None:
            return f"{column} {COMPARISONS[operator]} {axis.column_sql(condition.other_column)}"
        if operator == Operator.IS_NULL:
            return f"{column} IS {'' if condition.value else 'NOT '}NULL"
        if operator == Operator.IS_TRUE:
            return f"{column} IS {'TRUE' if condition.value else 'FALSE'}"
        if operator == Operator.IN:
            if not condition.value:
                return "FALSE"
            items = ", ".join(self.parameters.add(item, sql_type) for item in condition.value)
            return f"{column} IN ({items})"
        return f"{column} {COMPARISONS[operator]} {self.parameters.add(condition.value, sql_type)}"

    def _type(self, column: str) -> str:
        return self.source.columns[column]

    def _filter_clause(self, measure: Measure, axis: Axis) -> str:
        return rows_where(self._condition(measure.filters, axis))

    def _aggregate_sql(self, measure: Measure, axis: Axis, value: str, n: str) -> list[str]:
        scope = self._condition(measure.filters, axis)

        aggregate = Aggregate(measure.aggregate)
        if aggregate == Aggregate.COUNT:
            return [f"count(*){rows_where(scope)} AS {n}", f"{n} AS {value}"]
        if aggregate in COLUMN_AGGREGATES:
            column = axis.column_sql(measure.column or "")
            if aggregate in (Aggregate.MEDIAN, Aggregate.PERCENTILE):
                fraction = 0.5 if aggregate == Aggregate.MEDIAN else (measure.percentile or 0) / 100
                function = axis.quantile_sql(column, rows_where(scope), float(fraction))
            else:
                name = "sum" if aggregate == Aggregate.SUM else "avg"
                function = f"{name}({column}){rows_where(scope)}"
            return [f"{function} AS {value}", f"count({column}){rows_where(scope)} AS {n}"]
        hits = f"count(*){rows_where(scope, self._condition(measure.numerator, axis))}"
        if aggregate == Aggregate.SHARE:
            base = f"count(*){rows_where(scope)}"
            return [f"100.0 * {hits} / nullif({base}, 0) AS {value}", f"{base} AS {n}"]
        base = f"count(*){rows_where(scope, self._condition(measure.denominator, axis))}"
        return [f"{hits} / nullif({base}, 0) AS {value}", f"{base} AS {n}"]

    # the query

    def _dimension_alias(self) -> str:
        return DIMENSION_ALIAS if self.source.dimensions_table else ROW_ALIAS

    def _rows_sql(self) -> str:
        """The source table, joined to the table of its dimensions when its rows carry none
        and are broken down (an incident event's service, team... are its incident's)."""
        table = f'"{self.source.name}" AS {ROW_ALIAS}'
        if self.by and self._dimension_alias() == DIMENSION_ALIAS:
            key = self.source.join_key
            table += (
                f' LEFT JOIN "{self.source.dimensions_table}" AS {DIMENSION_ALIAS}'
                f" ON {quoted(DIMENSION_ALIAS, key)} = {quoted(ROW_ALIAS, key)}"
            )
        return table

    def _dimensions_sql(self) -> list[str]:
        alias = self._dimension_alias()
        return [
            f"{quoted(alias, self.source.dimensions[name])} AS dim{index}"
            for index, name in enumerate(self.by)
        ]

    def _range_sql(self) -> tuple[str, str]:
        """The range asked for as SQL parameters ("" where open-ended)."""
        start = self.parameters.add(self.start, "TIMESTAMP") if self.start else ""
        end = self.parameters.add(self.end, "TIMESTAMP") if self.end else ""
        return start, end

    def _periods_cte(self) -> str:
        """Every period of the series (key, end exclusive): the range asked for, or else from
        the earliest to the latest timestamp in the source, whichever KPIs are asked for (so
        a KPI has the same periods alone as in a scorecard)."""
        columns = [
            quoted(ROW_ALIAS, name)
            for name, sql_type in self.source.columns.items()
            if sql_type in TIMESTAMP_TYPES
        ]
        lows = [f"min({column})" for column in columns]
        highs = [f"max({column})" for column in columns]
        start, end = self._range_sql()
        low = start if self.start else f"least({', '.join(lows)})"
        high = f"{end} - INTERVAL 1 MICROSECOND" if self.end else f"greatest({', '.join(highs)})"
        bounds = f"SELECT {low} AS low, {high} AS high"
        if not (self.start and self.end):  # min()/max() over the source: one row, even if empty
            bounds += f' FROM "{self.source.name}" AS {ROW_ALIAS}'
        if self.period == "all":
            # Point-in-time measures are taken at the range's end, or just after the latest
            # timestamp in the data (what was open when the store was last synced).
            periods = (
                "SELECT 0 AS period_key, high + INTERVAL 1 MICROSECOND AS period_end"
                " FROM bounds WHERE high IS NOT NULL"
            )
        else:
            step = PERIOD_STEPS[self.period]
            periods = (
                f"SELECT {period_key_sql(self.period, 'first')} AS period_key,"
                f" first + {step} AS period_end"
                f" FROM bounds, generate_series(date_trunc('{self.period}', low),"
                f" date_trunc('{self.period}', high), {step}) AS series(first)"
            )
        return f"bounds AS ({bounds}), periods AS ({periods})"

    def _axis_sql(self, axis: Axis) -> str:
        if axis.period_column:
            return self._placed_axis_sql(axis)
        if axis.counts_only and axis.interval_ends and self.period != "all":
            return self._running_count_sql(axis)
        return self._point_in_time_sql(axis)

    def _aggregates(self, axis: Axis) -> list[str]:
        aggregates = [
            item
            for measure, value, n in axis.members
            for item in self._aggregate_sql(measure, axis, value, n)
        ]
        return [*axis.quantile_columns(), *aggregates]  # quantiles are known after the rest

    def _placed_axis_sql(self, axis: Axis) -> str:
        """Rows grouped by the period of their timestamp, within the range asked for."""
        placed = quoted(ROW_ALIAS, axis.period_column or "")
        key = period_key_sql(self.period, placed)
        aggregates = self._aggregates(axis)
        select = ", ".join([f"{key} AS period_key", *self._dimensions_sql(), *aggregates])
        start, end = self._range_sql()
        where = f"{placed} IS NOT NULL"
        where += f" AND {placed} >= {start}" if self.start else ""
        where += f" AND {placed} < {end}" if self.end else ""
        return f"SELECT {select} FROM {self._rows_sql()} WHERE {where} GROUP BY ALL"

    def _point_in_time_sql(self, axis: Axis) -> str:
        """Each period's end joined to the rows whose interval contains it:
        start < period end <= end of interval."""
        aggregates = self._aggregates(axis)
        select = ", ".join(["periods.period_key", *self._dimensions_sql(), *aggregates])
        started = quoted(ROW_ALIAS, axis.interval_start or "")
        ended = axis.interval_end_sql()
        join = f"{started} < periods.period_end"
        where = f"{started} IS NOT NULL"
        if ended:
            join += f" AND coalesce({ended}, TIMESTAMP 'infinity') >= periods.period_end"
            if self.period != "all":
                # Only a row whose interval spans a period end is in any backlog; most incidents
                # start and end within one period, and leaving them out before the range join
                # keeps it small.
                start_key, end_key = (period_key_sql(self.period, t) for t in (started, ended))
                where += f" AND ({ended} IS NULL OR {start_key} < {end_key})"
        return (
            f"SELECT {select} FROM periods JOIN {self._rows_sql()} ON {join}"
            f" WHERE {where} GROUP BY ALL"
        )

    def _running_count_sql(self, axis: Axis) -> str:
        """Counts at each period's end without a join: a row is in the count of the periods
        from the one it starts in up to (not including) the one it ends in, so the count is a
        running sum of +1 at its start period and -1 at its end period. An end before the start
        (bad data) is taken as the start: such a row is never counted, as in the join."""
        started = quoted(ROW_ALIAS, axis.interval_start or "")
        ended = axis.interval_end_sql()
        departed = f"greatest({started}, {ended})"  # only where the interval has ended
        dimensions = [f"dim{index}" for index in range(len(self.by))]
        changes = []
        for moment, sign, extra in (
            (started, "", ""),
            (departed, "-", f" AND {ended} IS NOT NULL"),
        ):
            counts = [
                f"{sign}count(*){self._filter_clause(measure, axis)} AS {n}"
                for measure, _, n in axis.members
            ]
            select = ", ".join(
                [f"{period_key_sql(self.period, moment)} AS period_key"]
                + self._dimensions_sql()
                + counts
            )
            changes.append(
                f"SELECT {select} FROM {self._rows_sql()}"
                f" WHERE {started} IS NOT NULL{extra} GROUP BY ALL"
            )
        # Every period of the series gets a row (a zero change), so each has its running sum.
        occurring = f"(SELECT DISTINCT {', '.join(dimensions)} FROM changes)" if dimensions else ""
        grid = f"SELECT periods.period_key{', occurring.*' if dimensions else ''} FROM periods"
        grid += f", {occurring} AS occurring" if dimensions else ""
        partition = f"PARTITION BY {', '.join(dimensions)} " if dimensions else ""
        running = ", ".join(
            f"sum(sum({n})) OVER ({partition}ORDER BY period_key) AS {n}"
            for _, _, n in axis.members
        )
        keys = ", ".join(["period_key", *dimensions])
        outputs = ", ".join(f"{n}, {n} AS {value}" for _, value, n in axis.members)
        return (
            f"SELECT {keys}, {outputs} FROM (SELECT {keys}, {running}"
            f" FROM (WITH changes AS ({' UNION ALL '.join(changes)})"
            f" SELECT * FROM changes UNION ALL BY NAME {grid})"
            f" GROUP BY {keys}) WHERE period_key IN (SELECT period_key FROM periods)"
        )

    def sql(self) -> str:
        dimensions = [f"dim{index}" for index in range(len(self.by))]
        keys = ", ".join(["period_key", *dimensions])
        measured = " UNION ALL BY NAME ".join(
            f"({self._axis_sql(axis)})" for axis in self.axes.values()
        )
        # The grid: every period for every breakdown value that occurs, so a period without
        # rows still appears (value None, n 0) and series have no holes.
        if dimensions:
            grid = (
                f"SELECT periods.period_key, occurring.* FROM periods,"
                f" (SELECT DISTINCT {', '.join(dimensions)} FROM measured) AS occurring"
            )
        else:
            grid = "SELECT periods.period_key FROM periods"
        outputs = []
        for value, n in self.outputs:
            outputs += [f"max({value}) AS {value}", f"coalesce(max({n}), 0) AS {n}"]
        period = period_date_sql(self.period, "period_key")
        return (
            f"WITH {self._periods_cte()}, measured AS MATERIALIZED ({measured})"
            f" SELECT {period} AS period, {', '.join([*dimensions, *outputs])}"
            f" FROM (SELECT * FROM measured UNION ALL BY NAME {grid})"
            f" GROUP BY {keys} ORDER BY {keys} NULLS LAST"
        )

    def results(self, records: list[tuple[Any, ...]]) -> dict[str, KPIResult]:
        keys = 1 + len(self.by)
        rows_by_kpi: list[list[dict[str, Any]]] = [[] for _ in self.definitions]
        for record in records:
            period = record[0].isoformat() if record[0] is not None else "all"
            head = {"period": period, **dict(zip(self.by, record[1:keys], strict=True))}
            for index in range(len(self.definitions)):
                value, n = record[keys + 2 * index], record[keys + 2 * index + 1]
                rows_by_kpi[index].append(
                    {**head, "value": float(value) if value is not None and n else None, "n": n}
                )
        return {
            definition.key: KPIResult(
                kpi=definition.key,
                unit=definition.unit,
                period=self.period,
                by=self.by,
                start=self.start,
                end=self.end,
                rows=self._with_data(rows),
            )
            for definition, rows in zip(self.definitions, rows_by_kpi, strict=True)
        }

    def _with_data(self, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """A KPI's series for each breakdown value it has data for in some period: a value
        that occurs only in rows its filters leave out (or only in other KPIs of the same
        query) is not shown as a series of empty periods."""
        if not self.by:
            return rows
        measured = {tuple(row[name] for name in self.by) for row in rows if row["n"]}
        return [row for row in rows if tuple(row[name] for name in self.by) in measured]


def build_query(
    definitions: Sequence[KPIDefinition],
    *,
    period: str = "month",
    by: Sequence[str] = (),
    start: dt.date | None = None,
    end: dt.date | None = None,
) -> tuple[str, dict[str, Any]]:
    """The SQL text and parameters that compute `definitions` (all of one store source)."""
    _check_request(period, by)
    builder = QueryBuilder(definitions, period=period, by=by, start=start, end=end)
    return builder.sql(), builder.parameters.values


# -- computing ----------------------------------------------------------------------------------


@contextmanager
def reading(
    connection: duckdb.DuckDBPyConnection | None = None,
) -> Iterator[duckdb.DuckDBPyConnection]:
    """The connection given, or a read-only one to the store for the time of the block (the
    store's single writer, the sync, must be able to open it between reads)."""
    if connection is not None:
        yield connection
        return
    with connect(read_only=True) as opened:
        opened.execute("SET enable_progress_bar = false")  # it would write to the terminal
        yield opened


def _as_date(value: dt.date | None, name: str) -> dt.date | None:
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        raise EngineError(f"{name}: a date is expected, not a date-time")
    return value


def scorecard(
    definitions: Sequence[KPIDefinition],
    *,
    period: str = "month",
    by: Sequence[str] = (),
    start: dt.date | None = None,
    end: dt.date | None = None,
    connection: duckdb.DuckDBPyConnection | None = None,
) -> dict[str, KPIResult]:
    """Compute many KPIs at once: one query per analytics-store source (a database source's
    KPIs through the rows function it registered, `compute_database`). `start` is inclusive
    and `end` exclusive, both dates on the period timestamps; results are keyed by KPI key, in
    the order given."""
    _check_request(period, by)
    start, end = _as_date(start, "start"), _as_date(end, "end")
    if start and end and start >= end:
        raise EngineError("start: must be before end")
    by_source: dict[str, list[KPIDefinition]] = defaultdict(list)
    for definition in definitions:
        by_source[str(_measure_of(definition).source)].append(definition)
    results: dict[str, KPIResult] = {}
    for source, group in by_source.items():
        database = get_source(source)
        if isinstance(database, DatabaseSource):
            for definition in group:
                results[definition.key] = compute_database(
                    database, definition, period=period, by=tuple(by), start=start, end=end
                )
            continue
        builder = QueryBuilder(group, period=period, by=by, start=start, end=end)
        with reading(connection) as reader:
            try:
                records = reader.execute(builder.sql(), builder.parameters.values).fetchall()
            except duckdb.ConversionException as error:  # a filter value of the wrong type
                raise EngineError(f"a filter value does not fit its column: {error}") from error
        results.update(builder.results(records))
    return {definition.key: results[definition.key] for definition in definitions}


def compute(
    definition: KPIDefinition,
    *,
    period: str = "month",
    by: Sequence[str] = (),
    start: dt.date | None = None,
    end: dt.date | None = None,
    connection: duckdb.DuckDBPyConnection | None = None,
) -> KPIResult:
    """One KPI by `period` (day, week, month, quarter, year, all) and breakdown dimensions."""
    return scorecard(
        [definition], period=period, by=by, start=start, end=end, connection=connection
    )[definition.key]


def compute_database(
    source: DatabaseSource,
    definition: KPIDefinition,
    *,
    period: str,
    by: tuple[str, ...],
    start: dt.date | None,
    end: dt.date | None,
) -> KPIResult:
    """A KPI of a database source (external data points, the improvement register...):
    aggregated from rows in the Django database, not the store, by the function the source
    registered (same arguments, rows in the engine's shape)."""
    rows = source.rows(definition, period=period, by=by, start=start, end=end)
    return KPIResult(
        kpi=definition.key,
        unit=definition.unit,
        period=period,
        by=by,
        start=start,
        end=end,
        rows=list(rows),
    )
