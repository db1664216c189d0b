"""Values a ticket export writes on another scale than Kaizen's: reported per row (row, column,
value) and the run goes on, or translated by the mapping's value maps."""

import json
from io import StringIO

import pytest
from django.core.management import call_command

from kaizen.imports.models import ImportRun, RowError, RunStatus
from kaizen.imports.tickets import MappingError, load_mapping
from kaizen.incidents.models import Channel, Impact, Incident, Urgency

pytestmark = pytest.mark.django_db

MAPPING = """
source = "desk"

[columns]
number = "Key"
opened_at = "Created"
caller = "Reporter"
impact = "Impact"
urgency = "Urgency"
priority = "Priority"
channel = "Channel"
reassignment_count = "Reassigned"
description = "Details"
"""

HEADER = "Key,Created,Reporter,Impact,Urgency,Priority,Channel,Reassigned,Details"


def run(tmp_path, mapping: str, rows: list[str], name: str = "mapping.toml") -> dict:
    (tmp_path / name).write_text(mapping)
    (tmp_path / "export.csv").write_text("\n".join([HEADER, *rows, ""]))
    out = StringIO()
    call_command(
        "import",
        "tickets-csv",
        str(tmp_path / "export.csv"),
        "--mapping",
        str(tmp_path / name),
        "--json",
        stdout=out,
    )
    return json.loads(out.getvalue())


def test_out_of_range_values_are_row_errors_naming_row_column_and_value(tmp_path):
    summary = run(
        tmp_path,
        MAPPING,
        [
            "D-1,2025-03-03T09:00,Jane,5,4,7,fax,99999999999,",
            "D-2,2025-03-03T10:00,Jane,2,1,2,email,1,Fine",
        ],
    )

    assert ImportRun.objects.get().status == RunStatus.FINISHED
    assert summary["records_created"] == 2
    assert summary["rows_rejected"] == 0
    errors = {(e.row_number, e.record_key, e.field, e.value) for e in RowError.objects.all()}
    # The header is row 1, so the first ticket is row 2, as a spreadsheet shows it.
    assert errors == {
        (2, "D-1", "Impact", "5"),
        (2, "D-1", "Urgency", "4"),
        (2, "D-1", "Priority", "7"),
        (2, "D-1", "Channel", "fax"),
        (2, "D-1", "Reassigned", "99999999999"),
    }
    reasons = {e.field: e.reason for e in RowError.objects.all()}
    assert reasons["Impact"] == "impact must be 1..3 (map it under [values.impact])"
    assert reasons["Priority"] == "priority must be 1..5 (map it under [values.priority])"
    assert "'fax'" in reasons["Channel"] and "email" in reasons["Channel"]
    # Each ignored value leaves Kaizen's default; the empty description is an empty text.
    bad = Incident.objects.get(number="D-1")
    assert (bad.impact, bad.urgency, bad.channel, bad.reassignment_count) == (
        Impact.LOW,
        Urgency.LOW,
        Channel.PHONE,
        0,
    )
    assert bad.description == ""
    good = Incident.objects.get(number="D-2")
    assert (good.impact, good.urgency, good.channel, good.reassignment_count) == (
        2,
        1,
        "email",
        1,
    )


def test_empty_cells_take_the_mapping_default_or_kaizens(tmp_path):
    mapping = MAPPING + "[defaults]\nchannel = 'email'\n"
    summary = run(tmp_path, mapping, ["D-1,2025-03-03T09:00,Jane,,,,,,"])

    assert summary["records_created"] == 1
    assert not RowError.objects.exists()
    incident = Incident.objects.get()
    assert (incident.impact, incident.urgency, incident.channel) == (
        Impact.LOW,
        Urgency.LOW,
        "email",
    )


def test_a_row_without_a_caller_is_rejected_and_the_run_goes_on(tmp_path):
    summary = run(
        tmp_path,
        MAPPING,
        ["D-1,2025-03-03T09:00,,1,1,1,email,0,", "D-2,2025-03-03T09:00,Jane,1,1,1,email,0,"],
    )

    assert summary["records_created"] == 1
    assert summary["rows_rejected"] == 1
    error = RowError.objects.get()
    assert (error.row_number, error.record_key, error.field) == (2, "D-1", "Reporter")
    assert "caller" in error.reason


FIVE_TO_THREE = """
[values.impact]
1 = 1
2 = 1
3 = 2
4 = 3
5 = 3

[values.urgency]
1 = 1
2 = 1
3 = 2
4 = 3
5 = 3
"""


@pytest.mark.parametrize(
    ("mapping", "name"),
    [
        (MAPPING + FIVE_TO_THREE, "mapping.toml"),
        (
            "source: desk\ncolumns:\n  number: Key\n  opened_at: Created\n  caller: Reporter\n"
            "  impact: Impact\n  urgency: Urgency\nvalues:\n"
            "  impact: {1: 1, 2: 1, 3: 2, 4: 3, 5: 3}\n"
            "  urgency: {1: 1, 2: 1, 3: 2, 4: 3, 5: 3}\n",
            "mapping.yaml",
        ),
    ],
)
def test_a_value_map_translates_a_one_to_five_scale_to_kaizens_one_to_three(
    tmp_path, mapping, name
):
    run(
        tmp_path,
        mapping,
        [
            "D-1,2025-03-03T09:00,Jane,5,1,,,,",
            "D-2,2025-03-03T09:00,Jane,3,4,,,,",
            "D-3,2025-03-03T09:00,Jane,2,2,,,,",
        ],
        name,
    )

    assert not RowError.objects.exists()
    levels = dict(
        (number, (impact, urgency))
        for number, impact, urgency in Incident.objects.values_list("number", "impact", "urgency")
    )
    assert levels == {"D-1": (3, 1), "D-2": (2, 3), "D-3": (1, 1)}


@pytest.mark.parametrize(
    ("extra", "named"),
    [
        ("[values.impact]\n5 = 4\n", "values.impact.5: impact must be 1..3"),
        ("[values.channel]\nFax = 'fax'\n", "values.channel.Fax: unknown channel 'fax'"),
        ("[defaults]\nimpact = 5\n", "defaults.impact: impact must be 1..3"),
        ("[defaults]\nchannel = 'fax'\n", "defaults.channel: unknown channel 'fax'"),
        ("[defaults]\nreassignment_count = -1\n", "defaults.reassignment_count: "),
        ("[defaults]\nsize = 1\n", "defaults.size: not a Kaizen field"),
    ],
)
def test_a_mapping_giving_a_value_kaizen_does_not_accept_is_refused(extra, named):
    with pytest.raises(MappingError) as refused:
        load_mapping(MAPPING + extra, "mapping.toml")
    assert str(refused.value).startswith(named)


def test_a_name_too_long_for_kaizen_is_a_row_problem_not_a_failed_run(tmp_path):
    # PostgreSQL refuses a team name over 120 characters with an error that failed the run.
    mapping = MAPPING + 'assignment_group = "Team"\n'
    (tmp_path / "mapping.toml").write_text(mapping)
    long_team = "T" * 121
    (tmp_path / "export.csv").write_text(
        f"{HEADER},Team\n"
        f"D-1,2025-03-03T09:00,Jane,1,1,1,email,0,,{long_team}\n"
        f"D-2,2025-03-03T09:00,Jane,1,1,1,email,0,,{'T' * 120}\n"
    )
    out = StringIO()
    call_command(
        "import",
        "tickets-csv",
        str(tmp_path / "export.csv"),
        "--mapping",
        str(tmp_path / "mapping.toml"),
        "--json",
        stdout=out,
    )

    assert json.loads(out.getvalue())["records_created"] == 2
    error = RowError.objects.get()
    assert (error.row_number, error.record_key, error.field, error.value) == (
        2,
        "D-1",
        "Team",
        long_team,
    )
    assert error.reason == "assignment_group is longer than 120 characters"
    assert Incident.objects.get(number="D-1").assignment_group is None
    assert Incident.objects.get(number="D-2").assignment_group.name == "T" * 120
