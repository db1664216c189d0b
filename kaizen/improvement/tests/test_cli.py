"""`kaizen improvement scan | evaluate`: what they print and what they record."""

import datetime as dt
import json
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from kaizen.improvement.models import Opportunity, Status
from kaizen.journal.models import JournalEvent
from kaizen.kpis.models import Measurement, MeasurementSource

pytestmark = pytest.mark.django_db

MEDIAN = "incident.resolution_hours_median"


def improvement(*arguments: str) -> str:
    out = StringIO()
    call_command("improvement", *arguments, stdout=out)
    return out.getvalue()


@pytest.fixture
def worsening():
    """Sixteen complete months before 15 May 2026 of a resolution time rising steadily."""
    month = dt.date(2025, 1, 1)
    for index in range(16):
        Measurement.objects.create(
            kpi_key=MEDIAN,
            period_kind="month",
            period_start=month,
            value=10 + index + (0.3 if index % 2 else -0.3),
            n=40,
            computed_at=timezone.now(),
            source=MeasurementSource.ENGINE,
        )
        month = (month.replace(day=28) + dt.timedelta(days=4)).replace(day=1)


def test_it_scans_and_prints_the_result_as_json(worsening):
    printed = json.loads(improvement("scan", "--on", "2026-05-15", "--json"))

    opportunity = Opportunity.objects.get()
    assert printed["created"] == [
        {
            "id": opportunity.pk,
            "kind": "adverse_trend",
            "title": opportunity.title,
            "strength": opportunity.strength,
        }
    ]
    assert printed["updated"] == printed["reopened"] == printed["unchanged"] == []
    assert printed["skipped"]["satisfaction_drop"].startswith("not available")
    assert "not linked to a problem record" in printed["notes"]["recurring_incidents"]


def test_a_second_scan_changes_nothing_and_says_so(worsening):
    improvement("scan", "--on", "2026-05-15")
    text = improvement("scan", "--on", "2026-05-15")
    assert text.splitlines()[0] == "0 created, 0 reopened, 0 updated, 1 unchanged"
    assert "= #" in text and "[adverse_trend] Median time to resolve" in text
    assert "skipped satisfaction_drop: not available" in text
    assert Opportunity.objects.count() == 1


def test_it_journals_the_scan_under_one_correlation_id(worsening):
    from kaizen.kpis.tests.helpers import insert_incident_facts

    insert_incident_facts(
        *(
            {
                "opened_at": dt.datetime(2026, 4, 1, 9) + dt.timedelta(minutes=i),
                "ci": "db-01",
            }
            for i in range(6)
        )
    )
    improvement("scan", "--on", "2026-05-15")
    events = JournalEvent.objects.filter(event_type="improvement.opportunity.detected")
    assert events.count() == 2  # the trend and the recurring incidents on db-01
    assert len({event.correlation_id for event in events}) == 1


def test_it_names_a_bad_date():
    with pytest.raises(CommandError, match="--on: 'yesterday' is not a date"):
        improvement("scan", "--on", "yesterday")


def test_it_evaluates_the_initiatives_whose_window_has_ended(process_owner):
    from kaizen.improvement.tests.helpers import add_kpi, implement, make_initiative, walk_to_step

    due = make_initiative(owner=process_owner, title="Due")
    add_kpi(due, actor=process_owner, target=12.0)
    implement(walk_to_step(due, 7, actor=process_owner), actor=process_owner)
    assert due.status == Status.EVALUATING and due.evaluation_ends_on < dt.date(2026, 5, 10)
    running = walk_to_step(
        make_initiative(owner=process_owner, title="At step 6"), 6, actor=process_owner
    )

    printed = json.loads(improvement("evaluate", "--on", "2026-05-10", "--json"))

    assert printed == {"evaluated": [{"initiative": due.pk, "target_met": True}], "refused": {}}
    due.refresh_from_db()
    running.refresh_from_db()
    assert due.status == Status.COMPLETED and due.evaluations.get().evaluated_by is None
    assert running.status == Status.ACTIVE
    assert improvement("evaluate", "--on", "2026-05-10") == "0 evaluated, 0 refused\n"


def test_it_prints_each_evaluation_with_its_verdict(process_owner):
    from kaizen.improvement.tests.helpers import add_kpi, implement, make_initiative, walk_to_step

    missed = make_initiative(owner=process_owner, title="Missed")
    add_kpi(missed, actor=process_owner, target=5.0)  # the seeded history gets to ~10 h
    implement(walk_to_step(missed, 7, actor=process_owner), actor=process_owner)

    text = improvement("evaluate", "--on", "2026-05-10")

    assert text.splitlines() == ["1 evaluated, 0 refused", f"  {missed.reference}: target not met"]
