"""Step 2, the data assessment and its gaps, and step 3, the collection status of a KPI."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from kaizen.improvement import services
from kaizen.improvement.models import DataAssessment, Gap, GapStatus
from kaizen.improvement.selectors import collection_status
from kaizen.improvement.tests.helpers import (
    WALK_TODAY,
    add_kpi,
    ensure_history,
    make_goal,
    make_initiative,
)
from kaizen.journal.events import EventType
from kaizen.journal.models import JournalEvent
from kaizen.kpis.tests.helpers import insert_incident_facts, make_custom_kpi, record_points

pytestmark = pytest.mark.django_db
TODAY = WALK_TODAY
MEDIAN = "incident.resolution_hours_median"


@pytest.fixture
def initiative(process_owner):
    return make_initiative(owner=process_owner, goals=[make_goal()])


def assess(initiative, actor=None, today=TODAY):
    return services.do_assess_data(initiative, actor=actor, today=today)


def gaps(initiative) -> dict[tuple[str, str], Gap]:
    return {(gap.kpi_key, gap.code): gap for gap in Gap.objects.filter(initiative=initiative)}


def resolved(day: dt.date, hours: float | None = 10.0, **fields):
    moment = dt.datetime.combine(day, dt.time(12))
    return {
        "opened_at": moment - dt.timedelta(hours=hours or 1),
        "resolved_at": moment,
        "resolution_hours": hours,
        **fields,
    }


# -- the assessment -----------------------------------------------------------------------------


def test_it_assesses_each_kpi_over_the_last_year_and_journals_a_summary(initiative, process_owner):
    ensure_history()
    ikpi = add_kpi(initiative)
    assessment = assess(initiative, actor=process_owner)
    assert assessment.computed_by == process_owner
    assert assessment.period_kind == "week"
    # Whole weeks from a year back up to today, a Monday: last week is the last one.
    assert assessment.range_start == dt.date(2025, 3, 31)
    assert assessment.range_end == dt.date(2026, 4, 5)
    (entry,) = assessment.results
    assert entry["initiative_kpi"] == ikpi.pk and entry["kpi_key"] == MEDIAN
    assert entry["measurable"] is True and entry["verdict"] == "good"
    assert entry["rows_in_scope"] == 13 * 7 * 6  # 13 weeks of 6 resolved incidents a day
    assert {item["field"] for item in entry["coverage"]} == {"resolved_at", "resolution_hours"}
    assert entry["first_period"] == "2026-01-05" and entry["gaps"] == []
    event = JournalEvent.objects.for_subject(initiative).latest("id")
    assert event.event_type == EventType.ASSESSMENT_COMPUTED
    assert event.data["assessment"] == assessment.pk
    assert event.data["verdicts"] == {MEDIAN: "good"}
    assert not Gap.objects.filter(initiative=initiative).exists()


def test_it_uses_the_kpis_own_analysis_range(initiative):
    ensure_history()
    add_kpi(
        initiative,
        period_kind="month",
        analysis_starts_on=dt.date(2026, 2, 1),
        analysis_ends_on=dt.date(2026, 3, 31),
    )
    (entry,) = assess(initiative).results
    assert (entry["start"], entry["end"]) == ("2026-02-01", "2026-03-31")
    assert [item["period"] for item in entry["sample_sizes"]] == ["2026-02-01", "2026-03-01"]


def test_it_needs_a_kpi_to_assess(initiative):
    with pytest.raises(ValidationError) as error:
        assess(initiative)
    assert "kpis" in error.value.message_dict


def test_it_finds_a_kpi_that_cannot_be_measured_and_says_what_it_needs(initiative):
    add_kpi(initiative, "improvement.ideas_submitted")
    (entry,) = assess(initiative).results
    assert entry["measurable"] is False and "no idea box" in entry["reason"]
    (found,) = entry["gaps"]
    assert found["code"] == "not_measurable"
    assert "idea." in found["suggested_action"]  # names the fields it would need
    gap = gaps(initiative)[("improvement.ideas_submitted", "not_measurable")]
    assert gap.still_present and gap.status == GapStatus.OPEN
    assert gap.action == ""  # the suggestion is offered, not written for the owner


def test_it_finds_no_data(initiative):
    add_kpi(initiative)
    (entry,) = assess(initiative).results
    assert entry["verdict"] == "no_data"
    assert [g["code"] for g in entry["gaps"]] == ["no_data"]


def test_it_finds_a_required_field_mostly_missing(initiative):
    day = dt.date(2026, 3, 2)
    rows = [
        resolved(day + dt.timedelta(days=i % 14), hours=None if i % 5 == 0 else 8.0)
        for i in range(200)
    ]
    insert_incident_facts(*rows)
    add_kpi(initiative)
    (entry,) = assess(initiative).results
    gap = gaps(initiative)[(MEDIAN, "field:resolution_hours")]
    assert gap.description == "resolution_hours is missing in 40 of 200 incidents (80 % filled)"
    assert any(g["code"] == "field:resolution_hours" for g in entry["gaps"])


def test_it_finds_small_samples_and_empty_periods(initiative):
    weeks = [dt.date(2026, 3, 2), dt.date(2026, 3, 9), dt.date(2026, 3, 23)]
    rows = [resolved(week + dt.timedelta(days=i % 5)) for week in weeks for i in range(10)]
    insert_incident_facts(*rows)
    add_kpi(initiative)
    assess(initiative)
    found = gaps(initiative)
    assert found[(MEDIAN, "empty_periods")].description == (
        "1 week(s) without data between 2026-03-02 and 2026-03-23: 2026-03-16"
    )
    assert found[(MEDIAN, "small_samples")].description == (
        "3 of 3 weeks have fewer than 30 values behind the figure (the smallest 10)"
    )


def test_it_keeps_what_people_wrote_on_a_gap_when_it_computes_again(initiative, process_owner):
    ensure_history()
    add_kpi(initiative, period_kind="day")
    assess(initiative)
    gap = gaps(initiative)[(MEDIAN, "small_samples")]
    services.do_update_gap(
        gap, actor=process_owner, action="Report weekly", owner=process_owner, status="accepted"
    )
    assess(initiative, today=TODAY + dt.timedelta(days=7))
    gap.refresh_from_db()
    assert (gap.action, gap.owner, gap.status, gap.still_present) == (
        "Report weekly",
        process_owner,
        GapStatus.ACCEPTED,
        True,
    )
    assert Gap.objects.filter(initiative=initiative).count() == 1


def test_it_marks_a_gap_the_data_no_longer_shows_and_brings_it_back(initiative, process_owner):
    ensure_history()
    ikpi = add_kpi(initiative, period_kind="day")
    assess(initiative)
    gap = gaps(initiative)[(MEDIAN, "small_samples")]
    services.do_update_gap(gap, actor=process_owner, action="Report weekly")
    services.do_update_initiative_kpi(ikpi, actor=process_owner, period_kind="week")
    assessment = assess(initiative)
    gap.refresh_from_db()
    assert gap.still_present is False and gap.action == "Report weekly"
    event = JournalEvent.objects.for_subject(initiative).latest("id")
    assert event.data["gaps_gone"] == [gap.pk] and event.data["assessment"] == assessment.pk
    services.do_update_initiative_kpi(ikpi, actor=process_owner, period_kind="day")
    assess(initiative)
    gap.refresh_from_db()
    assert gap.still_present is True and gap.action == "Report weekly"
    assert DataAssessment.objects.filter(initiative=initiative).count() == 3


def test_it_marks_the_gaps_of_a_removed_kpi_no_longer_present(initiative):
    ikpi = add_kpi(initiative, "improvement.ideas_submitted")
    assess(initiative)
    services.do_remove_initiative_kpi(ikpi, actor=None)
    assert not Gap.objects.filter(initiative=initiative, still_present=True).exists()


def test_it_updates_a_gap_and_journals_it(initiative, process_owner, requester):
    add_kpi(initiative)
    assess(initiative)
    gap = Gap.objects.get(initiative=initiative)
    services.do_update_gap(gap, actor=process_owner, action="  Import the old desk's history ")
    event = JournalEvent.objects.for_subject(initiative).latest("id")
    assert event.event_type == EventType.GAP_UPDATED
    assert event.changes == {"action": {"old": "", "new": "Import the old desk's history"}}
    assert event.data == {"gap": gap.pk, "kpi_key": MEDIAN, "code": "no_data"}
    with pytest.raises(ValidationError) as error:
        services.do_update_gap(gap, actor=None, owner=requester)
    assert "owner" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        services.do_update_gap(gap, actor=None, status="ignored")
    assert "status" in error.value.message_dict


# -- step 3: collection status ------------------------------------------------------------------


def test_it_says_the_data_is_arriving(initiative):
    ensure_history()
    ikpi = add_kpi(initiative, schedule="daily", source_description="Kaizen incidents")
    status = collection_status(ikpi, today=dt.date(2026, 7, 3))
    assert status["status"] == "ok"
    assert status["last_data_at"].startswith("2026-07-03T13:00")
    assert status["source"] == "Kaizen incidents" and status["schedule"] == "daily"
    assert status["periods_missing"] == [] and status["periods_checked"] == 12
    assert "Every one of the last 12 weeks has data" in status["explanation"]


def test_it_says_the_data_is_stale_after_two_periods_of_the_schedule(initiative):
    ensure_history()
    ikpi = add_kpi(initiative, schedule="weekly")
    status = collection_status(ikpi, today=dt.date(2026, 7, 20))
    assert status["status"] == "stale"
    assert "more than two weeks" in status["explanation"]
    assert status["periods_missing"] == ["2026-07-06", "2026-07-13"]
    assert status["source"].startswith("Kaizen's incident records")  # suggested
    assert status["source_described"] is False


def test_it_says_when_there_is_no_data_or_the_kpi_cannot_be_measured(initiative):
    ikpi = add_kpi(initiative)
    assert collection_status(ikpi, today=TODAY)["status"] == "no data"
    other = add_kpi(initiative, "improvement.ideas_submitted")
    status = collection_status(other, today=TODAY)
    assert status["status"] == "not measurable"
    assert "no idea box" in status["explanation"]


def test_it_reads_an_external_kpi_from_its_data_points(initiative):
    make_custom_kpi(
        key="custom.availability",
        name="Availability",
        unit="percent",
        direction="higher",
        target=99.9,
        warning=99.5,
        source="external",
        period_column="occurred_at",
        filters=[],
        aggregate="mean",
        column="value",
    )
    ikpi = add_kpi(initiative, "custom.availability", schedule="daily")
    assert collection_status(ikpi, today=dt.date(2026, 3, 10))["status"] == "no data"
    record_points(
        "custom.availability",
        {"occurred_at": "2026-03-02T08:00:00Z", "value": 99.95},
        {"occurred_at": "2026-03-09T08:00:00Z", "value": 99.0},
    )
    status = collection_status(ikpi, today=dt.date(2026, 3, 10))
    assert status["status"] == "ok" and status["last_data_at"].startswith("2026-03-09T08:00")
    assert status["last_point_recorded_at"] is not None
    assert collection_status(ikpi, today=dt.date(2026, 3, 20))["status"] == "stale"
