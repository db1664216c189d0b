"""`kaizen import work-log-csv PATH`: work seen on configuration items, matched to the change
that covers it or recorded as an unauthorised change; bad rows are named by row, column and
value; a re-run records nothing twice."""

import datetime as dt
import json
from io import StringIO

import pytest
from django.core.management import call_command

from kaizen.changes.models import Change
from kaizen.changes.tests.factories import T0, authorised_normal_change, move
from kaizen.imports.models import ImportRun, RowError
from kaizen.journal.events import EventType
from kaizen.journal.models import JournalEvent
from kaizen.testing import make_ci

pytestmark = pytest.mark.django_db


def run(path, *args: str) -> dict:
    out = StringIO()
    call_command("import", "work-log-csv", str(path), "--json", *args, stdout=out)
    return json.loads(out.getvalue())


@pytest.fixture
def work_log(tmp_path, agent):
    """A switch with a change scheduled on it for T0 + 7 days 09:00-11:00 UTC, a router with
    none, and a log of five rows: one inside the change's window, one on the router, one on a
    CI Kaizen does not know, one with an unreadable time, one saying nothing."""
    switch, router = make_ci(name="sw-core-01"), make_ci(name="rt-edge-02")
    change = authorised_normal_change(agent, cis=[switch])
    move(change, "scheduled", agent, T0 + dt.timedelta(days=2))
    path = tmp_path / "discovery.csv"
    path.write_text(
        "configuration_item,seen_at,description,source\n"
        "sw-core-01,2026-03-09T09:40:00+00:00,Firmware changed from 9.1 to 9.3,discovery\n"
        "rt-edge-02,2026-03-09 14:00,New static route 10.9.0.0/16,\n"
        "fw-unknown,2026-03-09T15:00:00+00:00,Rule set reloaded,discovery\n"
        "sw-core-01,yesterday,Port 12 enabled,discovery\n"
        "rt-edge-02,2026-03-10T08:00:00+00:00,,discovery\n",
        encoding="utf-8",
    )
    return {"path": path, "switch": switch, "router": router, "change": change}


def test_each_sighting_is_matched_to_its_change_or_recorded_as_unauthorised(work_log):
    summary = run(work_log["path"], "--source", "nightly scan", "--time-zone", "Europe/Paris")
    assert summary["rows_read"] == 5
    assert summary["records_created"] == 2
    assert summary["records_refused"] == 1 and summary["rows_rejected"] == 3
    # Inside the scheduled change's window: journaled on it, no new change.
    change = work_log["change"]
    seen = JournalEvent.objects.for_subject(change).get(event_type=EventType.CHANGE_WORK_DETECTED)
    assert seen.data["what"] == "Firmware changed from 9.1 to 9.3"
    assert seen.data["source"] == "discovery"
    # On the router: no change covers it, so an unauthorised change in Review, the row's time
    # read in the run's time zone (14:00 in Paris is 13:00 UTC) and the run's source.
    flagged = Change.objects.get(unauthorised=True)
    assert flagged.configuration_items.get() == work_log["router"]
    assert flagged.state == "review"
    assert flagged.actual_start == dt.datetime(2026, 3, 9, 13, 0, tzinfo=dt.UTC)
    assert flagged.unauthorised_reason == "work recorded on rt-edge-02 with no change"
    assert flagged.description == "Seen by nightly scan: New static route 10.9.0.0/16"
    problems = {
        (error.row_number, error.field, error.value): error.reason
        for error in RowError.objects.all()
    }
    assert problems[(4, "configuration_item", "fw-unknown")] == (
        "no configuration item is named 'fw-unknown'"
    )
    assert problems[(5, "seen_at", "yesterday")].startswith("not a time")
    assert problems[(6, "description", "")] == "the row says not what was seen"


def test_a_re_run_records_nothing_twice(work_log):
    run(work_log["path"])
    last_event = JournalEvent.objects.order_by("-id").values_list("id", flat=True)[0]
    changes = Change.objects.count()
    again = run(work_log["path"])
    assert again["records_created"] == 0 and again["records_already_present"] == 2
    assert Change.objects.count() == changes
    # The second run journaled only itself: no sighting, no change.
    assert set(
        JournalEvent.objects.filter(id__gt=last_event).values_list("event_type", flat=True)
    ) == {EventType.IMPORT_RUN_FINISHED}
    assert ImportRun.objects.count() == 2


def test_the_command_says_what_it_recorded(work_log):
    out = StringIO()
    call_command("import", "work-log-csv", str(work_log["path"]), "--no-progress", stdout=out)
    text = out.getvalue()
    assert "2 sightings of work recorded" in text
    assert "row 4 fw-unknown 2026-03-09T15:00:00+00:00 configuration_item='fw-unknown'" in text
