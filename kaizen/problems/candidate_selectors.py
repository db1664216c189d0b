"""Reads of the problem candidates for the pages and the API: everything narrowed to who may
see candidates (agents; problem managers decide on them)."""

import datetime as dt
from typing import Any

from django.db.models import Count, QuerySet
from django.utils.dateformat import format as format_date

from kaizen.catalog.ticket_sources import TicketRow, tickets_numbered
from kaizen.people.models import User
from kaizen.problems.models import Candidate, CandidateKind, CandidateStatus
from kaizen.problems.permissions import can_work_problems

INCIDENT = "incident"
# The candidate page lists this many of its incidents, newest first (the API gives them all).
INCIDENTS_SHOWN = 200


def candidates_for(user: User) -> QuerySet[Candidate]:
    if not can_work_problems(user):
        return Candidate.objects.none()
    return Candidate.objects.select_related("problem", "decided_by")


def status_counts(candidates: QuerySet[Candidate]) -> dict[str, int]:
    """How many candidates in each status (one query), every status named."""
    counts = dict.fromkeys(CandidateStatus.values, 0)
    for row in candidates.order_by().values("status").annotate(n=Count("pk")):
        counts[row["status"]] = row["n"]
    return counts


def candidate_incidents(candidate: Candidate, limit: int = INCIDENTS_SHOWN) -> list[TicketRow]:
    """The candidate's incidents (those that still exist), newest first, at most `limit`."""
    # Numbers are given in order, so the highest are the newest.
    numbers = sorted(candidate.incident_numbers, reverse=True)[:limit]
    rows = sorted(
        tickets_numbered(INCIDENT, numbers).values(),
        key=lambda row: (row.opened_at, row.number),
        reverse=True,
    )
    return rows[:limit]


def chart_data(candidate: Candidate) -> dict[str, Any]:
    """The evidence chart: a count per period (None where the period was not measured, so
    no line is drawn across it) and, for the rate kinds, the usual count and the c-chart's
    upper limit."""
    series = candidate.evidence.get("series") or []
    labels = [format_date(dt.datetime.fromisoformat(point["start"]), "j M") for point in series]
    starts = [dt.datetime.fromisoformat(point["start"]) for point in series[:2]]
    data: dict[str, Any] = {
        "period_days": (starts[1] - starts[0]).days if len(starts) == 2 else None,
        "labels": labels,
        "values": [point["count"] for point in series],
        "lines": [],
    }
    if candidate.kind != CandidateKind.SIMILAR_TEXT and candidate.expected_count is not None:
        data["lines"] = [
            {"label": "Usual count", "value": round(candidate.expected_count, 2), "kind": "centre"},
            {
                "label": "Upper control limit",
                "value": candidate.evidence.get("control_limit"),
                "kind": "ucl",
            },
        ]
    return data
