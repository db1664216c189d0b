"""CSAT by month and service in the analytics store, against hand-computed cells."""

import datetime as dt

import duckdb
import pytest

from kaizen.analytics.families.surveys import SURVEY_FACTS
from kaizen.analytics.survey_csat import csat_by_month_and_service


def test_cells_are_weighted_with_their_wilson_interval():
    con = duckdb.connect()
    con.execute(SURVEY_FACTS)
    march, april = dt.datetime(2026, 3, 5), dt.datetime(2026, 4, 5)
    rows = [
        # (id, service, weight, score): March, Mail: weights 2, 2, 1, 1 and scores 5, 2, 4, 1.
        (1, "Mail", 2.0, 5, march),
        (2, "Mail", 2.0, 2, march),
        (3, "Mail", 1.0, 4, march),
        (4, "Mail", 1.0, 1, march),
        (5, "Web", 1.0, 5, april),
    ]
    for pk, service, weight, score, answered_at in rows:
        con.execute(
            "INSERT INTO survey_facts (invitation_id, survey, survey_version, scale, "
            "ticket_kind, ticket_number, service, reassignment_count, inclusion_probability, "
            "weight, state, fielded, answered, triggered_at, answered_at, score, satisfied, "
            "follow_up) VALUES (?, 'S', 1, 'rating', 'incident', ?, ?, 0, ?, ?, 'answered', "
            "true, true, ?, ?, ?, ?, false)",
            [
                pk,
                f"INC{pk}",
                service,
                1 / weight,
                weight,
                answered_at,
                answered_at,
                score,
                score >= 4,
            ],
        )
    cells = csat_by_month_and_service(con, survey="S", version=1)
    mail, web = cells
    # Mail, March: 3 / 6 = 50 %, n_eff 3.6, Wilson 14.08-85.92 % (test_measure.py's example).
    assert (mail["month"], mail["service"], mail["n"]) == ("2026-03", "Mail", 4)
    assert mail["csat_pct"] == pytest.approx(50.0)
    assert mail["n_effective"] == pytest.approx(3.6)
    assert mail["low_pct"] == pytest.approx(14.08, abs=0.05)
    assert mail["high_pct"] == pytest.approx(85.92, abs=0.05)
    assert (web["month"], web["csat_pct"], web["n"]) == ("2026-04", 100.0, 1)
