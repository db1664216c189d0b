"""Incident facts with a known improvement in them, written straight into the test's own
analytics store (kaizen/conftest.py gives each test an empty one)."""

import datetime as dt

import numpy as np

from kaizen.kpis.tests.helpers import insert_incident_facts

CATEGORIES = ("network", "email", "hardware", "software", "access")


def seed_resolution_history(
    *,
    start: dt.date = dt.date(2026, 1, 5),
    days: int = 180,
    change_on: dt.date | None = dt.date(2026, 4, 6),
    per_day: int = 6,
    hours_before: float = 20.0,
    hours_after: float = 10.0,
    seed: int = 7,
) -> int:
    """`per_day` resolved incidents a day from `start`: resolution times log-normal around
    `hours_before` until `change_on`, around `hours_after` from then on (None: no change), a
    fixed 80 % of them within SLA before and 95 % after, categories cycling with "network"
    the slowest. Returns the number of incidents written."""
    rng = np.random.default_rng(seed)
    rows = []
    for offset in range(days):
        day = start + dt.timedelta(days=offset)
        after = change_on is not None and day >= change_on
        median_hours = hours_after if after else hours_before
        met_share = 0.95 if after else 0.80
        for index in range(per_day):
            category = CATEGORIES[index % len(CATEGORIES)]
            slow = 1.6 if category == "network" else 1.0
            hours = float(median_hours * slow * rng.lognormal(0.0, 0.35))
            opened = dt.datetime.combine(day, dt.time(8 + index % 8))
            rows.append(
                {
                    "opened_at": opened - dt.timedelta(hours=hours),
                    "resolved_at": opened,
                    "closed_at": opened + dt.timedelta(days=2),
                    "state": "closed",
                    "category": category,
                    "priority": 1 + index % 4,
                    "resolution_hours": hours,
                    "sla_met": bool(rng.random() < met_share),
                    "sla_source": "kaizen",
                }
            )
    insert_incident_facts(*rows)
    return len(rows)
