"""`kaizen import eventlog-csv`: process-mining event logs, one row per activity of a case."""

import gzip
import json
from io import StringIO

import pytest
from django.core.management import call_command

from kaizen.imports.models import RowError
from kaizen.incidents.models import Incident, State
from kaizen.journal.models import JournalEvent

pytestmark = pytest.mark.django_db

# Deliberately not sorted by case: rows of C-1 come before and after C-2's.
LOG = """case,activity,time,who,channel
C-1,Open ticket,2024-01-08T09:00:00+00:00,Desk One,phone
C-2,Open ticket,2024-01-08T09:30:00+00:00,,email
C-1,Start work,2024-01-08T10:00:00+00:00,Net Two,phone
C-2,Cancel,2024-01-08T09:45:00+00:00,Desk One,email
C-1,Add note,2024-01-08T11:00:00+00:00,Net Two,phone
C-1,Resolve,2024-01-08T12:00:00+00:00,Net Two,phone
,Orphan,2024-01-08T12:00:00+00:00,Net Two,phone
C-1,Close,not a time,Net Two,phone
C-1,Close,2024-01-09T12:00:00+00:00,Net Two,phone
"""


def run(path):
    out = StringIO()
    call_command(
        "import",
        "eventlog-csv",
        str(path),
        "--case",
        "case",
        "--activity",
        "activity",
        "--timestamp",
        "time",
        "--resource",
        "who",
        "--attribute",
        "channel",
        "--json",
        stdout=out,
    )
    return json.loads(out.getvalue())


@pytest.fixture
def log(tmp_path):
    path = tmp_path / "log.csv.gz"
    with gzip.open(path, "wt", encoding="utf-8") as handle:
        handle.write(LOG)
    return path


def test_each_case_becomes_an_incident_with_its_activities_as_history(log):
    summary = run(log)

    assert summary["records_created"] == 2
    case = Incident.objects.get(number="C-1")
    assert case.state == State.CLOSED
    assert case.opened_at.isoformat() == "2024-01-08T09:00:00+00:00"
    assert case.first_responded_at.isoformat() == "2024-01-08T10:00:00+00:00"
    assert case.resolved_at.isoformat() == "2024-01-08T12:00:00+00:00"
    assert case.assignee.first_name == "Net Two"
    assert case.source_attributes["channel"] == "phone"
    events = list(JournalEvent.objects.for_subject(case).order_by("id"))
    # Opened, start work, the note (no field change, kept with its activity), resolve, close.
    assert len(events) == 5
    assert events[2].changes == {}
    assert events[2].data == {"activity": "Add note"}
    assert Incident.objects.get(number="C-2").state == State.CANCELLED


def test_rows_without_a_case_or_a_readable_time_are_reported(log):
    summary = run(log)

    assert summary["rows_rejected"] == 2
    assert set(RowError.objects.values_list("row_number", "field")) == {(8, "case"), (9, "time")}


def test_a_second_run_creates_nothing_twice(log):
    run(log)
    assert run(log)["records_created"] == 0
    assert Incident.objects.count() == 2
