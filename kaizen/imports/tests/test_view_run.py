"""/imports/<id>/: a run's progress, summary and row errors."""

import datetime as dt

import pytest
from django.utils import timezone

from kaizen.imports.models import RunStatus
from kaizen.imports.tests.view_helpers import (
    BAD_STATE_LINE,
    NEW,
    SERVICENOW_ROWS,
    as_upload,
    assert_constant_queries,
    make_run,
)
from kaizen.imports.views import ERRORS_PER_PAGE

pytestmark = pytest.mark.django_db


def url(run) -> str:
    return f"/imports/{run.pk}/"


def test_it_forbids_requesters_and_plain_agents(web, requester, agent):
    run = make_run()
    for user in (requester, agent):
        assert web(user).get(url(run)).status_code == 403


def test_it_answers_404_for_a_run_that_does_not_exist(web, admin_user):
    assert web(admin_user).get("/imports/999999/").status_code == 404


def test_it_shows_the_summary_and_the_rejected_row_of_an_imported_upload(
    web, admin_user, small_log, django_capture_on_commit_callbacks
):
    client = web(admin_user)
    path = small_log(SERVICENOW_ROWS)
    preview = client.post(NEW, {"kind": "servicenow-eventlog", "file": as_upload(path, "sn.csv")})
    with django_capture_on_commit_callbacks(execute=True):
        start = client.post(f"{preview['Location']}start/")

    response = client.get(start["Location"])
    page = response.content.decode()
    figures = {figure["key"]: figure["value"] for figure in response.context["figures"]}

    assert "sn.csv" in page and "Finished" in page
    assert figures["rows_read"] == 5
    assert figures["records_created"] == 2
    assert figures["records_present"] == 0
    assert figures["rows_rejected"] == 1
    assert figures["events_written"] > 2
    assert isinstance(figures["seconds"], float)
    assert 'data-kz-width="100"' in page
    assert "incident_state: unknown state" in page  # problems by reason
    [error] = response.context["page_obj"].object_list
    assert (error.row_number, error.record_key, error.value) == (
        BAD_STATE_LINE,
        "INC0000002",
        "-100",
    )
    assert "Download errors as CSV" in page
    assert "run_progress.js" not in page and "data-progress-url" not in page  # not polled


def test_it_polls_the_progress_of_a_running_run(web, admin_user):
    run = make_run(
        status=RunStatus.RUNNING,
        heartbeat_at=timezone.now(),
        started_at=timezone.now(),
        bytes_total=1000,
        bytes_read=420,
        rows_read=300,
    )
    page = web(admin_user).get(url(run)).content.decode()
    assert 'data-kz-width="42"' in page and "progress-bar-animated" in page
    assert f'data-progress-url="/imports/{run.pk}/progress.json"' in page
    assert 'data-status="running"' in page and "/static/imports/run_progress.js" in page
    assert "None so far." in page


def test_it_shows_why_a_run_failed(web, admin_user):
    run = make_run(status=RunStatus.FAILED, failure="log.csv: missing column(s): number")
    page = web(admin_user).get(url(run)).content.decode()
    assert "The file could not be imported." in page
    assert "missing column(s): number" in page


def test_it_shows_a_running_run_whose_worker_died_as_interrupted(web, admin_user):
    run = make_run(status=RunStatus.RUNNING, heartbeat_at=timezone.now() - dt.timedelta(minutes=5))
    response = web(admin_user).get(url(run))
    assert response.context["run"].status == RunStatus.INTERRUPTED
    assert "stopped part-way" in response.content.decode()


def test_it_pages_the_row_errors(web, admin_user):
    run = make_run(errors=ERRORS_PER_PAGE + 3)
    client = web(admin_user)
    first = client.get(url(run)).context["page_obj"]
    last = client.get(url(run), {"page": 2}).context["page_obj"]
    assert len(first.object_list) == ERRORS_PER_PAGE
    assert [error.row_number for error in last.object_list] == [
        ERRORS_PER_PAGE + 2,
        ERRORS_PER_PAGE + 3,
        ERRORS_PER_PAGE + 4,
    ]


def test_it_shows_a_run_in_a_constant_number_of_queries(web, admin_user):
    run = make_run(actor=admin_user, errors=3)
    client = web(admin_user)

    def add_rows():
        make_run(errors=10)
        run.row_errors.model.objects.bulk_create(
            run.row_errors.model(run=run, row_number=100 + n, reason="bad") for n in range(20)
        )

    assert_constant_queries("run_detail", lambda: client.get(url(run)), add_rows)
