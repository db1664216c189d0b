"""The fix's effect: for a resolved problem, did its kind of incidents become rarer, and did they
cost fewer business hours, after the fix?

Its kind and the windows are kaizen.analytics.problem_kind's (the same as the "incidents
avoided" KPI's): the incidents of its kind opened in each whole week of equal windows before
and after `resolved_at`, read from the incident facts of the analytics store. Each week is one
value: the incidents opened in it, and the business hours they took to resolve
(`resolution_business_hours`: those still open, or with no calendar, add none and are counted
apart). The shared before/after test (kaizen.analysis.stats.before_after: Mann-Whitney over
the weekly values, the median difference with a bootstrap interval) says whether the weeks
after differ from the weeks before by more than chance.

The page may ask as soon as MIN_WINDOW_WEEKS have passed since the resolution ("too_early"
before), comparing the weeks passed so far (up to FIX_WINDOW_WEEKS) with as many before.
Registered with the problem pages (kaizen.problems.hooks) by the analytics app's ready().
"""

import datetime as dt
import logging
from typing import Any
from zoneinfo import ZoneInfo

import duckdb
from django.conf import settings
from django.utils import timezone
from django.utils.formats import date_format

from kaizen.analysis.charts import before_after_chart
from kaizen.analysis.direction import Direction
from kaizen.analysis.stats import before_after
from kaizen.analytics.problem_kind import (
    FIX_WINDOW_WEEKS,
    FIXED_CODES,
    MIN_WINDOW_WEEKS,
    ProblemKind,
)
from kaizen.analytics.store import connect
from kaizen.problems.hooks import FixEffect
from kaizen.problems.models import Problem

logger = logging.getLogger(__name__)
WEEK = dt.timedelta(weeks=1)
# What each verdict reads as, and its badge's tone.
VERDICTS = {
    "reduced": ("Fewer incidents after the fix", "success"),
    "no_change": ("No clear change after the fix", "secondary"),
    "increased": ("More incidents after the fix", "danger"),
    "too_early": ("Too early to tell", "info"),
    "no_data": ("Nothing to compare", "light"),
}
OUTCOME_VERDICTS = {
    "improved": "reduced",
    "worsened": "increased",
    "changed": "no_change",
    "no significant change": "no_change",
    "not enough data": "no_data",
}
WEEKLY_SQL = """
SELECT CAST(floor(epoch(opened_at - ?::TIMESTAMP) / 604800) AS INTEGER) AS week,
       count(*) AS incidents,
       coalesce(sum(resolution_business_hours), 0) AS business_hours,
       count(*) - count(resolution_business_hours) AS unmeasured
FROM incident_facts
WHERE opened_at >= ? AND opened_at < ? AND {kind}
GROUP BY week
"""


def kind_of(problem: Problem) -> ProblemKind:
    return ProblemKind(
        services=tuple(sorted(problem.services.values_list("name", flat=True))),
        cis=tuple(sorted(problem.configuration_items.values_list("name", flat=True))),
        category=problem.category.strip(),
    )


def local_time(instant: dt.datetime) -> dt.datetime:
    """As the facts store times: naive wall-clock time in the reporting zone."""
    return timezone.localtime(instant, ZoneInfo(settings.TIME_ZONE)).replace(tzinfo=None)


def _day(instant: dt.datetime) -> str:
    return date_format(local_time(instant).date(), "j M Y")


def _effect(verdict: str, summary: str, figures: dict[str, Any], chart: Any = None) -> FixEffect:
    label, tone = VERDICTS[verdict]
    return FixEffect(
        summary=summary,
        verdict=verdict,
        figures={"verdict_label": label, "verdict_tone": tone, **figures},
        chart=chart,
    )


def weekly_figures(
    kind: ProblemKind, resolved_at: dt.datetime, weeks: int, *, wait_seconds: float = 5.0
) -> tuple[list[dict[str, float]], list[dict[str, float]]]:
    """Per week before (oldest first) and after the resolution: incidents, business hours,
    incidents without business hours."""
    anchor = local_time(resolved_at)
    condition, parameters = kind.sql()
    with connect(read_only=True, wait_seconds=wait_seconds) as reader:
        rows = reader.execute(
            WEEKLY_SQL.format(kind=condition),
            [anchor, anchor - weeks * WEEK, anchor + weeks * WEEK, *parameters],
        ).fetchall()
    found = {week: (count, hours, unmeasured) for week, count, hours, unmeasured in rows}

    def week(index: int) -> dict[str, float]:
        count, hours, unmeasured = found.get(index, (0, 0.0, 0))
        return {"incidents": count, "business_hours": float(hours), "unmeasured": unmeasured}

    return [week(i) for i in range(-weeks, 0)], [week(i) for i in range(weeks)]


def measure_fix_effect(problem: Problem, *, now: dt.datetime | None = None) -> FixEffect | None:
    """The fix's effect on the problem's kind of incidents; None for a problem not fixed (not
    resolved, or closed as a duplicate, cancelled or risk accepted)."""
    if problem.resolved_at is None or problem.closure_code not in FIXED_CODES:
        return None
    now = now or timezone.now()
    kind = kind_of(problem)
    resolved_on = _day(problem.resolved_at)
    if not kind.defined:
        return _effect(
            "no_data",
            f"{problem.number} names no service, configuration item or category, so its kind "
            "of incidents cannot be told apart from the others.",
            {"kind": ""},
        )
    passed = int((now - problem.resolved_at) / WEEK)
    if passed < MIN_WINDOW_WEEKS:
        ready_on = _day(problem.resolved_at + MIN_WINDOW_WEEKS * WEEK)
        return _effect(
            "too_early",
            f"Resolved on {resolved_on}: the {kind.describe()} are compared from {ready_on}, "
            f"{MIN_WINDOW_WEEKS} weeks after the fix.",
            {"kind": kind.describe(), "weeks_passed": passed, "ready_on": ready_on},
        )
    weeks = min(passed, FIX_WINDOW_WEEKS)
    try:
        before, after = weekly_figures(kind, problem.resolved_at, weeks)
    except duckdb.Error:
        logger.warning("fix effect of %s: the analytics store is busy", problem.number)
        return None
    return _compared(problem, kind, weeks, before, after)


def _compared(
    problem: Problem,
    kind: ProblemKind,
    weeks: int,
    before: list[dict[str, float]],
    after: list[dict[str, float]],
) -> FixEffect:
    counts = before_after(
        [w["incidents"] for w in before],
        [w["incidents"] for w in after],
        direction=Direction.LOWER_IS_BETTER,
    )
    hours = before_after(
        [w["business_hours"] for w in before],
        [w["business_hours"] for w in after],
        direction=Direction.LOWER_IS_BETTER,
    )
    totals = {
        "before_incidents": int(sum(w["incidents"] for w in before)),
        "after_incidents": int(sum(w["incidents"] for w in after)),
        "before_business_hours": round(sum(w["business_hours"] for w in before), 1),
        "after_business_hours": round(sum(w["business_hours"] for w in after), 1),
        "unmeasured": int(sum(w["unmeasured"] for w in (*before, *after))),
    }
    figures = {
        "kind": kind.describe(),
        "weeks": weeks,
        **totals,
        "before_weekly": [w["incidents"] for w in before],
        "after_weekly": [w["incidents"] for w in after],
        "incidents_test": counts,
        "business_hours_test": hours,
    }
    resolved_on = _day(problem.resolved_at)
    if totals["before_incidents"] + totals["after_incidents"] == 0:
        return _effect(
            "no_data",
            f"No {kind.describe()} were opened in the {weeks} weeks either side of the fix on "
            f"{resolved_on}: there is nothing to compare.",
            figures,
        )
    verdict = OUTCOME_VERDICTS[counts["outcome"]]
    reading = {
        "reduced": "fewer than chance would explain",
        "increased": "more than chance would explain",
        "no_change": "a difference chance could explain",
        "no_data": "too few weeks to compare",
    }[verdict]
    summary = (
        f"In the {weeks} weeks after the fix on {resolved_on}, {totals['after_incidents']} "
        f"{kind.describe()} were opened against {totals['before_incidents']} in the {weeks} "
        f"weeks before ({reading}); they took {totals['after_business_hours']:g} business hours "
        f"to resolve against {totals['before_business_hours']:g}."
    )
    return _effect(verdict, summary, figures, _chart(problem, counts, before, after))


def _chart(
    problem: Problem,
    counts: dict[str, Any],
    before: list[dict[str, float]],
    after: list[dict[str, float]],
) -> dict[str, Any] | None:
    """The before/after chart of the weekly counts (kaizen.analysis.charts: inline SVG)."""
    anchor = local_time(problem.resolved_at)
    starts = [anchor - (len(before) - i) * WEEK for i in range(len(before))]
    starts += [anchor + i * WEEK for i in range(len(after))]
    values = [w["incidents"] for w in (*before, *after)]
    chart = before_after_chart(
        {
            "before_after": counts,
            "change_on": anchor.date().isoformat(),
            "series": [
                {"period": start.date().isoformat(), "value": value}
                for start, value in zip(starts, values, strict=True)
            ],
            "kpi": {"unit": "count"},
        },
        prefix=f"fix-effect-{problem.pk}",
    )
    if chart is None:
        return None
    return {"title": chart.title, "svg": chart.svg, "explanation": chart.explanation}
