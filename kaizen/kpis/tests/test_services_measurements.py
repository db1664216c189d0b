"""Collecting measurements: stored per period and breakdown, replaced on recompute, journaled."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from kaizen.journal.events import EventType
from kaizen.journal.models import JournalEvent
from kaizen.kpis.models import Measurement, MeasurementSource, whole_periods
from kaizen.kpis.services import do_collect_measurements
from kaizen.kpis.tests.helpers import insert_incident_facts, record_points

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("small_library")]

KEY = "test.availability"


@pytest.fixture
def march_points():
    return record_points(
        KEY,
        {"occurred_at": "2026-03-02T08:00:00Z", "value": 99.0, "service": "Email"},
        {"occurred_at": "2026-03-09T08:00:00Z", "value": 100.0, "service": "Email"},
        {"occurred_at": "2026-03-10T08:00:00Z", "value": 98.0, "service": "VPN"},
        {"occurred_at": "2026-04-01T08:00:00Z", "value": 97.0, "service": "VPN"},
    )


def collect(**options):
    options.setdefault("keys", [KEY])
    return do_collect_measurements(actor=None, **options)


def test_it_stores_one_row_per_period_with_its_sample_size_and_provenance(march_points):
    run = collect(period_kinds=["month"])
    march = Measurement.objects.get(kpi_key=KEY, period_kind="month", period_start="2026-03-01")
    assert march.value == pytest.approx(99.0) and march.n == 3
    assert march.source == MeasurementSource.EXTERNAL and march.run == run
    assert sorted(march.data_point_ids) == sorted(p.pk for p in march_points.created[:3])
    assert march.upload_ids == [march_points.upload.pk]
    april = Measurement.objects.get(kpi_key=KEY, period_kind="month", period_start="2026-04-01")
    assert april.value == 97.0 and april.n == 1


def test_it_stores_breakdowns_next_to_the_overall_figure(march_points):
    collect(period_kinds=["month"], breakdowns=["service"])
    march = {
        m.dimension_value: m.value
        for m in Measurement.objects.filter(
            kpi_key=KEY, dimension="service", period_start="2026-03-01"
        )
    }
    assert march == {"Email": pytest.approx(99.5), "VPN": 98.0}


def test_it_replaces_rows_when_recomputed_instead_of_adding(march_points):
    collect(period_kinds=["month", "week"], breakdowns=["service"])
    before = Measurement.objects.count()
    record_points(KEY, {"occurred_at": "2026-03-03T08:00:00Z", "value": 90.0, "service": "Email"})
    second = collect(period_kinds=["month", "week"], breakdowns=["service"])
    assert Measurement.objects.count() == before
    march = Measurement.objects.get(
        kpi_key=KEY, period_kind="month", period_start="2026-03-01", dimension=""
    )
    assert march.n == 4 and march.value == pytest.approx(96.75) and march.run == second


def test_it_drops_breakdown_values_that_no_longer_occur_in_the_range(march_points):
    collect(period_kinds=["month"], breakdowns=["service"])
    stale = Measurement.objects.get(
        dimension="service", dimension_value="VPN", period_start="2026-04-01"
    )
    stale.delete()
    Measurement.objects.create(
        kpi_key=KEY,
        period_kind="month",
        period_start=dt.date(2026, 4, 1),
        dimension="service",
        dimension_value="Retired",
        value=1,
        n=1,
        computed_at=stale.computed_at,
        source="external",
    )
    collect(period_kinds=["month"], breakdowns=["service"], start=dt.date(2026, 4, 1))
    april = Measurement.objects.filter(dimension="service", period_start="2026-04-01")
    assert [m.dimension_value for m in april] == ["VPN"]
    # Outside the range nothing was touched.
    assert Measurement.objects.filter(dimension="service", period_start="2026-03-01").count() == 2


def test_it_widens_a_range_to_whole_periods():
    assert whole_periods(dt.date(2026, 3, 4), dt.date(2026, 3, 20), "month") == (
        dt.date(2026, 3, 1),
        dt.date(2026, 4, 1),
    )
    assert whole_periods(dt.date(2026, 3, 4), None, "week") == (dt.date(2026, 3, 2), None)


def test_it_journals_the_collection_with_what_could_not_be_measured(march_points):
    run = do_collect_measurements(actor=None, period_kinds=["month"])
    event = JournalEvent.objects.get(event_type=EventType.MEASUREMENTS_COLLECTED)
    assert event.subject_id == str(run.pk)
    assert event.data["measurements"] == run.measurements > 0
    assert "test.change_success" in event.data["not_measurable"]
    assert {"key": "test.change_success", "reason": "change enablement is not in Kaizen yet"} in (
        run.not_measurable
    )


@pytest.mark.parametrize(
    ("options", "field"),
    [
        ({"period_kinds": ["fortnight"]}, "period_kinds"),
        ({"breakdowns": ["colour"]}, "breakdowns"),
        ({"keys": ["no.such_kpi"]}, "keys"),
    ],
)
def test_it_names_what_is_wrong_with_a_collection_request(options, field):
    with pytest.raises(ValidationError) as caught:
        collect(**options)
    assert field in caught.value.message_dict


def test_it_measures_store_facts_through_the_engine_with_their_provenance():
    insert_incident_facts(
        {"opened_at": dt.datetime(2026, 3, 2, 9), "service": "Email"},
        {"opened_at": dt.datetime(2026, 3, 20, 9), "service": "VPN"},
        {"opened_at": dt.datetime(2026, 4, 1, 9), "service": "Email"},
    )
    run = do_collect_measurements(
        actor=None,
        keys=["test.incidents_opened"],
        period_kinds=["month"],
        breakdowns=["service"],
        start=dt.date(2026, 3, 1),
        end=dt.date(2026, 5, 1),
    )
    overall = Measurement.objects.filter(kpi_key="test.incidents_opened", dimension="")
    assert [(m.period_start.isoformat(), m.value) for m in overall] == [
        ("2026-03-01", 2.0),
        ("2026-04-01", 1.0),
    ]
    march = overall.get(period_start="2026-03-01")
    assert march.source == MeasurementSource.ENGINE and march.run == run
    by_service = Measurement.objects.filter(dimension="service", period_start="2026-03-01")
    assert sorted(m.dimension_value for m in by_service) == ["Email", "VPN"]


@pytest.mark.django_db(transaction=True)
def test_people_can_write_while_a_collection_stores_its_figures(march_points, monkeypatch):
    """Between two KPI x period x breakdown units the collection holds no transaction: a web
    write that will not wait at all (SQLite busy_timeout 0) goes through. Written in one
    transaction, the collection kept the database locked from its first figure to its last."""
    from django.db import connection as this_thread

    from kaizen.kpis import services
    from kaizen.testing import database_for_threads, in_thread, make_user

    stored_units = []
    written = []
    original = services._store_collected

    def store_then_let_someone_write(run, collected):
        stored = original(run, collected)
        stored_units.append(collected)
        if len(stored_units) == 1:

            def impatient_write():
                with this_thread.cursor() as cursor:
                    if this_thread.vendor == "sqlite":
                        cursor.execute("PRAGMA busy_timeout = 0")
                written.append(make_user().pk)

            in_thread(impatient_write)
        return stored

    monkeypatch.setattr(services, "_store_collected", store_then_let_someone_write)
    with database_for_threads():
        run = in_thread(lambda: collect(period_kinds=["month", "week"], breakdowns=["service"]))
    assert len(stored_units) == 4
    assert len(written) == 1
    assert run.finished_at is not None and run.measurements > 0
