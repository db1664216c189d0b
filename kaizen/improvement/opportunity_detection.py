"""Improvement opportunities the measurements suggest: the detectors a scheduled scan runs.

`detect_opportunities()` looks at the figures Kaizen already has and proposes what deserves an
improvement initiative, each a `Finding` with its evidence (the figure, its period range, the
numbers behind its chart and a plain-words summary). It reads only; the scan that records the
findings is `do_scan_opportunities()` (kaizen.improvement.services.opportunities): a re-scan
updates the same row (its fingerprint is kind + KPI + dimension + value), a dismissed one stays
dismissed unless its evidence grows well past what it was when dismissed.

The kinds, and the strength each is ranked and compared by (a larger number is stronger
evidence, so the 1.25x rule for dismissed opportunities means "clearly more of it"):

- adverse_trend: each measurable library KPI's stored monthly series (no breakdown) over the
  last TREND_MONTHS complete months, with at least TREND_MIN_PERIODS measured; a significant
  Mann-Kendall trend (stats.trend) in the bad direction. Strength = |tau| x measured periods:
  tau alone is a correlation (it does not grow with more months of the same drift) and the
  relative slope depends on the unit and on how close to zero the KPI sits; |tau| x n grows
  both when the drift gets more consistent and when it lasts longer.
- control_signal: the stored weekly series of the same KPIs, the last CONTROL_WEEKS complete
  weeks, with the control limits set on the weeks before the last RECENT_POINTS (the process
  as it was) so a recent shift cannot widen its own limits; an adverse run-rule signal
  (stats.control_chart) touching one of the last RECENT_POINTS points. Strength = the adverse
  hits among those points, a point counting once per rule that flags it: a point beyond 3
  sigma is usually also in a 2-of-3 and a 4-of-5 signal, so a larger or longer excursion
  scores more.
- sla_hotspot: incident.sla_met_pct by service, by team and by category over the last
  SLA_MONTHS complete months, computed by the engine over exactly that window (one figure
  per value, not an average of monthly ones); a value below the KPI's warning threshold with
  at least SLA_MIN_INCIDENTS measured incidents. Top SLA_HOTSPOTS per dimension by breaches.
  Strength = breaches = n x (100 - value) / 100, the incidents that missed their target.
- recurring_incidents: incidents opened in the last RECURRING_DAYS days in the analytics
  store, grouped by configuration item and by (category, subcategory), both set; a group of
  at least RECURRING_MIN incidents that no problem record explains: the incidents linked to a
  problem (kaizen.problems.models.LinkedIncident) are left out of the counts, the weekly series
  and the breakdown (the engine reads a view of the facts without them). The
  RECURRING_PER_GROUPING largest groups of each grouping are kept, so a busy service desk is
  not flooded with a hundred of them. Strength =
  the number of incidents.
- change_incidents: the share of implemented changes that caused an incident
  (change.caused_incidents_pct) by service, by standard change template and by team, over
  the last CHANGE_RECENT_DAYS days, against the same group's usual rate over the
  CHANGE_BASELINE_DAYS before (or, for a group with fewer than CHANGE_MIN_CHANGES changes
  then, every group's rate then): a group with at least CHANGE_MIN_CHANGES implemented
  changes, CHANGE_MIN_CAUSING of them causing incidents, and a rate above its usual one.
  Strength = the changes causing incidents beyond what the usual rate expects,
  causing - n x usual / 100.
- satisfaction_drop: Kaizen sends no satisfaction surveys yet; the scan reports the kind as not
  available, with the reason, and proposes nothing.

Trends and control signals leave out the improvement process's own KPIs (`improvement.*`, the
register's rows): fewer open initiatives or a late corrective action is the register's
business, read on its own pages, not a service problem to open an initiative about.

Stored series are read, not recomputed: the hourly KPI collection keeps them current. Hot
spots and recurring incidents are computed by the engine over the analytics store.
"""

import datetime as dt
import hashlib
import logging
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from kaizen.analysis import stats
from kaizen.improvement.models import OpportunityKind
from kaizen.kpis.models import Measurement, PeriodKind, period_floor, period_step_back
from kaizen.kpis.selectors import kpi_status
from kaizen.kpis.spec import Direction, KPIDefinition, Source

logger = logging.getLogger(__name__)

TREND_MONTHS = 18
TREND_MIN_PERIODS = 12
CONTROL_WEEKS = 26
CONTROL_MIN_POINTS = 12
RECENT_POINTS = 8
SLA_KPI = "incident.sla_met_pct"
SLA_MONTHS = 3
SLA_DIMENSIONS = ("service", "team", "category")
SLA_MIN_INCIDENTS = 20
SLA_HOTSPOTS = 5
SLA_BREAKDOWN_SHOWN = 15
IMPROVEMENT_PROCESS = "improvement"
VOLUME_KPI = "incident.opened"
RECURRING_DAYS = 90
RECURRING_MIN = 5
RECURRING_PER_GROUPING = 10
# How the incident facts name a subcategory under its parent (analytics/families/incidents.py).
CHANGE_KPI = "change.caused_incidents_pct"
CHANGE_DIMENSIONS = ("service", "template", "team")
CHANGE_RECENT_DAYS = 90
CHANGE_BASELINE_DAYS = 365
CHANGE_MIN_CHANGES = 5
CHANGE_MIN_CAUSING = 2
SUBCATEGORY_SEPARATOR = " › "

UNEXPLAINED = (
    "Only incidents not linked to a problem record are counted: those a problem explains are "
    "being investigated already. Problem candidates (found nightly from the same incidents) "
    "test whether a rate is above its usual and group similar descriptions."
)
NO_SURVEYS = (
    "Kaizen has no satisfaction surveys yet (satisfaction.csat_mean is not measurable), so "
    "there is no satisfaction score whose drop could be detected."
)


@dataclass
class Finding:
    """One opportunity as the scan sees it, before it is recorded."""

    kind: str
    title: str
    summary: str
    strength: float
    evidence: dict[str, Any]
    kpi_key: str = ""
    dimension: str = ""
    dimension_value: str = ""

    @property
    def fingerprint(self) -> str:
        return fingerprint(self.kind, self.kpi_key, self.dimension, self.dimension_value)


def fingerprint(kind: str, kpi_key: str, dimension: str, value: str) -> str:
    """kind + KPI + dimension + value, the identity of an opportunity across scans (a long
    value is shortened with a hash of the whole, so the key stays unique and within 300)."""
    text = f"{kind}|{kpi_key}|{dimension}|{value}"
    if len(text) <= 300:
        return text
    digest = hashlib.sha256(text.encode()).hexdigest()[:16]
    return f"{text[:280]}~{digest}"


@dataclass
class Detected:
    """What one look at the figures found: the findings, the kinds it could not look for
    (with the reason) and notes on the kinds it did look for."""

    findings: list[Finding] = field(default_factory=list)
    skipped: dict[str, str] = field(default_factory=dict)
    notes: dict[str, str] = field(default_factory=dict)


# -- the scan -------------------------------------------------------------------------------


def detect_opportunities(today: dt.date) -> Detected:
    """Look for every kind of opportunity as of `today`. A kind that cannot be looked for (no
    surveys; the analytics store not readable) is reported in `skipped` with the reason; the
    other kinds still run."""
    detected = Detected()
    detectors = (
        (OpportunityKind.ADVERSE_TREND, adverse_trends),
        (OpportunityKind.CONTROL_SIGNAL, control_signals),
        (OpportunityKind.SLA_HOTSPOT, sla_hotspots),
        (OpportunityKind.RECURRING_INCIDENTS, recurring_incidents),
        (OpportunityKind.CHANGES_CAUSING_INCIDENTS, changes_causing_incidents),
    )
    for kind, detect in detectors:
        try:
            detected.findings += detect(today)
        except Exception as error:  # one kind failing (say, the store locked) spares the rest
            logger.exception("opportunity scan: %s failed", kind)
            detected.skipped[str(kind)] = f"could not be computed: {error}"
    detected.skipped[str(OpportunityKind.SATISFACTION_DROP)] = f"not available: {NO_SURVEYS}"
    detected.notes[str(OpportunityKind.RECURRING_INCIDENTS)] = UNEXPLAINED
    return detected


def measurable_library_kpis() -> list[KPIDefinition]:
    """The shipped KPIs that are measured and have a good direction, but for the improvement
    process's own (see the module docstring)."""
    from kaizen.kpis import library

    return [
        definition
        for definition in library.library()
        if definition.measurable
        and definition.direction != Direction.NEUTRAL
        and not is_register_kpi(definition)
    ]


def is_register_kpi(definition: KPIDefinition) -> bool:
    """One of the improvement process's own KPIs: counted from the register's rows."""
    source = definition.measure.source if definition.measure is not None else None
    return (
        definition.process == IMPROVEMENT_PROCESS
        or definition.key.startswith(f"{IMPROVEMENT_PROCESS}.")
        or source == Source.IMPROVEMENT
    )


def _figure(definition: KPIDefinition, value: float | None, **extra: Any) -> dict[str, Any]:
    return {
        "kpi": definition.key,
        "name": definition.name,
        "unit": str(definition.unit),
        "direction": str(definition.direction),
        "target": definition.thresholds.target,
        "warning": definition.thresholds.warning,
        "value": value,
        "status": str(kpi_status(definition, value)),
        **extra,
    }


def _months_back(month: dt.date, count: int) -> dt.date:
    for _ in range(count):
        month = period_step_back(month, PeriodKind.MONTH)
    return month


def _stored_window(
    keys: list[str], kind: str, start: dt.date, end: dt.date
) -> dict[str, dict[dt.date, Measurement]]:
    """The stored overall measurements of many KPIs in [start, end), one query."""
    stored = Measurement.objects.filter(
        kpi_key__in=keys,
        period_kind=kind,
        dimension="",
        period_start__gte=start,
        period_start__lt=end,
    ).order_by("kpi_key", "period_start")
    by_key: dict[str, dict[dt.date, Measurement]] = defaultdict(dict)
    for measurement in stored:
        by_key[measurement.kpi_key][measurement.period_start] = measurement
    return by_key


def _periods(start: dt.date, end: dt.date, kind: str) -> list[dt.date]:
    """Every period start in [start, end), oldest first."""
    starts, current = [], period_floor(end, kind)
    while True:
        current = period_step_back(current, kind)
        if current < start:
            break
        starts.append(current)
    return starts[::-1]


def _series_from(
    periods: list[dt.date], stored: dict[dt.date, Measurement]
) -> tuple[list[dt.date], list[dict[str, Any]]]:
    """The periods from the first measured one on, each with its stored value or None: the
    gaps keep their place, so stats count periods, not measurements."""
    measured = [p for p in periods if p in stored and stored[p].value is not None]
    if not measured:
        return [], []
    kept = [p for p in periods if p >= measured[0]]
    rows = [
        {
            "period": p.isoformat(),
            "value": stored[p].value if p in stored else None,
            "n": stored[p].n if p in stored else 0,
        }
        for p in kept
    ]
    return kept, rows


def adverse_trends(today: dt.date) -> list[Finding]:
    """Significant trends in the bad direction of each KPI's monthly series."""
    definitions = measurable_library_kpis()
    end = period_floor(today, PeriodKind.MONTH)  # the current month is not complete
    start = _months_back(end, TREND_MONTHS)
    stored = _stored_window([d.key for d in definitions], PeriodKind.MONTH, start, end)
    months = _periods(start, end, PeriodKind.MONTH)
    findings = []
    for definition in definitions:
        kept, series = _series_from(months, stored.get(definition.key, {}))
        values = [row["value"] for row in series]
        measured = sum(1 for value in values if value is not None)
        if measured < TREND_MIN_PERIODS:
            continue
        result = stats.trend(values, direction=definition.direction)
        if result["verdict"] != "worsening" or result["tau"] is None:
            continue
        strength = round(abs(result["tau"]) * measured, 4)
        latest = next(row for row in reversed(series) if row["value"] is not None)
        movement = result["movement"]
        summary = (
            f"{definition.name} has been {movement} month after month, the wrong way for a KPI "
            f"where {'higher' if definition.direction == Direction.HIGHER_IS_BETTER else 'lower'}"
            f" is better. {result['explanation']} Latest month: "
            f"{_fmt(latest['value'], definition)}"
            f"{_target_words(definition)}."
        )
        findings.append(
            Finding(
                kind=OpportunityKind.ADVERSE_TREND,
                kpi_key=definition.key,
                title=f"{definition.name}: {movement} trend over {measured} months",
                summary=summary,
                strength=strength,
                evidence={
                    "figure": _figure(definition, latest["value"], period=latest["period"]),
                    "range": _range(kept, PeriodKind.MONTH),
                    "period_kind": PeriodKind.MONTH.value,
                    "series": series,
                    "trend": result,
                    "strength_formula": "|tau| x measured periods",
                    "summary": summary,
                },
            )
        )
    return findings


def _adverse_hits(chart: dict[str, Any], recent_from: int) -> tuple[int, list[dict[str, Any]]]:
    """Adverse signals touching the points from position `recent_from` on, and the hits among
    those points (a point counted once per rule of an adverse signal that involves it)."""
    signals = [
        signal
        for signal in chart["signals"]
        if signal["adverse"] and signal["last_index"] >= recent_from
    ]
    hits = 0
    for signal in signals:
        for point in chart["points"]:
            if (
                max(signal["first_index"], recent_from) <= point["index"] <= signal["last_index"]
                and signal["rule"] in point["signals"]
            ):
                hits += 1
    return hits, signals


def control_signals(today: dt.date) -> list[Finding]:
    """Adverse special-cause signals among the last weeks of each KPI's weekly series."""
    definitions = measurable_library_kpis()
    end = period_floor(today, PeriodKind.WEEK)  # this week is not complete
    start = end - dt.timedelta(weeks=CONTROL_WEEKS)
    stored = _stored_window([d.key for d in definitions], PeriodKind.WEEK, start, end)
    weeks = _periods(start, end, PeriodKind.WEEK)
    findings = []
    for definition in definitions:
        kept, series = _series_from(weeks, stored.get(definition.key, {}))
        values = [row["value"] for row in series]
        positions = [index for index, value in enumerate(values) if value is not None]
        if len(positions) < CONTROL_MIN_POINTS:
            continue
        recent_from = positions[-RECENT_POINTS]
        chart = stats.control_chart(
            values,
            labels=[row["period"] for row in series],
            direction=definition.direction,
            limits_from=recent_from,
        )
        hits, signals = _adverse_hits(chart, recent_from)
        if not signals:
            continue
        latest = series[positions[-1]]
        descriptions = "; ".join(
            f"{signal['description'].lower()} ({_span_words(signal)})" for signal in signals
        )
        summary = (
            f"{definition.name} has moved away from how it was: against control limits set on "
            f"the {recent_from} weeks before, the last {RECENT_POINTS} weeks show "
            f"{len(signals)} adverse signal{'s' if len(signals) != 1 else ''}: {descriptions}. "
            f"Latest week: {_fmt(latest['value'], definition)}{_target_words(definition)}."
        )
        findings.append(
            Finding(
                kind=OpportunityKind.CONTROL_SIGNAL,
                kpi_key=definition.key,
                title=f"{definition.name}: special-cause signal in the last {RECENT_POINTS} weeks",
                summary=summary,
                strength=float(hits),
                evidence={
                    "figure": _figure(definition, latest["value"], period=latest["period"]),
                    "range": _range(kept, PeriodKind.WEEK),
                    "period_kind": PeriodKind.WEEK.value,
                    "series": series,
                    "control_chart": chart,
                    "signals": signals,
                    "recent_from": recent_from,
                    "strength_formula": (
                        f"adverse run-rule hits among the last {RECENT_POINTS} points"
                    ),
                    "summary": summary,
                },
            )
        )
    return findings


def _window_months(today: dt.date, months: int) -> tuple[dt.date, dt.date]:
    end = period_floor(today, PeriodKind.MONTH)
    return _months_back(end, months), end


def sla_hotspots(today: dt.date) -> list[Finding]:
    """Services, teams and categories whose SLA attainment over the last complete months is
    below the warning threshold, the most breaches first."""
    from kaizen.kpis import engine
    from kaizen.kpis.library import get_kpi

    definition = get_kpi(SLA_KPI)
    warning = definition.thresholds.warning
    if warning is None:
        return []
    start, end = _window_months(today, SLA_MONTHS)
    window = {"start": start.isoformat(), "end": (end - dt.timedelta(days=1)).isoformat()}
    findings = []
    for dimension in SLA_DIMENSIONS:
        overall = engine.compute(definition, period="all", by=[dimension], start=start, end=end)
        monthly = engine.compute(definition, period="month", by=[dimension], start=start, end=end)
        rows = []
        for row in overall.rows:
            value, n = row["value"], row["n"]
            if row[dimension] is None or value is None:
                continue
            breaches = round(n * (100.0 - value) / 100.0, 2)  # a count, up to float error
            rows.append(
                {"value": str(row[dimension]), "figure": value, "n": n, "breaches": breaches}
            )
        rows.sort(key=lambda item: (-item["breaches"], item["value"]))
        hot = [item for item in rows if item["figure"] < warning and item["n"] >= SLA_MIN_INCIDENTS]
        for rank, item in enumerate(hot[:SLA_HOTSPOTS], start=1):
            name = item["value"]
            series = [
                {"period": str(r["period"]), "value": r["value"], "n": r["n"]}
                for r in monthly.rows
                if r[dimension] is not None and str(r[dimension]) == name
            ]
            breaches = round(item["breaches"], 2)
            summary = (
                f"{dimension.capitalize()} {name}: {_fmt(item['figure'], definition)} of its "
                f"{item['n']} resolved incidents met their SLA from {window['start']} to "
                f"{window['end']}, below the {_fmt(warning, definition)} warning threshold "
                f"(target {_fmt(definition.thresholds.target, definition)}): "
                f"{breaches:g} breaches, {_rank_words(rank)} of any {dimension}."
            )
            shown = rows[:SLA_BREAKDOWN_SHOWN]
            if item not in shown:
                shown = [*shown, item]
            findings.append(
                Finding(
                    kind=OpportunityKind.SLA_HOTSPOT,
                    kpi_key=SLA_KPI,
                    dimension=dimension,
                    dimension_value=name,
                    title=f"SLA breaches: {dimension} {name} at {_fmt(item['figure'], definition)}",
                    summary=summary,
                    strength=breaches,
                    evidence={
                        "figure": _figure(
                            definition, item["figure"], n=item["n"], breaches=breaches
                        ),
                        "range": window,
                        "period_kind": PeriodKind.MONTH.value,  # of the series; figure: all
                        "dimension": dimension,
                        "breakdown": shown,
                        "series": series,
                        "rank": rank,
                        "strength_formula": "breaches = n x (100 - value) / 100",
                        "summary": summary,
                    },
                )
            )
    return findings


def recurring_incidents(today: dt.date) -> list[Finding]:
    """Configuration items and (category, subcategory) pairs with many incidents lately."""
    from kaizen.kpis import engine
    from kaizen.kpis.library import get_kpi

    definition = get_kpi(VOLUME_KPI)
    start = today - dt.timedelta(days=RECURRING_DAYS)
    end = today + dt.timedelta(days=1)
    with unexplained_incident_facts() as connection:
        return _recurring_groups(engine, definition, start, end, today, connection)


@contextmanager
def unexplained_incident_facts() -> Iterator[Any]:
    """A read connection to the analytics store whose `incident_facts` leaves out the
    incidents linked to a problem (a temporary view over the stored table, which the KPI
    engine reads by that name)."""
    import pyarrow as pa

    from kaizen.analytics.store import connect
    from kaizen.problems.models import LinkedIncident

    numbers = list(LinkedIncident.objects.values_list("incident_number", flat=True).distinct())
    with connect(read_only=True) as connection:
        connection.execute("SET enable_progress_bar = false")
        [(database,)] = connection.execute("SELECT current_database()").fetchall()
        connection.register(
            "linked_to_problems", pa.table({"number": pa.array(numbers, pa.string())})
        )
        connection.execute(
            "CREATE TEMP VIEW incident_facts AS SELECT * FROM "
            f'"{database}".main.incident_facts AS facts WHERE facts.number IS NULL OR '
            "facts.number NOT IN (SELECT number FROM linked_to_problems)"
        )
        yield connection


def _recurring_groups(
    engine: Any,
    definition: KPIDefinition,
    start: dt.date,
    end: dt.date,
    today: dt.date,
    connection: Any,
) -> list[Finding]:
    window = {"start": start.isoformat(), "end": today.isoformat()}
    findings = []
    for grouping in (("ci",), ("category", "subcategory")):
        overall = engine.compute(
            definition, period="all", by=grouping, start=start, end=end, connection=connection
        )
        groups = [
            row
            for row in overall.rows
            if all(row[name] is not None for name in grouping) and row["n"] >= RECURRING_MIN
        ]
        groups.sort(key=lambda row: (-row["n"], [str(row[name]) for name in grouping]))
        groups = groups[:RECURRING_PER_GROUPING]
        if not groups:
            continue
        weekly = engine.compute(
            definition, period="week", by=grouping, start=start, end=end, connection=connection
        )
        by_service = engine.compute(
            definition,
            period="all",
            by=(*grouping, "service"),
            start=start,
            end=end,
            connection=connection,
        )
        for row in groups:
            key = tuple(row[name] for name in grouping)
            label = " / ".join(str(value) for value in key)  # the identity: both values
            dimension = ",".join(grouping)
            series = [
                {"period": str(r["period"]), "value": r["value"] or 0.0, "n": r["n"]}
                for r in weekly.rows
                if tuple(r[name] for name in grouping) == key
            ]
            services = sorted(
                (
                    {"value": "" if r["service"] is None else str(r["service"]), "count": r["n"]}
                    for r in by_service.rows
                    if tuple(r[name] for name in grouping) == key and r["n"]
                ),
                key=lambda item: (-item["count"], item["value"]),
            )
            what = group_words(grouping, key)
            summary = (
                f"{row['n']} incidents were opened on {what} in the last "
                f"{RECURRING_DAYS} days ({window['start']} to {window['end']}) that no problem "
                f"record explains: a recurring failure worth a problem investigation. "
                f"{UNEXPLAINED}"
            )
            findings.append(
                Finding(
                    kind=OpportunityKind.RECURRING_INCIDENTS,
                    kpi_key=VOLUME_KPI,
                    dimension=dimension,
                    dimension_value=label,
                    title=f"Recurring incidents: {row['n']} on {what}",
                    summary=summary,
                    strength=float(row["n"]),
                    evidence={
                        "figure": {
                            "kpi": VOLUME_KPI,
                            "name": "Incidents opened",
                            "unit": "count",
                            "value": float(row["n"]),
                            "n": row["n"],
                            "group": dict(zip(grouping, key, strict=True)),
                        },
                        "range": window,
                        "period_kind": PeriodKind.WEEK.value,
                        "dimension": dimension,
                        "series": series,
                        "breakdown": services,
                        "breakdown_dimension": "service",
                        "problem_management": UNEXPLAINED,
                        "strength_formula": "number of incidents",
                        "summary": summary,
                    },
                )
            )
    return findings


def _rates(rows: list[dict[str, Any]], dimension: str) -> dict[str, tuple[float, int]]:
    return {
        str(row[dimension]): (row["value"], row["n"])
        for row in rows
        if row[dimension] is not None and row["value"] is not None
    }


def changes_causing_incidents(today: dt.date) -> list[Finding]:
    """Services, standard changes and teams whose recent changes cause incidents more often
    than they usually do."""
    from kaizen.kpis import engine
    from kaizen.kpis.library import get_kpi

    definition = get_kpi(CHANGE_KPI)
    start = today - dt.timedelta(days=CHANGE_RECENT_DAYS)
    end = today + dt.timedelta(days=1)
    base_start = start - dt.timedelta(days=CHANGE_BASELINE_DAYS)
    window = {"start": start.isoformat(), "end": today.isoformat()}
    usual_window = {
        "start": base_start.isoformat(),
        "end": (start - dt.timedelta(days=1)).isoformat(),
    }
    (everyone,) = engine.compute(definition, period="all", start=base_start, end=start).rows or [
        {"value": None, "n": 0}
    ]
    findings = []
    for dimension in CHANGE_DIMENSIONS:
        recent = engine.compute(definition, period="all", by=[dimension], start=start, end=end)
        usual = _rates(
            engine.compute(
                definition, period="all", by=[dimension], start=base_start, end=start
            ).rows,
            dimension,
        )
        rows = []
        for name, (value, n) in sorted(_rates(recent.rows, dimension).items()):
            causing = round(n * value / 100.0)
            own_value, own_n = usual.get(name, (None, 0))
            if own_n >= CHANGE_MIN_CHANGES:
                usual_value, usual_of = own_value, f"its own {own_n} changes"
            else:
                usual_value, usual_of = everyone["value"], f"all {everyone['n']} changes"
            rows.append(
                {
                    "value": name,
                    "figure": value,
                    "n": n,
                    "caused": causing,
                    "usual": usual_value,
                    "usual_of": usual_of,
                }
            )
        for item in rows:
            usual_value = item["usual"]
            if (
                item["n"] < CHANGE_MIN_CHANGES
                or item["caused"] < CHANGE_MIN_CAUSING
                or usual_value is None
                or item["figure"] <= usual_value
            ):
                continue
            excess = round(item["caused"] - item["n"] * usual_value / 100.0, 2)
            name = item["value"]
            summary = (
                f"{item['caused']} of the {item['n']} changes implemented on {dimension} {name} "
                f"from {window['start']} to {window['end']} caused incidents "
                f"({_fmt(item['figure'], definition)}), above its usual "
                f"{_fmt(usual_value, definition)} (from {item['usual_of']}, "
                f"{usual_window['start']} to {usual_window['end']}): {excess:g} more than the "
                "usual rate expects."
            )
            findings.append(
                Finding(
                    kind=OpportunityKind.CHANGES_CAUSING_INCIDENTS,
                    kpi_key=CHANGE_KPI,
                    dimension=dimension,
                    dimension_value=name,
                    title=(
                        f"Changes followed by incidents: {dimension} {name} at "
                        f"{_fmt(item['figure'], definition)}"
                    ),
                    summary=summary,
                    strength=excess,
                    evidence={
                        "figure": _figure(
                            definition,
                            item["figure"],
                            n=item["n"],
                            caused=item["caused"],
                            usual=usual_value,
                        ),
                        "range": window,
                        "usual_range": usual_window,
                        "dimension": dimension,
                        "breakdown": rows,
                        "strength_formula": "changes causing incidents - n x usual rate / 100",
                        "summary": summary,
                    },
                )
            )
    return findings


# -- words ----------------------------------------------------------------------------------


def _fmt(value: float | None, definition: KPIDefinition) -> str:
    if value is None:
        return "n/a"
    text = f"{value:,.0f}" if float(value).is_integer() else f"{value:,.1f}"
    return text + {"percent": " %", "hours": " h"}.get(str(definition.unit), "")


def group_words(grouping: tuple[str, ...], key: tuple[Any, ...]) -> str:
    """A group of recurring incidents in words: "configuration item M365 Tenant", or the
    subcategory as the facts name it under its parent ("Software › Application error"), the
    category put in front only when the subcategory does not already start with it."""
    if grouping == ("ci",):
        return f"configuration item {key[0]}"
    category, subcategory = (str(value) for value in key)
    if subcategory.startswith(f"{category}{SUBCATEGORY_SEPARATOR}"):
        return subcategory
    if SUBCATEGORY_SEPARATOR not in subcategory:  # recorded without its parent
        return f"{category}{SUBCATEGORY_SEPARATOR}{subcategory}"
    return f"{category} / {subcategory}"  # under another category than the incident's


def _target_words(definition: KPIDefinition) -> str:
    target = definition.thresholds.target
    return "" if target is None else f" against a target of {_fmt(target, definition)}"


def _range(periods: list[dt.date], kind: str) -> dict[str, str]:
    """The first day of the first period and the last day of the last, both inclusive."""
    from kaizen.kpis.models import period_after

    return {
        "start": periods[0].isoformat(),
        "end": (period_after(periods[-1], kind) - dt.timedelta(days=1)).isoformat(),
    }


def _span_words(signal: dict[str, Any]) -> str:
    first, last = signal["first_label"], signal["last_label"]
    return f"week of {first}" if first == last else f"weeks of {first} to {last}"


def _rank_words(rank: int) -> str:
    ordinal = {2: "second", 3: "third", 4: "fourth", 5: "fifth"}.get(rank, f"#{rank}")
    return "the most" if rank == 1 else f"the {ordinal} most"
