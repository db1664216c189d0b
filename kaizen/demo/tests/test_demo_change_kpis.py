"""The change KPIs over the demo's year of changes equal the same figures computed here
independently, with plain Python over the change rows (not the analytics store, not the KPI
engine): month by month, every month that has a value."""

import statistics
from collections import defaultdict
from collections.abc import Callable, Iterable
from typing import Any

import pytest
from django.utils import timezone

from kaizen.analytics.sync import sync
from kaizen.changes.models import CausedIncidentStatus, Change, ChangeType
from kaizen.demo.catalog import load_catalog
from kaizen.demo.changes import load_changes
from kaizen.demo.incidents import load_incidents
from kaizen.demo.people import load_people
from kaizen.kpis import engine, library
from kaizen.testing import PASSWORD

pytestmark = pytest.mark.django_db
SUCCESSFUL = {"successful", "successful_with_issues"}


def month(moment: Any) -> str:
    return timezone.localtime(moment).date().replace(day=1).isoformat()


def hours(start: Any, end: Any) -> float:
    return (end - start).total_seconds() / 3600


def by_month(
    changes: Iterable[Change], placed_by: str, value: Callable[[Change], Any]
) -> dict[str, list[Any]]:
    grouped: dict[str, list[Any]] = defaultdict(list)
    for change in changes:
        placed = getattr(change, placed_by)
        if placed is not None:
            grouped[month(placed)].append(value(change))
    return grouped


def share(values: list[bool]) -> tuple[float, int]:
    return 100 * sum(values) / len(values), len(values)


@pytest.fixture
def demo(analytics_store):
    load_people(PASSWORD)
    load_catalog()
    load_incidents()
    load_changes()
    sync()
    return list(Change.objects.prefetch_related("caused_incidents"))


def expected(changes: list[Change]) -> dict[str, dict[str, tuple[float, int]]]:
    def caused(change: Change) -> bool:
        return any(
            link.status == CausedIncidentStatus.CONFIRMED for link in change.caused_incidents.all()
        )

    closed = [c for c in changes if c.closure_code]
    implemented = [c for c in changes if c.actual_start]
    known = [c for c in changes if not c.reference_only]
    authorised = [c for c in changes if c.authorised_at and c.authorisation_requested_at]
    unauthorised = [c for c in implemented if c.unauthorised]
    return {
        "change.success_pct": {
            m: share(v)
            for m, v in by_month(
                closed, "closed_at", lambda c: c.closure_code in SUCCESSFUL
            ).items()
        },
        "change.caused_incidents_pct": {
            m: share(v) for m, v in by_month(implemented, "actual_start", caused).items()
        },
        "change.emergency_pct": {
            m: share(v)
            for m, v in by_month(
                known, "opened_at", lambda c: c.change_type == ChangeType.EMERGENCY
            ).items()
        },
        "change.lead_time_hours_median": {
            m: (statistics.median(v), len(v))
            for m, v in by_month(
                implemented, "actual_start", lambda c: hours(c.opened_at, c.actual_start)
            ).items()
        },
        "change.unauthorised_count": {
            m: (len(v), len(v)) for m, v in by_month(unauthorised, "actual_start", bool).items()
        },
        "change.authorisation_hours_median": {
            m: (statistics.median(v), len(v))
            for m, v in by_month(
                authorised,
                "authorised_at",
                lambda c: hours(c.authorisation_requested_at, c.authorised_at),
            ).items()
        },
    }


def test_the_demo_change_kpis_equal_an_independent_computation(demo):
    assert len(demo) > 250
    wanted = expected(demo)
    assert all(wanted[key] for key in wanted), "the demo has data for every change KPI"
    for key, months in wanted.items():
        result = engine.compute(library.get_kpi(key), period="month")
        got = {row["period"]: (row["value"], row["n"]) for row in result.rows if row["n"]}
        assert got.keys() == months.keys(), key
        for period, (value, n) in months.items():
            assert got[period][1] == n, (key, period)
            assert got[period][0] == pytest.approx(value), (key, period)
