"""`kaizen import tickets-csv PATH --mapping FILE`: another tool's ticket export."""

import json
import re
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from kaizen.imports.models import RowError
from kaizen.imports.tickets import REQUIRED_FIELDS, MappingError, load_mapping
from kaizen.incidents.models import Incident, State
from kaizen.journal.events import EventType
from kaizen.journal.models import JournalEvent

pytestmark = pytest.mark.django_db

JIRA_MAPPING = """
source = "jira"
attributes = ["Labels"]

[columns]
number = "Issue key"
opened_at = "Created"
resolved_at = "Resolved"
state = "Status"
priority = "Priority"
caller = "Reporter"
assignee = "Assignee"
assignment_group = "Team"
category = "Component"
short_description = "Summary"

[values.state]
"To Do" = "new"
"In Progress" = "in_progress"
"Waiting" = "on_hold"
"Done" = "closed"

[values.priority]
Highest = 1
High = 2
Medium = 3
Low = 4

[dates]
format = "%d/%b/%y %I:%M %p"
time_zone = "Europe/Paris"
"""

EXPORT = "\n".join(
    [
        "Issue key,Summary,Status,Priority,Reporter,Assignee,Team,Component,Created,Resolved,"
        "Labels",
        "OPS-1,VPN drops every hour,Done,High,Jane Doe,Max Agent,Network,VPN,03/Mar/25 9:15 AM,"
        "03/Mar/25 2:45 PM,remote",
        "OPS-2,Printer jammed,To Do,Low,John Roe,,,Printing,04/Mar/25 10:00 AM,,",
        "OPS-3,Mail is slow,In Progress,Medium,Jane Doe,Max Agent,Network,Mail,"
        "05/Mar/25 11:30 AM,,",
        "OPS-4,Bad date,Done,Low,Jane Doe,,,,yesterday,,",
        "OPS-5,Unknown status,Blocked,Low,Jane Doe,,,,05/Mar/25 11:30 AM,,",
        "",
    ]
)


@pytest.fixture
def export(tmp_path):
    (tmp_path / "jira.toml").write_text(JIRA_MAPPING)
    (tmp_path / "export.csv").write_text(EXPORT)
    return tmp_path


def run(export, *extra):
    out = StringIO()
    call_command(
        "import",
        "tickets-csv",
        str(export / "export.csv"),
        "--mapping",
        str(export / "jira.toml"),
        "--json",
        *extra,
        stdout=out,
    )
    return json.loads(out.getvalue())


def test_tickets_are_imported_through_the_mapping_with_the_history_their_times_imply(export):
    summary = run(export)

    assert summary["records_created"] == 3
    done = Incident.objects.get(number="OPS-1")
    assert done.imported_from == "jira"
    assert done.state == State.CLOSED
    assert done.priority == 2
    assert done.assignee.first_name == "Max Agent"
    assert done.assignment_group.name == "Network"
    assert done.category.name == "VPN"
    assert done.source_attributes == {"Labels": "remote"}
    # 9:15 in Paris (UTC+1 in March) is 8:15 UTC.
    assert done.opened_at.isoformat() == "2025-03-03T08:15:00+00:00"
    assert done.resolved_at.isoformat() == "2025-03-03T13:45:00+00:00"
    history = [
        e.changes.get("state", {}).get("new")
        for e in JournalEvent.objects.for_subject(done).order_by("id")
    ]
    assert history == [State.ASSIGNED, State.RESOLVED, State.CLOSED]
    assert Incident.objects.get(number="OPS-2").state == State.NEW
    working = Incident.objects.get(number="OPS-3")
    assert working.state == State.IN_PROGRESS
    assert (
        JournalEvent.objects.for_subject(working)
        .filter(event_type=EventType.INCIDENT_STATE_CHANGED)
        .exists()
    )


def test_bad_rows_are_reported_by_line_and_field_and_skipped(export):
    summary = run(export)

    assert summary["rows_rejected"] == 2
    errors = {e.record_key: e for e in RowError.objects.all()}
    assert errors["OPS-4"].row_number == 5
    assert errors["OPS-4"].field == "Created"
    assert errors["OPS-4"].value == "yesterday"
    assert errors["OPS-5"].row_number == 6
    assert "Blocked" in RowError.objects.get(record_key="OPS-5", field="Status").reason
    assert not Incident.objects.filter(number__in=["OPS-4", "OPS-5"]).exists()


def test_a_second_run_creates_nothing_twice(export):
    run(export)
    again = run(export)
    assert again["records_created"] == 0
    assert again["records_already_present"] == 3
    assert Incident.objects.count() == 3


@pytest.mark.parametrize(
    ("text", "named"),
    [
        ("[columns]\nnumber = 'Key'\n", "columns.opened_at"),
        ("[columns]\nnumber = 'Key'\nopened_at = 'C'\ncaller = 'R'\nsize = 'S'\n", "columns.size"),
        (
            "[columns]\nnumber='K'\nopened_at='C'\ncaller='R'\nstate='S'\n"
            "[values.state]\nDone = 'finished'\n",
            "values.state.Done",
        ),
        (
            "[columns]\nnumber='K'\nopened_at='C'\ncaller='R'\n[dates]\ntime_zone='Mars/Base'\n",
            "dates.time_zone",
        ),
        ("columns = [", "not valid TOML"),
    ],
)
def test_a_bad_mapping_is_refused_naming_the_key(text, named):
    with pytest.raises(MappingError, match=named.replace(".", r"\.")):
        load_mapping(text, "mapping.toml")


def test_yaml_mappings_work_too():
    mapping = load_mapping(
        "columns:\n  number: Key\n  opened_at: Created\n  caller: Reporter\n", "m.yaml"
    )
    assert mapping["columns"]["number"] == "Key"


def test_the_command_names_the_mapping_file_when_it_is_wrong(export):
    (export / "jira.toml").write_text("[columns]\nnumber = 'Key'\n")
    with pytest.raises(CommandError, match="--mapping .*columns.opened_at"):
        run(export)


def test_the_same_file_under_another_source_is_refused_row_by_row_saying_why(export):
    run(export)
    (export / "jira.toml").write_text(JIRA_MAPPING.replace('source = "jira"', 'source = "jira2"'))

    again = run(export)

    assert again["records_created"] == 0
    assert again["records_refused"] == 3
    # The summary groups the refusals as one reason, not one per number.
    refusals = {
        reason: count
        for reason, count in again["problems_by_reason"].items()
        if reason.startswith("Issue key:")
    }
    assert refusals == {
        "Issue key: number … already exists, imported from source 'jira' "
        "(this import's source is 'jira2')": 3
    }
    refused = RowError.objects.filter(run_id=again["run"], field="Issue key").order_by("row_number")
    # Rows as a spreadsheet numbers them: the header is row 1, OPS-1 is row 2.
    assert [(e.row_number, e.record_key, e.value, e.reason) for e in refused] == [
        (
            row,
            number,
            number,
            f"number {number} already exists, imported from source 'jira' "
            "(this import's source is 'jira2')",
        )
        for row, number in [(2, "OPS-1"), (3, "OPS-2"), (4, "OPS-3")]
    ]
    assert Incident.objects.count() == 3


def test_a_number_given_twice_in_the_file_is_refused_on_its_second_row(export):
    lines = EXPORT.splitlines()
    (export / "export.csv").write_text("\n".join([*lines, lines[2].replace("Printer", "Again")]))

    summary = run(export)

    assert summary["records_created"] == 3
    assert summary["records_refused"] == 1
    refused = RowError.objects.get(field="Issue key")
    assert (refused.row_number, refused.record_key) == (7, "OPS-2")
    assert refused.reason == "number OPS-2 is given twice in the file, first on row 3"
    assert Incident.objects.get(number="OPS-2").short_description == "Printer jammed"


def test_the_docs_list_the_fields_a_mapping_requires():
    docs = (Path(__file__).resolve().parents[3] / "docs" / "imports.md").read_text()
    line = next(line for line in docs.splitlines() if line.startswith("Required fields: "))
    listed = re.findall(r"`(\w+)`", line.split(".", 1)[0])
    assert tuple(listed) == REQUIRED_FIELDS == ("number", "opened_at", "caller")


@pytest.mark.parametrize("required", REQUIRED_FIELDS)
def test_a_mapping_without_a_required_field_is_refused(required):
    columns = {"number": "Key", "opened_at": "Created", "caller": "Reporter"}
    del columns[required]
    text = "[columns]\n" + "".join(f"{name} = '{column}'\n" for name, column in columns.items())
    with pytest.raises(MappingError, match=rf"^columns\.{required}: required"):
        load_mapping(text, "mapping.toml")


def test_a_default_caller_stands_for_a_caller_column():
    mapping = load_mapping(
        "[columns]\nnumber = 'Key'\nopened_at = 'Created'\n[defaults]\ncaller = 'Unknown caller'\n"
    )
    assert mapping["defaults"]["caller"] == "Unknown caller"
