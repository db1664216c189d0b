"""KPI facts in words for the pages: what an empty period means for a KPI ("no incidents
resolved"), and the data quality report as sentences with field labels ("253 incidents in
Mar 2012 – Dec 2013", "Resolved at filled for all of them") instead of keys and bare numbers.
"""

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from kaizen.kpis import series
from kaizen.kpis.models import period_after
from kaizen.kpis.quality import MIN_SAMPLE_SIZE
from kaizen.kpis.sources import column_label, is_database_source, rows_noun
from kaizen.kpis.spec import Aggregate, KPIDefinition

# How a period column places a row, as a verb after its noun ("incidents resolved"); other
# columns ending in "_at" read as their name ("cancelled_at": "cancelled").
PLACED_VERBS = {
    "first_responded_at": "responded to",
    "occurred_at": "",
    "approval_decided_at": "approved or rejected",
}
# More empty stretches than this are summed up rather than listed.
LISTED_STRETCHES = 3
VERDICTS = {
    "good": "Good",
    "fair": "Fair",
    "poor": "Poor",
    "no_data": "No data",
    "not_measurable": "Not measurable",
}


def singular(noun: str) -> str:
    if noun.endswith("ies"):
        return noun[:-3] + "y"
    return noun[:-1] if noun.endswith("s") else noun


def counted(count: int, noun: str) -> str:
    """ "253 incidents", "1 incident"."""
    return f"{count:,} {singular(noun) if count == 1 else noun}"


def what_counts(definition: KPIDefinition) -> str:
    """The rows a period of this KPI is made of: "incidents resolved", "incidents open"."""
    measure = definition.measure
    if measure is None:
        return "rows"
    noun = rows_noun(measure.source)
    if is_database_source(measure.source):
        return noun
    if measure.period_column is None:
        return f"{noun} open"
    column = measure.period_column
    verb = PLACED_VERBS.get(column)
    if verb is None:
        verb = column.removesuffix("_at").replace("_", " ") if column.endswith("_at") else ""
    return f"{noun} {verb}".strip()


def nothing_in(definition: KPIDefinition) -> str:
    """What an empty period of this KPI held: "no incidents resolved"."""
    if definition.measure is None:
        return "nothing measured"
    return f"no {what_counts(definition)}"


def stretches(starts: list[dt.date], kind: str) -> list[tuple[dt.date, dt.date]]:
    """Consecutive period starts as (first, last) runs: the folds the measurements table
    shows."""
    runs: list[list[dt.date]] = []
    for start in sorted(starts):
        if runs and period_after(runs[-1][-1], kind) == start:
            runs[-1].append(start)
        else:
            runs.append([start])
    return [(run[0], run[-1]) for run in runs]


@dataclass
class QualityPanel:
    verdict: str  # good, fair, poor, no_data, not_measurable
    label: str  # "Good"
    lines: list[str] = field(default_factory=list)


def quality_panel(report: dict[str, Any], definition: KPIDefinition, kind: str) -> QualityPanel:
    """kaizen.kpis.quality's report in sentences, over the range the page shows."""
    verdict = report["verdict"]
    panel = QualityPanel(verdict=verdict, label=VERDICTS.get(verdict, verdict.capitalize()))
    measure = definition.measure
    if measure is None:
        panel.lines.append(f"Not measurable: {definition.not_measurable_reason}")
        return panel
    noun = rows_noun(measure.source)
    total = report["rows_in_scope"]
    if report["first_period"] is None:
        panel.lines.append(f"No {what_counts(definition)} in this range.")
        return panel
    first = dt.date.fromisoformat(str(report["first_period"])[:10])
    last = dt.date.fromisoformat(str(report["last_period"])[:10])
    panel.lines.append(f"{counted(total, noun)} in {series.span_label(first, last, kind)}.")
    for item in report["required_fields"]:
        label = column_label(measure.source, item["field"])
        if not item["missing"]:
            panel.lines.append(f"{label} filled for all of them.")
        elif not item["filled"]:
            panel.lines.append(f"{label} filled for none of them.")
        else:
            panel.lines.append(
                f"{label} filled for {item['filled']:,} of them ({item['coverage_pct']:g} %), "
                f"missing for {item['missing']:,}."
            )
    empty = [dt.date.fromisoformat(str(start)[:10]) for start in report["empty_periods"]]
    runs = stretches(empty, kind)
    for run_first, run_last in runs[:LISTED_STRETCHES]:
        count = len(series.period_starts(run_first, run_last, kind))
        panel.lines.append(
            f"{nothing_in(definition).capitalize()} in "
            f"{series.span_label(run_first, run_last, kind)}"
            + (f" ({series.count_of(count, kind)})." if count > 1 else ".")
        )
    if len(runs) > LISTED_STRETCHES:
        rest = runs[LISTED_STRETCHES:]
        periods = sum(len(series.period_starts(a, b, kind)) for a, b in rest)
        panel.lines.append(
            f"And {series.count_of(periods, kind)} more without data in "
            f"{len(rest)} other stretch{'es' if len(rest) != 1 else ''}."
        )
    if measure.aggregate != Aggregate.COUNT and report["min_sample_size"] is not None:
        one, _ = series.PERIOD_NOUNS.get(kind, ("period", "periods"))
        low, median = report["min_sample_size"], report["median_sample_size"]
        high = max(item["n"] for item in report["sample_sizes"])
        spread = f"{low:,}" if low == high else f"{low:,} to {high:,}"
        panel.lines.append(f"Each {one}'s figure rests on {spread} values (median {median:g}).")
        small = [item for item in report["sample_sizes"] if 0 < item["n"] < MIN_SAMPLE_SIZE]
        if small:
            panel.lines.append(
                f"Fewer than {MIN_SAMPLE_SIZE} values behind the figure in "
                f"{series.count_of(len(small), kind)}: such a figure moves with chance as much "
                "as with performance."
            )
    return panel
