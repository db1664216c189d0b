"""Can this KPI be trusted? Data quality of a KPI over the analytics store.

`data_quality()` answers, as plain JSON-serialisable data: whether the KPI is measurable at all
(and why not), how well its required fields are filled in the rows it measures, how many
values stand behind each period's figure, which periods between the first and the last have
no data, and an overall verdict with the issues behind it.
"""

import datetime as dt
import statistics
from typing import Any

import duckdb

from kaizen.kpis import engine
from kaizen.kpis.sources import column_label, database_source, source_columns
from kaizen.kpis.spec import Aggregate, KPIDefinition, Measure

# A field filled in fewer rows than this (percent) makes the KPI poor; below GOOD_COVERAGE,
# fair. Missing values are left out of means and shares, so the figure describes only the
# filled rows — fine when few are missing, misleading when many are.
GOOD_COVERAGE = 95.0
POOR_COVERAGE = 80.0
# Below this many values a period's mean, median, percentile or share moves more with chance
# than with performance.
MIN_SAMPLE_SIZE = 30

VERDICT_GOOD = "good"
VERDICT_FAIR = "fair"
VERDICT_POOR = "poor"
VERDICT_NO_DATA = "no_data"
VERDICT_NOT_MEASURABLE = "not_measurable"


def _scope_sql(
    measure: Measure, start: dt.date | None, end: dt.date | None
) -> tuple[str, dict[str, Any]]:
    """The rows the KPI measures over the range, before its own filters (a filter such as
    "sla_met is not null" would otherwise hide exactly the missing values we look for)."""
    parameters: dict[str, Any] = {}
    conditions = []
    if measure.period_column:
        placed = engine.quoted(engine.ROW_ALIAS, measure.period_column)
        conditions.append(f"{placed} IS NOT NULL")
        if start:
            conditions.append(f"{placed} >= CAST($start AS TIMESTAMP)")
        if end:
            conditions.append(f"{placed} < CAST($end AS TIMESTAMP)")
    else:
        # Point in time: every row whose interval overlaps the range.
        axis = engine.Axis(measure, number=0)
        started = engine.quoted(engine.ROW_ALIAS, measure.interval_start or "")
        ended = axis.interval_end_sql()
        conditions.append(f"{started} IS NOT NULL")
        if end:
            conditions.append(f"{started} < CAST($end AS TIMESTAMP)")
        if start and ended:
            conditions.append(f"({ended} IS NULL OR {ended} >= CAST($start AS TIMESTAMP))")
    if start:
        parameters["start"] = start
    if end:
        parameters["end"] = end
    return " AND ".join(conditions), parameters


def _coverage(
    definition: KPIDefinition,
    measure: Measure,
    start: dt.date | None,
    end: dt.date | None,
    connection: duckdb.DuckDBPyConnection | None,
) -> tuple[int, list[dict[str, Any]]]:
    columns = source_columns(measure.source)
    fields = [name for name in definition.required_fields if name in columns]
    where, parameters = _scope_sql(measure, start, end)
    counts = ", ".join(
        ["count(*)", *(f"count({engine.quoted(engine.ROW_ALIAS, name)})" for name in fields)]
    )
    sql = f'SELECT {counts} FROM "{measure.source}" AS {engine.ROW_ALIAS} WHERE {where}'
    with engine.reading(connection) as reader:
        total, *filled = reader.execute(sql, parameters).fetchone()
    coverage = [
        {
            "field": name,
            "label": column_label(measure.source, name),
            "filled": count,
            "missing": total - count,
            "coverage_pct": round(100.0 * count / total, 2) if total else None,
        }
        for name, count in zip(fields, filled, strict=True)
    ]
    return total, coverage


def data_quality(
    definition: KPIDefinition,
    *,
    period: str = "month",
    start: dt.date | None = None,
    end: dt.date | None = None,
    connection: duckdb.DuckDBPyConnection | None = None,
) -> dict[str, Any]:
    """The data quality report of one KPI over [start, end) by `period` (see module doc)."""
    report: dict[str, Any] = {
        "kpi": definition.key,
        "measurable": definition.measurable,
        "reason": definition.not_measurable_reason,
        "source": None,
        "period": period,
        "start": start.isoformat() if start else None,
        "end": end.isoformat() if end else None,
        "rows_in_scope": 0,
        "required_fields": [],
        "sample_sizes": [],
        "min_sample_size": None,
        "median_sample_size": None,
        "first_period": None,
        "last_period": None,
        "empty_periods": [],
        "verdict": VERDICT_NOT_MEASURABLE,
        "issues": [],
    }
    measure = definition.measure
    if measure is None:
        report["issues"] = [f"not measurable: {definition.not_measurable_reason}"]
        return report
    report["source"] = str(measure.source)
    result = engine.compute(definition, period=period, start=start, end=end, connection=connection)
    sample_sizes = [{"period": row["period"], "n": row["n"]} for row in result.rows]
    report["sample_sizes"] = sample_sizes
    database = database_source(measure.source)
    if database is not None and database.rows_in_scope is not None:
        # Rows of the Django database, not the store: no fact fields to cover (e.g. the
        # register's models require the fields its KPIs read). The scope is the rows the KPI
        # reads over the range, each once, as its source counts them (an initiative open for
        # six months is one row, not six).
        report["rows_in_scope"] = database.rows_in_scope(definition, start=start, end=end)
    elif database is not None:  # e.g. data points: no fields to cover, each counted once
        report["rows_in_scope"] = sum(item["n"] for item in sample_sizes)
    else:
        report["rows_in_scope"], report["required_fields"] = _coverage(
            definition, measure, start, end, connection
        )
    with_data = [index for index, item in enumerate(sample_sizes) if item["n"]]
    if with_data:
        first, last = with_data[0], with_data[-1]
        report["first_period"] = sample_sizes[first]["period"]
        report["last_period"] = sample_sizes[last]["period"]
        report["empty_periods"] = [
            item["period"] for item in sample_sizes[first : last + 1] if not item["n"]
        ]
        sizes = [sample_sizes[index]["n"] for index in with_data]
        report["min_sample_size"] = min(sizes)
        report["median_sample_size"] = statistics.median(sizes)
    report["verdict"], report["issues"] = _verdict(measure, report)
    return report


def _verdict(measure: Measure, report: dict[str, Any]) -> tuple[str, list[str]]:
    """Poor when a required field is mostly missing; fair for some missing values, holes in
    the series or small samples behind averages and shares; good otherwise."""
    if report["first_period"] is None:
        return VERDICT_NO_DATA, ["no data in the range"]
    issues: list[str] = []
    verdicts = {VERDICT_GOOD}
    for field in report["required_fields"]:
        coverage = field["coverage_pct"]
        if coverage is None or coverage >= GOOD_COVERAGE:
            continue
        issues.append(
            f"{field['field']} is missing in {field['missing']} of {report['rows_in_scope']} "
            f"rows ({coverage:g} % filled)"
        )
        verdicts.add(VERDICT_POOR if coverage < POOR_COVERAGE else VERDICT_FAIR)
    if report["empty_periods"]:
        issues.append(
            f"{len(report['empty_periods'])} period(s) without data between "
            f"{report['first_period']} and {report['last_period']}"
        )
        verdicts.add(VERDICT_FAIR)
    small = [item for item in report["sample_sizes"] if 0 < item["n"] < MIN_SAMPLE_SIZE]
    if small and measure.aggregate != Aggregate.COUNT:  # a count is exact at any size
        issues.append(
            f"{len(small)} period(s) with fewer than {MIN_SAMPLE_SIZE} values behind the figure"
        )
        verdicts.add(VERDICT_FAIR)
    worst = next(v for v in (VERDICT_POOR, VERDICT_FAIR, VERDICT_GOOD) if v in verdicts)
    return worst, issues
