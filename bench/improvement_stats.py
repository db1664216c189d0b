"""The Analyse step of an improvement initiative over three years of daily KPI values.

    .venv/bin/python bench/improvement_stats.py [--runs 20] [--seed 42]

Generates (numpy default_rng(`--seed`)) 1,096 daily values of a lower-is-better KPI (mean
resolution hours: log-normal around 12 h with a weekly rhythm, ~1 % of days unmeasured) with
a step change down to ~9 h two thirds of the way through, as rows of (ISO date, value) the way
they come out of the KPI store, and 20 categories of contributions. Then times, best and median
of `--runs` runs after one warm-up, each function of `kaizen.analysis.stats` the Analyse
page calls:

- `trend_ms`: Mann-Kendall, Theil-Sen and the regression line over all days;
- `control_chart_ms`: the XmR chart with run rules, limits from the phase before the change;
- `pareto_ms`: the Pareto of the 20 categories;
- `before_after_ms`: Mann-Whitney and the bootstrap CI of the median difference (2,000
  resamples, percentile method, vectorised statistic), split at the step date;
- `total_ms`: the whole analysis, reading the rows into values and labels included.

The figures are medians (`best_ms` holds the best runs). The budget for the whole analysis is
200 ms. Needs no Django and no database. Prints one JSON object.
"""

import argparse
import datetime as dt
import json
import statistics
import sys
import time
from collections.abc import Callable
from typing import Any

import numpy as np
from _setup import ROOT

sys.path.insert(0, str(ROOT))

from kaizen.analysis import stats  # noqa: E402
from kaizen.analysis.direction import Direction  # noqa: E402

START = dt.date(2023, 1, 1)
DAYS = 1096  # 2023-01-01 .. 2025-12-31
STEP_DAY = DAYS * 2 // 3  # the day the change went live
CATEGORIES = 20


def generate(seed: int) -> tuple[list[tuple[str, float | None]], dict[str, float]]:
    """Daily rows (date, value or None) and category contributions, the same on every run."""
    rng = np.random.default_rng(seed)
    day = np.arange(DAYS)
    level = np.where(day < STEP_DAY, 12.0, 9.0)
    weekly = 1 + 0.08 * np.sin(2 * np.pi * day / 7)
    values = level * weekly * rng.lognormal(0.0, 0.25, DAYS)
    missing = rng.random(DAYS) < 0.01
    rows = [
        ((START + dt.timedelta(days=int(i))).isoformat(), None if gap else round(float(v), 3))
        for i, v, gap in zip(day, values, missing, strict=True)
    ]
    weights = 1 / np.arange(1, CATEGORIES + 1) ** 1.1  # Zipf-like: a few categories dominate
    counts = rng.poisson(4000 * weights / weights.sum())
    contributions = {f"Category {i + 1:02d}": float(c) for i, c in enumerate(counts)}
    return rows, contributions


def analyse(rows: list[tuple[str, float | None]], contributions: dict[str, float]) -> dict:
    """What the Analyse page computes: rows in, the four results out."""
    labels = [label for label, _ in rows]
    values = [value for _, value in rows]
    step = labels.index((START + dt.timedelta(days=STEP_DAY)).isoformat())
    return {
        "trend": stats.trend(values, direction=Direction.LOWER_IS_BETTER),
        "control_chart": stats.control_chart(
            values, labels=labels, direction=Direction.LOWER_IS_BETTER, limits_from=step
        ),
        "pareto": stats.pareto(contributions),
        "before_after": stats.before_after(
            values[:step], values[step:], direction=Direction.LOWER_IS_BETTER
        ),
    }


def timed(run: Callable[[], Any], runs: int) -> tuple[float, float, Any]:
    """Best and median wall milliseconds of `runs` calls after one warm-up, and the answer."""
    answer = run()
    seconds = []
    for _ in range(runs):
        started = time.perf_counter()
        answer = run()
        seconds.append(time.perf_counter() - started)
    return min(seconds) * 1000, statistics.median(seconds) * 1000, answer


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--seed", type=int, default=42)
    args = parser.parse_args()
    rows, contributions = generate(args.seed)
    labels = [label for label, _ in rows]
    values = [value for _, value in rows]
    step = STEP_DAY

    calls: dict[str, Callable[[], Any]] = {
        "trend": lambda: stats.trend(values, direction=Direction.LOWER_IS_BETTER),
        "control_chart": lambda: stats.control_chart(
            values, labels=labels, direction=Direction.LOWER_IS_BETTER, limits_from=step
        ),
        "pareto": lambda: stats.pareto(contributions),
        "before_after": lambda: stats.before_after(
            values[:step], values[step:], direction=Direction.LOWER_IS_BETTER
        ),
        "total": lambda: analyse(rows, contributions),
    }
    result: dict[str, Any] = {"benchmark": "improvement_stats", "points": len(rows)}
    best: dict[str, float] = {}
    answers: dict[str, Any] = {}
    for name, call in calls.items():
        best[name], result[f"{name}_ms"], answers[name] = timed(call, args.runs)
    result["best_ms"] = best
    result["runs"] = args.runs
    result["budget_ms"] = 200
    result["bootstrap"] = {"n_resamples": 2000, "method": "percentile"}
    analysis = answers["total"]
    json.dumps(analysis, allow_nan=False)  # what the JSONField stores: must not raise
    result["checks"] = {
        "measured_days": analysis["control_chart"]["n"],
        "trend_verdict": analysis["trend"]["verdict"],
        "before_after_outcome": analysis["before_after"]["outcome"],
        "median_difference": analysis["before_after"]["difference"],
        "control_chart_signals": len(analysis["control_chart"]["signals"]),
        "vital_few": analysis["pareto"]["vital_few_count"],
    }

    def tidy(value: Any) -> Any:
        if isinstance(value, float):
            return round(value, 2)
        if isinstance(value, dict):
            return {key: tidy(item) for key, item in value.items()}
        return value

    print(json.dumps(tidy(result)))


if __name__ == "__main__":
    main()
