"""/imports/new/: the upload form; every fault is shown on the field it belongs to."""

import pytest
from django.core.files.storage import default_storage

from kaizen.imports.tests.view_helpers import (
    NEW,
    SERVICENOW_ROWS,
    as_upload,
    make_incident_manager,
    text_upload,
)
from kaizen.imports.views import PENDING

pytestmark = pytest.mark.django_db

GOOD_MAPPING = """
[columns]
number = "Key"
opened_at = "Created"
caller = "Reporter"
"""
EVENTLOG = "case,activity,time\nC1,Register,2024-01-02T09:00:00\n"


def errors_of(response, field: str) -> list[str]:
    assert response.status_code == 200, response
    return response.context["form"].errors.get(field, [])


def test_it_sends_anonymous_visitors_to_sign_in(client):
    response = client.get(NEW)
    assert response.status_code == 302 and response["Location"].startswith("/login/")


def test_it_forbids_requesters_and_plain_agents(web, requester, agent):
    for user in (requester, agent):
        client = web(user)
        assert client.get(NEW).status_code == 403
        assert client.post(NEW, {"kind": "servicenow-eventlog"}).status_code == 403


def test_it_shows_the_form_to_admins_and_incident_managers(web, admin_user):
    page = web(admin_user).get(NEW).content.decode()
    assert 'enctype="multipart/form-data"' in page
    assert 'name="mapping_text"' in page and 'name="case"' in page
    assert web(make_incident_manager()).get(NEW).status_code == 200


def test_it_requires_a_file(web, admin_user):
    response = web(admin_user).post(NEW, {"kind": "servicenow-eventlog"})
    assert errors_of(response, "file") == ["This field is required."]
    assert 'id="id_file_errors"' in response.content.decode()


def test_it_refuses_a_file_that_is_not_csv_gz_or_zip(web, admin_user):
    response = web(admin_user).post(
        NEW, {"kind": "servicenow-eventlog", "file": text_upload("export.xlsx", "x")}
    )
    assert "Upload a .csv file" in errors_of(response, "file")[0]


def test_it_refuses_a_file_over_the_size_limit(web, admin_user, settings):
    settings.KAIZEN_MAX_IMPORT_MB = 1
    big = text_upload("big.csv", "number\n" + "INC0000001\n" * 100_000)  # 1.1 MB
    response = web(admin_user).post(NEW, {"kind": "servicenow-eventlog", "file": big})
    assert "larger than 1 MB" in errors_of(response, "file")[0]


def stored_uploads() -> set[str]:
    return (
        set(default_storage.listdir("imports")[1]) if default_storage.exists("imports") else set()
    )


def test_it_puts_a_missing_column_on_the_file_and_keeps_nothing(web, admin_user):
    existing = stored_uploads()
    response = web(admin_user).post(
        NEW, {"kind": "servicenow-eventlog", "file": text_upload("tickets.csv", "number,state\n")}
    )
    [error] = errors_of(response, "file")
    assert error.startswith("tickets.csv: missing column(s): incident_state")
    assert stored_uploads() == existing


def test_it_checks_the_time_zone(web, admin_user, small_log):
    response = web(admin_user).post(
        NEW,
        {
            "kind": "servicenow-eventlog",
            "file": as_upload(small_log(SERVICENOW_ROWS)),
            "time_zone": "Mars/Olympus",
        },
    )
    assert errors_of(response, "time_zone") == [
        "'Mars/Olympus' is not a time zone (use a name such as Europe/Paris)."
    ]


def test_it_requires_a_mapping_for_a_ticket_export(web, admin_user):
    response = web(admin_user).post(
        NEW, {"kind": "tickets-csv", "file": text_upload("jira.csv", "Key\n")}
    )
    assert errors_of(response, "mapping_file") == [
        "A ticket export needs a mapping: upload or paste one."
    ]


def test_it_puts_a_pasted_mappings_fault_on_the_box_naming_the_key(web, admin_user):
    response = web(admin_user).post(
        NEW,
        {
            "kind": "tickets-csv",
            "file": text_upload("jira.csv", "Key\n"),
            "mapping_text": '[columns]\nnumber = "Key"\ncaller = "Reporter"\n',
        },
    )
    assert errors_of(response, "mapping_text") == ["Mapping: columns.opened_at: required"]
    assert errors_of(response, "mapping_file") == []


def test_it_puts_a_mapping_files_fault_on_the_file_field(web, admin_user):
    bad = "columns:\n  number: Key\n  opened_at: Created\n  caller: Reporter\n  colour: Hue\n"
    response = web(admin_user).post(
        NEW,
        {
            "kind": "tickets-csv",
            "file": text_upload("jira.csv", "Key\n"),
            "mapping_file": text_upload("jira.yaml", bad),
        },
    )
    [error] = errors_of(response, "mapping_file")
    assert error.startswith("Mapping: columns.colour: not a Kaizen field")


def test_it_refuses_a_mapping_both_uploaded_and_pasted(web, admin_user):
    response = web(admin_user).post(
        NEW,
        {
            "kind": "tickets-csv",
            "file": text_upload("jira.csv", "Key\n"),
            "mapping_file": text_upload("jira.toml", GOOD_MAPPING),
            "mapping_text": GOOD_MAPPING,
        },
    )
    assert errors_of(response, "mapping_text") == ["Upload a mapping file or paste one, not both."]


def test_it_requires_the_event_log_columns(web, admin_user):
    response = web(admin_user).post(
        NEW,
        {"kind": "eventlog-csv", "file": text_upload("log.csv", EVENTLOG), "case": "case"},
    )
    assert errors_of(response, "case") == []
    for field in ("activity", "timestamp"):
        assert errors_of(response, field) == ["Name the column of the file that holds this."]
    assert errors_of(response, "mapping_file") == []  # optional for an event log
    # The page is drawn for the chosen kind: its fields shown, the others hidden.
    shown = {item["field"].name: item["shown"] for item in response.context["kind_fields"]}
    assert shown["activity"] and shown["mapping_text"]
    tickets = web(admin_user).post(NEW, {"kind": "tickets-csv"})
    shown = {item["field"].name: item["shown"] for item in tickets.context["kind_fields"]}
    assert shown["mapping_text"] and not shown["activity"]


def test_it_puts_an_event_log_mappings_fault_on_the_box_naming_the_key(web, admin_user):
    response = web(admin_user).post(
        NEW,
        {
            "kind": "eventlog-csv",
            "file": text_upload("log.csv", EVENTLOG),
            "case": "case",
            "activity": "activity",
            "timestamp": "time",
            "mapping_text": '{"activities": {"30": "waiting"}}',
        },
    )
    [error] = errors_of(response, "mapping_text")
    assert error.startswith("Mapping: activities.30: unknown state 'waiting'")


def test_it_keeps_the_upload_and_goes_to_the_preview(web, admin_user, small_log):
    client = web(admin_user)
    response = client.post(
        NEW,
        {"kind": "servicenow-eventlog", "file": as_upload(small_log(SERVICENOW_ROWS), "sn.csv")},
    )
    pending = client.session[PENDING]
    assert response.status_code == 302
    assert response["Location"] == f"/imports/new/{pending['token']}/"
    assert pending["kind"] == "servicenow-eventlog" and pending["source_name"] == "sn.csv"
    assert pending["options"] == {"time_zone": None}
    assert pending["stored_name"].startswith("imports/sn")
    assert default_storage.exists(pending["stored_name"])


def test_it_reads_event_log_options_from_the_fields(web, admin_user):
    client = web(admin_user)
    client.post(
        NEW,
        {
            "kind": "eventlog-csv",
            "file": text_upload("log.csv", "case,activity,time,who,channel,team\n"),
            "case": "case",
            "activity": "activity",
            "timestamp": " time ",
            "resource": "who",
            "attributes": "channel, team,",
            "time_zone": "Europe/Paris",
        },
    )
    assert client.session[PENDING]["options"] == {
        "case": "case",
        "activity": "activity",
        "timestamp": "time",
        "resource": "who",
        "attributes": ["channel", "team"],
        "timestamp_format": None,
        "time_zone": "Europe/Paris",
    }


def test_a_new_upload_replaces_and_deletes_the_one_waiting(web, admin_user, small_log):
    client = web(admin_user)
    path = small_log(SERVICENOW_ROWS)
    client.post(NEW, {"kind": "servicenow-eventlog", "file": as_upload(path)})
    first = client.session[PENDING]["stored_name"]
    client.post(NEW, {"kind": "servicenow-eventlog", "file": as_upload(path)})
    assert client.session[PENDING]["stored_name"] != first
    assert not default_storage.exists(first)


def test_it_puts_a_file_that_is_not_gzip_on_the_file_field(web, admin_user):
    response = web(admin_user).post(
        NEW, {"kind": "servicenow-eventlog", "file": text_upload("log.csv.gz", "not gzip\n")}
    )
    [error] = errors_of(response, "file")
    assert "log.csv.gz" in error
