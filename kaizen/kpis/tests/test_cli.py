"""`kaizen kpi list | show | quality`: output shapes and errors that name the bad argument."""

import json
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from kaizen.kpis import library
from kaizen.kpis.library import get_kpi
from kaizen.kpis.management.commands.kpi import Command
from kaizen.kpis.tests.test_engine import story  # noqa: F401 (fixture)

pytestmark = pytest.mark.django_db  # custom KPIs are looked up in the database


def kpi(*arguments: str) -> str:
    out = StringIO()
    call_command("kpi", *arguments, stdout=out)
    return out.getvalue()


def test_it_lists_the_library_as_json():
    listed = json.loads(kpi("list", "--json"))
    assert [item["key"] for item in listed] == [d.key for d in library.library()]
    first = listed[0]
    assert first["key"] == "incident.opened" and first["measurable"] is True
    ideas = next(item for item in listed if item["key"] == "improvement.ideas_submitted")
    assert ideas["measurable"] is False and ideas["not_measurable_reason"]


def test_it_lists_the_library_as_text():
    text = kpi("list")
    assert "incident.sla_met_pct" in text
    assert "improvement.ideas_submitted" in text
    assert "not measurable: Kaizen's improvement register records initiatives" in text


def test_it_shows_a_kpi_as_json(story):  # noqa: F811
    shown = json.loads(kpi("show", "incident.opened", "--json"))
    assert shown == {
        "kpi": "incident.opened",
        "unit": "count",
        "rows": [
            {"period": "2016-03-01", "value": 5.0, "n": 5},
            {"period": "2016-04-01", "value": 1.0, "n": 1},
        ],
    }


def test_it_shows_breakdowns_within_inclusive_dates(story):  # noqa: F811
    shown = json.loads(
        kpi(
            "show",
            "incident.opened",
            "--period",
            "day",
            "--by",
            "priority",
            "--by",
            "team",
            "--from",
            "2016-03-01",
            "--to",
            "2016-03-02",
            "--json",
        )
    )
    # Ordered by period, then dimension; every day for every value seen in the range.
    assert shown["rows"] == [
        {"period": "2016-03-01", "priority": 1, "team": "Desk", "value": 1.0, "n": 1},
        {"period": "2016-03-01", "priority": 2, "team": "Desk", "value": None, "n": 0},
        {"period": "2016-03-02", "priority": 1, "team": "Desk", "value": None, "n": 0},
        {"period": "2016-03-02", "priority": 2, "team": "Desk", "value": 1.0, "n": 1},
    ]


def test_it_shows_a_table_as_text(story):  # noqa: F811
    text = kpi("show", "incident.resolution_hours_median", "--by", "priority")
    lines = text.splitlines()
    assert lines[0] == "Median time to resolve (incident.resolution_hours_median, hours)"
    assert lines[1].split() == ["period", "priority", "value", "n"]
    assert lines[2].split() == ["2016-03-01", "1", "4", "1"]


def test_it_reports_data_quality(story):  # noqa: F811
    report = json.loads(kpi("quality", "incident.sla_met_pct", "--json"))
    assert report["kpi"] == "incident.sla_met_pct" and report["verdict"] == "poor"
    text = kpi("quality", "incident.sla_met_pct")
    lines = text.splitlines()
    assert lines[0] == f"{get_kpi('incident.sla_met_pct').name}: data quality poor"
    assert "  SLA verdict filled for 3 of them (75 %), missing for 1." in lines
    assert "incident.sla_met_pct" not in text and "2016-03-01" not in text


def test_it_names_the_response_verdict_in_words(story):  # noqa: F811
    # Placed by opened_at: the six incidents of the story; 6 has no response target.
    report = json.loads(kpi("quality", "service_level.response_sla_met_pct", "--json"))
    verdict = next(f for f in report["required_fields"] if f["field"] == "response_sla_met")
    assert verdict["label"] == "Response SLA verdict"
    assert (verdict["filled"], verdict["missing"]) == (5, 1)
    text = kpi("quality", "service_level.response_sla_met_pct")
    assert "  Response SLA verdict filled for 5 of them (83.33 %), missing for 1." in (
        text.splitlines()
    )


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["show", "incident.nope"], "unknown KPI 'incident.nope'"),
        (["quality", "incident.nope"], "unknown KPI 'incident.nope'"),
        (["show", "incident.opened", "--by", "colour"], "--by: unknown dimension 'colour'"),
        (["show", "incident.opened", "--from", "2016-13-01"], "--from: '2016-13-01' is not a date"),
        (["show", "incident.opened", "--to", "soon"], "--to: 'soon' is not a date"),
        (
            ["show", "incident.opened", "--from", "2016-04-01", "--to", "2016-03-01"],
            "--to: must not be before --from",
        ),
        (["show", "improvement.ideas_submitted"], "improvement.ideas_submitted is not measurable"),
        (["show", "incident.opened", "--period", "fortnight"], "invalid choice: 'fortnight'"),
    ],
)
def test_it_names_the_bad_argument(arguments, message):
    with pytest.raises(CommandError, match=message):
        kpi(*arguments)


def test_errors_exit_non_zero_from_the_command_line(capsys):
    with pytest.raises(SystemExit) as exit_info:
        Command().run_from_argv(["kaizen", "kpi", "show", "incident.nope"])
    assert exit_info.value.code == 1
    assert "unknown KPI 'incident.nope'" in capsys.readouterr().err
    with pytest.raises(SystemExit) as exit_info:
        Command().run_from_argv(["kaizen", "kpi", "show", "incident.opened", "--period", "x"])
    assert exit_info.value.code == 2
