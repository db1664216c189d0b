"""`kaizen import servicenow-eventlog` on the real log: figures checked against the raw CSV.

Expectations are computed here from the CSV rows with plain Python (the last row of each
incident holds its final values), independently of the importer's code.
"""

import datetime as dt
import statistics
from collections import Counter
from io import StringIO

import pytest
from django.core.management import call_command

from kaizen.imports.models import ImportRun, RowError, RunStatus
from kaizen.incidents.models import Incident, State
from kaizen.journal.events import EventType
from kaizen.journal.models import JournalEvent

pytestmark = pytest.mark.django_db


def last_rows(rows: list[dict[str, str]]) -> dict[str, dict[str, str]]:
    final: dict[str, dict[str, str]] = {}
    for row in rows:
        if row["incident_state"] != "-100":
            final[row["number"]] = row
    return final


def when(text: str) -> dt.datetime:
    return dt.datetime.strptime(text, "%d/%m/%Y %H:%M").replace(tzinfo=dt.UTC)


def import_file(path, *extra: str) -> dict:
    out = StringIO()
    call_command("import", "servicenow-eventlog", str(path), "--json", *extra, stdout=out)
    import json

    return json.loads(out.getvalue())


def test_incidents_and_their_final_figures_match_the_raw_log(dataset_slice):
    path, rows = dataset_slice
    final = last_rows(rows)
    summary = import_file(path)

    assert summary["records_created"] == len(final) == Incident.objects.count()
    assert summary["rows_read"] == len(rows)
    # Priority distribution: the source's final priority of each incident.
    expected_priorities = Counter(int(row["priority"][0]) for row in final.values())
    assert Counter(Incident.objects.values_list("priority", flat=True)) == expected_priorities
    # Resolution hours of incidents that ended resolved or closed.
    done = {
        number: row
        for number, row in final.items()
        if row["incident_state"] in ("Resolved", "Closed") and row["resolved_at"] != "?"
    }
    expected_hours = [
        (when(row["resolved_at"]) - when(row["opened_at"])).total_seconds() / 3600
        for row in done.values()
    ]
    imported = Incident.objects.filter(number__in=done).values_list("opened_at", "resolved_at")
    hours = [(resolved - opened).total_seconds() / 3600 for opened, resolved in imported]
    assert len(hours) == len(expected_hours)
    assert statistics.median(hours) == pytest.approx(statistics.median(expected_hours))
    assert statistics.mean(hours) == pytest.approx(statistics.mean(expected_hours))
    # The source's SLA verdict and reopen share.
    expected_met = sum(row["made_sla"] == "true" for row in final.values())
    assert Incident.objects.filter(recorded_sla_met=True).count() == expected_met
    expected_reopened = sum(int(row["reopen_count"]) > 0 for row in final.values())
    assert Incident.objects.filter(reopen_count__gt=0).count() == expected_reopened
    closed = sum(row["incident_state"] == "Closed" for row in final.values())
    assert Incident.objects.filter(state=State.CLOSED).count() == closed


def test_bad_rows_are_reported_with_their_line_and_the_rest_is_imported(dataset_slice):
    path, rows = dataset_slice
    summary = import_file(path)

    rejected = RowError.objects.filter(field="incident_state")
    bad_lines = [index + 2 for index, row in enumerate(rows) if row["incident_state"] == "-100"]
    assert sorted(rejected.values_list("row_number", flat=True)) == bad_lines
    assert set(rejected.values_list("reason", flat=True)) == {"unknown state '-100'"}
    assert summary["rows_rejected"] == len(bad_lines) == 5
    # Both incidents that had bad rows are still imported from their good rows.
    assert Incident.objects.filter(number__in=["INC0028089", "INC0030413"]).count() == 2


def test_each_incident_carries_its_history_as_journal_events(dataset_slice):
    path, rows = dataset_slice
    import_file(path)

    incident = Incident.objects.get(number="INC0000045")
    events = list(JournalEvent.objects.for_subject(incident).order_by("occurred_at", "id"))
    assert events[0].event_type == EventType.INCIDENT_CREATED
    assert events[0].changes["state"]["new"] == State.ASSIGNED  # New, with a group
    assert events[0].changes["assignment_group"]["new"]["repr"] == "Group 56"
    assert events[0].occurred_at == when("29/2/2016 01:16")
    states = [e.changes["state"]["new"] for e in events[1:] if "state" in e.changes]
    assert states == [State.RESOLVED, State.CLOSED]
    assert incident.resolved_at == when("29/2/2016 11:29")  # the source's resolution time
    assert incident.closed_at == when("5/3/2016 12:00")
    assert incident.first_responded_at == when("29/2/2016 08:53")
    assert incident.caller.username == "caller-2403"
    assert incident.source_attributes["closed_code"] == "code 5"
    assert incident.recorded_sla_met is True


def test_running_the_same_import_again_creates_nothing_twice(dataset_slice):
    path, _ = dataset_slice
    first = import_file(path)
    events = JournalEvent.objects.count()
    again = import_file(path)

    assert again["records_created"] == 0
    assert again["records_already_present"] == first["records_created"]
    assert Incident.objects.count() == first["records_created"]
    # Only the second run's own "import finished" event is new.
    assert JournalEvent.objects.count() == events + 1
    assert ImportRun.objects.filter(status=RunStatus.FINISHED).count() == 2


def test_the_changes_the_log_names_become_linked_change_records(dataset_slice):
    """`caused_by` and `rfc` name changes: each becomes a change kept under its number (known
    only by reference), and each `caused_by` a confirmed link to the incident; a re-run adds
    nothing. Expected from the raw rows: the last row of each imported incident."""
    from kaizen.changes.models import CausedIncident, Change

    path, rows = dataset_slice
    summary = import_file(path)
    imported = set(Incident.objects.values_list("number", flat=True))
    final = {number: row for number, row in last_rows(rows).items() if number in imported}
    named = {row[column] for row in final.values() for column in ("rfc", "caused_by")} - {"?"}
    caused = {
        (row["caused_by"], number) for number, row in final.items() if row["caused_by"] != "?"
    }
    assert named and caused  # the slice holds both
    assert set(Change.objects.values_list("number", flat=True)) == named
    assert summary["changes_named"] == summary["changes_created"] == len(named)
    links = set(CausedIncident.objects.values_list("change__number", "incident_number"))
    assert links == caused and summary["caused_incident_links_added"] == len(caused)
    change = Change.objects.get(number=sorted(named)[0])
    assert change.reference_only and change.imported_from == "servicenow"
    assert change.state == "closed" and change.closure_code == ""
    rfc_of = sorted(n for n, row in final.items() if row["rfc"] == change.number)
    assert sorted(change.source_attributes["rfc_of_incidents"]) == rfc_of
    first_seen = min(
        Incident.objects.get(number=n).opened_at
        for n, row in final.items()
        if change.number in (row["rfc"], row["caused_by"])
    )
    assert change.opened_at == first_seen

    again = import_file(path)
    assert again["changes_created"] == 0 and again["caused_incident_links_added"] == 0
    assert Change.objects.count() == len(named) and CausedIncident.objects.count() == len(caused)


def test_the_problems_the_log_names_become_linked_problem_records(dataset_slice):
    """`problem_id` names a problem: each becomes a problem kept under its number (known only
    by reference, opened when its first incident was), linked to the incidents naming it on
    their last row, both sides journaled; a re-run adds nothing. Expected from the raw rows."""
    from kaizen.problems.models import LinkedIncident, Problem

    path, rows = dataset_slice
    summary = import_file(path)
    imported = set(Incident.objects.values_list("number", flat=True))
    final = {number: row for number, row in last_rows(rows).items() if number in imported}
    # The export pads numbers ("Problem ID  2"); the importer collapses whitespace runs.
    links = {
        (" ".join(row["problem_id"].split()), number)
        for number, row in final.items()
        if row["problem_id"] != "?"
    }
    named = {problem for problem, _ in links}
    assert len(named) >= 10 and len(links) > len(named)  # the slice holds shared problems
    assert set(Problem.objects.values_list("number", flat=True)) == named
    assert summary["problems_named"] == summary["problems_created"] == len(named)
    stored = set(LinkedIncident.objects.values_list("problem__number", "incident_number"))
    assert stored == links and summary["problem_links_added"] == len(links)
    problem = Problem.objects.get(number=sorted(named)[0])
    assert problem.reference_only and problem.imported_from == "servicenow"
    assert problem.origin == "imported" and problem.state == "new"
    first_seen = min(
        Incident.objects.get(number=n).opened_at for p, n in links if p == problem.number
    )
    assert problem.opened_at == first_seen
    incident = Incident.objects.get(number=next(n for p, n in links if p == problem.number))
    linked_events = JournalEvent.objects.for_subject(incident).filter(
        event_type=EventType.INCIDENT_PROBLEM_LINKED
    )
    assert [event.data["problem"] for event in linked_events] == [problem.number]

    again = import_file(path)
    assert again["problems_created"] == 0 and again["problem_links_added"] == 0
    assert Problem.objects.count() == len(named) and LinkedIncident.objects.count() == len(links)
