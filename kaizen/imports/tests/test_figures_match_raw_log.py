"""Kaizen's KPI figures on the real ServiceNow log equal what the raw CSV says.

The log is imported, synced into the analytics store and measured by the KPI engine; every
expectation is computed here from the CSV rows with plain Python, following the importer's
documented rules (docs/imports.md), not its code.
"""

import datetime as dt
import statistics
from collections import Counter, defaultdict

import pytest

from kaizen.analytics.sync import sync
from kaizen.imports.models import ImportKind
from kaizen.imports.services import do_create_import_run, run_import
from kaizen.kpis.engine import compute
from kaizen.kpis.library import get_kpi

pytestmark = pytest.mark.django_db

DONE = ("Resolved", "Closed")


def when(text: str) -> dt.datetime:
    return dt.datetime.strptime(text, "%d/%m/%Y %H:%M").replace(tzinfo=dt.UTC)


def incidents_from_csv(rows: list[dict[str, str]]) -> dict[str, dict]:
    """Per incident: its final row and its resolution time by the documented rule — the
    source's `resolved_at`, or when missing the time of the row that last resolved it."""
    by_number: dict[str, list[dict[str, str]]] = defaultdict(list)
    for row in rows:
        if row["incident_state"] != "-100":
            by_number[row["number"]].append(row)
    incidents = {}
    for number, updates in by_number.items():
        updates.sort(key=lambda row: (when(row["sys_updated_at"]), int(row["sys_mod_count"])))
        final = updates[-1]
        opened = when(updates[0]["opened_at"])
        resolved = None
        if final["incident_state"] in DONE:
            if final["resolved_at"] != "?":
                resolved = when(final["resolved_at"])
            else:
                start = len(updates) - 1
                while start > 0 and updates[start - 1]["incident_state"] in DONE:
                    start -= 1
                resolved = (
                    opened if start == 0 else max(when(updates[start]["sys_updated_at"]), opened)
                )
        incidents[number] = {"final": final, "opened": opened, "resolved": resolved}
    return incidents


def value(key: str, **options) -> dict:
    rows = compute(get_kpi(key), period="all", **options).rows
    return rows[0] if len(rows) == 1 and not options else rows


def test_kpis_on_the_imported_log_equal_the_raw_csv(dataset_slice):
    path, rows = dataset_slice
    expected = incidents_from_csv(rows)
    run = do_create_import_run(ImportKind.SERVICENOW_EVENTLOG, source_name="slice", actor=None)
    run_import(run, path)
    sync()

    opened = value("incident.opened")
    assert opened["value"] == opened["n"] == len(expected)

    by_priority = {
        row["priority"]: row["value"] for row in value("incident.opened", by=["priority"])
    }
    assert by_priority == Counter(int(i["final"]["priority"][0]) for i in expected.values())

    resolved = [i for i in expected.values() if i["resolved"] is not None]
    hours = [(i["resolved"] - i["opened"]).total_seconds() / 3600 for i in resolved]
    median = value("incident.resolution_hours_median")
    assert median["n"] == len(hours)
    assert median["value"] == pytest.approx(statistics.median(hours))
    assert value("incident.resolution_hours_mean")["value"] == pytest.approx(statistics.mean(hours))

    met = sum(i["final"]["made_sla"] == "true" for i in resolved)
    assert value("incident.sla_met_pct")["value"] == pytest.approx(100 * met / len(resolved))

    reopened = sum(int(i["final"]["reopen_count"]) > 0 for i in resolved)
    assert value("incident.reopened_pct")["value"] == pytest.approx(100 * reopened / len(resolved))
