"""`kaizen import tickets-csv PATH --mapping FILE` with `record = "request"`: another tool's
service requests, with the history their times imply, never twice, bad rows named by row,
column and value."""

import json
from io import StringIO

import pytest
from django.core.management import call_command

from kaizen.imports.models import RowError
from kaizen.imports.tickets import MappingError, load_mapping
from kaizen.journal.events import EventType
from kaizen.journal.models import JournalEvent
from kaizen.journal.verify import registered, verify_journal
from kaizen.requests.models import ServiceRequest, State
from kaizen.requests.tests.factories import make_request_type
from kaizen.testing import make_user

pytestmark = pytest.mark.django_db

MAPPING = """
record = "request"
source = "snow-ritm"

[columns]
number = "Number"
request_type = "Item"
requester = "Requested for"
opened_at = "Opened"
approved_at = "Approved"
fulfilled_at = "Delivered"
closed_at = "Closed"
state = "State"
title = "Short description"

[values.state]
"Closed Complete" = "closed"
"Work in Progress" = "in_fulfilment"
"Pending Approval" = "awaiting_approval"

[dates]
format = "%d/%m/%Y %H:%M"
time_zone = "Europe/London"
"""

EXPORT = "\n".join(
    [
        "Number,Item,Requested for,Opened,Approved,Delivered,Closed,State,Short description",
        "RITM0010001,New laptop,rita,02/03/2026 09:00,02/03/2026 13:00,03/03/2026 09:00,"
        "06/03/2026 09:00,Closed Complete,Laptop for Rita",
        "RITM0010002,New laptop,sam.new,04/03/2026 10:00,04/03/2026 11:00,,,Work in Progress,",
        "RITM0010003,New laptop,rita,05/03/2026 10:00,,,,Pending Approval,",
        "RITM0010004,Tablet,rita,05/03/2026 10:00,,,,Pending Approval,",
        "RITM0010005,New laptop,rita,yesterday,,,,Pending Approval,",
        "RITM0010006,New laptop,rita,05/03/2026 10:00,,,,Lost,",
        "",
    ]
)


@pytest.fixture
def export(tmp_path):
    (tmp_path / "ritm.toml").write_text(MAPPING)
    (tmp_path / "export.csv").write_text(EXPORT)
    make_request_type(name="New laptop")
    make_user("rita")
    return tmp_path


def run(export):
    out = StringIO()
    call_command(
        "import",
        "tickets-csv",
        str(export / "export.csv"),
        "--mapping",
        str(export / "ritm.toml"),
        "--json",
        stdout=out,
    )
    return json.loads(out.getvalue())


def test_requests_are_imported_with_the_history_their_times_imply(export):
    summary = run(export)
    assert summary["records_created"] == 3
    done = ServiceRequest.objects.get(number="RITM0010001")
    assert (done.state, done.channel, done.title) == (State.CLOSED, "import", "Laptop for Rita")
    assert done.requested_for.username == "rita"
    # 09:00 in London (GMT in early March) is 09:00 UTC.
    assert done.opened_at.isoformat() == "2026-03-02T09:00:00+00:00"
    assert done.approved_at.isoformat() == "2026-03-02T13:00:00+00:00"
    assert done.fulfilled_at.isoformat() == "2026-03-03T09:00:00+00:00"
    assert done.closed_at.isoformat() == "2026-03-06T09:00:00+00:00"
    assert done.clock_phase == "done"
    history = [
        (event.event_type, event.changes.get("state", {}).get("new"))
        for event in JournalEvent.objects.for_subject(done).order_by("id")
    ]
    assert history == [
        (EventType.REQUEST_SUBMITTED, State.SUBMITTED),
        (EventType.REQUEST_STATE_CHANGED, State.AWAITING_APPROVAL),
        (EventType.REQUEST_STATE_CHANGED, State.APPROVED),
        (EventType.REQUEST_STATE_CHANGED, State.FULFILLED),
        (EventType.REQUEST_STATE_CHANGED, State.CLOSED),
    ]
    working = ServiceRequest.objects.get(number="RITM0010002")
    assert working.state == State.IN_FULFILMENT
    assert working.requested_for.kind == "requester"  # created for the import
    assert ServiceRequest.objects.get(number="RITM0010003").state == State.AWAITING_APPROVAL
    # The journal rebuilds every imported request.
    (report,) = verify_journal([k for k in registered() if k.name == "requests.request"])
    assert report.records == 3 and report.mismatches == []


def test_bad_rows_name_their_row_column_and_value_and_a_rerun_adds_nothing(export):
    summary = run(export)
    # Two rows unreadable, one refused (its type): none of them written.
    assert (summary["rows_rejected"], summary["records_refused"]) == (3, 1)
    errors = {e.record_key: e for e in RowError.objects.all()}
    assert (errors["RITM0010005"].row_number, errors["RITM0010005"].field) == (6, "Opened")
    assert errors["RITM0010005"].value == "yesterday"
    assert (errors["RITM0010006"].field, errors["RITM0010006"].value) == ("State", "Lost")
    assert "'Lost'" in errors["RITM0010006"].reason
    assert "request type 'Tablet' (column Item)" in errors["RITM0010004"].reason
    again = run(export)
    assert again["records_created"] == 0 and again["records_already_present"] == 3
    assert ServiceRequest.objects.count() == 3


def test_a_number_kaizen_gave_is_refused(export):
    from kaizen.requests.tests.factories import make_request

    own = make_request(make_request_type(name="Other"), make_user())
    text = EXPORT.replace("RITM0010003", own.number)
    (export / "export.csv").write_text(text)
    summary = run(export)
    assert summary["records_refused"] == 2
    assert RowError.objects.filter(reason__contains="created in Kaizen").exists()


def test_a_request_mapping_names_its_mistakes():
    with pytest.raises(MappingError, match="columns.requester: required"):
        load_mapping(MAPPING.replace('requester = "Requested for"', ""))
    with pytest.raises(MappingError, match="columns.priority: not a field of a request"):
        load_mapping(MAPPING.replace("[columns]", '[columns]\npriority = "P"'))
    with pytest.raises(MappingError, match="values.state.Lost: 'gone' is not one of"):
        load_mapping(MAPPING.replace("[values.state]", '[values.state]\nLost = "gone"'))
