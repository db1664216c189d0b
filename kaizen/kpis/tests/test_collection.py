"""When KPIs are measured: the recent months every hour, the whole history of the data after an
import (the KPI app reacts to the import's journal event), on demand and from the command."""

import datetime as dt
import json
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from kaizen.kpis.collection import (
    collect_history,
    collect_recent,
    imports_to_measure,
    measure_imported_history,
)
from kaizen.kpis.models import Measurement, MeasurementRun, RunScope

pytestmark = pytest.mark.django_db

MAPPING = """
source = "legacy"

[columns]
number = "Ref"
opened_at = "Opened"
resolved_at = "Resolved"
state = "Status"
caller = "Caller"
short_description = "Summary"

[values.state]
"Closed" = "closed"

[dates]
format = "%Y-%m-%d %H:%M"
time_zone = "UTC"
"""

# Five incidents of an old desk: 2012 and 2014, nothing in 2013.
EXPORT = "\n".join(
    [
        "Ref,Summary,Status,Caller,Opened,Resolved",
        "OLD-1,Mail down,Closed,Jane Doe,2012-03-05 09:00,2012-03-05 13:00",
        "OLD-2,VPN slow,Closed,Jane Doe,2012-03-19 10:00,2012-03-20 10:00",
        "OLD-3,Printer,Closed,John Roe,2012-05-02 11:00,2012-05-02 12:00",
        "OLD-4,Laptop,Closed,John Roe,2014-02-11 09:30,2014-02-12 09:30",
        "OLD-5,Phone,Closed,Jane Doe,2014-02-25 14:00,2014-02-25 15:00",
        "",
    ]
)


def import_old_history(tmp_path) -> dict:
    (tmp_path / "legacy.toml").write_text(MAPPING)
    (tmp_path / "old.csv").write_text(EXPORT)
    out = StringIO()
    call_command(
        "import",
        "tickets-csv",
        str(tmp_path / "old.csv"),
        "--mapping",
        str(tmp_path / "legacy.toml"),
        "--json",
        "--no-progress",
        stdout=out,
    )
    return json.loads(out.getvalue())


def opened(month: str) -> Measurement:
    return Measurement.objects.get(
        kpi_key="incident.opened", period_kind="month", dimension="", period_start=month
    )


def test_the_hourly_collection_measures_only_the_recent_months(tmp_path):
    import_old_history(tmp_path)
    run = collect_recent()
    assert run.scope == RunScope.RECENT and run.range_start is not None
    assert not Measurement.objects.filter(kpi_key="incident.opened", period_start__year=2012)


def test_an_import_of_old_history_is_measured_whole_by_the_next_check(tmp_path):
    collect_history()  # the store was measured whole before the import
    assert imports_to_measure() is None
    summary = import_old_history(tmp_path)
    assert summary["records_created"] == 5
    assert imports_to_measure() is not None

    run = measure_imported_history()
    assert run.scope == RunScope.HISTORY and run.range_start is None
    assert (opened("2012-03-01").value, opened("2012-03-01").n) == (2, 2)
    assert opened("2012-05-01").value == 1
    assert opened("2013-06-01").value is None  # measured, and empty: a gap, not a zero
    assert opened("2014-02-01").value == 2
    # By month and week, overall and by the usual breakdowns; empty breakdown rows not kept.
    assert Measurement.objects.filter(
        kpi_key="incident.opened", period_kind="week", period_start=dt.date(2012, 3, 5)
    ).exists()
    by_priority = Measurement.objects.filter(kpi_key="incident.opened", dimension="priority")
    assert by_priority.exists() and not by_priority.filter(value__isnull=True).exists()
    # Once measured, the check has nothing to do until the next import.
    assert imports_to_measure() is None and measure_imported_history() is None


def test_a_store_never_measured_whole_is_measured_once():
    assert imports_to_measure() == 0
    measure_imported_history()
    assert imports_to_measure() is None


def test_a_history_run_that_died_before_its_end_measured_nothing():
    from django.utils import timezone

    MeasurementRun.objects.create(started_at=timezone.now(), scope=RunScope.HISTORY)
    assert imports_to_measure() == 0
    measure_imported_history()
    assert imports_to_measure() is None


def test_the_kpi_page_shows_the_imported_range_with_the_gap_folded(tmp_path, web, agent):
    import_old_history(tmp_path)
    measure_imported_history()
    response = web(agent).get("/kpis/incident.opened/")
    assert response.context["shown_range"] == (dt.date(2012, 3, 1), dt.date(2014, 2, 1))
    lines = [(line.label, line.folded, line.count) for line in response.context["lines"]]
    assert lines == [
        ("Feb 2014", False, 1),
        ("Jun 2012 – Jan 2014", True, 20),
        ("May 2012", False, 1),
        ("Apr 2012", True, 1),
        ("Mar 2012", False, 1),
    ]
    scorecard = web(agent).get("/kpis/")
    row = next(r for g in scorecard.context["groups"] for r in g.rows if r.key == "incident.opened")
    assert row.latest.label == "Feb 2014" and row.latest.value == 2


def test_managers_measure_all_history_on_demand(web, agent, improvement_manager):
    assert web(agent).post("/kpis/collect/", {"scope": "history"}).status_code == 403
    response = web(improvement_manager).post("/kpis/collect/", {"scope": "history"})
    assert response.status_code == 302
    run = MeasurementRun.objects.get()
    assert run.scope == RunScope.HISTORY and run.actor == improvement_manager
    page = web(improvement_manager).get("/kpis/").content.decode()
    assert 'id="measure-history"' in page
    assert 'id="measure-history"' not in web(agent).get("/kpis/").content.decode()


def kpi(*arguments: str) -> dict:
    out = StringIO()
    call_command("kpi", *arguments, stdout=out)
    return json.loads(out.getvalue())


def test_the_command_measures_the_whole_history_or_a_chosen_range(tmp_path):
    import_old_history(tmp_path)
    whole = kpi("collect", "--all", "--json")
    assert whole["scope"] == "history" and whole["start"] is None and whole["measurements"] > 0
    assert imports_to_measure() is None
    chosen = kpi(
        "collect",
        "--key",
        "incident.opened",
        "--period",
        "month",
        "--from",
        "2012-03-01",
        "--to",
        "2012-05-31",
        "--json",
    )
    assert chosen["scope"] == "chosen" and chosen["kpis"] == 1
    assert chosen["start"] == "2012-03-01" and chosen["end"] == "2012-06-01"


def test_the_command_says_what_it_measured(tmp_path):
    import_old_history(tmp_path)
    out = StringIO()
    call_command("kpi", "collect", "--all", stdout=out)
    assert "over the whole history of the data" in out.getvalue()
    assert "by month and week, overall and by service, priority, team, category" in out.getvalue()


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["collect", "--all", "--from", "2012-01-01"], "--all: measures the whole history"),
        (["collect", "--key", "incident.nope"], "unknown KPI 'incident.nope'"),
        (["collect", "--by", "colour"], "--by: unknown dimension 'colour'"),
    ],
)
def test_the_command_names_the_bad_argument(arguments, message):
    with pytest.raises(CommandError, match=message):
        call_command("kpi", *arguments, stdout=StringIO())
