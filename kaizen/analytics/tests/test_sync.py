"""The sync follows the journal incrementally, exactly once, and agrees with a rebuild."""

import subprocess
import sys
import time

import pytest

from kaizen.analytics import sync as sync_module
from kaizen.analytics.families.incidents import INCIDENT_FACT_SCHEMA
from kaizen.analytics.store import StoreBusy, connect, store_path, writer_lock
from kaizen.analytics.sync import CURSOR, read_state, rebuild, sync
from kaizen.analytics.tests.helpers import event_facts, incident_facts, rows
from kaizen.incidents import services
from kaizen.incidents.models import Incident
from kaizen.incidents.tests.helpers import make_incident, move
from kaizen.journal.models import JournalEvent
from kaizen.people import services as people_services
from kaizen.sla.services import do_create_sla_definition, do_recompute_clocks

pytestmark = pytest.mark.django_db


def store_contents() -> tuple[list[dict], list[dict]]:
    return rows("incident_facts", "incident_id"), rows("incident_event_facts", "event_id")


def last_journal_id() -> int:
    return JournalEvent.objects.latest("id").pk


@pytest.fixture
def three_incidents(agent, desk):
    return [make_incident(assignment_group=desk, assignee=agent) for _ in range(3)]


def test_it_rebuilds_an_empty_store_on_the_first_sync(three_incidents):
    report = sync()
    assert report.mode == "rebuild"
    assert report.incidents == 3
    assert report.event_facts == 3  # one created event each
    assert report.cursor == last_journal_id()
    assert set(incident_facts()) == {incident.number for incident in three_incidents}


def test_it_rewrites_only_the_incidents_changed_since_the_last_sync(three_incidents):
    sync()
    first, second, third = three_incidents
    move(first, "in_progress", "resolved")
    services.do_add_incident_comment(second, "Any news?", actor=None)
    report = sync()
    assert report.mode == "sync"
    assert (report.events, report.event_facts, report.incidents) == (3, 3, 2)
    assert not report.refreshed_all
    facts = incident_facts()
    assert facts[first.number]["state"] == "resolved"
    assert len(event_facts(first)) == 3 and len(event_facts(third)) == 1


def test_running_it_again_changes_nothing(three_incidents):
    sync()
    move(three_incidents[0], "in_progress")
    sync()
    before = store_contents()
    report = sync()
    assert (report.events, report.event_facts, report.incidents, report.batches) == (0, 0, 0, 0)
    assert store_contents() == before


def test_it_fills_the_store_exactly_as_a_rebuild_does(agent, bob, desk):
    opened = [make_incident(assignment_group=desk) for _ in range(4)]
    sync()
    services.do_assign_incident(
        opened[0], assignment_group=desk, assignee=bob, actor=agent, expected_version=None
    )
    move(opened[1], "in_progress", "resolved", actor=agent)
    sync(batch_size=2)
    move(opened[1], "in_progress", "resolved", actor=agent)  # reopened and resolved again
    move(opened[2], "cancelled", actor=agent)
    make_incident(assignment_group=desk)
    sync(batch_size=3)
    synced = store_contents()
    report = rebuild()
    assert report.mode == "rebuild"
    assert store_contents() == synced


def test_it_resumes_an_interrupted_sync_without_duplicates(three_incidents, monkeypatch):
    sync()
    for incident in three_incidents:
        move(incident, "in_progress", "resolved")  # six events, three batches of two
    save_state = sync_module._save_state
    calls = []

    def crash_on_the_second_batch(connection, values):
        calls.append(values)
        if len(calls) == 2:
            raise RuntimeError("worker killed")
        save_state(connection, values)

    monkeypatch.setattr(sync_module, "_save_state", crash_on_the_second_batch)
    with pytest.raises(RuntimeError, match="worker killed"):
        sync(batch_size=2)
    # The first batch (the first incident's two events) committed, the second rolled back.
    assert len(event_facts()) == 3 + 2
    monkeypatch.setattr(sync_module, "_save_state", save_state)
    report = sync(batch_size=2)
    assert report.events == 4
    event_ids = [row["event_id"] for row in event_facts()]
    assert len(event_ids) == len(set(event_ids)) == 3 + 6
    assert {fact["state"] for fact in incident_facts().values()} == {"resolved"}
    synced = store_contents()
    rebuild()
    assert store_contents() == synced


def test_it_refreshes_every_incident_after_an_sla_recompute(office, three_incidents):
    sync()
    assert {fact["sla_source"] for fact in incident_facts().values()} == {None}
    do_create_sla_definition(
        actor=None,
        name="Anything in 8 hours",
        kind="resolution",
        target_minutes=480,
        calendar=office,
    )
    for incident in three_incidents:
        move(incident, "in_progress", "resolved")
    sync()  # resolved before any clock was computed: still not measured
    do_recompute_clocks(actor=None)
    report = sync()
    assert report.refreshed_all and report.incidents == 3
    assert {fact["sla_source"] for fact in incident_facts().values()} == {"kaizen"}


def test_it_refreshes_the_incidents_that_show_a_renamed_team(three_incidents, desk):
    sync()
    people_services.do_update_team(desk, actor=None, name="First line")
    report = sync()
    assert report.incidents == 3 and not report.refreshed_all
    assert {fact["team"] for fact in incident_facts().values()} == {"First line"}


def test_it_rebuilds_when_the_reporting_calendar_changes(office, three_incidents, settings):
    sync()
    settings.KAIZEN_REPORTING_CALENDAR = "office"
    assert sync().mode == "rebuild"
    assert sync().mode == "sync"


def test_it_refuses_to_run_beside_another_writer_when_told_not_to_wait(three_incidents):
    with writer_lock():
        with pytest.raises(StoreBusy):
            sync(wait=False)
        with pytest.raises(StoreBusy):
            rebuild(wait=False)
    assert sync(wait=False).mode == "rebuild"


def test_its_incident_rows_have_exactly_the_columns_of_the_store(db):
    # Event rows are checked column by column in test_event_facts.
    with connect() as connection:
        columns = connection.execute("SELECT * FROM incident_facts LIMIT 0").description
    assert [column[0] for column in columns] == INCIDENT_FACT_SCHEMA.names


def test_a_rebuild_keeps_the_cursor_at_the_journals_end(three_incidents):
    rebuild()
    with connect() as connection:
        assert int(read_state(connection)[CURSOR]) == last_journal_id()
    assert sync().events == 0


def sync_until_caught_up(seconds: float = 60.0) -> list:
    """Sync until the cursor reaches the journal's last event. On PostgreSQL the journal
    feed holds back events while any transaction older than them is still running anywhere
    on the server (transaction ids are server-wide), e.g. another test suite's."""
    reports, deadline = [], time.monotonic() + seconds
    while True:
        reports.append(sync())
        if reports[-1].cursor == last_journal_id() or time.monotonic() > deadline:
            return reports
        time.sleep(0.5)


@pytest.mark.django_db(transaction=True)
def test_it_syncs_outside_any_transaction():
    # As the task worker runs it; on PostgreSQL each batch then reads in one REPEATABLE READ,
    # read-only snapshot.
    incident = make_incident()
    assert sync_until_caught_up()[0].mode == "rebuild"
    move(incident, "in_progress", "resolved")
    reports = sync_until_caught_up()
    assert sum(report.events for report in reports) == 2
    assert incident_facts()[incident.number]["state"] == "resolved"


def test_a_rebuild_reads_in_chunks_the_same_facts_as_in_one(agent, bob, desk):
    incidents = [make_incident(assignment_group=desk) for _ in range(5)]
    move(incidents[0], "in_progress", "resolved", actor=agent)
    services.do_assign_incident(
        incidents[3], assignment_group=desk, assignee=bob, actor=agent, expected_version=None
    )
    rebuild()
    whole = store_contents()
    report = rebuild(batch_size=2)  # chunks of two journal ids, two incident ids
    first_id = JournalEvent.objects.earliest("id").pk
    assert report.batches == len(range(first_id - 1, last_journal_id(), 2)) > 3
    assert store_contents() == whole


HOLD_OPEN_AND_COUNT = """
import sys, duckdb
connection = duckdb.connect(sys.argv[1], read_only=True)
count = "SELECT count(*) FROM incident_facts"
print(connection.execute(count).fetchone()[0], flush=True)
sys.stdin.readline()
print(connection.execute(count).fetchone()[0], flush=True)
"""


def test_a_rebuild_does_not_wait_for_readers_who_keep_the_facts_they_opened(three_incidents):
    sync()
    reader = subprocess.Popen(
        [sys.executable, "-c", HOLD_OPEN_AND_COUNT, str(store_path())],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert reader.stdout.readline().strip() == "3"
        make_incident()
        started = time.monotonic()
        rebuild()
        # The old store swapped its facts in only once the reader let go (30 s at most).
        assert time.monotonic() - started < 10
        assert len(incident_facts()) == 4
        reader.stdin.write("\n")
        reader.stdin.flush()
        assert reader.stdout.readline().strip() == "3"
    finally:
        reader.kill()
        reader.wait(timeout=10)


def test_a_rebuild_leaves_only_the_store_and_ignores_a_crashed_writers_log(three_incidents):
    sync()
    live = store_path()
    # A log a crashed writer of the old file left: replayed into the new file, it would make
    # it unreadable.
    live.with_name(live.name + ".wal").write_bytes(b"not a log of the new file" * 100)
    rebuild()
    assert sorted(path.name for path in live.parent.glob(f"{live.name}*")) == [
        live.name,
        f"{live.name}.gate",
        f"{live.name}.lock",
    ]
    assert len(incident_facts()) == 3


@pytest.mark.django_db(transaction=True)
def test_worker_processes_rebuild_the_same_facts(agent, bob, desk):
    from django.db import connection

    if connection.vendor == "sqlite" and connection.is_in_memory_db():
        pytest.skip("worker processes need a database they can open (PostgreSQL, SQLite file)")
    incidents = [make_incident(assignment_group=desk) for _ in range(5)]
    move(incidents[1], "in_progress", "resolved", actor=agent)
    services.do_assign_incident(
        incidents[2], assignment_group=desk, assignee=bob, actor=agent, expected_version=None
    )
    cursor = sync_until_caught_up()[-1].cursor
    in_one_process = store_contents()
    report = rebuild(batch_size=2, workers=2)
    assert (report.incidents, report.cursor) == (5, cursor)
    assert store_contents() == in_one_process


def test_a_rebuild_that_fails_half_way_leaves_the_store_as_it_was(three_incidents, monkeypatch):
    sync()
    before = store_contents()
    make_incident()
    insert = sync_module._insert

    def fail_on_the_incidents(connection, table_name, rows):
        if table_name == "incident_facts":
            raise RuntimeError("killed")
        return insert(connection, table_name, rows)

    monkeypatch.setattr(sync_module, "_insert", fail_on_the_incidents)
    with pytest.raises(RuntimeError, match="killed"):
        rebuild()
    assert store_contents() == before
    assert not sync_module.staging_path().exists()
    monkeypatch.setattr(sync_module, "_insert", insert)
    assert rebuild().incidents == 4


def test_a_rebuild_passes_over_ranges_of_ids_with_no_incident(three_incidents):
    first, gone, last = three_incidents
    Incident.objects.filter(pk=gone.pk).delete()  # as ids a rolled-back transaction used
    report = rebuild(batch_size=1)
    assert report.incidents == 2
    assert set(incident_facts()) == {first.number, last.number}
