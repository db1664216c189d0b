"""The computations behind step 2 (what can we measure?) and step 5 (analyse the data) of an
initiative's KPIs, over the analytics store through the KPI engine. The services store what
these return; nothing here writes.

Step 2, `assess_kpi`: the engine's data quality report of the KPI over its range, and the gaps
it shows, each with a stable code so a recomputation finds the gap again:
"not_measurable", "no_data", "field:<name>" (a required field filled in fewer than 95 % of the
rows), "empty_periods" and "small_samples" (periods with fewer than 30 values behind an
average, a median or a share).

Step 5, `analyse_kpi`: the cleaned KPI by period over the range, and the numbers behind every
chart (kaizen.analysis.stats): the baseline, the latest complete period against target,
the trend, the XmR control chart, the Pareto of contributors and, when a change date is set,
the before/after comparison.

Before and after a change: a period counts as "before" when it ends by the change date and as
"after" when it starts on or after it; the period the change falls inside (a change on a
Wednesday of a weekly KPI) mixes both and is left out of either side. The control chart's
limits are set on the "before" points.

The Pareto of contributors ranks the values of the KPI's breakdown dimension by the share of
the KPI's shortfall each carries, computed from its overall figure `value` over its `n` rows
in the range:
- counts (incidents opened, backlog): the count itself;
- percentages: the rows on the bad side of the figure: n × value / 100 when lower is better
  (the share counts bad rows: reopened incidents), n × (100 − value) / 100 when higher is
  better (the rest are bad rows: incidents resolved outside SLA);
- hours and other averages (mean, median, percentile, sums, ratios): n × value, the total
  (e.g. hours of resolution time) the value stands for.
"""

import datetime as dt
from collections.abc import Sequence
from typing import Any

from kaizen.analysis import stats
from kaizen.core.times import local_text
from kaizen.improvement import cleaning
from kaizen.improvement.models import (
    GAP_EMPTY_PERIODS,
    GAP_FIELD_PREFIX,
    GAP_NO_DATA,
    GAP_NOT_MEASURABLE,
    GAP_SMALL_SAMPLES,
    CleaningRule,
    InitiativeKPI,
)
from kaizen.improvement.selectors import period_end, rows_noun
from kaizen.kpis import engine
from kaizen.kpis.quality import GOOD_COVERAGE, MIN_SAMPLE_SIZE, VERDICT_NO_DATA, data_quality
from kaizen.kpis.selectors import kpi_status
from kaizen.kpis.spec import DATABASE_SOURCES, Aggregate, Direction, KPIDefinition, Source, Unit

# -- step 2: assessment -------------------------------------------------------------------------

# What the Pareto ranks, in its explanation ("3 of 14 teams make 81 % of the total").
BREAKDOWN_NOUNS = {
    "service": ("service", "services"),
    "offering": ("offering", "offerings"),
    "priority": ("priority", "priorities"),
    "team": ("team", "teams"),
    "assignee": ("assignee", "assignees"),
    "category": ("category", "categories"),
    "subcategory": ("subcategory", "subcategories"),
    "ci": ("configuration item", "configuration items"),
    "location": ("location", "locations"),
    "channel": ("channel", "channels"),
}


def suggested_action(code: str, definition: KPIDefinition | None, period_kind: str = "week") -> str:
    """What it would take to close a gap, as a starting point for the person who owns it."""
    noun = rows_noun(definition)
    if code == GAP_NOT_MEASURABLE:
        needed = ", ".join(definition.required_fields) if definition else ""
        data = f"the data it needs ({needed})" if needed else "the data it needs"
        return (
            f"Bring in {data}: import the records from the tool that holds them, or push them "
            "as external data points to a custom KPI (source: external). Otherwise remove the "
            "KPI, or accept the gap and measure it outside Kaizen."
        )
    if code == GAP_NO_DATA and _source(definition) == Source.IMPROVEMENT:
        return (
            "The KPI counts the improvement register's own records: it has data once the "
            "register holds what it counts (initiatives, corrective actions done, evaluations); "
            "widen the analysis range if they are older."
        )
    if code == GAP_NO_DATA:
        return (
            f"Check that the {noun} it measures are logged in Kaizen or imported, and that the "
            "analytics store is synced; widen the analysis range if the history is older."
        )
    if code.startswith(GAP_FIELD_PREFIX):
        name = code.removeprefix(GAP_FIELD_PREFIX)
        return (
            f"Make {name} mandatory where it is recorded (e.g. when the record is resolved), and "
            f"fill it in for past {noun} from the source system; until then the figure "
            f"describes only the {noun} that have it."
        )
    if code == GAP_EMPTY_PERIODS:
        return (
            f"Find out why nothing was recorded in those {period_kind}s (a logging outage, an "
            f"import that missed them, a holiday closure), or analyse by a longer period."
        )
    if code == GAP_SMALL_SAMPLES:
        longer = "a month" if period_kind != "month" else "a quarter"
        return (
            f"Analyse by a longer period ({longer} instead of a {period_kind}) so each figure "
            f"rests on at least {MIN_SAMPLE_SIZE} values, or read those periods with care."
        )
    return ""


def _source(definition: KPIDefinition | None) -> Source | None:
    if definition is None or definition.measure is None:
        return None
    return Source(definition.measure.source)


def _listed(items: Sequence[str], limit: int = 4) -> str:
    shown = ", ".join(items[:limit])
    return shown + (f" and {len(items) - limit} more" if len(items) > limit else "")


def gaps_of(
    definition: KPIDefinition | None, report: dict[str, Any], period_kind: str
) -> list[dict[str, str]]:
    """The gaps a data quality report shows: [{code, description, suggested_action}]."""
    gaps: list[dict[str, str]] = []

    def gap(code: str, description: str) -> None:
        gaps.append(
            {
                "code": code,
                "description": description,
                "suggested_action": suggested_action(code, definition, period_kind),
            }
        )

    if not report["measurable"]:
        gap(GAP_NOT_MEASURABLE, f"not measurable: {report['reason']}")
        return gaps
    if report["verdict"] == VERDICT_NO_DATA:
        gap(GAP_NO_DATA, f"no data between {report['start']} and {report['end']}")
        return gaps
    noun = rows_noun(definition)
    for item in report.get("coverage") or []:
        coverage = item.get("coverage_pct")
        if coverage is not None and coverage < GOOD_COVERAGE:
            gap(
                f"{GAP_FIELD_PREFIX}{item['field']}",
                f"{item['field']} is missing in {item['missing']} of {report['rows_in_scope']} "
                f"{noun} ({coverage:g} % filled)",
            )
    empty = report.get("empty_periods") or []
    if empty:
        gap(
            GAP_EMPTY_PERIODS,
            f"{len(empty)} {period_kind}(s) without data between {report['first_period']} and "
            f"{report['last_period']}: {_listed(empty)}",
        )
    aggregate = definition.measure.aggregate if definition and definition.measure else None
    sizes = [item["n"] for item in report.get("sample_sizes") or [] if item["n"]]
    small = [n for n in sizes if n < MIN_SAMPLE_SIZE]
    if small and aggregate != Aggregate.COUNT:  # a count is exact at any size
        gap(
            GAP_SMALL_SAMPLES,
            f"{len(small)} of {len(sizes)} {period_kind}s have fewer than {MIN_SAMPLE_SIZE} "
            f"values behind the figure (the smallest {min(small)})",
        )
    return gaps


def assess_kpi(
    ikpi: InitiativeKPI,
    definition: KPIDefinition | None,
    *,
    start: dt.date,
    end: dt.date,
) -> dict[str, Any]:
    """Step 2 for one KPI over [start, end): the assessment entry stored in
    DataAssessment.results, its gaps included under "gaps"."""
    kind = ikpi.period_kind
    last_day = end - dt.timedelta(days=1)
    if definition is None:
        report = _unmeasurable(f"{ikpi.kpi_key} is not in the KPI library", start, last_day)
    elif definition.measure is None:
        report = _unmeasurable(definition.not_measurable_reason, start, last_day)
    else:
        try:
            report = data_quality(definition, period=kind, start=start, end=end)
        except engine.EngineError as error:
            report = _unmeasurable(str(error), start, last_day)
        report["coverage"] = report.pop("required_fields", [])
        report["start"], report["end"] = start.isoformat(), last_day.isoformat()
    entry = {
        "initiative_kpi": ikpi.pk,
        "kpi_key": ikpi.kpi_key,
        "name": definition.name if definition else ikpi.kpi_key,
        "period_kind": kind,
        "start": report["start"],
        "end": report["end"],
        "measurable": report["measurable"],
        "reason": report["reason"],
        "verdict": report["verdict"],
        "source": report.get("source"),
        "rows_in_scope": report.get("rows_in_scope", 0),
        "coverage": report.get("coverage", []),
        "sample_sizes": report.get("sample_sizes", []),
        "min_sample_size": report.get("min_sample_size"),
        "median_sample_size": report.get("median_sample_size"),
        "first_period": report.get("first_period"),
        "last_period": report.get("last_period"),
        "empty_periods": report.get("empty_periods", []),
        "issues": report.get("issues", []),
    }
    entry["gaps"] = gaps_of(definition, entry, kind)
    return entry


def _unmeasurable(reason: str, start: dt.date, last_day: dt.date) -> dict[str, Any]:
    return {
        "measurable": False,
        "reason": reason,
        "verdict": "not_measurable",
        "start": start.isoformat(),
        "end": last_day.isoformat(),
        "issues": [f"not measurable: {reason}"],
    }


# -- step 5: analysis ---------------------------------------------------------------------------

STATUS_WORDS = {
    "green": "on target",
    "amber": "within the warning band",
    "red": "off target",
    "none": "not judged (no target)",
}
PARETO_RULES = {
    "count": "Each value's count of rows: the share of the total it makes.",
    "percent_lower": (
        "Each value's rows on the bad side: n × value / 100 (the share counts the bad rows)."
    ),
    "percent_higher": (
        "Each value's rows on the bad side: n × (100 − value) / 100 (the rows outside the share)."
    ),
    "total": "Each value's total: n × value (e.g. the hours of resolution time it carries).",
}


def figure(value: float | None, unit: str = "") -> str:
    """A KPI value for a sentence: three significant digits and its unit."""
    if value is None:
        return "n/a"
    text = f"{value:,.0f}" if abs(value) >= 1000 else f"{value:.3g}"
    if unit == Unit.PERCENT:
        return f"{text} %"
    if unit == Unit.HOURS:
        return f"{text} hours"
    return text


def pareto_rule(definition: KPIDefinition) -> str:
    measure = definition.measure
    if measure is not None and measure.aggregate == Aggregate.COUNT:
        return "count"
    if definition.unit == Unit.PERCENT or (
        measure is not None and measure.aggregate == Aggregate.SHARE
    ):
        return (
            "percent_lower"
            if definition.direction == Direction.LOWER_IS_BETTER
            else "percent_higher"
        )
    return "total"


def contribution(definition: KPIDefinition, value: float | None, n: int) -> float | None:
    """The KPI's shortfall one breakdown value carries (see the module docstring)."""
    if value is None or not n:
        return None
    rule = pareto_rule(definition)
    if rule == "count":
        return float(value)
    if rule == "percent_lower":
        return n * value / 100.0
    if rule == "percent_higher":
        return n * (100.0 - value) / 100.0
    return n * value


def split_at(
    periods: Sequence[dt.date], kind: str, change_on: dt.date | None
) -> tuple[list[int], list[int]]:
    """Positions of the periods wholly before the change and of those from it on."""
    if change_on is None:
        return list(range(len(periods))), []
    before = [i for i, start in enumerate(periods) if period_end(start, kind) <= change_on]
    after = [i for i, start in enumerate(periods) if start >= change_on]
    return before, after


def _span(periods: Sequence[dt.date], values: Sequence[float | None], kind: str) -> dict:
    """The first and last day of the periods with a value."""
    measured = [start for start, value in zip(periods, values, strict=True) if value is not None]
    if not measured:
        return {"start": None, "end": None}
    last_day = period_end(measured[-1], kind) - dt.timedelta(days=1)
    return {"start": measured[0].isoformat(), "end": last_day.isoformat()}


def _pareto(
    cleaned: KPIDefinition,
    definition: KPIDefinition,
    breakdown: str,
    start: dt.date,
    end: dt.date,
) -> dict[str, Any]:
    rows = engine.compute(cleaned, period="all", by=[breakdown], start=start, end=end).rows
    values, contributions = [], {}
    for row in rows:
        label = "(not set)" if row.get(breakdown) is None else str(row[breakdown])
        share = contribution(definition, row["value"], row["n"])
        values.append({"label": label, "value": row["value"], "n": row["n"], "contribution": share})
        if share is not None:
            contributions[label] = share
    noun = BREAKDOWN_NOUNS.get(breakdown, (breakdown, breakdown))
    result = stats.pareto(contributions, noun=noun)
    rule = pareto_rule(definition)
    result.update(dimension=breakdown, rule=PARETO_RULES[rule], rule_code=rule, values=values)
    return result


def analyse_kpi(
    ikpi: InitiativeKPI,
    definition: KPIDefinition,
    rules: Sequence[CleaningRule],
    *,
    start: dt.date,
    end: dt.date,
    change_on: dt.date | None,
    today: dt.date,
    purpose: str = "analysis",
) -> dict[str, Any]:
    """The Analysis.result of one KPI over [start, end) by its period kind (see the module
    docstring); `definition` carries the initiative's target and warning."""
    if definition.measure is None:
        raise engine.NotMeasurable(
            f"{definition.key} is not measurable: {definition.not_measurable_reason}"
        )
    kind = ikpi.period_kind
    direction = definition.direction
    cleaned, applied = cleaning.apply_rules(definition, rules, start=start, end=end)
    rows = engine.compute(cleaned, period=kind, start=start, end=end).rows
    series = [{"period": row["period"], "value": row["value"], "n": row["n"]} for row in rows]
    periods = [dt.date.fromisoformat(row["period"]) for row in series]
    values = [row["value"] for row in series]
    before, after = split_at(periods, kind, change_on)

    baseline_values = [values[i] for i in before]
    baseline = stats.baseline(baseline_values)
    baseline.update(_span([periods[i] for i in before], baseline_values, kind))

    complete = [
        i
        for i, start_day in enumerate(periods)
        if values[i] is not None and period_end(start_day, kind) <= today
    ]
    latest = complete[-1] if complete else None
    actual_value = values[latest] if latest is not None else None
    actual = {
        "value": actual_value,
        "period": series[latest]["period"] if latest is not None else None,
        "n": series[latest]["n"] if latest is not None else 0,
        "status": str(kpi_status(definition, actual_value)),
    }
    trend = stats.trend(values, direction=direction)
    control_chart = stats.control_chart(
        values,
        labels=[row["period"] for row in series],
        direction=direction,
        # Limits from the periods before the change; none before it (the change precedes the
        # data): from every period, there being no baseline phase to set them.
        limits_from=len(before) if change_on and before else None,
    )
    pareto = _pareto(cleaned, definition, ikpi.breakdown, start, end)
    before_after = None
    if change_on is not None:
        before_after = stats.before_after(
            baseline_values, [values[i] for i in after], direction=direction
        )
        before_after.update(
            change_on=change_on.isoformat(),
            before=_span([periods[i] for i in before], baseline_values, kind),
            after=_span([periods[i] for i in after], [values[i] for i in after], kind),
        )
    thresholds = definition.thresholds
    result = {
        "kpi": {
            "key": definition.key,
            "name": definition.name,
            "unit": str(definition.unit),
            "direction": str(definition.direction),
            "target": thresholds.target,
            "warning": thresholds.warning,
        },
        "purpose": purpose,
        "period_kind": kind,
        "range": {"start": start.isoformat(), "end": (end - dt.timedelta(days=1)).isoformat()},
        "change_on": change_on.isoformat() if change_on else None,
        "series": series,
        "cleaning": applied,
        "baseline": baseline,
        "actual": actual,
        "trend": trend,
        "control_chart": control_chart,
        "pareto": pareto,
        "before_after": before_after,
        "inputs": {"breakdown": ikpi.breakdown, "rules": [rule.pk for rule in rules]},
    }
    result["explanation"] = explain(result, definition)
    return result


def _day_text(period: str | None) -> str:
    """A period's start as every page writes a date ("1 Apr 2026"), not its ISO key."""
    if not period or period == "all":
        return str(period or "")
    return local_text(dt.date.fromisoformat(period[:10]))


def explain(result: dict[str, Any], definition: KPIDefinition) -> str:
    """One or two sentences a decision maker reads first."""
    unit, kind = str(definition.unit), result["period_kind"]
    actual, baseline = result["actual"], result["baseline"]
    target = definition.thresholds.target
    parts = []
    if actual["value"] is None:
        parts.append(f"{definition.name}: no complete {kind} with data in the range")
    else:
        judged = STATUS_WORDS.get(actual["status"], actual["status"])
        against = f" (target {figure(target, unit)})" if target is not None else ""
        parts.append(
            f"{definition.name} was {figure(actual['value'], unit)} in the {kind} of "
            f"{_day_text(actual['period'])}: {judged}{against}"
        )
    if baseline["mean"] is not None:
        parts.append(
            f"baseline {figure(baseline['mean'], unit)} over {baseline['n']} {kind}s "
            f"({_day_text(baseline['start'])} to {_day_text(baseline['end'])})"
        )
    parts.append(f"trend: {result['trend']['verdict']}")
    if result["before_after"] is not None:
        since = _day_text(result["change_on"])
        parts.append(f"since {since}: {result['before_after']['outcome']}")
    excluded = sum(item["rows_excluded"] for item in result["cleaning"])
    if result["cleaning"]:
        parts.append(
            f"{len(result['cleaning'])} cleaning rule(s) left out {excluded} "
            f"{rows_noun(definition, excluded)}"
        )
    return "; ".join(parts) + "."


def is_store_kpi(definition: KPIDefinition) -> bool:
    """Whether the KPI is computed over the analytics store (so its figures come with the
    store's synced journal event as provenance); external data points and the improvement
    register are read from the Django database."""
    return definition.measure is not None and definition.measure.source not in DATABASE_SOURCES


def window_values(result: dict[str, Any], starts_on: dt.date) -> list[float | None]:
    """The series values of the periods starting on or after `starts_on` (an evaluation
    window's periods)."""
    first = starts_on.isoformat()
    return [row["value"] for row in result["series"] if row["period"] >= first]


def good_side(definition: KPIDefinition, value: float | None, target: float | None) -> bool:
    """Whether `value` meets `target` (on or beyond it in the good direction)."""
    if value is None or target is None:
        return False
    if definition.direction == Direction.HIGHER_IS_BETTER:
        return value >= target
    return value <= target
