"""`kaizen import eventlog-csv --mapping`: activities with numeric codes mapped to states,
resources to people and teams, value maps; cases that start resolved, reopens after closure,
case numbers kept as written, and the warnings of what is not mapped."""

import json
from io import StringIO

import pytest
from django.core.management import call_command

from kaizen.imports.eventlog_mapping import load_eventlog_mapping
from kaizen.imports.models import ImportRun, RowError
from kaizen.imports.tickets import MappingError
from kaizen.incidents.models import Incident, State
from kaizen.incidents.services.lifecycle import TRANSITIONS
from kaizen.journal.events import EventType
from kaizen.journal.models import JournalEvent

pytestmark = pytest.mark.django_db

MAPPING = """
source = "codes"

[activities]
"10" = "new"
"20" = "in_progress"
"30" = { state = "on_hold", on_hold_reason = "awaiting_caller" }
"40" = { state = "resolved", resolution = "solved" }
"50" = "closed"
"60" = ""
"70" = "cancelled"

[resources]
"u1" = { team = "Service Desk" }
"u2" = { person = "Ann Smith" }

[columns]
priority = "prio"
channel = "chan"

[values.priority]
P1 = 1
P2 = 2

[values.channel]
tel = "phone"
web = "self_service"
"""

# Line numbers as a spreadsheet shows them (the header is line 1).
LOG = """case,activity,time,who,prio,chan
c-1,10,2024-01-08T09:00:00+00:00,u1,P2,tel
c-1,20,2024-01-08T10:00:00+00:00,u2,P2,tel
c-1,30,2024-01-08T11:00:00+00:00,u2,,tel
c-1,20,2024-01-08T12:00:00+00:00,u2,P1,tel
c-1,60,2024-01-08T12:30:00+00:00,u2,,
c-1,40,2024-01-08T13:00:00+00:00,u2,,tel
c-1,50,2024-01-09T13:00:00+00:00,u2,,tel
C-2,40,2024-01-10T09:00:00+00:00,u2,P3x,web
C-2,50,2024-01-10T10:00:00+00:00,u2,,web
C-2,20,2024-01-11T09:00:00+00:00,u2,,web
C-2,40,2024-01-11T12:00:00+00:00,u2,,web
C-2,50,2024-01-12T09:00:00+00:00,u2,,web
C.3,10,2024-01-13T09:00:00+00:00,,P2,fax
C.3,99,2024-01-13T10:00:00+00:00,,P2,fax
a/b,10,2024-01-13T09:00:00+00:00,,P2,tel
CASE-NUMBER-TOO-LONG-21,10,2024-01-13T09:00:00+00:00,,P2,tel
C-4,10,2024-01-14T09:00:00+00:00,,P2,tel
C-4,70,2024-01-14T10:00:00+00:00,u2,P2,tel
C-4,20,2024-01-14T11:00:00+00:00,u2,P2,tel
"""


@pytest.fixture
def files(tmp_path):
    log = tmp_path / "codes.csv"
    log.write_text(LOG)
    mapping = tmp_path / "codes.toml"
    mapping.write_text(MAPPING)
    return log, mapping


def run(log, mapping=None, *extra, as_json=True):
    out = StringIO()
    arguments = ["eventlog-csv", str(log), "--case", "case", "--activity", "activity"]
    arguments += ["--timestamp", "time", "--resource", "who", *extra]
    if mapping is not None:
        arguments += ["--mapping", str(mapping)]
    call_command("import", *arguments, *(["--json"] if as_json else ["--no-progress"]), stdout=out)
    return json.loads(out.getvalue()) if as_json else out.getvalue()


def states(incident):
    return [
        event.changes["state"]["new"]
        for event in JournalEvent.objects.for_subject(incident).order_by("id")
        if "state" in event.changes
    ]


def test_numeric_activities_move_incidents_through_the_mapping(files):
    summary = run(*files)

    assert summary["records_created"] == 4
    case = Incident.objects.get(number="c-1")  # as the log writes it: not upper-cased
    assert states(case) == [
        "assigned",
        "in_progress",
        "on_hold",
        "in_progress",
        "resolved",
        "closed",
    ]
    assert (case.priority, case.channel, case.resolution_code) == (1, "phone", "solved")
    assert case.assignment_group.name == "Service Desk"
    assert case.assignee.first_name == "Ann Smith"
    assert case.first_responded_at.isoformat() == "2024-01-08T10:00:00+00:00"
    assert case.resolved_at.isoformat() == "2024-01-08T13:00:00+00:00"
    assert case.closed_at.isoformat() == "2024-01-09T13:00:00+00:00"
    assert (case.imported_from, case.reopen_count) == ("codes", 0)
    events = list(JournalEvent.objects.for_subject(case).order_by("id"))
    held = next(event for event in events if event.data.get("activity") == "30")
    assert held.changes["on_hold_reason"] == {"old": "", "new": "awaiting_caller"}
    raised = next(event for event in events[1:] if "priority" in event.changes)
    assert (raised.changes["priority"], raised.data) == ({"old": 2, "new": 1}, {"activity": "20"})
    note = next(event for event in events if event.data.get("activity") == "60")
    assert (note.event_type, note.changes) == (EventType.INCIDENT_UPDATED, {})


def test_a_case_that_starts_resolved_and_is_reopened_after_closure(files):
    summary = run(*files)

    case = Incident.objects.get(number="C-2")
    # Resolved at its first event; the closure the reopen undoes is kept as the resolution.
    assert states(case) == ["assigned", "resolved", "in_progress", "resolved", "closed"]
    assert case.reopen_count == 1
    assert case.first_responded_at.isoformat() == "2024-01-10T09:00:00+00:00"
    assert case.resolved_at.isoformat() == "2024-01-11T12:00:00+00:00"
    assert case.closed_at.isoformat() == "2024-01-12T09:00:00+00:00"
    events = list(JournalEvent.objects.for_subject(case).order_by("id"))
    undone = next(
        event for event in events if event.occurred_at.isoformat().startswith("2024-01-10T10")
    )
    assert undone.changes == {}
    assert undone.data == {
        "activity": "50",
        "note": "closure imported as a resolution: the case was reopened later",
    }
    reopened = next(event for event in events[1:] if "reopen_count" in event.changes)
    assert reopened.changes["reopen_count"] == {"old": 0, "new": 1}
    assert reopened.changes["resolved_at"]["new"] is None
    assert summary["history"] == {
        "opened_resolved": 1,
        "reopens": 1,
        "cases_reopened": 1,
        "closures_undone": 1,
        "cancellations_undone": 1,
    }


def test_every_imported_move_is_one_kaizen_allows(files):
    run(*files)

    for incident in Incident.objects.all():
        moves = [
            (event.changes["state"]["old"], event.changes["state"]["new"])
            for event in JournalEvent.objects.for_subject(incident).order_by("id")[1:]
            if "state" in event.changes
        ]
        for old, new in moves:
            # New -> Assigned follows an assignment; every other move is in the table.
            assert State(new) in TRANSITIONS[State(old)], (incident.number, old, new)


def test_a_cancellation_followed_by_work_is_kept_without_cancelling(files):
    run(*files)

    case = Incident.objects.get(number="C-4")
    # Assigned when Ann takes it at the cancellation's row, which cancels nothing.
    assert states(case) == ["new", "assigned", "in_progress"]
    assert case.cancelled_at is None
    error = RowError.objects.get(record_key="C-4")
    assert (error.row_number, error.field, error.value) == (19, "activity", "70")
    assert error.reason.startswith("activity '70' cancels the case, but it is worked on later")


def test_unknown_values_are_row_problems_and_take_the_default(files):
    summary = run(*files)

    c2 = Incident.objects.get(number="C-2")
    assert (c2.priority, c2.channel) == (5, "self_service")  # P3x: Kaizen's default priority
    c3 = Incident.objects.get(number="C.3")  # a dot is kept: the API reaches it too
    assert (c3.state, c3.channel, c3.priority) == (State.NEW, "phone", 2)
    ignored = {
        (error.row_number, error.field, error.value): error.reason
        for error in RowError.objects.filter(record_key__in=["C-2", "C.3"])
    }
    assert ignored == {
        (9, "prio", "P3x"): "priority must be 1..5 (map it under [values.priority])",
        (14, "chan", "fax"): "unknown channel 'fax': not one of phone, email, self_service, "
        "monitoring, walk_in (map it under [values.channel])",
        (15, "chan", "fax"): "unknown channel 'fax': not one of phone, email, self_service, "
        "monitoring, walk_in (map it under [values.channel])",
    }
    assert summary["rows_rejected"] == 2


def test_an_invalid_case_number_is_a_row_error_naming_row_column_and_value(files):
    run(*files)

    rejected = {
        (error.row_number, error.field, error.value): error.reason
        for error in RowError.objects.filter(record_key="")
    }
    assert rejected == {
        (16, "case", "a/b"): "the case id holds '/' or a control character, which an "
        "incident number cannot",
        (17, "case", "CASE-NUMBER-TOO-LONG-21"): "the case id is longer than 20 characters "
        "(an incident number)",
    }
    assert not Incident.objects.filter(number__in=["a/b", "CASE-NUMBER-TOO-LONG-21"]).exists()


def test_a_case_number_with_a_dot_is_reachable_through_the_api(files, api, agent):
    run(*files)
    response = api(agent).get("/api/v1/incidents/C.3/")
    assert response.status_code == 200
    assert response.json()["number"] == "C.3"


def test_the_same_file_twice_under_the_same_source_creates_nothing_twice(files):
    run(*files)
    counts = (Incident.objects.count(), JournalEvent.objects.count())

    again = run(*files)
    assert (again["records_created"], again["records_already_present"]) == (0, 4)
    assert again["history"]["reopens"] == 0  # counts what this run created
    assert Incident.objects.count() == counts[0] == 4
    # Only the run's own finished event is new.
    assert JournalEvent.objects.count() == counts[1] + 1


def test_the_mapping_names_the_source_unless_the_command_gives_the_same(files):
    log, mapping = files
    with pytest.raises(Exception, match="--source 'other' and the mapping's source 'codes'"):
        run(log, mapping, "--source", "other")
    run(log, mapping, "--source", "codes")
    assert set(Incident.objects.values_list("imported_from", flat=True)) == {"codes"}


def test_the_command_warns_of_unmapped_activities_and_defaulted_values(files):
    log, mapping = files
    output = run(log, mapping, as_json=False)

    warnings = [line for line in output.splitlines() if line.startswith("Warning: ")]
    assert warnings == [
        "Warning: 1 of 8 activities are not mapped to a state (1 of 17 events): their events "
        "are kept in the history but move nothing; map them under [activities] in the mapping "
        "file. Not mapped: '99' (1 event).",
        "Warning: Impact and urgency: no column of the log gives them, so all 4 incidents take "
        "Kaizen's default (impact 3 - Low, urgency 3 - Low); name the column under [columns] "
        "in the mapping file, or give [defaults].",
        "Warning: Priority (column 'prio'): 1 event has a value Kaizen cannot read, ignored: "
        "'P3x' (1 event); map them under [values.priority].",
        "Warning: Priority (column 'prio'): 1 of 4 incidents have no usable value in any of "
        "their rows and take Kaizen's default, 5 - Planning.",
        "Warning: Channel (column 'chan'): 2 events have values Kaizen cannot read, ignored: "
        "'fax' (2 events); map them under [values.channel].",
        "Warning: Channel (column 'chan'): 1 of 4 incidents have no usable value in any of "
        "their rows and take Kaizen's default, Phone.",
    ]
    assert (
        "History: incidents whose first event resolves or closes them: 1; reopens (Resolved "
        "back to In progress): 1; incidents reopened at least once: 1; closures followed by a "
        "reopen, imported as resolutions: 1; cancellations followed by more work, kept without "
        "cancelling: 1." in output
    )
    run_summary = ImportRun.objects.get().summary
    assert run_summary["warnings"] == [line.removeprefix("Warning: ") for line in warnings]


def test_without_a_mapping_numeric_activities_are_not_mapped_and_said_so(files):
    log, _ = files
    summary = run(log)

    assert set(Incident.objects.values_list("state", flat=True)) == {State.NEW, State.ASSIGNED}
    first, values = summary["warnings"]
    assert first == (
        "No activity is mapped to a state: the log's 8 activities (17 events) are kept in the "
        "history but move nothing, so every incident stays as it was opened; their names hold "
        "no keyword Kaizen knows: give a mapping file with an [activities] table. Not mapped: "
        "'20' (4 events), '10' (3 events), '40' (3 events), '50' (3 events), '30' (1 event), "
        "'60' (1 event), '99' (1 event), '70' (1 event)."
    )
    assert values.startswith("Channel, priority, impact and urgency: no column of the log")


@pytest.mark.parametrize(
    ("text", "error"),
    [
        ('[activities]\n"30" = "waiting"', "activities.30: unknown state 'waiting'"),
        (
            '[activities]\n"30" = { state = "in_progress", on_hold_reason = "awaiting_caller" }',
            "activities.30.on_hold_reason: only for the state on_hold",
        ),
        (
            '[activities]\n"40" = { state = "resolved", resolution = "fixed" }',
            "activities.40.resolution: 'fixed' is not one of solved",
        ),
        ('[resources]\nu1 = "Ann"', 'resources.u1: give {person = "name"} or {team = "name"}'),
        ('[resources]\nu1 = { robot = "R2" }', "resources.u1.robot: not a key (person or team)"),
        ('[columns]\ncaller = "who"', "columns.caller: not a field read from a column"),
        (
            '[columns]\npriority = "prio"\n[values.priority]\nP1 = 9',
            "values.priority.P1: priority must be 1..5",
        ),
        ("[values.impact]\nhigh = 1", "values.impact: that field has no column under [columns]"),
        ('[defaults]\nchannel = "fax"', "defaults.channel: unknown channel 'fax'"),
        ('[activitees]\n"10" = "new"', "activitees: not a section of an event log's mapping"),
        ('resource_kind = "robot"', 'resource_kind: "person" or "team"'),
    ],
)
def test_a_bad_mapping_is_refused_naming_the_key(text, error):
    with pytest.raises(MappingError) as caught:
        load_eventlog_mapping(text)
    assert str(caught.value).startswith(error)


def test_a_json_mapping_reads_as_the_toml_one():
    as_json = json.dumps(
        {
            "source": "codes",
            "activities": {
                "10": "new",
                "30": {"state": "on_hold", "on_hold_reason": "awaiting_caller"},
            },
            "values": {},
        }
    )
    mapping = load_eventlog_mapping(as_json, "codes.json")
    assert mapping["activities"]["30"] == {"state": "on_hold", "on_hold_reason": "awaiting_caller"}


def test_unlisted_resources_are_teams_when_the_mapping_says_so(tmp_path):
    log = tmp_path / "teams.csv"
    log.write_text(
        "case,activity,time,who\n"
        "T-1,Open,2024-02-01T09:00:00+00:00,Network\n"
        "T-1,Start work,2024-02-01T10:00:00+00:00,Databases\n"
    )
    mapping = tmp_path / "teams.yaml"
    mapping.write_text("resource_kind: team\n")
    run(log, mapping)
    case = Incident.objects.get(number="T-1")
    assert (case.assignment_group.name, case.assignee, case.state) == (
        "Databases",
        None,
        State.IN_PROGRESS,
    )
