"""/imports/new/<token>/: how the first rows of an upload read, and "Back"."""

import pytest
from django.core.files.storage import default_storage

from kaizen.imports.tests.view_helpers import (
    BAD_STATE_LINE,
    NEW,
    SERVICENOW_ROWS,
    as_upload,
    text_upload,
)
from kaizen.imports.views import PENDING

pytestmark = pytest.mark.django_db

YAML_MAPPING = """
source: helpdesk
columns:
  number: Ticket
  opened_at: Opened
  caller: Reporter
  state: Status
  priority: Prio
  assignment_group: Team
values:
  state: {Open: new, Working: in_progress, Done: closed}
"""
TICKETS = (
    "Ticket,Opened,Reporter,Status,Prio,Team\n"
    "HD-1,2025-03-03T09:15:00,Jane Doe,Working,2,Network\n"
    "HD-2,2025-03-04T10:00:00,John Roe,Lost,3,\n"
)


@pytest.fixture
def uploaded(web, admin_user):
    """`uploaded(data)`: the admin's client after posting the form; and the preview's URL."""

    def upload(data: dict) -> tuple:
        client = web(admin_user)
        response = client.post(NEW, data)
        assert response.status_code == 302, response.context["form"].errors
        return client, response["Location"]

    return upload


def test_it_shows_columns_raw_rows_mapped_incidents_and_problems(uploaded, small_log):
    client, url = uploaded(
        {"kind": "servicenow-eventlog", "file": as_upload(small_log(SERVICENOW_ROWS), "sn.csv")}
    )
    response = client.get(url)
    page = response.content.decode()
    context = response.context

    assert "Preview of sn.csv" in page
    assert context["columns"][:3] == ["number", "incident_state", "active"]
    assert len(context["rows"]) == len(SERVICENOW_ROWS)
    assert context["rows"][3][1] == "-100"
    first, second = context["records"]
    assert first == {
        "number": "INC0000001",
        "opened_at": first["opened_at"],
        "state": "Resolved",
        "priority": 3,
        "assignment_group": "Group 7",
        "assignee": "Resolver 3",
        "steps": 2,
    }
    assert first["opened_at"].isoformat() == "2016-03-01T09:00:00+00:00"
    assert (second["number"], second["state"], second["priority"]) == ("INC0000002", "New", 4)
    [problem] = context["problems"]
    assert (problem.row_number, problem.record_key, problem.field, problem.value) == (
        BAD_STATE_LINE,
        "INC0000002",
        "incident_state",
        "-100",
    )
    assert "unknown state &#x27;-100&#x27;" in page
    assert "Start import" in page and "Back" in page


def test_it_previews_a_ticket_export_read_through_a_pasted_yaml_mapping(uploaded):
    client, url = uploaded(
        {
            "kind": "tickets-csv",
            "file": text_upload("helpdesk.csv", TICKETS),
            "mapping_text": YAML_MAPPING,
        }
    )
    context = client.get(url).context

    [record] = context["records"]
    assert (record["number"], record["state"], record["priority"]) == ("HD-1", "In progress", 2)
    assert record["assignment_group"] == "Network"
    # HD-2's status is not mapped: its row is rejected, and said so.
    assert {(p.row_number, p.record_key, p.value) for p in context["problems"]} == {
        (3, "HD-2", "Lost")
    }
    assert any(problem.rejected for problem in context["problems"])


def test_it_previews_an_event_log(uploaded):
    log = (
        "case,activity,time,who\n"
        "C1,Register,2024-01-02T09:00:00,Ann\n"
        "C1,Start work,2024-01-02T09:30:00,Bob\n"
        "C1,Close,2024-01-02T12:00:00,Bob\n"
    )
    client, url = uploaded(
        {
            "kind": "eventlog-csv",
            "file": text_upload("log.csv", log),
            "case": "case",
            "activity": "activity",
            "timestamp": "time",
            "resource": "who",
        }
    )
    [record] = client.get(url).context["records"]
    assert (record["number"], record["state"], record["assignee"]) == ("C1", "Closed", "Bob")
    # Start work, then Close: resolved first (implied, as Kaizen's lifecycle goes), then closed.
    assert record["steps"] == 3


def test_it_lists_every_activity_of_an_event_log_and_warns_of_what_is_not_mapped(uploaded):
    # More rows than the preview reads: the activity table counts the whole file.
    log = "case,activity,time,who,prio\n" + "".join(
        f"K{n},10,2024-01-02T09:00:00,Ann,{'P1' if n % 2 else 'P9'}\n"
        f"K{n},40,2024-01-02T10:00:00,Bob,\n"
        f"K{n},{'55' if n < 3 else '40'},2024-01-02T11:00:00,Bob,\n"
        for n in range(12)
    )
    mapping = (
        '{"activities": {"10": "new", "40": {"state": "resolved", "resolution": "solved"}},'
        ' "columns": {"priority": "prio"}, "values": {"priority": {"P1": 1}}}'
    )
    client, url = uploaded(
        {
            "kind": "eventlog-csv",
            "file": text_upload("codes.csv", log),
            "case": "case",
            "activity": "activity",
            "timestamp": "time",
            "resource": "who",
            "mapping_text": mapping,
        }
    )
    response = client.get(url)
    profile = response.context["profile"]
    assert [(line.activity, line.state, line.events) for line in profile.activities] == [
        ("40", "Resolved (solved)", 21),
        ("10", "New", 12),
        ("55", None, 3),
    ]
    assert (profile.cases, profile.events) == (12, 36)
    unmapped, channel, unreadable, defaulted = profile.warnings
    assert unmapped == (
        "1 of 3 activities are not mapped to a state (3 of 36 events): their events are kept "
        "in the history but move nothing; map them under [activities] in the mapping file. "
        "Not mapped: '55' (3 events)."
    )
    assert channel.startswith("Channel, impact and urgency: no column of the log gives them")
    assert unreadable.startswith("Priority (column 'prio'): 6 events have values Kaizen")
    assert defaulted == (
        "Priority (column 'prio'): 6 of 12 incidents have no usable value in any of their "
        "rows and take Kaizen's default, 5 - Planning."
    )
    page = response.content.decode()
    assert 'id="warnings"' in page and "4 warnings about the whole file" in page
    assert "not mapped" in page and "Resolved (solved)" in page


def test_it_answers_404_for_an_upload_no_longer_waiting(web, admin_user):
    assert web(admin_user).get("/imports/new/not-a-token/").status_code == 404


def test_it_forbids_requesters_and_plain_agents(web, requester, agent):
    for user in (requester, agent):
        assert web(user).get("/imports/new/any/").status_code == 403


def test_back_deletes_the_upload_and_returns_to_the_form(uploaded, small_log):
    client, url = uploaded(
        {"kind": "servicenow-eventlog", "file": as_upload(small_log(SERVICENOW_ROWS))}
    )
    stored = client.session[PENDING]["stored_name"]

    response = client.post(f"{url}discard/")
    assert response.status_code == 302 and response["Location"] == NEW
    assert not default_storage.exists(stored)
    assert PENDING not in client.session
    assert client.get(url).status_code == 404


def test_back_is_a_post(uploaded, small_log):
    client, url = uploaded(
        {"kind": "servicenow-eventlog", "file": as_upload(small_log(SERVICENOW_ROWS))}
    )
    assert client.get(f"{url}discard/").status_code == 405


def test_it_sends_back_to_the_form_when_the_upload_went_missing(uploaded, small_log):
    client, url = uploaded(
        {"kind": "servicenow-eventlog", "file": as_upload(small_log(SERVICENOW_ROWS))}
    )
    default_storage.delete(client.session[PENDING]["stored_name"])
    response = client.get(url, follow=True)
    assert response.redirect_chain == [(NEW, 302)]
    assert "upload it again" in response.content.decode()


def test_a_work_log_previews_its_sightings_and_their_problems(uploaded):
    log = (
        "configuration_item,seen_at,description,source\n"
        "sw-core-01,2026-03-02T10:30:00+00:00,Firmware changed from 9.1 to 9.3,discovery\n"
        "rt-edge-02,last night,Static route added,discovery\n"
    )
    client, url = uploaded({"kind": "work-log-csv", "file": text_upload("scan.csv", log)})
    response = client.get(url)
    page = response.content.decode()
    assert [work.configuration_item for work in response.context["records"]] == ["sw-core-01"]
    assert "Firmware changed from 9.1 to 9.3" in page and "2 Mar 2026" in page
    (problem,) = response.context["problems"]
    assert (problem.row_number, problem.field, problem.value) == (3, "seen_at", "last night")
    assert "History steps" not in page
