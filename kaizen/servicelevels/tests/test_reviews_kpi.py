"""Service reviews held on time, measured from the reviews: counted in the month of their due
date once held or past due, on time when held by it; cancelled ones left out."""

import datetime as dt

import pytest
from django.utils import timezone

from kaizen.kpis import engine, library, sources
from kaizen.servicelevels.review_kpi import REVIEWS_ON_TIME, register_kpi_source, rows_in_scope
from kaizen.servicelevels.services.reviews import (
    do_cancel_review,
    do_hold_review,
    do_schedule_review,
)


@pytest.fixture
def registered(monkeypatch):
    """The registration the app's ready() makes, undone after the test (the library's order is
    tested elsewhere)."""
    monkeypatch.setattr(library, "LIBRARY", list(library.LIBRARY))
    monkeypatch.setattr(library, "_BY_KEY", dict(library._BY_KEY))
    monkeypatch.setattr(sources, "_database_sources", dict(sources._database_sources))
    register_kpi_source()
    return library.get_kpi(REVIEWS_ON_TIME)


@pytest.fixture
def reviews(mail_sla):
    def review(start, end, due, held_on=None, cancelled=False):
        made = do_schedule_review(
            mail_sla, actor=None, period_start=start, period_end=end, due_on=due
        )
        if held_on:
            do_hold_review(
                made, actor=None, expected_version=None, held_on=held_on, attendees="A", minutes="M"
            )
        if cancelled:
            do_cancel_review(made, actor=None, expected_version=None, reason="Merged")
        return made

    day = dt.date
    # April: two held by their due date (one on the day), one past due and never held: 2 of 3.
    review(day(2026, 1, 1), day(2026, 3, 31), day(2026, 4, 10), held_on=day(2026, 4, 8))
    review(day(2026, 1, 15), day(2026, 4, 5), day(2026, 4, 12), held_on=day(2026, 4, 12))
    review(day(2026, 1, 20), day(2026, 4, 1), day(2026, 4, 25))
    # Cancelled, due in April too: left out.
    review(day(2026, 2, 1), day(2026, 4, 15), day(2026, 4, 20), cancelled=True)
    # July: held five days late. October: past due, not held.
    review(day(2026, 4, 1), day(2026, 6, 30), day(2026, 7, 10), held_on=day(2026, 7, 15))
    review(day(2026, 7, 1), day(2026, 9, 30), day(2026, 10, 10))
    # Not due yet and not held: not counted.
    today = timezone.localdate()
    review(day(2026, 3, 1), today + dt.timedelta(days=5), today + dt.timedelta(days=15))


def test_the_kpi_is_measured_from_the_reviews(registered):
    assert registered.measurable and registered.measure.source == "service_reviews"
    assert registered.process == "service_level"


def test_it_counts_reviews_held_by_their_due_date(registered, reviews):
    start, end = dt.date(2026, 4, 1), dt.date(2026, 11, 1)
    rows = engine.compute(registered, period="month", start=start, end=end).rows
    got = {row["period"]: (row["value"], row["n"]) for row in rows}
    assert got == {
        "2026-04-01": (pytest.approx(200 / 3), 3),
        "2026-05-01": (None, 0),
        "2026-06-01": (None, 0),
        "2026-07-01": (0, 1),
        "2026-08-01": (None, 0),
        "2026-09-01": (None, 0),
        "2026-10-01": (0, 1),
    }
    (whole,) = engine.compute(registered, period="all", start=start, end=end).rows
    assert (whole["value"], whole["n"]) == (40, 5)  # 2 on time of 5 counted
    assert rows_in_scope(registered, start=start, end=end) == 5
    assert engine.compute(registered, period="month", by=["team"], start=start, end=end).rows == []


def test_its_data_quality_counts_the_reviews_read(registered, reviews):
    from kaizen.kpis import quality

    report = quality.data_quality(
        registered, period="month", start=dt.date(2026, 4, 1), end=dt.date(2026, 11, 1)
    )
    assert report["measurable"] and report["rows_in_scope"] == 5
    assert report["sample_sizes"][0] == {"period": "2026-04-01", "n": 3}
