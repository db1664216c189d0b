"""CSAT by month and service from the survey facts, weighted by the inverse inclusion
probability, each cell with its n, its effective n (Kish) and a Wilson interval: the figures
the surveys' results read for a year of answers at once, computed in the analytics store.

One aggregate query does the sums (Σw, Σw², Σw·satisfied per cell); the interval of each cell
is then Wilson's on n_eff = (Σw)² / Σw² (kaizen/surveys/measure.py), so the cells agree with
the results page's figures for the same answers.
"""

from typing import Any

import duckdb

from kaizen.surveys.measure import wilson

CELLS = """
SELECT strftime(date_trunc('month', answered_at), '%Y-%m') AS month,
       coalesce(service, '') AS service,
       count(*) AS n,
       sum(weight) AS w,
       sum(weight * weight) AS w2,
       sum(CASE WHEN satisfied THEN weight ELSE 0 END) AS w_yes
FROM survey_facts
WHERE answered AND scale = 'rating' AND survey = $survey AND survey_version = $version
GROUP BY ALL
ORDER BY month, service
"""


def csat_by_month_and_service(
    connection: duckdb.DuckDBPyConnection, *, survey: str, version: int
) -> list[dict[str, Any]]:
    """One cell per month and service: the weighted share of 4-5 answers (percent), its Wilson
    interval on the effective n, n and n_eff."""
    cells = []
    rows = connection.execute(CELLS, {"survey": survey, "version": version}).fetchall()
    for month, service, n, w, w2, w_yes in rows:
        share = w_yes / w
        n_eff = w * w / w2
        low, high = wilson(share * n_eff, n_eff)
        cells.append(
            {
                "month": month,
                "service": service,
                "csat_pct": 100 * share,
                "low_pct": 100 * low,
                "high_pct": 100 * high,
                "n": n,
                "n_effective": n_eff,
            }
        )
    return cells
