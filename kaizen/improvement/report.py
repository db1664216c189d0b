"""Step 6 ("Present and use"): the initiative report for decision makers, as plain data.

`build_report(initiative)` reads everything the report shows in a fixed number of queries
(however many KPIs, gaps, actions and decisions) and returns a `Report`: figures already
rounded and carrying their unit, charts already drawn (kaizen.analysis.charts). One
template (improvement/report_document.html) turns it into the web page, the shared page and
the PDF, so the three never differ.

Nothing here is specific to who reads it: people appear by name only (never an e-mail), and
there are no links into the application, so the same report can be shown through a shared
link to someone without an account.
"""

import datetime as dt
import math
from dataclasses import dataclass, field
from typing import Any

from django.db.models import OuterRef, Prefetch, Subquery, prefetch_related_objects
from django.utils import timezone

from kaizen.analysis.direction import Direction
from kaizen.improvement.analysis import BREAKDOWN_NOUNS
from kaizen.improvement.models import (
    Action,
    ActionStatus,
    Analysis,
    Baseline,
    DataAssessment,
    Decision,
    Evaluation,
    Gap,
    Goal,
    Initiative,
    InitiativeKPI,
    Step,
)
from kaizen.kpis.selectors import status_against

UNIT_SUFFIX = {"percent": " %", "hours": " h", "count": "", "number": "", "score": ""}
UNIT_NAMES = {"percent": "percent", "hours": "hours", "count": "count", "number": "number"}
DIRECTION_LABELS = {
    Direction.HIGHER_IS_BETTER: "Higher is better",
    Direction.LOWER_IS_BETTER: "Lower is better",
}
STATUS_LABELS = {
    "green": "On target",
    "amber": "Warning",
    "red": "Off target",
    "none": "No status",
}
PERIOD_NOUNS = {"day": "days", "week": "weeks", "month": "months"}
DECISION_OPTIONS = ("Implement corrective actions", "Keep measuring", "Stop the initiative")


# --- figures -------------------------------------------------------------------------------


def figure(
    value: float | None, unit: str = "", *, resolution: float | None = None, change: bool = False
) -> str:
    """A KPI figure for people: its unit attached, rounded to what it means.

    With a `resolution` (the spread that matters, e.g. a confidence interval's width) the
    figure keeps two significant digits of that spread: 21.17 ± 3 reads "21", 21.17 ± 0.4
    reads "21.2". Without one: about three significant digits, whole numbers from 100 up,
    thousands separated. None is an em dash. A `change` of a percentage is in percentage
    points ("+17 pp"), never to be read as a relative change."""
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "—"
    value = float(value)
    if resolution is not None and math.isfinite(resolution) and resolution > 0:
        decimals = min(max(1 - math.floor(math.log10(resolution)), 0), 4)
    elif value == 0 or value.is_integer() and unit == "count":
        decimals = 0
    else:
        magnitude = abs(value)
        decimals = 0 if magnitude >= 100 else 1 if magnitude >= 10 else 2 if magnitude >= 1 else 3
    text = f"{value:,.{decimals}f}"
    if decimals and "." in text and resolution is None:
        text = text.rstrip("0").rstrip(".")
    suffix = " pp" if change and unit == "percent" else UNIT_SUFFIX.get(unit, "")
    return text.replace("-", "\u2212") + suffix


def interval(
    low: float | None,
    high: float | None,
    unit: str = "",
    *,
    resolution: float | None = None,
    change: bool = False,
) -> str:
    """An interval with its unit once: "18.0–24.3 h", its ends rounded to two significant
    digits of `resolution` (by default its own width)."""
    if low is None or high is None:
        return "—"
    width = resolution or (high - low if high > low else None)
    separator = " to " if low < 0 or high < 0 else "\u2013"
    bare = figure(low, "", resolution=width) + separator + figure(high, "", resolution=width)
    return bare + (" pp" if change and unit == "percent" else UNIT_SUFFIX.get(unit, ""))


def period_label(start: Any, kind: str) -> str:
    """ "Week of 2 Mar 2026", "Mar 2026", "2 Mar 2026"."""
    if not start:
        return "—"
    day = start if isinstance(start, dt.date) else dt.date.fromisoformat(str(start)[:10])
    if kind == "month":
        return f"{day:%b %Y}"
    if kind == "week":
        return f"Week of {day:%-d %b %Y}"
    return f"{day:%-d %b %Y}"


def date_range(start: Any, end: Any) -> str:
    if not start and not end:
        return "—"

    def shown(value: Any) -> str:
        if not value:
            return "…"
        day = value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value)[:10])
        return f"{day:%-d %b %Y}"

    return f"{shown(start)} – {shown(end)}"


def person(user: Any) -> str:
    """A person's name for a report that may leave the organisation: the full name, else the
    user name without any e-mail domain."""
    if user is None:
        return "—"
    name = user.get_full_name() if hasattr(user, "get_full_name") else ""
    return name or str(getattr(user, "username", "")).split("@")[0] or "—"


# --- the report's parts --------------------------------------------------------------------


@dataclass
class Row:
    """A label and a value for the report's small property tables."""

    label: str
    value: str


@dataclass
class KPISection:
    key: str
    name: str
    description: str
    unit: str
    unit_name: str
    direction: str
    goal_chain: list[str]
    target: str
    warning: str
    status: str
    status_label: str
    actual: str
    actual_period: str
    baseline: list[Row]  # value, CI, period, version, source: empty when none recorded
    baseline_value: str
    baseline_note: str
    analysis: Analysis | None
    analysed: str  # when, by whom
    range: str
    change_on: dt.date | None
    explanation: str
    charts: list[Any]
    figures: list[Row]  # trend, control, before/after in figures
    cleaning: list[dict[str, str]]
    cleaning_note: str
    assessment: dict[str, Any] | None
    gaps: list[dict[str, str]]


@dataclass
class Report:
    initiative: Initiative
    reference: str
    title: str
    cycle: int
    owner: str
    status: str
    status_label: str
    step: int
    step_label: str
    priority: str
    process: str
    origin: str
    dates: list[Row]
    problem_statement: str
    justification: str
    expected_benefit: str
    goal_chains: list[list[str]]
    services: list[str]
    kpis: list[KPISection]
    assessment_at: dt.datetime | None
    unassigned_gaps: list[dict[str, str]]
    actions: list[dict[str, str]]
    evaluation: dict[str, Any] | None
    decisions: list[dict[str, Any]]
    decision_asked: bool
    decision_options: tuple[str, ...]
    summary: list[str]
    generated_at: dt.datetime
    provenance: list[dict[str, Any]] = field(default_factory=list)


def _goal_chain(goal: Goal | None) -> list[str]:
    """The goal and its parents up to the vision, vision first."""
    chain: list[str] = []
    seen = 0
    while goal is not None and seen < 8:
        chain.append(f"{goal.get_level_display()}: {goal.title}")
        goal = goal.parent
        seen += 1
    return chain[::-1]


GOAL_CHAIN = "parent__parent__parent"


def _definitions(keys: list[str]) -> dict[str, Any]:
    """KPI definitions by key, in at most one query (kaizen.kpis.library.kpis_by_key)."""
    from kaizen.kpis import library

    return library.kpis_by_key(keys)


def _load(initiative: Initiative) -> tuple[Initiative, dict[int, Analysis], Any]:
    """The initiative's report rows, prefetched onto it: a fixed number of queries."""
    kpis = InitiativeKPI.objects.select_related(f"goal__{GOAL_CHAIN}").prefetch_related(
        "cleaning_rules",
        Prefetch("baselines", queryset=Baseline.objects.select_related("recorded_by")),
    )
    prefetch_related_objects(
        [initiative],
        "services",
        Prefetch("goals", queryset=Goal.objects.select_related(GOAL_CHAIN)),
        Prefetch("kpis", queryset=kpis),
        Prefetch("gaps", queryset=Gap.objects.select_related("owner")),
        Prefetch("actions", queryset=Action.objects.select_related("owner")),
        Prefetch("decisions", queryset=Decision.objects.select_related("decided_by")),
    )
    latest = (
        Analysis.objects.filter(initiative_kpi=OuterRef("initiative_kpi"), purpose="analysis")
        .order_by("-computed_at", "-pk")
        .values("pk")[:1]
    )
    analyses = {
        analysis.initiative_kpi_id: analysis
        for analysis in Analysis.objects.filter(
            initiative_kpi__initiative=initiative, purpose="analysis", pk=Subquery(latest)
        ).select_related("computed_by")
    }
    assessment = DataAssessment.objects.filter(initiative=initiative).first()
    return initiative, analyses, assessment


def build_report(initiative: Initiative | int, *, charts: bool = True) -> Report:
    """The report of an initiative (or its pk; an instance should come with its owner).
    `charts=False` skips drawing them, for callers that only want the numbers."""
    if isinstance(initiative, int):
        initiative = Initiative.objects.select_related("owner").get(pk=initiative)
    initiative, analyses, assessment = _load(initiative)
    evaluation = (
        Evaluation.objects.filter(initiative=initiative).select_related("evaluated_by").first()
    )
    kpi_rows = list(initiative.kpis.all())
    definitions = _definitions([ikpi.kpi_key for ikpi in kpi_rows])
    assessed = {
        str(entry.get("kpi_key")): entry
        for entry in (assessment.results if assessment else [])
        if isinstance(entry, dict)
    }
    gaps_by_kpi: dict[str, list[dict[str, str]]] = {}
    for gap in initiative.gaps.all():
        gaps_by_kpi.setdefault(gap.kpi_key, []).append(_gap(gap))
    sections = [
        _kpi_section(
            ikpi,
            definitions.get(ikpi.kpi_key),
            analyses.get(ikpi.pk),
            assessed.get(ikpi.kpi_key),
            gaps_by_kpi.pop(ikpi.kpi_key, []),
            charts=charts,
        )
        for ikpi in kpi_rows
    ]
    units = {section.key: section.unit for section in sections}
    names = {section.key: section.name for section in sections}
    decisions = [
        {
            "decision": decision.get_decision_display(),
            "code": decision.decision,
            "cycle": decision.cycle,
            "by": person(decision.decided_by),
            "at": decision.decided_at,
            "rationale": decision.rationale,
        }
        for decision in initiative.decisions.all()
    ]
    dates = [
        Row("Raised", _day(initiative.created_at)),
        Row("Starts", _day(initiative.starts_on)),
        Row("Planned completion", _day(initiative.due_on)),
    ]
    if initiative.evaluation_starts_on:
        dates.append(
            Row(
                "Evaluation window",
                date_range(initiative.evaluation_starts_on, initiative.evaluation_ends_on),
            )
        )
    if initiative.closed_at:
        dates.append(Row("Closed", _day(initiative.closed_at)))
    return Report(
        initiative=initiative,
        reference=initiative.reference,
        title=initiative.title,
        cycle=initiative.cycle,
        owner=person(initiative.owner),
        status=initiative.status,
        status_label=initiative.get_status_display(),
        step=initiative.current_step,
        step_label=Step(initiative.current_step).label,
        priority=initiative.get_priority_display(),
        process=initiative.get_process_display(),
        origin=initiative.get_origin_display()
        + (f" ({initiative.origin_reference})" if initiative.origin_reference else ""),
        dates=dates,
        problem_statement=initiative.problem_statement,
        justification=initiative.justification,
        expected_benefit=initiative.expected_benefit,
        goal_chains=[_goal_chain(goal) for goal in initiative.goals.all()],
        services=[service.name for service in initiative.services.all()],
        kpis=sections,
        assessment_at=assessment.computed_at if assessment else None,
        unassigned_gaps=[gap for gaps in gaps_by_kpi.values() for gap in gaps],
        actions=[_action(action) for action in initiative.actions.all()],
        evaluation=_evaluation(evaluation, units, names) if evaluation else None,
        decisions=decisions,
        decision_asked=initiative.current_step == Step.PRESENT and initiative.is_open,
        decision_options=DECISION_OPTIONS,
        summary=[
            section.explanation
            if section.explanation.startswith(section.name)
            else f"{section.name}: {section.explanation}"
            for section in sections
            if section.explanation
        ],
        generated_at=timezone.now(),
        provenance=[
            {
                "kpi": section.name,
                "computed_at": section.analysis.computed_at,
                "synced_event_id": section.analysis.synced_event_id,
                "analysis_id": section.analysis.pk,
            }
            for section in sections
            if section.analysis is not None
        ],
    )


def _day(value: dt.date | dt.datetime | None) -> str:
    if value is None:
        return "—"
    if isinstance(value, dt.datetime):
        value = timezone.localtime(value).date() if timezone.is_aware(value) else value.date()
    return f"{value:%-d %b %Y}"


def _gap(gap: Gap) -> dict[str, str]:
    return {
        "kpi_key": gap.kpi_key,
        "description": gap.description,
        "action": gap.action,
        "owner": person(gap.owner) if gap.owner else "",
        "status": gap.get_status_display(),
        "code": gap.status,
        "still_present": "yes" if gap.still_present else "no longer found",
    }


def _action(action: Action) -> dict[str, str]:
    today = timezone.localdate()
    if action.on_time is True:
        timing = "on time"
    elif action.on_time is False and action.done_on is not None:
        timing = f"late ({(action.done_on - action.due_on).days} days)"
    elif action.is_overdue(today):
        timing = f"overdue by {(today - action.due_on).days} days"
    elif action.status == ActionStatus.CANCELLED:
        timing = "—"
    else:
        timing = "not due yet"
    return {
        "title": action.title,
        "owner": person(action.owner),
        "due": _day(action.due_on),
        "status": action.get_status_display(),
        "code": action.status,
        "done": _day(action.done_on) if action.done_on else "",
        "timing": timing,
        "late": "yes" if action.on_time is False or action.is_overdue(today) else "",
        "change_reference": action.change_reference,
    }


def _evaluation(evaluation: Evaluation, units: dict[str, str], names: dict[str, str]):
    rows = []
    for entry in evaluation.results or []:
        if not isinstance(entry, dict):
            continue
        key = str(entry.get("kpi_key", ""))
        unit = units.get(key, "")
        baseline = entry.get("baseline")
        if isinstance(baseline, dict):
            baseline = baseline.get("value", baseline.get("mean"))
        rows.append(
            {
                "kpi": names.get(key, key),
                "baseline": figure(baseline, unit) if isinstance(baseline, int | float) else "—",
                "value": figure(entry.get("value"), unit),
                "target": figure(entry.get("target"), unit),
                "met": {True: "yes", False: "no"}.get(entry.get("met"), "—"),
                "explanation": str(entry.get("explanation") or ""),
            }
        )
    return {
        "cycle": evaluation.cycle,
        "at": evaluation.evaluated_at,
        "by": person(evaluation.evaluated_by) if evaluation.evaluated_by else "the system",
        "window": date_range(evaluation.window_start, evaluation.window_end),
        "target_met": evaluation.target_met,
        "baseline_adopted": evaluation.baseline_adopted,
        "rows": rows,
    }


def _kpi_section(
    ikpi: InitiativeKPI,
    definition: Any,
    analysis: Analysis | None,
    assessment: dict[str, Any] | None,
    gaps: list[dict[str, str]],
    *,
    charts: bool,
) -> KPISection:
    result: dict[str, Any] = (
        analysis.result if analysis and isinstance(analysis.result, dict) else {}
    )
    about = result.get("kpi") or {}
    unit = str(about.get("unit") or (definition.unit.value if definition else ""))
    direction = str(about.get("direction") or (definition.direction.value if definition else ""))
    name = str(about.get("name") or (definition.name if definition else ikpi.kpi_key))
    period_kind = str(result.get("period_kind") or ikpi.period_kind)

    actual = result.get("actual") or {}
    actual_value = actual.get("value")
    status = (
        str(status_against(actual_value, ikpi.target, ikpi.warning, direction))
        if analysis
        else "none"
    )

    recorded = next(iter(sorted(ikpi.baselines.all(), key=lambda b: -b.version)), None)
    computed = result.get("baseline") or {}
    baseline_rows, baseline_value, baseline_note = _baseline(recorded, computed, unit, period_kind)

    figures: list[Row] = []
    if analysis:
        figures = _figures(result, unit, period_kind)

    rules = {rule.pk: rule for rule in ikpi.cleaning_rules.all()}
    cleaning: list[dict[str, str]] = []
    if analysis:
        for entry in result.get("cleaning") or []:
            rule = rules.get(entry.get("id"))
            excluded, before = entry.get("rows_excluded"), entry.get("rows_before")
            share = ""
            if isinstance(excluded, int) and isinstance(before, int) and before:
                share = f"{100 * excluded / before:.1f} % of {before:,} rows"
            cleaning.append(
                {
                    "description": str(entry.get("description") or (rule and str(rule)) or ""),
                    "reason": str(entry.get("reason") or (rule.reason if rule else "")),
                    "share": share,
                }
            )
        note = "" if cleaning else "None: the figures are the data as recorded."
    else:
        cleaning = [
            {"description": str(rule), "reason": rule.reason, "share": ""}
            for rule in rules.values()
        ]
        note = "Recorded, not applied yet: the KPI has not been analysed." if cleaning else ""

    drawn: list[Any] = []
    if analysis and charts:
        from kaizen.analysis import charts as charting

        dimension = str((result.get("pareto") or {}).get("dimension") or ikpi.breakdown)
        noun = BREAKDOWN_NOUNS.get(dimension, ("category", "categories"))
        drawn = charting.charts_for(result, prefix=f"kpi{ikpi.pk}", noun=noun)

    return KPISection(
        key=ikpi.kpi_key,
        name=name,
        description=definition.description if definition else "",
        unit=unit,
        unit_name=UNIT_NAMES.get(unit, unit),
        direction=DIRECTION_LABELS.get(direction, ""),
        goal_chain=_goal_chain(ikpi.goal),
        target=figure(ikpi.target, unit),
        warning=figure(ikpi.warning, unit) if ikpi.warning is not None else "",
        status=status,
        status_label=STATUS_LABELS[status],
        actual=figure(actual_value, unit),
        actual_period=period_label(actual.get("period"), period_kind) if actual else "",
        baseline=baseline_rows,
        baseline_value=baseline_value,
        baseline_note=baseline_note,
        analysis=analysis,
        analysed=(
            f"{_day(analysis.computed_at)} by {person(analysis.computed_by)}"
            if analysis and analysis.computed_by
            else (_day(analysis.computed_at) if analysis else "")
        ),
        range=date_range(
            (result.get("range") or {}).get("start") or (analysis and analysis.range_start),
            (result.get("range") or {}).get("end") or (analysis and analysis.range_end),
        )
        if analysis
        else "",
        change_on=analysis.change_on if analysis else ikpi.change_on,
        explanation=str(result.get("explanation") or ""),
        charts=drawn,
        figures=figures,
        cleaning=cleaning,
        cleaning_note=note,
        assessment=_assessment(assessment, unit) if assessment else None,
        gaps=gaps,
    )


def _baseline(
    recorded: Baseline | None, computed: dict[str, Any], unit: str, period_kind: str
) -> tuple[list[Row], str, str]:
    if recorded is not None:
        width = (
            recorded.ci_high - recorded.ci_low
            if recorded.ci_low is not None and recorded.ci_high is not None
            else None
        )
        value = figure(recorded.value, unit, resolution=width)
        nouns = PERIOD_NOUNS.get(recorded.period_kind, "periods")
        rows = [
            Row("Value", value),
            Row("95 % confidence interval", interval(recorded.ci_low, recorded.ci_high, unit)),
            Row(
                "Period",
                f"{date_range(recorded.starts_on, recorded.ends_on)} ({recorded.n} {nouns})",
            ),
            Row("Version", f"v{recorded.version}, {recorded.get_source_display().lower()}"),
        ]
        return rows, value, ""
    if computed.get("mean") is not None:
        width = (
            computed["ci_high"] - computed["ci_low"]
            if computed.get("ci_low") is not None and computed.get("ci_high") is not None
            else None
        )
        value = figure(computed["mean"], unit, resolution=width)
        nouns = PERIOD_NOUNS.get(period_kind, "periods")
        rows = [
            Row("Value", value),
            Row(
                "95 % confidence interval",
                interval(computed.get("ci_low"), computed.get("ci_high"), unit),
            ),
            Row(
                "Period",
                f"{date_range(computed.get('start'), computed.get('end'))} "
                f"({computed.get('n', 0)} {nouns})",
            ),
        ]
        return rows, value, "Computed by the analysis, not recorded as a baseline yet."
    return [], "—", "No baseline yet."


def _figures(result: dict[str, Any], unit: str, period_kind: str) -> list[Row]:
    """The analysis in a few figures, each with its unit: trend, control, before/after."""
    rows: list[Row] = []
    period = {"day": "day", "week": "week", "month": "month"}.get(period_kind, "period")
    trend = result.get("trend") or {}
    if trend.get("slope") is not None:
        width = (
            trend["slope_high"] - trend["slope_low"]
            if trend.get("slope_low") is not None and trend.get("slope_high") is not None
            else None
        )
        slope = figure(trend["slope"], unit, resolution=width, change=True)
        verdict = str(trend.get("verdict") or "")
        rows.append(Row("Trend", f"{slope} per {period} ({verdict}, {_p(trend.get('p_value'))})"))
    chart = result.get("control_chart") or {}
    if chart.get("centre") is not None:
        signals = chart.get("signals") or []
        adverse = sum(1 for signal in signals if signal.get("adverse"))
        state = "in control" if not signals else f"{len(signals)} signals, {adverse} adverse"
        sigma = chart.get("sigma") or None
        rows.append(
            Row(
                "Control limits",
                f"{interval(chart.get('lcl'), chart.get('ucl'), unit, resolution=sigma)}, centre "
                f"{figure(chart['centre'], unit, resolution=sigma)} ({state})",
            )
        )
    comparison = result.get("before_after") or {}
    if comparison.get("median_before") is not None and comparison.get("median_after") is not None:
        width = (
            comparison["ci_high"] - comparison["ci_low"]
            if comparison.get("ci_low") is not None and comparison.get("ci_high") is not None
            else None
        )
        change = comparison.get("difference")
        text = (
            f"median {figure(comparison['median_before'], unit, resolution=width)} → "
            f"{figure(comparison['median_after'], unit, resolution=width)}"
        )
        if change is not None:
            moved = figure(change, unit, resolution=width, change=True)
            text += f" ({'+' if change > 0 else ''}{moved}"
            if width is not None:
                ends = comparison["ci_low"], comparison["ci_high"]
                text += f", 95 % CI {interval(*ends, unit, change=True)}"
            text += ")"
        outcome = comparison.get("outcome")
        if outcome:
            text += f": {outcome}, {_p(comparison.get('p_value'))}"
        rows.append(Row("Before / after", text))
    pareto = result.get("pareto") or {}
    vital = [item["label"] for item in pareto.get("items") or [] if item.get("vital_few")]
    if vital:
        share = max(item["cumulative_share"] for item in pareto["items"] if item.get("vital_few"))
        dimension = str(pareto.get("dimension") or "contributor").replace("_", " ")
        shown = ", ".join(str(label) or "(not set)" for label in vital[:5])
        if len(vital) > 5:
            shown += f" and {len(vital) - 5} more"
        rows.append(Row(f"Vital few by {dimension}", f"{shown} ({share * 100:.0f} % of the total)"))
    return rows


def _p(p_value: float | None) -> str:
    if p_value is None:
        return "p n/a"
    if p_value < 0.001:
        return "p < 0.001"
    return f"p = {p_value:.2g}"


def _assessment(entry: dict[str, Any], unit: str) -> dict[str, Any]:
    """The latest data assessment of one KPI, as label/value rows."""
    rows: list[Row] = []
    measurable = entry.get("measurable")
    if measurable is not None:
        rows.append(Row("Measurable", "yes" if measurable else f"no: {entry.get('reason') or ''}"))
    if entry.get("verdict"):
        rows.append(Row("Verdict", str(entry["verdict"]).replace("_", " ")))
    if entry.get("rows_in_scope") is not None:
        rows.append(Row("Records in scope", f"{entry['rows_in_scope']:,}"))
    if entry.get("first_period") or entry.get("last_period"):
        rows.append(
            Row("Data covers", date_range(entry.get("first_period"), entry.get("last_period")))
        )
    sizes = [
        f"{label} {entry[key]:,}"
        for key, label in (("min_sample_size", "min"), ("median_sample_size", "median"))
        if isinstance(entry.get(key), int | float)
    ]
    if sizes:
        rows.append(Row("Records per period", ", ".join(sizes)))
    empty = entry.get("empty_periods")
    if isinstance(empty, list):
        rows.append(Row("Empty periods", str(len(empty)) if empty else "none"))
    elif isinstance(empty, int):
        rows.append(Row("Empty periods", str(empty)))
    coverage = [
        f"{item['field']} {item['coverage_pct']:.0f} %"
        for item in entry.get("coverage") or []
        if isinstance(item, dict) and isinstance(item.get("coverage_pct"), int | float)
    ]
    if coverage:
        rows.append(Row("Fields filled in", ", ".join(coverage)))
    issues = [str(issue) for issue in entry.get("issues") or [] if issue]
    return {"rows": rows, "issues": issues}
