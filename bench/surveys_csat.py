"""CSAT with weights and Wilson intervals by month x service over 1,000,000 survey invitations
and 250,000 answers, in the analytics store (DuckDB).

    .venv/bin/python bench/surveys_csat.py

Generates (seeded) one year of survey facts in the `survey_facts` table of an in-memory
DuckDB store, with the family's own DDL: 1,000,000 invitations over 40 services, drawn at
three inclusion rates (strata: weights 1, 2 and 4), 25 % answered with 1-5 scores. Then times
`kaizen.analytics.survey_csat.csat_by_month_and_service` (one aggregate query, Wilson on the
effective n per cell). Prints one JSON object; the target is 1 s.
"""

import argparse
import json
import time

import numpy as np
import pyarrow as pa


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--invitations", type=int, default=1_000_000)
    parser.add_argument("--answered-share", type=float, default=0.25)
    parser.add_argument("--services", type=int, default=40)
    parser.add_argument("--seed", type=int, default=15)
    args = parser.parse_args()
    from _setup import setup_django

    setup_django(None)
    import duckdb

    from kaizen.analytics.families.surveys import SURVEY_FACT_SCHEMA, SURVEY_FACTS
    from kaizen.analytics.survey_csat import csat_by_month_and_service

    rng = np.random.default_rng(args.seed)
    n = args.invitations
    start = np.datetime64("2025-11-01T00:00:00", "us")
    triggered = start + rng.integers(0, 365 * 24 * 3600, n).astype("timedelta64[s]")
    answered = rng.random(n) < args.answered_share
    probability = rng.choice([1.0, 0.5, 0.25], n)
    scores = np.where(answered, rng.choice([1, 2, 3, 4, 5], n, p=[0.06, 0.06, 0.13, 0.35, 0.4]), 0)
    answered_at = triggered + np.timedelta64(1, "D")
    services = np.array([f"Service {i}" for i in range(args.services)], dtype=object)
    names = [f"INC{i:08d}" for i in range(n)]
    columns = {
        "invitation_id": np.arange(1, n + 1),
        "survey": ["After resolution"] * n,
        "survey_version": np.ones(n, dtype=np.int32),
        "scale": ["rating"] * n,
        "ticket_kind": ["incident"] * n,
        "ticket_number": names,
        "service": services[rng.integers(0, args.services, n)],
        "team": [None] * n,
        "priority": rng.integers(1, 6, n).astype(np.int16),
        "sla_breached": rng.random(n) < 0.1,
        "reassignment_count": rng.integers(0, 4, n).astype(np.int32),
        "resolution_hours": rng.gamma(2.0, 10.0, n),
        "inclusion_probability": probability,
        "weight": 1 / probability,
        "state": np.where(answered, "answered", "expired"),
        "fielded": np.ones(n, dtype=bool),
        "answered": answered,
        "triggered_at": triggered,
        "sent_at": triggered,
        "answered_at": pa.array(answered_at, mask=~answered),
        "expired_at": pa.array(answered_at, mask=answered),
        "score": pa.array(scores.astype(np.int16), mask=~answered),
        "satisfied": pa.array(scores >= 4, mask=~answered),
        "dissatisfied": pa.array((scores <= 2) & (scores > 0), mask=~answered),
        "said_resolved": pa.array(np.ones(n, dtype=bool), mask=~answered),
        "follow_up": (scores <= 2) & answered,
    }
    table = pa.table(
        {
            name: pa.array(value) if not isinstance(value, pa.Array) else value
            for name, value in columns.items()
        }
    ).cast(SURVEY_FACT_SCHEMA)
    con = duckdb.connect()
    con.execute(SURVEY_FACTS)
    con.register("generated", table)
    con.execute("INSERT INTO survey_facts SELECT * FROM generated")
    timings = []
    for _ in range(3):
        started = time.perf_counter()
        cells = csat_by_month_and_service(con, survey="After resolution", version=1)
        timings.append(time.perf_counter() - started)
    print(
        json.dumps(
            {
                "benchmark": "surveys_csat",
                "invitations": n,
                "answers": int(answered.sum()),
                "services": args.services,
                "cells": len(cells),
                "seconds": round(min(timings), 3),
                "seconds_first": round(timings[0], 3),
                "target_seconds": 1.0,
                "example_cell": cells[0],
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
